"""The SiNNO client against the simulator: every call, every fault switch, token renewal, no secrets."""

from __future__ import annotations

import logging
import uuid

import pytest

from app.services.sinno import LoginResult, Shop, SinnoClient, SinnoError, SinnoSettings

SHOPS = (Shop("1", "Filiale Mitte", "mitte@example.com"),)


def make_client(sim, **kw) -> SinnoClient:
    settings = dict(
        base_url=sim.base_url,
        client_id="winpro",
        company_no="4711",
        shops=SHOPS,
        connect_timeout=2,
        read_timeout=2,
    )
    on_token = kw.pop("on_token", None)
    settings.update(kw)
    return SinnoClient(SinnoSettings(**settings), on_token=on_token)


def register(client, key=None, mobile="+491711234567", email="erika@example.com"):
    return client.register_customer(
        reference="K-1",
        first_name="Erika",
        last_name="Muster",
        mobile=mobile,
        email=email,
        shop_id="1",
        language="de",
        idempotency_key=key or str(uuid.uuid4()),
    )


def test_login_session_logout(sinno_sim):
    with make_client(sinno_sim) as client:
        result = client.login()
        assert result.token.startswith("tok_4711_") and result.company_name == "Demo-Optik"
        assert result.dashboard_url.endswith("/dashboard/4711")
        assert "token" not in repr(result)
        assert client.session_info()["company_no"] == "4711"
        assert client.logout() == 0
    state = sinno_sim.state.snapshot()
    assert state["companies"][0]["logged_in"] is False
    assert state["companies"][0]["shops"] == [
        {"shop_id": "1", "name": "Filiale Mitte", "email": "mitte@example.com"}
    ]


def test_login_with_an_unknown_company_is_a_config_error(sinno_sim):
    with make_client(sinno_sim, company_no="9999") as client, pytest.raises(SinnoError) as info:
        client.login()
    assert info.value.kind == "config" and info.value.code == "invalid_credentials"
    assert "Firmen-Nr." in info.value.text.render("de")
    assert "company number" in info.value.text.render("en")
    assert str(info.value) == info.value.text.source()  # logs get the German source text


def test_login_refuses_a_shop_without_email(sinno_sim):
    with (
        make_client(sinno_sim, shops=(Shop("2", "Nord", ""),)) as client,
        pytest.raises(SinnoError) as info,
    ):
        client.login()
    assert info.value.code == "invalid_request" and "E-Mail-Adresse einer Filiale" in str(
        info.value
    )


def test_register_is_idempotent_and_refuses_duplicates(sinno_sim):
    with make_client(sinno_sim) as client:
        client.login()
        key = str(uuid.uuid4())
        first = register(client, key)
        again = register(client, key)
        assert first.customer_id == again.customer_id and again.replayed and not first.replayed
        assert first.identification_code == again.identification_code
        assert "identification_code" not in repr(first) and first.identification_code not in repr(
            first
        )
        with pytest.raises(SinnoError) as info:
            register(client, mobile="+491711234567", email="other@example.com")
        assert info.value.code == "customer_exists" and "Mobilnummer" in str(info.value)
        assert client.customer(first.customer_id).state == "invited"
        sinno_sim.state.app_login(first.customer_id)
        assert client.customer(first.customer_id).state == "active"
        assert client.deactivate_customer(first.customer_id).state == "deactivated"
    assert len(sinno_sim.state.public_customers()) == 1


def test_chat_list_reply_and_read(sinno_sim):
    with make_client(sinno_sim) as client:
        client.login()
        customer = register(client)
        sinno_sim.state.post_as_customer(customer.customer_id, "Hallo?")
        sinno_sim.state.post_as_customer(customer.customer_id, "Noch da?")
        page = client.list_messages(limit=1)
        assert [m.text for m in page.messages] == ["Hallo?"] and page.has_more
        rest = client.list_messages(since=page.next_cursor)
        assert [m.text for m in rest.messages] == ["Noch da?"] and not rest.has_more
        key = str(uuid.uuid4())
        reply = client.post_reply(
            customer.customer_id,
            "Ja!",
            idempotency_key=key,
            in_reply_to=page.messages[0].id,
            author="Anna",
        )
        assert (
            client.post_reply(
                customer.customer_id,
                "Ja!",
                idempotency_key=key,
                in_reply_to=page.messages[0].id,
                author="Anna",
            ).id
            == reply.id
        )
        assert client.mark_read(page.messages[0].id).read_at is not None
    sent = sinno_sim.state.public_messages()
    assert [(m["direction"], m["text"]) for m in sent] == [
        ("in", "Hallo?"),
        ("in", "Noch da?"),
        ("out", "Ja!"),
    ]
    assert sent[0]["read_at"] is not None and sent[2]["idempotency_key"] == key


def test_an_expired_token_is_renewed_once(sinno_sim):
    renewed: list[LoginResult] = []
    with make_client(sinno_sim, on_token=renewed.append) as client:
        client.login()
        sinno_sim.state.expire_tokens()
        page = client.list_messages()
        assert page.messages == [] and len(renewed) == 1
    paths = [r["path"] for r in sinno_sim.state.requests]
    assert paths == ["/v1/auth/login", "/v1/chat/messages", "/v1/auth/login", "/v1/chat/messages"]


def test_a_token_that_stays_expired_is_not_renewed_twice(sinno_sim):
    with make_client(sinno_sim, token="tok_expired") as client:
        client.login()
        sinno_sim.state.expire_tokens()
        sinno_sim.state.config.token_ttl = 0  # every new token is born expired
        try:
            with pytest.raises(SinnoError) as info:
                client.list_messages()
        finally:
            sinno_sim.state.config.token_ttl = 86400
    assert info.value.code == "token_expired" and info.value.kind == "auth"
    assert [r["path"] for r in sinno_sim.state.requests].count("/v1/auth/login") == 2


@pytest.mark.parametrize(
    "switches, kind, code, words",
    [
        ({"status": 429, "retry_after": 12}, "busy", "rate_limited", "in 12 Sekunden"),
        ({"status": 500}, "server", "internal_error", "internen Fehler"),
        ({"status": 503, "retry_after": 60}, "server", "unavailable", "Wartung"),
        ({"malformed": True}, "malformed", None, "unerwartete Antwort"),
        ({"down": True}, "transport", None, "ohne Antwort abgebrochen"),
    ],
)
def test_fault_switches_become_plain_errors(sinno_sim, switches, kind, code, words):
    with make_client(sinno_sim) as client:
        client.login()
        sinno_sim.state.set_faults(times=1, **switches)
        with pytest.raises(SinnoError) as info:
            client.session_info()
        assert info.value.kind == kind and info.value.code == code and info.value.passing
        assert words in info.value.text.render("de")
        assert client.session_info()["company_no"] == "4711"  # the switch was for one request
    if "retry_after" in switches:
        assert info.value.retry_after == switches["retry_after"]


def test_slow_service_times_out(sinno_sim_isolated):
    with make_client(sinno_sim_isolated, read_timeout=0.3) as client:
        client.login()
        sinno_sim_isolated.state.set_faults(delay=1.0, times=1)
        with pytest.raises(SinnoError) as info:
            register(client)
    assert info.value.kind == "transport" and info.value.maybe_done
    assert "0.3 s" in info.value.text.render("en") and "0,3 s" in info.value.text.render("de")


def test_refused_connection(closed_port_url):
    client = SinnoClient(
        SinnoSettings(
            base_url=closed_port_url + "/v1",
            company_no="4711",
            shops=SHOPS,
            connect_timeout=1,
            read_timeout=1,
        )
    )
    with pytest.raises(SinnoError) as info:
        client.login()
    assert info.value.kind == "transport" and "Keine Verbindung" in str(info.value)


def test_logged_out_token_is_an_auth_error(sinno_sim):
    with make_client(sinno_sim) as client:
        token = client.login().token
        client.logout()
    with make_client(sinno_sim, token=token) as client, pytest.raises(SinnoError) as info:
        client.list_messages()
    assert info.value.code == "token_invalid" and info.value.kind == "auth"


def test_proxy_is_used(sinno_sim, closed_port_url):
    port = int(closed_port_url.rsplit(":", 1)[1])
    with (
        make_client(sinno_sim, proxy_host="127.0.0.1", proxy_port=port) as client,
        pytest.raises(SinnoError) as info,
    ):
        client.login()
    assert "Proxy" in str(info.value)
    assert sinno_sim.state.requests == []  # nothing reached the service past the dead proxy


def test_no_token_in_messages_or_logs(sinno_sim, caplog):
    caplog.set_level(logging.DEBUG)
    with make_client(sinno_sim) as client:
        token = client.login().token
        for switches in ({"status": 500}, {"malformed": True}, {"down": True}):
            sinno_sim.state.set_faults(times=1, **switches)
            with pytest.raises(SinnoError) as info:
                client.session_info()
            text = info.value.text
            assert token not in text.render("de") + text.render("en") + text.dumps()
        assert token not in repr(client) and token not in repr(client.settings)
    assert token not in caplog.text


def test_logout_with_an_expired_token_renews_and_ends_the_session(sinno_sim):
    with make_client(sinno_sim) as client:
        client.login()
        sinno_sim.state.expire_tokens()
        assert client.logout() == 0
    assert sinno_sim.state.snapshot()["companies"][0]["logged_in"] is False
    assert [r["path"] for r in sinno_sim.state.requests] == [
        "/v1/auth/login",
        "/v1/auth/logout",
        "/v1/auth/login",
        "/v1/auth/logout",
    ]
