"""The WLAN settings' enterprise fields: what a WPA2-Enterprise network must name."""

import pytest
from pydantic import ValidationError

from actkit_proto.network import WlanSettings


def test_an_enterprise_network_names_its_identity_and_eap_tls_its_certificate() -> None:
    enterprise = {"ssid": "fleet", "security": "wpa2_enterprise", "eap_identity": "car-13"}
    assert WlanSettings.model_validate(enterprise).eap_identity == "car-13"
    with pytest.raises(ValidationError, match="needs an EAP identity"):
        WlanSettings.model_validate({**enterprise, "eap_identity": None})
    with pytest.raises(ValidationError, match="EAP-TLS needs a client certificate"):
        WlanSettings.model_validate({**enterprise, "eap_method": "eap_tls"})
    tls = {**enterprise, "eap_method": "eap_tls", "client_certificate": "car-13"}
    assert WlanSettings.model_validate(tls).client_certificate == "car-13"
