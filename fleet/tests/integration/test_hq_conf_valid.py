"""nats-server itself reads the checked-in HQ configuration as valid (its -t check)."""

import subprocess
from pathlib import Path

from actkit_core.natsserver import nats_server_binary
from actkit_core.testing.certificates import CertificateAuthority

DEPLOY = Path(__file__).resolve().parents[3] / "deploy" / "hq"


def test_nats_server_finds_each_hq_node_configuration_valid(tmp_path: Path) -> None:
    ca = CertificateAuthority()
    ca.write(tmp_path, "vehicles-ca")
    ca.issue("hq1").write(tmp_path, "hq")
    for path in DEPLOY.glob("*.conf"):
        text = path.read_text().replace("/etc/nats/tls/", f"{tmp_path}/")
        (tmp_path / path.name).write_text(text)
    env = {"ACTKIT_HQ_PASSWORD_HQ": "kHq", "ACTKIT_HQ_PASSWORD_SYS": "kSys"}
    for name in ("hq1", "hq2", "hq3"):
        checked = subprocess.run(
            [nats_server_binary(), "-t", "-c", str(tmp_path / f"{name}.conf")],
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr
        assert "is valid" in checked.stdout + checked.stderr
