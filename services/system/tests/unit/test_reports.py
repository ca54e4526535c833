import base64
import io
import zipfile
from datetime import timedelta

from actkit_core.testing.clock import START
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.accounts import AccessFailed
from actkit_proto.system import (
    GetCrashReport,
    GetServerReport,
    GetServerReportArchive,
    LogRecorded,
    ReportArchive,
    Severity,
)
from actkit_system.handlers import Deps
from actkit_system.handlers.logs import record_log


async def fill_logs(fake_bus: FakeBus, deps: Deps) -> None:
    await record_log(
        LogRecorded(
            service="mqtt",
            at=START + timedelta(seconds=5),
            severity=Severity.ERROR,
            logger="actkit_mqtt.client",
            message="broker 10.0.0.5 refused: not authorised — ÅÄÖ",
        ),
        deps,
    )
    await fake_bus.publish(
        AccessFailed(
            at=START,
            client_address="192.0.2.7",
            name="root",
            method="basic",
            page="/",
            reason="wrong password",
        )
    )


def unzip(reply: ReportArchive) -> dict[str, str]:
    data = base64.b64decode(reply.content_base64)
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        return {name: zipped.read(name).decode() for name in zipped.namelist()}


async def test_the_server_report_shows_the_device_time_services_and_both_logs(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fill_logs(fake_bus, deps)
    text = (await fake_bus.request(GetServerReport())).text
    assert "Serial number: ACCC8E123456" in text
    assert "Software version: 1.0.0 (build dev)" in text
    assert "Synchronisation: ntp_dhcp, synchronised with ntp.dhcp.sim" in text
    assert " handled " in text.split("----- Services -----")[1]
    assert (
        "ERROR     mqtt actkit_mqtt.client: broker 10.0.0.5 refused: not authorised — ÅÄÖ" in text
    )
    assert "192.0.2.7 'root' basic /: wrong password" in text


async def test_the_server_report_downloads_as_a_zip_of_utf8_text(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fill_logs(fake_bus, deps)
    reply = await fake_bus.request(GetServerReportArchive())
    assert reply.file_name == "ACCC8E123456_server_report_20260701T120000Z.zip"
    files = unzip(reply)
    assert list(files) == ["ACCC8E123456_server_report_20260701T120000Z.txt"]
    assert "ÅÄÖ" in next(iter(files.values()))


async def test_the_crash_report_has_every_services_logs_parameters_and_status(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fill_logs(fake_bus, deps)
    files = unzip(await fake_bus.request(GetCrashReport()))
    folder = "ACCC8E123456_crash_report_20260701T120000Z/"
    assert set(files) == {
        folder + name
        for name in (
            "server_report.txt",
            "parameters.txt",
            "services.json",
            "upgrade.json",
            "system_log_recent.json",
            "logs/mqtt.log",
            "logs/system.log",
        )
    }
    assert "root.Power.DelayMin=5\n" in files[folder + "parameters.txt"]
    assert "ÅÄÖ" in files[folder + "logs/mqtt.log"]
    assert '"missing": [' in files[folder + "services.json"]
