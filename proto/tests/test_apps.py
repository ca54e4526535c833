"""The app manifest: what a vendor may ask for, refused in words when it may not."""

from typing import Any

import pytest
from pydantic import ValidationError

from actkit_proto import Invalid
from actkit_proto.system import AppManifest, InstallApp, SetAppSettings, StartApp


def manifest(**changes: Any) -> dict[str, Any]:
    return {
        "format_version": 1,
        "name": "trip-log",
        "vendor": "Example Vendor",
        "version": "1.0.0",
        "memory_mb": 64,
        "cpus": 0.5,
        "image": "apps/trip-log:1.0.0",
        "image_sha256": "a" * 64,
        **changes,
    }


def test_a_manifest_with_subjects_schema_and_limits_is_read() -> None:
    read = AppManifest.model_validate(
        manifest(
            subjects={"publish": ["trip-log.>"], "subscribe": ["io.port.*.changed", "io.>"]},
            settings_schema={"type": "object", "properties": {"keep_days": {"type": "integer"}}},
            web_port=8080,
        )
    )
    assert read.subjects.subscribe == ["io.port.*.changed", "io.>"]
    assert (read.memory_mb, read.cpus, read.web_port, read.needs_licence) == (64, 0.5, 8080, False)


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"privileged": True}, "privileged\n  Extra inputs are not permitted"),
        ({"format_version": 2}, "format_version\n  Input should be 1"),
        ({"memory_mb": 8}, "memory_mb\n  Input should be greater than or equal to 16"),
        ({"cpus": 4}, "cpus\n  Input should be less than or equal to 2"),
        ({"name": "Trip Log"}, "name\n  String should match pattern"),
        ({"image": "actkit:latest"}, "image\n  String should match pattern"),
        ({"image": "apps/trip-log:1.0-é"}, "image\n  String should match pattern"),
        ({"image": "apps/other:1"}, "name the app's image apps/trip-log:<tag>"),
        ({"image_sha256": None}, "image_sha256: give the archive's SHA-256"),
        ({"image": f"127.0.0.1:5000/apps/other@sha256:{'b' * 64}"}, "…/trip-log@sha256:…"),
        ({"image": f"127.0.0.1:5000/apps/trip-log@sha256:{'b' * 64}"}, "only an archive has one"),
        ({"settings_schema": {"type": "array"}}, 'describes an object: give "type": "object"'),
        ({"settings_schema": {"type": "object", "x": "y" * 20_000}}, "larger than 16384 bytes"),
        ({"subjects": {"publish": ["$JS.API.>"]}}, "is not a subject an app may ask for"),
        ({"subjects": {"subscribe": ["_INBOX.x"]}}, "is not a subject an app may ask for"),
        ({"subjects": {"subscribe": [">"]}}, "is not a subject an app may ask for"),
        ({"subjects": {"subscribe": ["io.>.x"]}}, "is not a subject an app may ask for"),
        ({"subjects": {"subscribe": ["io..x"]}}, "is not a subject an app may ask for"),
        ({"subjects": {"write": ["io.x"]}}, "write\n  Extra inputs are not permitted"),
    ],
)
def test_a_manifest_that_asks_for_too_much_is_refused(changes: dict[str, Any], said: str) -> None:
    with pytest.raises(ValidationError) as refused:
        AppManifest.model_validate(manifest(**changes))
    assert said in str(refused.value)


def test_an_app_is_named_in_the_subject_and_a_package_refuses_unknown_fields() -> None:
    assert StartApp(name="trip-log").to_subject() == "system.app.trip-log.start"
    payload = b'{"package": {"manifest": "{}", "upload_id": "up-00001", "archive": "x"}}'
    with pytest.raises(Invalid, match=r"package\.archive: unknown field"):
        InstallApp.from_wire("system.app.install", payload)


def test_an_apps_settings_are_bounded_in_size() -> None:
    within = SetAppSettings(name="trip-log", values={"note": "x" * 16_000})
    assert within.values["note"] == "x" * 16_000
    with pytest.raises(ValidationError, match="at most 16384 bytes as JSON"):
        SetAppSettings(name="trip-log", values={"note": "x" * 16_384})


def test_a_manifest_may_pin_its_image_in_a_registry_by_digest() -> None:
    pinned = f"127.0.0.1:5000/apps/trip-log@sha256:{'b' * 64}"
    read = AppManifest.model_validate(manifest(image=pinned, image_sha256=None))
    assert read.is_pulled
    assert not AppManifest.model_validate(manifest()).is_pulled
