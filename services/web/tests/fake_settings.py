"""Stand-ins for the settings owners (system, network, ble, ONVIF accounts, and the mqtt parts
FakeMqtt leaves out: subscriptions, Home Assistant) on a FakeBus."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import available_timezones

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.accounts import (
    AddOnvifAccount,
    DeleteOnvifAccount,
    ListOnvifAccounts,
    OnvifAccountInfo,
    OnvifAccountList,
    UpdateOnvifAccount,
)
from actkit_proto.base import Ack, Command, Reply
from actkit_proto.ble import (
    AdapterState,
    Broadcast,
    BroadcastList,
    GetAdapterState,
    GetBeaconSettings,
    ListBroadcasts,
    ListReceivedBeacons,
    ReceivedBeacon,
    ReceivedBeaconList,
    SetBeaconSettings,
)
from actkit_proto.errors import Conflict, Invalid, NotFound, Unavailable
from actkit_proto.mqtt import (
    AddSubscription,
    GetHomeAssistant,
    ListSubscriptions,
    RemoveSubscription,
    SetHomeAssistant,
    Subscription,
    SubscriptionList,
    UpdateSubscription,
)
from actkit_proto.network import (
    AddFirewallRule,
    AddFirewallRules,
    ConfirmFirewallRules,
    DeleteFirewallRule,
    DeleteFirewallRules,
    Firewall,
    GetDiscovery,
    GetDns,
    GetDot1x,
    GetFirewall,
    GetHostname,
    GetHttp,
    GetIpv4,
    GetIpv6,
    GetNetworkStatus,
    GetO3c,
    GetO3cStatus,
    GetSnmp,
    GetWlan,
    InterfaceStatus,
    NetworkStatus,
    O3cStatus,
    ScanWlan,
    SetDiscovery,
    SetDns,
    SetDot1x,
    SetFirewall,
    SetHostname,
    SetHttp,
    SetIpv4,
    SetIpv6,
    SetO3c,
    SetSnmp,
    SetSnmpV3Password,
    SetWlan,
    SnmpSettings,
    WlanNetworkSeen,
    WlanScan,
    WlanSecurity,
)
from actkit_proto.service import Finding, GetHardening, Hardening
from actkit_proto.system import (
    GetLocation,
    GetPowerSettings,
    GetTimeSettings,
    GetTimeStatus,
    SetDateTime,
    SetLocation,
    SetPowerSettings,
    SetTimeSettings,
    TimeSettings,
    TimeStatus,
)

from .serving import serve_methods

PAIRS: tuple[tuple[type[Command[Any]], type[Command[Any]]], ...] = (
    (GetTimeSettings, SetTimeSettings),
    (GetLocation, SetLocation),
    (GetPowerSettings, SetPowerSettings),
    (GetIpv4, SetIpv4),
    (GetIpv6, SetIpv6),
    (GetHostname, SetHostname),
    (GetDns, SetDns),
    (GetHttp, SetHttp),
    (GetDiscovery, SetDiscovery),
    (GetO3c, SetO3c),
    (GetSnmp, SetSnmp),
    (GetDot1x, SetDot1x),
    (GetWlan, SetWlan),
    (GetHomeAssistant, SetHomeAssistant),
    (GetBeaconSettings, SetBeaconSettings),
)
"""Groups kept whole: ``Get*`` answers the stored group, ``Set*`` stores the one it carries."""


@dataclass
class FakeSettings:
    """The owners of the System settings, answering from memory through the real dispatcher
    (so roles and the contract's validation are checked as the owners check them)."""

    stored: dict[type[Reply], Reply] = field(default_factory=dict)
    firewall: Firewall = field(default_factory=Firewall)
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    onvif: dict[str, OnvifAccountInfo] = field(default_factory=dict)

    async def install(self, bus: FakeBus) -> None:
        methods: dict[Any, Any] = {}
        for get, put in PAIRS:
            self.stored.setdefault(get.reply_type, get.reply_type())
            methods[get] = self._reader(get.reply_type)
            methods[put] = self._writer(put)
        methods[SetTimeSettings] = self.set_time
        methods.update(
            {
                GetTimeStatus: self.time_status,
                SetDateTime: self.set_date_time,
                GetNetworkStatus: self.network_status,
                GetO3cStatus: self.o3c_status,
                SetSnmpV3Password: self.set_snmp_v3_password,
                ScanWlan: self.scan_wlan,
                GetFirewall: self.get_firewall,
                SetFirewall: self.set_firewall,
                AddFirewallRules: self.add_firewall_rules,
                AddFirewallRule: self.add_firewall_rule,
                ConfirmFirewallRules: self.confirm_firewall_rules,
                DeleteFirewallRule: self.delete_firewall_rule,
                DeleteFirewallRules: self.delete_firewall_rules,
                ListSubscriptions: self.list_subscriptions,
                AddSubscription: self.add_subscription,
                UpdateSubscription: self.update_subscription,
                RemoveSubscription: self.remove_subscription,
                ListOnvifAccounts: self.list_onvif,
                AddOnvifAccount: self.add_onvif,
                UpdateOnvifAccount: self.update_onvif,
                DeleteOnvifAccount: self.delete_onvif,
                GetAdapterState: self.adapter_state,
                ListBroadcasts: self.list_broadcasts,
                ListReceivedBeacons: self.list_received,
            }
        )
        await serve_methods(bus, methods)
        bus.answer(GetHardening, self.hardening)

    def get(self, reply_type: type[Reply]) -> Any:
        return self.stored[reply_type]

    def _reader(self, reply_type: type[Reply]) -> Any:
        async def read(_command: Command[Any]) -> Reply:
            return self.stored[reply_type]

        return read

    def _writer(self, command_type: type[Command[Any]]) -> Any:
        carrier = command_type.replaced_group()
        assert carrier is not None, f"{command_type.__name__} replaces no group"

        async def write(command: Command[Any]) -> Reply:
            settings: Reply = getattr(command, carrier)
            # As the owners keep secrets: stored, never answered.
            fields = type(settings).model_fields
            secrets = [name for name, info in fields.items() if info.exclude_if]
            self.stored[type(settings)] = settings.model_copy(update=dict.fromkeys(secrets))
            return self.stored[type(settings)]

        return write

    async def set_time(self, command: SetTimeSettings) -> TimeSettings:
        """Refuses what the system service refuses beyond the contract (unknown time zones)."""
        if command.settings.time_zone not in available_timezones():
            raise Invalid(f"time_zone: {command.settings.time_zone!r} is not a known time zone")
        self.stored[TimeSettings] = command.settings
        return command.settings

    async def time_status(self, _command: GetTimeStatus) -> TimeStatus:
        settings: TimeSettings = self.get(TimeSettings)
        return TimeStatus(
            now=datetime(2026, 5, 4, 12, 0, tzinfo=UTC),
            time_zone=settings.time_zone,
            utc_offset_s=0,
            is_dst=False,
            sync_mode=settings.sync_mode,
            is_synchronized=True,
            server="ntp.example",
            offset_s=0.002,
            next_sync_s=60,
        )

    async def set_date_time(self, command: SetDateTime) -> TimeStatus:
        return (await self.time_status(GetTimeStatus())).model_copy(update={"now": command.at})

    async def network_status(self, _command: GetNetworkStatus) -> NetworkStatus:
        up = InterfaceStatus(interface="eth0", is_up=True, addresses=["192.0.2.10/24"])
        return NetworkStatus(hostname="w401", interfaces=[up])

    async def o3c_status(self, _command: GetO3cStatus) -> O3cStatus:
        return O3cStatus(
            vehicle_id="ACCC8E123456",
            reason="One-click: press the control button to connect",
            owner_authentication_key="ABCD-EFGH-JKLM-NPQR",
        )

    async def set_snmp_v3_password(self, _command: SetSnmpV3Password) -> SnmpSettings:
        snmp: SnmpSettings = self.get(SnmpSettings)
        if snmp.has_v3_password:
            raise Conflict("the SNMP v3 password is set already; reset to factory default first")
        updated = snmp.model_copy(update={"has_v3_password": True})
        self.stored[SnmpSettings] = updated
        return updated

    async def scan_wlan(self, _command: ScanWlan) -> WlanScan:
        return WlanScan(
            networks=[
                WlanNetworkSeen(
                    ssid="Depot", signal_percent=80, channel=6, security=WlanSecurity.WPA2_PSK
                ),
                WlanNetworkSeen(ssid="Guest", signal_percent=30, channel=11, security="open"),
            ]
        )

    async def get_firewall(self, _command: GetFirewall) -> Firewall:
        return self.firewall

    async def set_firewall(self, command: SetFirewall) -> Firewall:
        changes = {"is_active": command.is_active, "default_policy": command.default_policy}
        self.firewall = self.firewall.model_copy(update=changes)
        return self.firewall

    async def add_firewall_rules(self, command: AddFirewallRules) -> Firewall:
        deadline = 4_000_000_000.0 if command.time_limit_s else None
        self.firewall = self.firewall.model_copy(
            update={"active_rules": command.rules, "test_deadline": deadline}
        )
        return self.firewall

    async def add_firewall_rule(self, command: AddFirewallRule) -> Firewall:
        rules = [*self.firewall.active_rules, command.rule]
        return await self.add_firewall_rules(
            AddFirewallRules(rules=rules, time_limit_s=command.time_limit_s)
        )

    async def confirm_firewall_rules(self, _command: ConfirmFirewallRules) -> Firewall:
        self.firewall = self.firewall.model_copy(update={"test_deadline": None})
        return self.firewall

    async def delete_firewall_rule(self, command: DeleteFirewallRule) -> Firewall:
        rules = list(self.firewall.active_rules)
        if command.index >= len(rules):
            raise NotFound(f"there is no active rule {command.index}")
        del rules[command.index]
        self.firewall = self.firewall.model_copy(update={"active_rules": rules})
        return self.firewall

    async def delete_firewall_rules(self, _command: DeleteFirewallRules) -> Firewall:
        self.firewall = Firewall(
            is_active=self.firewall.is_active, default_policy=self.firewall.default_policy
        )
        return self.firewall

    async def list_subscriptions(self, _command: ListSubscriptions) -> SubscriptionList:
        return SubscriptionList(subscriptions=list(self.subscriptions.values()))

    async def add_subscription(self, command: AddSubscription) -> Subscription:
        new_id = max(self.subscriptions, default=0) + 1
        return await self.update_subscription(
            UpdateSubscription(subscription_id=new_id, spec=command.spec), new=True
        )

    async def update_subscription(
        self, command: UpdateSubscription, *, new: bool = False
    ) -> Subscription:
        if not new and command.subscription_id not in self.subscriptions:
            raise NotFound(f"there is no subscription {command.subscription_id}")
        for other in self.subscriptions.values():
            if other.subscription_id != command.subscription_id and (
                other.spec.filter == command.spec.filter
            ):
                raise Conflict(
                    f"subscription {other.subscription_id} already subscribes to "
                    f"{command.spec.filter!r}"
                )
        self.subscriptions[command.subscription_id] = Subscription(
            subscription_id=command.subscription_id,
            spec=command.spec,
            effective_filter=command.spec.filter,
        )
        return self.subscriptions[command.subscription_id]

    async def remove_subscription(self, command: RemoveSubscription) -> Ack:
        if self.subscriptions.pop(command.subscription_id, None) is None:
            raise NotFound(f"there is no subscription {command.subscription_id}")
        return Ack()

    async def list_onvif(self, _command: ListOnvifAccounts) -> OnvifAccountList:
        return OnvifAccountList(accounts=list(self.onvif.values()))

    async def add_onvif(self, command: AddOnvifAccount) -> OnvifAccountInfo:
        if command.name in self.onvif:
            raise Conflict(f"an ONVIF account named {command.name!r} already exists")
        self.onvif[command.name] = OnvifAccountInfo(name=command.name, role=command.role)
        return self.onvif[command.name]

    async def update_onvif(self, command: UpdateOnvifAccount) -> OnvifAccountInfo:
        if command.name not in self.onvif:
            raise NotFound(f"no ONVIF account named {command.name!r}")
        if command.role is not None:
            self.onvif[command.name] = OnvifAccountInfo(name=command.name, role=command.role)
        return self.onvif[command.name]

    async def delete_onvif(self, command: DeleteOnvifAccount) -> Ack:
        if self.onvif.pop(command.name, None) is None:
            raise NotFound(f"no ONVIF account named {command.name!r}")
        return Ack()

    async def adapter_state(self, _command: GetAdapterState) -> AdapterState:
        return AdapterState(
            is_present=True, is_powered=True, is_discovering=True, advertising_instances=1
        )

    async def list_broadcasts(self, _command: ListBroadcasts) -> BroadcastList:
        sent = Broadcast(system_id=4242, message_type=1, sequence=7, broadcasters=["rule:1"])
        return BroadcastList(broadcasts=[sent])

    async def list_received(self, _command: ListReceivedBeacons) -> ReceivedBeaconList:
        heard = ReceivedBeacon(
            system_id=77, message_type=1, sequence=3, rssi_dbm=-61, seen_s_ago=0.4
        )
        return ReceivedBeaconList(beacons=[heard], watched_system_ids=[77, 78])

    async def hardening(self, command: GetHardening) -> Hardening:
        """Network's HTTP beside HTTPS is weak; accounts' brute-force protection is on; mqtt is
        silent; the others own nothing of the summary."""
        if command.service == "mqtt":
            raise Unavailable("nobody answers mqtt.hardening.get: is mqtt running?")
        found = {
            "network": [
                Finding(
                    topic="HTTPS",
                    state="HTTP and HTTPS",
                    is_weak=True,
                    recommendation=(
                        "Allow access through HTTPS only (System > Network > HTTP and HTTPS): "
                        "over HTTP, passwords and settings travel unencrypted."
                    ),
                )
            ],
            "accounts": [Finding(topic="Brute-force protection", state="on", is_weak=False)],
        }
        return Hardening(service=command.service, findings=found.get(command.service, []))
