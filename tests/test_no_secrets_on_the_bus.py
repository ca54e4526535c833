"""Every query of the contract, asked of the real owners as an administrator: no secret comes back.

A query is a command whose name starts with Get, List, Query, Read or Trace (STYLE 2.6: a query
says what it returns; every other command is imperative and changes something), less the
internal sign-in exchanges, which only web sends and never for a person. The stack is first
given a secret of every kind (passwords, communities, the CAK, a passphrase, a client secret);
each reply must then carry no secret-named field with a value (only ``has_*`` flags) and none of
those secrets anywhere, zipped reports included.

A write-only field answered as ``null``, or left out, carries nothing: either passes.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.secrets import secret_fields
from actkit_core.testing.stack import Stack
from actkit_proto.accounts import (
    AddAccount,
    AddOnvifAccount,
    AddSshAccount,
    CreateFirstAdministrator,
    GetOsCertificate,
    ListCertificates,
    SetOpenIdSettings,
)
from actkit_proto.base import Actor, Command, Reply, Role
from actkit_proto.catalog import commands
from actkit_proto.errors import BusError, NotFound
from actkit_proto.events import (
    CreateRecipient,
    CreateRule,
    CreateSchedule,
    EmailRecipient,
    InputCondition,
    NetworkStorageRecipient,
    NotifyAction,
    RuleSpec,
    SftpRecipient,
    SipRecipient,
    TimeRange,
    WeeklySchedule,
)
from actkit_proto.mqtt import SetClientSettings
from actkit_proto.network import (
    Dot1xMethod,
    Dot1xSettings,
    O3cSettings,
    SetDot1x,
    SetO3c,
    SetSnmp,
    SetSnmpV3Password,
    SetWlan,
    SnmpSettings,
    WlanSettings,
)
from actkit_proto.params import ListParameters
from actkit_proto.services import SERVICE_NAMES, SETTINGS_OWNERS
from actkit_proto.system import (
    GetAppLicence,
    GetAppLog,
    GetAppPage,
    GetAppSettings,
    GetNetworkTraceChunk,
    ReportArchive,
)

pytestmark = pytest.mark.timeout(180)

QUERY_VERBS = ("Get", "List", "Query", "Read", "Trace")
ADMIN = Actor(name="root", role=Role.ADMINISTRATOR)
CAK = "0123456789abcdef0123456789abcdef"
SECRETS = {
    "root password": "Root-pw-7c1e",
    "account password": "Viewer-pw-3b9a",
    "ONVIF password": "Onvif-pw-58d2",
    "SSH password": "Ssh-pw-e41f",
    "OpenID client secret": "Oidc-secret-a07c",
    "WLAN passphrase": "Wlan-pass-9d3e",
    "802.1X password": "Dot1x-pw-26bf",
    "802.1X CAK": CAK,
    "O3C proxy password": "Proxy-pw-c5a1",
    "SNMP read community": "Read-comm-41f0",
    "SNMP write community": "Write-comm-8e27",
    "SNMP trap community": "Trap-comm-d6b3",
    "SNMP v3 password": "Snmp-v3-pw-0a4c",
    "MQTT password": "Mqtt-pw-7b15",
    "email recipient password": "Smtp-pw-f92d",
    "SFTP recipient password": "Sftp-pw-13ce",
    "network storage recipient password": "Smb-pw-5e71",
    "SIP recipient password": "Sip-pw-90ab",
}
"""Each secret given to the stack, by what it is; replies are searched for each value."""
MAY_BE_ABSENT: dict[type[Command[Any]], type[BusError]] = {
    GetOsCertificate: NotFound,  # none installed
    GetNetworkTraceChunk: NotFound,  # no trace recorded
    # No app is installed on the stack, so an app's own answers are not walked here (yet).
    GetAppLicence: NotFound,
    GetAppLog: NotFound,
    GetAppPage: NotFound,
    GetAppSettings: NotFound,
}

OWN_IDS: dict[type[Command[Any]], dict[str, list[Any]]] = {
    ListParameters: {"service": list(SETTINGS_OWNERS)},  # web keeps no settings
}


def is_query(command: type[Command[Any]]) -> bool:
    return command.__name__.startswith(QUERY_VERBS) and not command.internal_for


def flags_set(value: Any) -> set[str]:
    """The ``has_*`` flags that are true anywhere in a reply."""
    if isinstance(value, dict):
        here = {name for name, inner in value.items() if name.startswith("has_") and inner is True}
        return here.union(*(flags_set(inner) for inner in value.values()))
    if isinstance(value, list):
        return set().union(*(flags_set(inner) for inner in value))
    return set()


def readable_text(reply: Reply) -> str:
    """The reply as JSON, with a zipped report's files appended."""
    text = reply.model_dump_json()
    if isinstance(reply, ReportArchive):
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(reply.content_base64))) as archive:
            text += "".join(
                archive.read(name).decode(errors="replace") for name in archive.namelist()
            )
    return text


async def give_a_secret_of_every_kind(bus: Bus) -> dict[str, Any]:
    """Store every kind of secret; returns the ids the queries need."""
    await bus.request(
        CreateFirstAdministrator(
            name="root", password=SECRETS["root password"], accept_licence=True
        ),
        timeout_s=10,
    )
    as_admin: list[Command[Any]] = [
        AddAccount(name="viewer", password=SECRETS["account password"], role=Role.VIEWER),
        AddOnvifAccount(name="vms", password=SECRETS["ONVIF password"], role="media"),
        AddSshAccount(name="service", password=SECRETS["SSH password"]),
        SetOpenIdSettings(client_id="kit", client_secret=SECRETS["OpenID client secret"]),
        SetWlan(settings=WlanSettings(ssid="Patrol", passphrase=SECRETS["WLAN passphrase"])),
        SetDot1x(
            settings=Dot1xSettings(
                method=Dot1xMethod.PEAP_MSCHAPV2,
                eap_identity="kit",
                password=SECRETS["802.1X password"],
                ckn="00ff",
                cak=CAK,
            )
        ),
        SetO3c(
            settings=O3cSettings(
                proxy_host="proxy.example",
                proxy_port=3128,
                proxy_login="kit",
                proxy_password=SECRETS["O3C proxy password"],
            )
        ),
        SetSnmp(
            settings=SnmpSettings(
                read_community=SECRETS["SNMP read community"],
                write_community=SECRETS["SNMP write community"],
                trap_community=SECRETS["SNMP trap community"],
            )
        ),
        SetSnmpV3Password(password=SECRETS["SNMP v3 password"]),
        SetClientSettings(host="broker.example", username="kit", password=SECRETS["MQTT password"]),
    ]
    for command in as_admin:
        await bus.request(command.model_copy(update={"actor": ADMIN}), timeout_s=10)
    email = EmailRecipient(
        name="Duty",
        to=["duty@example.com"],
        sender="kit@example.com",
        host="smtp.example",
        username="kit",
        password=SECRETS["email recipient password"],
        pop_host="pop.example",
    )
    sftp = SftpRecipient(
        name="Archive",
        host="sftp.example",
        username="kit",
        password=SECRETS["SFTP recipient password"],
    )
    storage = NetworkStorageRecipient(
        name="NAS",
        host="nas.example",
        share="cams",
        username="kit",
        password=SECRETS["network storage recipient password"],
    )
    phone = SipRecipient(
        name="Dispatch phone",
        from_account="kit@pbx.example",
        to_address="112",
        password=SECRETS["SIP recipient password"],
    )
    recipients = [
        (await bus.request(CreateRecipient(recipient=spec, actor=ADMIN))).recipient_id
        for spec in (email, sftp, storage, phone)
    ]
    nights = WeeklySchedule(
        name="Nights", ranges=[TimeRange(days=["mon"], start="22:00", end="06:00")]
    )
    schedule = await bus.request(CreateSchedule(schedule=nights, actor=ADMIN))
    rule = RuleSpec(
        name="Door",
        conditions=[InputCondition(port_id=1)],
        action=NotifyAction(recipient_id=recipients[0]),
    )
    created = await bus.request(CreateRule(rule=rule, actor=ADMIN))
    certificates = await bus.request(ListCertificates(actor=ADMIN))
    return {
        "recipient_id": recipients,
        "rule_id": [created.rule_id],
        "schedule_id": [schedule.schedule_id],
        "port_id": [1],
        "cert_id": [certificates.certificates[0].cert_id],
        "service": list(SERVICE_NAMES),
        "name": ["trip-log"],
    }


def every_query(ids: dict[str, list[Any]]) -> list[Command[Any]]:
    """Each query once, or once per id it needs (a recipient of each kind, every service)."""
    asked: list[Command[Any]] = []
    for query in filter(is_query, commands()):
        needed = [name for name, field in query.model_fields.items() if field.is_required()]
        assert len(needed) <= 1, (query.__name__, needed)
        values = (ids | OWN_IDS.get(query, {}))[needed[0]] if needed else [None]
        for value in values:
            fields = {needed[0]: value} if needed else {}
            asked.append(query(actor=ADMIN, **fields))
    return asked


async def test_no_query_answers_a_secret_to_an_administrator(stack: Stack) -> None:
    async with Bus.connect("web", servers=[stack.nats_url], **stack.credentials("web")) as bus:
        ids = await give_a_secret_of_every_kind(bus)
        leaks: list[str] = []
        flags: set[str] = set()
        answered = 0
        for query in every_query(ids):
            name = f"{type(query).__name__}({query.model_dump_json(exclude={'actor'})})"
            try:
                reply = await bus.request(query, timeout_s=30)
            except BusError as exc:
                assert isinstance(exc, MAY_BE_ABSENT.get(type(query), ())), (name, exc)
                continue
            answered += 1
            answer = json.loads(reply.model_dump_json())
            leaks += secret_fields(answer, name)
            flags |= flags_set(answer)
            text = readable_text(reply)
            leaks += [f"{name}: the {what}" for what, value in SECRETS.items() if value in text]
    assert leaks == []
    assert answered >= 70
    # The secrets were stored and the queries read the groups that hold them.
    assert flags >= {
        "has_password",
        "has_client_secret",
        "has_passphrase",
        "has_cak",
        "has_proxy_password",
        "has_read_community",
        "has_write_community",
        "has_trap_community",
        "has_v3_password",
    }
