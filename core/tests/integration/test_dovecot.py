import poplib
import ssl

import pytest

from actkit_core.testing.dovecot import dovecot


def test_dovecot_lets_its_user_in_over_stls_and_tls_and_says_why_it_refuses() -> None:
    with dovecot() as server:
        plain = poplib.POP3(server.host, server.pop3_port, timeout=5)
        plain.stls(ssl.create_default_context(cadata=server.ca.pem))
        plain.user(server.username)
        assert plain.pass_(server.password).startswith(b"+OK")
        plain.quit()
        tls = poplib.POP3_SSL(
            server.host,
            server.pop3s_port,
            timeout=5,
            context=ssl.create_default_context(cadata=server.ca.pem),
        )
        tls.user(server.username)
        with pytest.raises(poplib.error_proto, match="Authentication failed"):
            tls.pass_("wrong")
        tls.quit()
        assert f"user=<{server.username}>" in server.log
    assert not server.folder.exists()


def test_dovecot_that_does_not_listen_in_time_fails_with_its_log() -> None:
    with pytest.raises(RuntimeError, match="dovecot did not listen"), dovecot(timeout_s=0):
        pass
