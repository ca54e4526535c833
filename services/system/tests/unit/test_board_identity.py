"""The board's identity: the MAC address of its first wired interface, read from sysfs."""

from pathlib import Path

import pytest

from actkit_system.adapters.board import NoWiredInterface, first_wired_mac


def _interface(
    net: Path, name: str, index: int, mac: str, kind: str = "1", *, is_physical: bool = True
) -> Path:
    folder = net / name
    folder.mkdir(parents=True)
    (folder / "ifindex").write_text(f"{index}\n")
    (folder / "address").write_text(f"{mac}\n")
    (folder / "type").write_text(f"{kind}\n")
    if is_physical:
        (folder / "device").mkdir()
    return folder


def test_the_mac_is_the_first_wired_interfaces(tmp_path: Path) -> None:
    net = tmp_path / "net"
    _interface(net, "lo", 1, "00:00:00:00:00:00", kind="772", is_physical=False)
    _interface(net, "wlan0", 2, "ac:cc:8e:00:00:99")
    (net / "wlan0" / "phy80211").mkdir()
    _interface(net, "eth1", 4, "ac:cc:8e:00:00:02")
    _interface(net, "eth0", 3, "ac:cc:8e:00:00:01")
    _interface(net, "docker0", 5, "02:42:ac:11:00:01", is_physical=False)
    _interface(net, "usb0", 6, "ac:cc:8e:00:00:03")
    (net / "usb0" / "ifindex").write_text("not a number\n")
    assert first_wired_mac(net) == "ac:cc:8e:00:00:01"


def test_a_board_without_a_wired_interface_says_so(tmp_path: Path) -> None:
    net = tmp_path / "net"
    _interface(net, "wlan0", 2, "ac:cc:8e:00:00:99")
    (net / "wlan0" / "wireless").mkdir()
    _interface(net, "veth1", 3, "02:42:ac:11:00:01", is_physical=False)
    with pytest.raises(NoWiredInterface, match=r"no wired network interface .*ADAPTER=sim"):
        first_wired_mac(net)
    with pytest.raises(NoWiredInterface, match="cannot list the network interfaces"):
        first_wired_mac(tmp_path / "missing")
