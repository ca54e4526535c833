import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from actkit_network.adapters.nftables import NftFirewall
from actkit_network.domain.nftables import render_ruleset
from actkit_proto import Invalid
from actkit_proto.network import FirewallPolicy, FirewallProtocol, FirewallRule

pytestmark = pytest.mark.skipif(shutil.which("nft") is None, reason="nft is not installed")

TCP, UDP, ANY = FirewallProtocol.TCP, FirewallProtocol.UDP, FirewallProtocol.ANY
ALLOW, DENY = FirewallPolicy.ALLOW, FirewallPolicy.DENY

CASES = {
    "off": (False, ALLOW, []),
    "on, allow, no rules": (True, ALLOW, []),
    "on, deny, no rules": (True, DENY, []),
    "every kind of rule": (
        True,
        DENY,
        [
            FirewallRule(address="192.0.2.7"),
            FirewallRule(address="192.0.2.0/24", protocol=TCP, port=443),
            FirewallRule(address="2001:db8::1", protocol=UDP, port=161, policy=DENY),
            FirewallRule(address="2001:db8::/32", protocol=TCP),
            FirewallRule(protocol=UDP, port=1),
            FirewallRule(protocol=TCP, port=65535, policy=DENY),
            FirewallRule(address="0.0.0.0/0", protocol=ANY, policy=DENY),
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_nft_accepts_every_generated_ruleset(case: str) -> None:
    await NftFirewall().check(render_ruleset(*CASES[case]))


async def test_nft_rejects_a_broken_ruleset_with_its_reason() -> None:
    with pytest.raises(Invalid, match="nft rejected the ruleset"):
        await NftFirewall().check("table inet actkit_firewall {\n chain input { bogus }\n}\n")


@pytest.fixture
def namespace() -> Iterator[str]:
    if os.geteuid() != 0:
        pytest.skip("needs root for a network namespace")
    name = f"actkit-fw-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=True)


async def test_loading_replaces_the_ruleset_and_turning_off_removes_it(namespace: str) -> None:
    nft = ("ip", "netns", "exec", namespace, "nft")
    firewall = NftFirewall(nft)
    await firewall.load(render_ruleset(*CASES["every kind of rule"]))
    await firewall.load(render_ruleset(True, ALLOW, [FirewallRule(protocol=TCP, port=22)]))
    listed = subprocess.run([*nft, "list", "ruleset"], capture_output=True, text=True).stdout
    assert "policy accept;" in listed
    assert "tcp dport 22 accept" in listed
    assert "443" not in listed
    await firewall.load(render_ruleset(*CASES["off"]))
    assert subprocess.run([*nft, "list", "ruleset"], capture_output=True, text=True).stdout == ""
