"""The certificates of the radios VM's WPA2-Enterprise access point, made before it boots.

``tools/radios-vm.sh`` runs ``python -m tests.radios.eap FOLDER`` on this machine (the VM sees
FOLDER, and hostapd reads its server certificate there): a CA, the access point's
authentication server certificate, and a client certificate for EAP-TLS that the tests import
into the kit's certificate store. The EAP users are in ``access-points/enterprise.users``.
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from actkit_core.testing.certificates import CertificateAuthority

USERS = Path(__file__).parent / "access-points" / "enterprise.users"
TLS_IDENTITY = "car-12"


@dataclass(frozen=True)
class EapUsers:
    """Who the access point lets in, as ``enterprise.users`` says."""

    tls_identity: str
    peap_identity: str
    peap_password: str


def users() -> EapUsers:
    """The EAP-TLS identity, and PEAP's identity and its MSCHAPv2 password."""
    entries = [
        re.findall(r'"([^"]*)"|(\S+)', line)
        for line in USERS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    words = [[quoted or bare for quoted, bare in entry] for entry in entries]
    tls = next(entry[0] for entry in words if entry[1] == "TLS")
    identity, _method, password, *_ = next(entry for entry in words if entry[1] == "MSCHAPV2")
    return EapUsers(tls_identity=tls, peap_identity=identity, peap_password=password)


def write(folder: Path) -> None:
    """Write ``ca.pem``, hostapd's ``server.pem``/``.key``, the client's and ``users``."""
    folder.mkdir(parents=True, exist_ok=True)
    authority = CertificateAuthority("radios EAP")
    authority.write(folder)
    authority.issue("radius.radios.test").write(folder, "server")
    identity = users().tls_identity
    authority.issue(f"{identity}.radios.test", common_name=identity).write(folder, identity)
    shutil.copyfile(USERS, folder / "users")


if __name__ == "__main__":
    write(Path(sys.argv[1]))
