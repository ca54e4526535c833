"""Real SIP peers for tests: Kamailio as the proxy and registrar, baresip as the phone called.

Kamailio lets a caller place a call only with :data:`PASSWORD` (digest, 407 otherwise) and
relays it to whoever registered the name called. baresip registers :data:`CALLEE` with it,
answers every call, and keeps the audio it hears as WAV files (its ``sndfile`` module), so a test
can check that the audio arrived. Both listen on loopback UDP ports only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from actkit_core.testing.stack import free_udp_port

CALLER = "kit"
PASSWORD = "sip-s3cret"
CALLEE = "bob"
KAMAILIO_MODULES = next(Path("/usr/lib").glob("*/kamailio/modules"), Path("/usr/lib/kamailio"))
"""Where Debian puts Kamailio's modules: under the machine's multiarch folder."""
BARESIP_MODULES = "/usr/lib/baresip/modules"


@dataclass(frozen=True)
class SipPeers:
    """A running Kamailio and a baresip registered with it as :data:`CALLEE`."""

    folder: Path
    proxy_port: int
    callee_port: int
    host: str = "127.0.0.1"
    caller: str = CALLER
    password: str = PASSWORD
    callee: str = CALLEE

    @property
    def proxy_log(self) -> str:
        """What Kamailio logged: each call it relayed is a ``relaying INVITE`` line."""
        return (self.folder / "kamailio.log").read_text(errors="replace")

    @property
    def callee_log(self) -> str:
        """What baresip logged: its registration, each call and how it ended."""
        return (self.folder / "baresip.log").read_text(errors="replace")

    def received_audio(self) -> list[Path]:
        """The WAV files of the audio baresip heard, a file per call (16-bit, 8 kHz)."""
        return sorted((self.folder / "baresip" / "dump").glob("*-dec.wav"))


def _kamailio_config(peers: SipPeers) -> str:
    return f"""#!KAMAILIO
debug=2
log_stderror=yes
children=1
auto_aliases=no
listen=udp:{peers.host}:{peers.proxy_port}
alias={peers.host}:{peers.proxy_port}
mpath="{KAMAILIO_MODULES}/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "auth.so"
loadmodule "xlog.so"
modparam("usrloc", "db_mode", 0)

request_route {{
  if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
  if (has_totag()) {{
    loose_route();
    if (is_method("ACK") && !t_check_trans()) {{ forward(); exit; }}
    t_relay();
    exit;
  }}
  if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
  if (is_method("REGISTER")) {{ save("location"); exit; }}
  if (is_method("INVITE")) {{
    if (!pv_auth_check("$fd", "{peers.password}", "0", "1")) {{
      auth_challenge("$fd", "1");
      exit;
    }}
    consume_credentials();
    record_route();
  }}
  if (!lookup("location")) {{ sl_send_reply("404", "Not Found"); exit; }}
  xlog("L_INFO", "relaying $rm from $fu to $ru\\n");
  t_relay();
}}
"""


def _write_baresip_config(peers: SipPeers) -> Path:
    folder = peers.folder / "baresip"
    (folder / "dump").mkdir(parents=True)
    with wave.open(str(folder / "silence.wav"), "wb") as silence:
        silence.setnchannels(1)
        silence.setsampwidth(2)
        silence.setframerate(8000)
        silence.writeframes(b"\0\0" * 8000 * 60)
    (folder / "config").write_text(
        f"poll_method epoll\nsip_listen {peers.host}:{peers.callee_port}\n"
        f"net_interface {peers.host}\nmodule_path {BARESIP_MODULES}\n"
        "module g711.so\nmodule aufile.so\nmodule aubridge.so\nmodule sndfile.so\n"
        "module_app account.so\naudio_player aubridge,none\naudio_alert aubridge,none\n"
        f"audio_source aufile,{folder / 'silence.wav'}\nsnd_path {folder / 'dump'}\n"
    )
    proxy = f"{peers.host}:{peers.proxy_port}"
    (folder / "accounts").write_text(
        f'<sip:{peers.callee}@{proxy}>;outbound="sip:{proxy}";regint=600;'
        "answermode=auto;audio_codecs=PCMU\n"
    )
    return folder


@contextlib.contextmanager
def sip_peers(timeout_s: float = 10.0) -> Iterator[SipPeers]:
    """Kamailio and a registered baresip until the block ends.

    Raises:
        RuntimeError: baresip was not registered in time; both logs are included.
    """
    folder = Path(tempfile.mkdtemp(prefix="actkit-sip-"))
    peers = SipPeers(folder, free_udp_port(), free_udp_port())
    try:
        config = folder / "kamailio.cfg"
        config.write_text(_kamailio_config(peers))
        (folder / "run").mkdir()
        baresip_folder = _write_baresip_config(peers)
        with (folder / "kamailio.log").open("wb") as proxy_log:
            proxy = subprocess.Popen(
                [
                    *("kamailio", "-f", str(config), "-DD", "-E", "-n", "1"),
                    *("-P", str(folder / "kamailio.pid"), "-Y", str(folder / "run")),
                ],
                stdin=subprocess.DEVNULL,
                stdout=proxy_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            with (folder / "baresip.log").open("wb") as callee_log:
                callee = subprocess.Popen(
                    ["baresip", "-f", str(baresip_folder), "-v"],
                    stdin=subprocess.DEVNULL,
                    stdout=callee_log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            try:
                _wait_until_registered(peers, timeout_s)
                yield peers
            finally:
                # Killed, both: on SIGTERM baresip waits to unregister, and Kamailio still
                # starting ignores it. Neither keeps anything a test reads after.
                os.killpg(callee.pid, signal.SIGKILL)
                callee.wait(timeout=10)
        finally:
            os.killpg(proxy.pid, signal.SIGKILL)
            proxy.wait(timeout=10)
    finally:
        shutil.rmtree(folder)


def _wait_until_registered(peers: SipPeers, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while "200 OK (kamailio" not in peers.callee_log:
        if time.monotonic() >= deadline:
            raise RuntimeError(
                f"baresip did not register with Kamailio:\n{peers.callee_log}\n{peers.proxy_log}"
            )
        time.sleep(0.02)
