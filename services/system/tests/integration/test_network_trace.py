import shutil
import socket
import struct
from pathlib import Path

import pytest

from actkit_system.adapters.tcpdump import TcpdumpCapture

pytestmark = [
    pytest.mark.skipif(shutil.which("tcpdump") is None, reason="tcpdump is not installed"),
    pytest.mark.timeout(20),
]


async def test_tcpdump_records_a_pcap_with_the_packets_sent(tmp_path: Path) -> None:
    path = tmp_path / "trace.pcap"
    seconds: list[int] = []
    marker = b"actkit-trace-marker"

    async def progress(second: int) -> None:
        seconds.append(second)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(marker, ("127.0.0.1", 9))

    await TcpdumpCapture(interface="lo").record(path, 2, progress)
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic in (0xA1B2C3D4, 0xA1B23C4D)
    assert seconds[:1] == [1]
    assert marker in data
