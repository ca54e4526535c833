import os
import shutil

import pytest

from actkit_core.testing.samba import samba

smbclient = pytest.importorskip("smbclient")
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("smbd") is None, reason="needs root and samba"
)


def test_samba_takes_a_file_refuses_a_wrong_password_and_has_a_full_folder() -> None:
    with samba() as server:
        share = rf"\\{server.host}\{server.share}"
        cache: dict[str, object] = {}
        options = {"port": server.port, "connection_cache": cache}
        smbclient.register_session(
            server.host, username=server.username, password=server.password, **options
        )
        try:
            with smbclient.open_file(rf"{share}\events\a.txt", mode="w", **options) as remote:
                remote.write("written")
            with (
                pytest.raises(smbclient._os.SMBResponseException, match="STATUS_DISK_FULL"),
                smbclient.open_file(rf"{share}\full\b.txt", mode="w", **options) as remote,
            ):
                remote.write("x" * 8192)
        finally:
            smbclient.reset_connection_cache(connection_cache=cache)
        refused: dict[str, object] = {}
        with pytest.raises(Exception, match="STATUS_LOGON_FAILURE"):
            smbclient.register_session(
                server.host,
                username=server.username,
                password="wrong",
                port=server.port,
                connection_cache=refused,
            )
        smbclient.reset_connection_cache(connection_cache=refused)
        assert (server.share_path / "events" / "a.txt").read_text() == "written"
        assert "smbd version" in server.log
    assert not server.folder.exists()


def test_samba_that_does_not_listen_in_time_fails_with_its_log() -> None:
    with pytest.raises(RuntimeError, match="smbd did not listen"), samba(timeout_s=0):
        pass
