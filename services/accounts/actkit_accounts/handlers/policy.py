"""Settings of authentication, anonymous access and brute-force blocking; the access log."""

from __future__ import annotations

from actkit_accounts.domain.blocking import BlockingPolicy
from actkit_accounts.handlers.deps import Deps
from actkit_accounts.params import FIELDS
from actkit_core.section_params import Section, SectionParameters
from actkit_proto.accounts import (
    AccessFailures,
    AuthSettings,
    AuthSettingsChanged,
    BruteForceSettings,
    GetAuthSettings,
    GetBruteForceSettings,
    ListAccessFailures,
    SetAuthSettings,
    SetBruteForceSettings,
)


async def get_auth_settings(_command: GetAuthSettings, deps: Deps) -> AuthSettings:
    return deps.options.auth


async def set_auth_settings(command: SetAuthSettings, deps: Deps) -> AuthSettings:
    changes = command.model_dump(exclude_none=True, exclude={"actor"})
    settings = deps.options.auth.model_copy(update=changes)
    await deps.store.sections.save(settings)
    deps.options.auth = settings
    await deps.bus.publish(AuthSettingsChanged(settings=settings))
    return settings


async def get_brute_force_settings(
    _command: GetBruteForceSettings, deps: Deps
) -> BruteForceSettings:
    return brute_force_settings(deps.blocker.policy)


async def set_brute_force_settings(
    command: SetBruteForceSettings, deps: Deps
) -> BruteForceSettings:
    changes = command.model_dump(exclude_none=True, exclude={"actor"})
    settings = brute_force_settings(deps.blocker.policy).model_copy(update=changes)
    await deps.store.sections.save(settings)
    deps.blocker.policy = blocking_policy(settings)
    return settings


async def list_access_failures(command: ListAccessFailures, deps: Deps) -> AccessFailures:
    newest_first = list(reversed(deps.access_log))
    return AccessFailures(entries=newest_first[: command.limit])


def blocking_policy(settings: BruteForceSettings) -> BlockingPolicy:
    return BlockingPolicy(
        is_enabled=settings.is_enabled,
        period_s=settings.blocking_period_s,
        failures_per_page=settings.failures_per_page,
        failures_per_device=settings.failures_per_device,
    )


def brute_force_settings(policy: BlockingPolicy) -> BruteForceSettings:
    return BruteForceSettings(
        is_enabled=policy.is_enabled,
        blocking_period_s=policy.period_s,
        failures_per_page=policy.failures_per_page,
        failures_per_device=policy.failures_per_device,
    )


def accounts_parameters(deps: Deps) -> SectionParameters:
    """Plain-config parameters; a set goes through the policy's own set handlers."""

    async def write_auth(settings: AuthSettings) -> AuthSettings:
        return await set_auth_settings(SetAuthSettings(**settings.model_dump()), deps)

    async def write_blocking(settings: BruteForceSettings) -> BruteForceSettings:
        return await set_brute_force_settings(SetBruteForceSettings(**settings.model_dump()), deps)

    return SectionParameters(
        FIELDS,
        {
            "auth": Section(lambda: get_auth_settings(GetAuthSettings(), deps), write_auth),
            "blocking": Section(
                lambda: get_brute_force_settings(GetBruteForceSettings(), deps), write_blocking
            ),
        },
    )
