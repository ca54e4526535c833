import shutil
import socket

import pytest

from actkit_core.testing.sip import sip_peers

pytestmark = pytest.mark.skipif(
    shutil.which("kamailio") is None or shutil.which("baresip") is None,
    reason="needs kamailio and baresip",
)


def test_kamailio_relays_to_the_registered_baresip_which_answers() -> None:
    with sip_peers() as peers, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.bind((peers.host, 0))
        client.settimeout(5)
        local = f"{peers.host}:{client.getsockname()[1]}"
        options = (
            f"OPTIONS sip:{peers.callee}@{peers.host} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {local};branch=z9hG4bKcheck1;rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:{peers.caller}@{peers.host}>;tag=check\r\n"
            f"To: <sip:{peers.callee}@{peers.host}>\r\n"
            "Call-ID: check@actkit\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        )
        client.sendto(options.encode(), (peers.host, peers.proxy_port))
        answer = client.recv(4096).decode()
        assert answer.startswith("SIP/2.0 200 OK"), answer
        assert "baresip" in answer
        assert "relaying OPTIONS" in peers.proxy_log
        assert peers.received_audio() == []
    assert not peers.folder.exists()


def test_sip_peers_not_ready_in_time_fail_with_their_logs() -> None:
    with pytest.raises(RuntimeError, match="baresip did not register"), sip_peers(timeout_s=0):
        pass
