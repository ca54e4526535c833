from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from actkit_core.bus import Bus
from actkit_core.params import ParameterSpec, parameter_handlers, restore_defaults
from actkit_core.testing.plugin import running
from actkit_proto import Ack
from actkit_proto.params import ParameterType, ParameterValue, RestoreSettings
from actkit_proto.system import (
    GetPowerSettings,
    ListPlainConfig,
    Restore,
    SetPlainConfig,
)
from actkit_system.main import serve
from actkit_system.settings import SystemSettings

from .serving import until_answering

NETWORK = (
    # The manual's keep-list, as network serves it, and one setting that is not on it.
    ParameterSpec("Network", "BootProto", ParameterType.ENUM, "dhcp", ("dhcp", "none"),
                  is_kept_on_restore=True),
    ParameterSpec("Network", "IPAddress", ParameterType.STRING, "", is_kept_on_restore=True),
    ParameterSpec("Network", "SubnetMask", ParameterType.STRING, "", is_kept_on_restore=True),
    ParameterSpec("Network", "DefaultRouter", ParameterType.STRING, "", is_kept_on_restore=True),
    ParameterSpec("Network.Resolver", "NameServer1", ParameterType.STRING, "",
                  is_kept_on_restore=True),
    ParameterSpec("Network.Interface.I0.dot1x", "Enabled", ParameterType.BOOLEAN, False,
                  is_kept_on_restore=True),
    ParameterSpec("RemoteService", "Enabled", ParameterType.BOOLEAN, False,
                  is_kept_on_restore=True),
    ParameterSpec("Network", "HostName", ParameterType.STRING, "axis-accc8e123456"),
)  # fmt: skip
IO = (ParameterSpec("IO.Port.I1", "Name", ParameterType.STRING, "Port 1"),)


@dataclass
class Owner:
    specs: tuple[ParameterSpec, ...]
    stored: dict[str, ParameterValue | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stored = {spec.key: spec.default for spec in self.specs}

    async def values(self) -> dict[str, ParameterValue | None]:
        return self.stored

    async def apply(self, changes: dict[str, ParameterValue]) -> None:
        self.stored.update(changes)


async def restore(command: RestoreSettings, owner: Owner) -> Ack:
    await restore_defaults(owner, command.scope)
    return Ack()


@asynccontextmanager
async def owners(nats_server: str) -> AsyncIterator[dict[str, Owner]]:
    """io and network stand-ins on their own connections, served as the owners would."""
    found = {"io": Owner(IO), "network": Owner(NETWORK)}
    buses = []
    try:
        for name, owner in found.items():
            context = Bus.connect(name, servers=[nats_server])
            buses.append(context)
            bus = await context.__aenter__()
            handlers = {**parameter_handlers(lambda deps: deps), RestoreSettings: restore}
            await bus.serve(handlers, owner, version="0.0.0")
        yield found
    finally:
        for context in buses:
            await context.__aexit__(None, None, None)


async def test_plain_config_gathers_every_owner_and_a_set_reaches_it(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    settings = SystemSettings(nats_url=nats_server, data_dir=tmp_path, metrics_port=0)
    async with owners(nats_server) as found, running(serve, settings):
        await until_answering(bus)
        listed = (await bus.request(ListPlainConfig())).parameters
        services = {parameter.service for parameter in listed}
        assert services == {"io", "network", "system"}
        changed = await bus.request(
            SetPlainConfig(
                values={
                    "root.IO.Port.I1.Name": "Lightbar",
                    "Network.HostName": "car-12",
                    "Power.DelayMin": "20",
                }
            )
        )
        assert {p.key: p.value for p in changed.parameters} == {
            "IO.Port.I1.Name": "Lightbar",
            "Network.HostName": "car-12",
            "Power.DelayMin": 20,
        }
        assert found["io"].stored["IO.Port.I1.Name"] == "Lightbar"
        assert found["network"].stored["Network.HostName"] == "car-12"
        assert (await bus.request(GetPowerSettings())).delay_min == 20


async def test_restore_over_the_bus_keeps_exactly_the_manuals_list(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    settings = SystemSettings(nats_url=nats_server, data_dir=tmp_path, metrics_port=0)
    async with owners(nats_server) as found, running(serve, settings):
        await until_answering(bus)
        configured = {
            "Network.BootProto": "none",
            "Network.IPAddress": "192.0.2.10",
            "Network.SubnetMask": "255.255.255.0",
            "Network.DefaultRouter": "192.0.2.1",
            "Network.Resolver.NameServer1": "192.0.2.53",
            "Network.Interface.I0.dot1x.Enabled": True,
            "RemoteService.Enabled": True,
            "Network.HostName": "car-12",
            "IO.Port.I1.Name": "Lightbar",
            "Power.DelayMin": 20,
            "Location.Label": "Car 12",
        }
        await bus.request(SetPlainConfig(values=configured))
        result = await bus.request(Restore(), timeout_s=15)
        assert {"io", "network", "system"} <= set(result.restored)
        after = {p.key: p for p in (await bus.request(ListPlainConfig())).parameters}
        kept = {key for key, parameter in after.items() if parameter.is_kept_on_restore}
        assert kept == {key for key in configured if key.startswith(("Network.", "RemoteS"))} - {
            "Network.HostName"
        }
        for key, value in configured.items():
            expected = value if key in kept else after[key].default
            assert after[key].value == expected, key
        assert found["network"].stored["Network.HostName"] == "axis-accc8e123456"
