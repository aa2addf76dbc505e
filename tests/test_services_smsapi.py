"""The SMSAPI client against the in-process simulator, plus parsing edge cases with a stub."""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import time
import traceback

import pytest
import requests

from app.services import smsapi
from app.services.smsapi import (
    ERROR_MESSAGES,
    USER_AGENT,
    Balance,
    GatewayError,
    SmsApiClient,
    SmsApiSettings,
    error_kind,
    error_message,
)
from tests.sim_fixtures import SIM_PASSWORD, SIM_TOKEN, SIM_USERNAME

SIM_MD5 = hashlib.md5(SIM_PASSWORD.encode()).hexdigest()
SECRETS = (SIM_TOKEN, SIM_PASSWORD, SIM_MD5, "wrong-token", "wrong-password")
NUMBER = "4915123456789"


def token_client(sim, token=SIM_TOKEN, **settings) -> SmsApiClient:
    return SmsApiClient(SmsApiSettings(service="custom", base_url=sim.url, token=token, **settings))


def login_client(sim, password=SIM_PASSWORD, **settings) -> SmsApiClient:
    return SmsApiClient(
        SmsApiSettings(
            service="custom", base_url=sim.url, username=SIM_USERNAME, password=password, **settings
        )
    )


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"secret leaked into: {text[:200]!r}"


def shown_in_traceback(err: BaseException) -> list[str]:
    """The exception lines a logged traceback would show, chained exceptions included."""
    texts, exc = [], err
    while exc is not None:
        texts.append("".join(traceback.format_exception_only(exc)))
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return texts


@pytest.fixture(scope="module", autouse=True)
def _app_context():
    """An app context, so that texts render in a given language through the app's catalogue."""
    from app import create_app
    from tests.conftest import make_config

    with create_app(make_config("sqlite://")).app_context():
        yield


def assert_safe(err: GatewayError, caplog) -> None:
    assert len(shown_in_traceback(err)) == 1  # the requests error (URL, query) is not chained
    shown = shown_in_traceback(err)
    english = err.text.render("en")
    assert_no_secret(str(err), repr(err), english, caplog.text, *shown)
    assert str(err) == err.text.render("de") == err.user_message  # German outside a request
    assert english and english != str(err)


@pytest.fixture(autouse=True)
def _debug_logs(caplog, monkeypatch):
    # alembic's fileConfig (run by the migration tests) disables loggers that already exist.
    monkeypatch.setattr(logging.getLogger(smsapi.__name__), "disabled", False)
    caplog.set_level(logging.DEBUG)


def test_service_host_table():
    def hosts(service):
        return SmsApiClient(SmsApiSettings(service=service, token="t")).hosts

    assert hosts("smsapi_pl") == ("https://api.smsapi.pl/", "https://api2.smsapi.pl/")
    assert hosts("smsapi_com") == ("https://api.smsapi.com/", "https://api2.smsapi.com/")
    assert hosts("hqsms") == ("https://ssl.hqsms.com/", "https://ssl2.hqsms.com/")
    settings = SmsApiSettings(service="custom", base_url="http://gw.local:81/x", token="t")
    custom = SmsApiClient(settings)
    assert custom.hosts == ("http://gw.local:81/x/",)


@pytest.mark.parametrize(
    ("settings", "kind"),
    [
        (SmsApiSettings(service="nope", token="t"), "other"),
        (SmsApiSettings(service="custom", token="t"), "other"),
        (SmsApiSettings(service="custom", base_url="ftp://x/", token="t"), "other"),
        (SmsApiSettings(service="smsapi_pl"), "auth"),
        (SmsApiSettings(service="smsapi_pl", username="u"), "auth"),
        (SmsApiSettings(service="smsapi_pl", token="t", proxy_host="proxy"), "proxy"),
        (SmsApiSettings(service="smsapi_pl", token="t", proxy_host="proxy", proxy_port=0), "proxy"),
        (SmsApiSettings(token="t", proxy_host="proxy", proxy_port="x"), "proxy"),  # type: ignore
    ],
)
def test_bad_settings_raise_gateway_error(settings, kind):
    with pytest.raises(GatewayError) as info:
        SmsApiClient(settings)
    assert info.value.kind == kind


@pytest.mark.parametrize(
    "settings",
    [
        SmsApiSettings(service="custom", base_url="http://bad host/", token="t"),
        SmsApiSettings(service="custom", base_url=f"http://{'a' * 70}.example/", token="t"),
        SmsApiSettings(token="t", proxy_host="bad host", proxy_port=3128),
    ],
)
def test_unusable_addresses_raise_gateway_error(settings):
    with pytest.raises(GatewayError) as info:
        SmsApiClient(settings).balance()
    assert info.value.kind == "other"


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("proxy.local", 3128, "http://proxy.local:3128"),
        ("http://proxy.local/", 8080, "http://proxy.local:8080"),
        ("::1", 3128, "http://[::1]:3128"),
        ("[fe80::1]", "3128", "http://[fe80::1]:3128"),
    ],
)
def test_proxy_url(host, port, url):
    client = SmsApiClient(SmsApiSettings(token="t", proxy_host=host, proxy_port=port))
    assert client._proxies == {"http": url, "https": url}


def test_reprs_hold_no_secret(smsapi_sim):
    settings = SmsApiSettings(
        service="custom",
        base_url=smsapi_sim.url,
        token=SIM_TOKEN,
        username=SIM_USERNAME,
        password=SIM_PASSWORD,
    )
    client = SmsApiClient(settings)
    assert_no_secret(repr(settings), repr(client))
    assert client.auth_mode == "token"  # a token wins over user name and password


def test_send_with_token(smsapi_sim):
    with token_client(smsapi_sim, sender="Test") as client:
        result = client.send_sms(NUMBER, "Hallo aus der Filiale €")
    assert result.message_id and result.number == NUMBER and result.submitted_number == NUMBER
    assert (result.parts, result.points, result.status, result.idx) == (1, 0.16, "QUEUE", None)
    assert isinstance(result.date_sent, int)
    [msg] = smsapi_sim.state.messages
    assert msg["id"] == result.message_id
    assert (msg["to"], msg["message"], msg["from"]) == (NUMBER, "Hallo aus der Filiale €", "Test")
    assert (msg["auth"], msg["encoding"], msg["sms_encoding"]) == ("bearer", "utf-8", "GSM-7")
    [req] = smsapi_sim.state.requests
    assert (req["method"], req["path"], req["user_agent"]) == ("POST", "/sms.do", USER_AGENT)
    assert req["params"]["format"] == "json"
    assert req["content_type"] == "application/x-www-form-urlencoded"


def test_send_with_username_and_password(smsapi_sim):
    result = login_client(smsapi_sim).send_sms(NUMBER, "Zażółć gęślą jaźń")
    [msg] = smsapi_sim.state.messages
    assert (msg["auth"], msg["sms_encoding"], msg["from"]) == ("params", "UCS-2", None)
    assert msg["id"] == result.message_id
    assert smsapi_sim.state.requests[0]["params"]["username"] == SIM_USERNAME


def test_wrong_token_is_101(smsapi_sim, caplog):
    with pytest.raises(GatewayError) as info:
        token_client(smsapi_sim, token="wrong-token").send_sms(NUMBER, "x")
    err = info.value
    assert (err.kind, err.code, err.http_status) == ("auth", 101, 200)
    assert "SMSAPI.pl vs. SMSAPI.com" in str(err) and "Fehler 101" in str(err)
    assert err.detail == "Authorization failed"
    assert_safe(err, caplog)


def test_wrong_password_is_102(smsapi_sim, caplog):
    with pytest.raises(GatewayError) as info:
        login_client(smsapi_sim, password="wrong-password").send_sms(NUMBER, "x")
    assert (info.value.kind, info.value.code) == ("auth", 102)
    assert_safe(info.value, caplog)


def test_balance_with_token_reads_profile_points_string(smsapi_sim):
    token_client(smsapi_sim).send_sms(NUMBER, "x")
    balance = token_client(smsapi_sim).balance()
    assert isinstance(balance, Balance)
    assert (balance.source, balance.points, balance.username) == ("profile", 99.84, "demo")
    assert balance.raw["points"] == "99.8400"  # the profile sends a numeric string
    assert smsapi_sim.state.requests[-1]["path"] == "/profile"


def test_balance_with_login_reads_user_do_number(smsapi_sim):
    balance = login_client(smsapi_sim).balance()
    assert (balance.source, balance.points) == ("user.do", 100.0)
    assert isinstance(balance.raw["points"], float)
    assert balance.pro_count == 625 and balance.eco_count == 1428
    req = smsapi_sim.state.requests[-1]
    assert req["path"] == "/user.do" and req["params"]["password"] == "***"
    assert (req["params"]["credits"], req["params"]["details"]) == ("1", "1")


def test_profile_401_is_auth_error(smsapi_sim, caplog):
    with pytest.raises(GatewayError) as info:
        token_client(smsapi_sim, token="wrong-token").balance()
    assert (info.value.kind, info.value.code, info.value.http_status) == ("auth", None, 401)
    assert_safe(info.value, caplog)


def test_ping(smsapi_sim):
    assert token_client(smsapi_sim).ping() is True
    assert token_client(smsapi_sim, token="wrong-token").ping() is False
    assert login_client(smsapi_sim).ping() is True
    assert login_client(smsapi_sim, password="wrong-password").ping() is False


def test_idx_is_echoed_and_check_idx_refuses_a_resend(smsapi_sim, caplog):
    client = token_client(smsapi_sim)
    assert client.send_sms(NUMBER, "x", idx="order-42", check_idx=True).idx == "order-42"
    with pytest.raises(GatewayError) as info:
        client.send_sms(NUMBER, "x", idx="order-42", check_idx=True)
    assert (info.value.kind, info.value.code) == ("duplicate", 53)
    assert len(smsapi_sim.state.messages) == 1
    assert_safe(info.value, caplog)


def test_test_mode_records_and_charges_nothing(smsapi_sim):
    client = token_client(smsapi_sim)
    result = client.send_sms(NUMBER, "nur prüfen", test=True)
    assert result.message_id and result.points == 0.16
    assert smsapi_sim.state.messages == []
    assert smsapi_sim.state.account(SIM_USERNAME).points == 100.0
    assert smsapi_sim.state.requests[0]["params"]["test"] == "1"


def test_max_parts_exceeded_is_12(smsapi_sim):
    with pytest.raises(GatewayError) as info:
        token_client(smsapi_sim).send_sms(NUMBER, "a" * 200, max_parts=1)
    assert (info.value.kind, info.value.code) == ("message", 12)


def test_max_chars_setting_becomes_max_parts(smsapi_sim):
    client = token_client(smsapi_sim, max_chars=160)
    with pytest.raises(GatewayError) as info:
        client.send_sms(NUMBER, "a" * 161)
    assert info.value.code == 12
    assert client.send_sms(NUMBER, "a" * 160).parts == 1
    # 160 "Zeichen" in UCS-2 need three parts, so max_parts follows the text's encoding.
    assert client.send_sms(NUMBER, "ą" * 150).parts == 3
    assert [m["max_parts"] for m in smsapi_sim.state.messages] == [1, 3]


@pytest.mark.parametrize(
    ("kwargs", "prepare", "kind", "code"),
    [
        ({"message": ""}, None, "message", 11),
        ({"message": "a" * 1531}, None, "message", 11),
        ({"to_digits": "12ab"}, None, "recipient", 13),
        ({"message": "x"}, lambda s: s.set_points(SIM_USERNAME, 0.1), "credits", 103),
    ],
)
def test_api_errors(smsapi_sim, caplog, kwargs, prepare, kind, code):
    if prepare:
        prepare(smsapi_sim.state)
    call = {"to_digits": NUMBER, "message": "x", **kwargs}
    with pytest.raises(GatewayError) as info:
        token_client(smsapi_sim).send_sms(call["to_digits"], call["message"])
    assert (info.value.kind, info.value.code) == (kind, code)
    assert_safe(info.value, caplog)


def test_invalid_numbers_are_kept(smsapi_sim):
    with pytest.raises(GatewayError) as info:
        token_client(smsapi_sim).send_sms("12ab", "x")
    assert info.value.invalid_numbers == (
        {"number": "12ab", "submitted_number": "12ab", "message": "Invalid phone number"},
    )


def test_unverified_sender_is_14(smsapi_sim):
    with pytest.raises(GatewayError) as info:
        token_client(smsapi_sim, sender="Fremd").send_sms(NUMBER, "x")
    assert (info.value.kind, info.value.code) == ("sender", 14)


@pytest.mark.parametrize(
    ("fault", "kind", "http_status"),
    [
        ({"status": 500}, "server", 500),
        ({"status": 503}, "server", 503),
        ({"malformed": True}, "malformed", 200),
        ({"drop": True}, "connection", None),
        ({"delay": 0.3}, "timeout", None),
    ],
)
@pytest.mark.parametrize("auth", ["token", "login"])
@pytest.mark.parametrize("call", ["send", "balance"])
def test_faults_become_typed_errors(request, caplog, fault, kind, http_status, auth, call):
    sim = request.getfixturevalue("smsapi_sim_isolated" if "delay" in fault else "smsapi_sim")
    sim.state.set_faults(**fault)
    make = token_client if auth == "token" else login_client
    # Only the delay case needs a short read timeout; the others must not time out under load.
    client = make(sim, read_timeout=0.1 if "delay" in fault else 10)
    with pytest.raises(GatewayError) as info:
        client.send_sms(NUMBER, "x") if call == "send" else client.balance()
    err = info.value
    assert (err.kind, err.http_status) == (kind, http_status)
    assert err.maybe_sent is (call == "send" and kind in ("timeout", "connection"))
    assert_safe(err, caplog)
    assert "SMSAPI" in caplog.text


def test_read_timeout_on_send_may_have_sent(smsapi_sim_isolated):
    sim = smsapi_sim_isolated
    sim.state.set_faults(delay=0.3, times=1)
    with pytest.raises(GatewayError) as info:
        token_client(sim, read_timeout=0.1).send_sms(NUMBER, "x")
    assert info.value.kind == "timeout" and info.value.maybe_sent
    assert "möglicherweise trotzdem versendet" in str(info.value)
    deadline = time.monotonic() + 3
    while not sim.state.messages and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(sim.state.messages) == 1  # the gateway did send it after all


def test_backup_host_is_used_when_the_primary_refuses(smsapi_sim, closed_port_url, caplog):
    client = SmsApiClient(
        SmsApiSettings(service="smsapi_pl", token=SIM_TOKEN),
        hosts=(closed_port_url, smsapi_sim.url),
    )
    assert client.send_sms(NUMBER, "x").message_id
    assert client.balance().points == 99.84
    assert len(smsapi_sim.state.requests) == 2
    assert "failed: connection" in caplog.text


def test_both_hosts_refusing(closed_port_url, caplog):
    client = SmsApiClient(
        SmsApiSettings(service="smsapi_pl", token=SIM_TOKEN),
        hosts=(closed_port_url, closed_port_url + "/backup"),
    )
    with pytest.raises(GatewayError) as info:
        client.send_sms(NUMBER, "x")
    err = info.value
    assert (err.kind, err.maybe_sent) == ("connection", False)
    host = closed_port_url.removeprefix("http://")
    assert f"({host}, {host})" in str(err)
    assert_safe(err, caplog)


def test_no_backup_retry_after_a_read_timeout(smsapi_sim_isolated):
    sim = smsapi_sim_isolated
    sim.state.set_faults(delay=0.3, times=1)
    client = SmsApiClient(
        SmsApiSettings(service="smsapi_pl", token=SIM_TOKEN, read_timeout=0.1),
        hosts=(sim.url, sim.url),
    )
    with pytest.raises(GatewayError) as info:
        client.send_sms(NUMBER, "x")
    assert info.value.kind == "timeout"
    assert len(sim.state.requests) == 1


def test_no_backup_resend_after_a_dropped_send(smsapi_sim):
    smsapi_sim.state.set_faults(drop=True, times=1)
    client = SmsApiClient(
        SmsApiSettings(service="smsapi_pl", token=SIM_TOKEN), hosts=(smsapi_sim.url, smsapi_sim.url)
    )
    with pytest.raises(GatewayError) as info:
        client.send_sms(NUMBER, "x")
    assert (info.value.kind, info.value.maybe_sent) == ("connection", True)
    assert len(smsapi_sim.state.requests) == 1


def test_dropped_balance_read_is_retried_on_the_backup(smsapi_sim):
    smsapi_sim.state.set_faults(drop=True, times=1)
    client = SmsApiClient(
        SmsApiSettings(service="smsapi_pl", token=SIM_TOKEN), hosts=(smsapi_sim.url, smsapi_sim.url)
    )
    assert client.balance().points == 100.0
    assert len(smsapi_sim.state.requests) == 2


def test_unreachable_proxy(smsapi_sim, closed_port_url, caplog):
    port = int(closed_port_url.rsplit(":", 1)[1])
    client = token_client(smsapi_sim, proxy_host="127.0.0.1", proxy_port=port)
    with pytest.raises(GatewayError) as info:
        client.send_sms(NUMBER, "x")
    assert info.value.kind == "proxy"
    assert f"127.0.0.1:{port}" in str(info.value)
    assert smsapi_sim.state.requests == []
    assert_safe(info.value, caplog)


def test_requests_go_through_the_configured_proxy(smsapi_sim):
    # The simulator doubles as a forward proxy: werkzeug accepts absolute request URIs.
    host, port = smsapi_sim.url.removeprefix("http://").split(":")
    client = SmsApiClient(
        SmsApiSettings(
            service="custom",
            base_url="http://sms-gateway.invalid/",
            token=SIM_TOKEN,
            proxy_host=host,
            proxy_port=int(port),
        ),
    )
    assert client.send_sms(NUMBER, "über den Proxy").message_id
    assert smsapi_sim.state.messages[0]["message"] == "über den Proxy"


class RecordingSession(requests.Session):
    """A real session that remembers the keyword arguments of each call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict] = []
        self.closed = False

    def request(self, method, url, **kwargs):
        self.calls.append({"method": method, "url": url, **kwargs})
        return super().request(method, url, **kwargs)

    def close(self) -> None:
        self.closed = True
        super().close()


def test_every_call_passes_timeout_and_proxies(smsapi_sim):
    session = RecordingSession()
    host, port = smsapi_sim.url.removeprefix("http://").split(":")
    settings = SmsApiSettings(
        service="custom",
        base_url=smsapi_sim.url,
        token=SIM_TOKEN,
        connect_timeout=2,
        read_timeout=7,
        proxy_host=host,
        proxy_port=int(port),
    )
    with SmsApiClient(settings, session=session) as client:
        client.send_sms(NUMBER, "x")
        client.balance()
        client.ping()
    proxy = f"http://{host}:{port}"
    assert len(session.calls) == 3
    for call in session.calls:
        assert call["timeout"] == (2.0, 7.0)
        assert call["proxies"] == {"http": proxy, "https": proxy}
        assert call["allow_redirects"] is False
        assert call["headers"]["Authorization"] == f"Bearer {SIM_TOKEN}"
    assert session.closed is False  # a session passed in belongs to the caller
    assert [c["url"].rsplit("/", 1)[1] for c in session.calls] == ["sms.do", "profile", "ping"]


def test_own_session_is_closed(smsapi_sim, monkeypatch):
    client = token_client(smsapi_sim)
    closed = []
    monkeypatch.setattr(client._session, "close", lambda: closed.append(True))
    client.close()
    assert closed == [True]


class StubSession:
    """Answers every request with one canned response."""

    def __init__(self, status: int, body: str | dict | list, content_type="application/json"):
        self.status, self.content_type = status, content_type
        self.body = (json.dumps(body) if isinstance(body, (dict, list)) else body).encode()

    def request(self, method, url, **kwargs):
        resp = requests.Response()
        resp.status_code = self.status
        resp._content = self.body
        resp.headers["Content-Type"] = self.content_type
        resp.url = url
        return resp

    def close(self) -> None:
        pass


def stub_client(status, body, auth="token", **kw) -> SmsApiClient:
    creds = {"token": SIM_TOKEN} if auth == "token" else {"username": "u", "password": SIM_PASSWORD}
    settings = SmsApiSettings(service="smsapi_com", **creds)
    return SmsApiClient(settings, session=StubSession(status, body, **kw))


SEND_OK = {
    "count": 1,
    "list": [
        {
            "id": "abc",
            "points": "0.3000",
            "number": "48500000000",
            "date_sent": 1717500698,
            "submitted_number": "500000000",
            "status": "QUEUE",
            "error": None,
            "idx": None,
            "parts": 2,
        }
    ],
}


def test_points_as_numeric_string_in_send():
    result = stub_client(200, SEND_OK).send_sms("500000000", "x")
    assert (result.points, result.parts, result.number) == (0.3, 2, "48500000000")


@pytest.mark.parametrize(
    ("status", "body", "kind", "code"),
    [
        (200, {"error": 13, "message": "No correct phone numbers"}, "recipient", 13),
        (200, {"error": "105", "message": "Wrong IP"}, "auth", 105),
        (400, {"error": 14, "message": "Wrong sender name"}, "sender", 14),
        (401, {"error": 101, "message": "Authorization failed"}, "auth", 101),
        (200, {"count": 1, "list": [{"id": "a", "points": 0.1, "error": 57}]}, "recipient", 57),
        (200, {"count": 1, "list": []}, "malformed", None),
        (200, {"count": 1}, "malformed", None),
        (200, {"count": 1, "list": [{"id": "a", "points": "lots"}]}, "malformed", None),
        (200, {"count": 1, "list": [{"points": 0.1}]}, "malformed", None),
        (200, [1, 2], "malformed", None),
        (200, "OK:123:0.16", "malformed", None),
        (200, "", "malformed", None),
        (401, {"message": "Authorization failed", "error": "invalid_token"}, "auth", None),
        (403, "Forbidden", "auth", None),
        (404, "<html>not found</html>", "other", None),
        (407, "Proxy Authentication Required", "proxy", None),
        (302, "", "other", None),
        (429, "slow down", "other", None),
        (500, {"error": 201, "message": "System error"}, "server", 201),
        (502, "<html>Bad Gateway</html>", "server", None),
    ],
)
def test_response_parsing(status, body, kind, code, caplog):
    with pytest.raises(GatewayError) as info:
        stub_client(status, body).send_sms("48500000000", "x")
    assert (info.value.kind, info.value.code, info.value.http_status) == (kind, code, status)
    assert_safe(info.value, caplog)


@pytest.mark.parametrize(
    ("body", "points"),
    [({"points": 12.5, "proCount": 78}, 12.5), ({"points": "12.5000"}, 12.5), ({"points": 3}, 3.0)],
)
def test_user_do_points_number_or_string(body, points):
    assert stub_client(200, body, auth="login").balance().points == points


@pytest.mark.parametrize(
    ("body", "kind"),
    [({"points": None}, "malformed"), ({}, "malformed"), ({"error": 102}, "auth")],
)
def test_user_do_bad_bodies(body, kind):
    with pytest.raises(GatewayError) as info:
        stub_client(200, body, auth="login").balance()
    assert info.value.kind == kind


def test_profile_without_points_is_none():
    body = {"id": "1", "username": "demo", "payment_type": "postpaid"}
    balance = stub_client(200, body).balance()
    assert (balance.points, balance.payment_type) == (None, "postpaid")


def test_profile_bad_points_is_malformed():
    with pytest.raises(GatewayError) as info:
        stub_client(200, {"id": "1", "points": "n/a"}).balance()
    assert info.value.kind == "malformed"


def test_ping_needs_the_authorized_key():
    assert stub_client(200, {"authorized": True, "unavailable": []}).ping() is True
    assert stub_client(200, {"authorized": False}).ping() is False
    assert stub_client(401, {"message": "Authorization failed"}).ping() is False
    with pytest.raises(GatewayError):
        stub_client(200, {"hello": 1}).ping()


def test_gateway_detail_masks_our_secrets():
    body = {"error": 101, "message": f"Token {SIM_TOKEN} rejected"}
    with pytest.raises(GatewayError) as info:
        stub_client(200, body).send_sms("48500000000", "x")
    assert info.value.detail == "Token *** rejected"


# Every code of the protocol notes' error table (§4), ranges by their ends.
TABLE_CODES = [
    7,
    8,
    11,
    12,
    13,
    14,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    26,
    31,
    35,
    25,
    27,
    28,
    30,
    32,
    33,
    40,
    41,
    50,
    52,
    53,
    54,
    56,
    57,
    59,
    60,
    61,
    62,
    63,
    64,
    65,
    66,
    70,
    74,
    76,
    93,
    94,
    98,
    101,
    102,
    103,
    104,
    105,
    106,
    110,
    112,
    200,
    201,
    202,
    203,
    301,
    400,
    401,
    409,
    666,
    997,
    998,
    999,
    1000,
    1001,
    1010,
    1123,
    1193,
    2001,
    2031,
    2061,
    2112,
    2115,
    4000,
    4101,
]


@pytest.mark.parametrize("code", TABLE_CODES)
def test_every_table_code_has_plain_messages(code):
    de, en = error_message(code).render("de"), error_message(code).render("en")
    assert f"(Fehler {code})" in de and f"(error {code})" in en
    assert not de.startswith("Das SMS-Gateway hat den Auftrag abgelehnt")  # not the fallback


def test_every_explicit_message_names_its_code():
    for code in ERROR_MESSAGES:
        de, en = error_message(code).render("de"), error_message(code).render("en")
        assert f"Fehler {code})" in de and f"error {code})" in en, code


def test_unknown_code_gets_a_generic_message():
    de, en = error_message(31337).render("de"), error_message(31337).render("en")
    assert de == "Das SMS-Gateway hat den Auftrag abgelehnt (Fehler 31337)."
    assert en == "The SMS gateway refused the request (error 31337)."
    assert error_kind(31337) == "other"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (101, "auth"),
        (102, "auth"),
        (105, "auth"),
        (103, "credits"),
        (13, "recipient"),
        (11, "message"),
        (12, "message"),
        (14, "sender"),
        (2112, "sender"),
        (53, "duplicate"),
        (201, "server"),
        (999, "server"),
        (8, "server"),
        (50, "other"),
        (1001, "other"),
    ],
)
def test_error_kinds(code, kind):
    assert error_kind(code) == kind
    assert kind in smsapi.KINDS


def test_gateway_error_pickles():
    err = GatewayError.from_code(53, http_status=200, detail="dup")
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.kind, copy.code, copy.detail, str(copy)) == ("duplicate", 53, "dup", str(err))
    assert (
        copy.text.render("en")
        == err.text.render("en")
        == ("This message was already sent: the own message ID (idx) is already used (error 53).")
    )
