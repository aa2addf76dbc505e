"""What the gateway clients share: the error shape, proxies, host display, the HTTP session."""

from __future__ import annotations

import pickle

import pytest
import requests

from app.i18n import T_
from app.services import gateway
from app.services.sinno import SinnoClient, SinnoError, SinnoSettings
from app.services.smsapi import GatewayError, SmsApiClient, SmsApiSettings
from app.services.smtp import MailError


def test_errors_share_text_repr_and_pickling():
    sms = GatewayError("server", T_("Serverfehler"), code=8, http_status=500, maybe_sent=True)
    sinno = SinnoError("busy", T_("Ausgelastet"), code="rate_limited", retry_after=30)
    mail = MailError("timeout", T_("Zeitüberschreitung"))
    assert all(isinstance(e, gateway.GatewayFault) for e in (sms, sinno, mail))
    assert (str(sms), sms.user_message) == ("Serverfehler", "Serverfehler")
    assert repr(sms) == "GatewayError(kind='server', code=8, http_status=500)"
    assert repr(mail) == "MailError(kind='timeout', code=None, temporary=True)"
    copy = pickle.loads(pickle.dumps(sinno))
    assert (type(copy), copy.code, copy.retry_after, str(copy)) == (
        SinnoError,
        "rate_limited",
        30,
        "Ausgelastet",
    )
    assert sinno.passing


def test_proxies_and_display_host():
    assert gateway.proxies(None, None) is None
    assert gateway.proxies("http://proxy.local/", 3128) == {
        "http": "http://proxy.local:3128",
        "https": "http://proxy.local:3128",
    }
    assert gateway.proxies("::1", 8080)["https"] == "http://[::1]:8080"
    for port in (None, 0, 70000, True):
        with pytest.raises(ValueError):
            gateway.proxies("proxy.local", port)
    assert gateway.display_host("https://user:pw@example.org:8443/v1") == "example.org:8443"


def test_clients_close_only_their_own_session():
    borrowed = requests.Session()
    closed = []
    borrowed.close = lambda: closed.append(True)
    with SmsApiClient(SmsApiSettings(token="t" * 20), session=borrowed):
        pass
    with SinnoClient(SinnoSettings(), session=borrowed):
        pass
    assert closed == []
    own = SinnoClient(SinnoSettings(proxy_host="proxy.local", proxy_port=3128))
    assert own._proxies["http"] == "http://proxy.local:3128"
    own.close()
    with pytest.raises(SinnoError):
        SinnoClient(SinnoSettings(proxy_host="proxy.local"))
