import asyncio
import uuid

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncZeroconf

from actkit_network.adapters.zeroconf import SERVICE_TYPE, ZeroconfAnnouncer


async def test_the_announcement_is_seen_by_a_browser_and_withdrawn_when_off() -> None:
    name = f"Car 12 {uuid.uuid4().hex[:6]}"
    changes: asyncio.Queue[tuple[str, ServiceStateChange]] = asyncio.Queue()

    def collect(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        del zeroconf, service_type
        changes.put_nowait((name, state_change))

    announcer = ZeroconfAnnouncer(interfaces=["127.0.0.1"])
    browser_side = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    browser = AsyncServiceBrowser(browser_side.zeroconf, SERVICE_TYPE, handlers=[collect])
    try:
        await announcer.apply(name, "car-12", 8080)
        full_name = f"{name}.{SERVICE_TYPE}"
        assert await _next_about(changes, full_name) is ServiceStateChange.Added
        info = await browser_side.async_get_service_info(SERVICE_TYPE, full_name, 3000)
        assert info is not None
        assert (info.port, info.server, info.properties) == (8080, "car-12.local.", {b"path": b"/"})
        assert info.parsed_addresses() == ["127.0.0.1"]
        await announcer.apply(None, "car-12", 8080)
        assert await _next_about(changes, full_name) is ServiceStateChange.Removed
    finally:
        await browser.async_cancel()
        await browser_side.async_close()
        await announcer.close()


async def _next_about(
    changes: asyncio.Queue[tuple[str, ServiceStateChange]], name: str
) -> ServiceStateChange:
    # Other announcements on the loopback (other tests, other services) are skipped.
    while True:
        seen, change = await asyncio.wait_for(changes.get(), 10)
        if seen == name:
            return change
