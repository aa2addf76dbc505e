"""The official `smsapi-client` package (2.9.7) against the simulator: protocol compatibility."""

from __future__ import annotations

import hashlib

import pytest
from smsapi.client import Client
from smsapi.exception import EndpointException, SendException

from tests.sim_fixtures import SIM_PASSWORD, SIM_TOKEN, SIM_USERNAME

MD5 = hashlib.md5(SIM_PASSWORD.encode()).hexdigest()


@pytest.fixture
def token_client(smsapi_sim):
    return Client(smsapi_sim.url + "/", access_token=SIM_TOKEN)


@pytest.fixture
def login_client(smsapi_sim):
    # The 2.x client sends HTTP Basic with the password as given; the API wants the MD5 hex.
    return Client(smsapi_sim.url + "/", username=SIM_USERNAME, password=MD5)


def test_send_and_balance_with_token(smsapi_sim, token_client):
    result = token_client.sms.send(
        to="48500000000", message="Hallo vom Client", from_="Test", timeout=5
    )
    [sent] = list(result)
    assert result.count == 1
    assert (sent.number, sent.points, sent.status, sent.parts) == ("48500000000", 0.16, "QUEUE", 1)
    [msg] = smsapi_sim.state.messages
    assert (msg["id"], msg["auth"], msg["from"]) == (sent.id, "bearer", "Test")
    assert msg["encoding"] is None  # the official client does not send encoding=
    assert smsapi_sim.state.requests[0]["user_agent"].startswith("smsapi-client/")

    balance = token_client.account.balance(timeout=5)
    assert balance.points == 99.84 and balance.pro_count == 624
    assert smsapi_sim.state.requests[-1]["path"] == "/user.do"


def test_send_and_balance_with_username_and_password(smsapi_sim, login_client):
    [sent] = list(login_client.sms.send(to="500000000", message="Zażółć", timeout=5))
    assert (sent.number, sent.submitted_number) == ("48500000000", "500000000")
    [msg] = smsapi_sim.state.messages
    assert (msg["auth"], msg["sms_encoding"], msg["message"]) == ("basic", "UCS-2", "Zażółć")
    assert login_client.account.balance(timeout=5).points == 99.84


def test_details_idx_list_and_test_mode(smsapi_sim, token_client):
    result = token_client.sms.send(
        to=["48500000000", "48500000001"],
        message="a" * 200,
        idx=["i1", "i2"],
        check_idx=1,
        details=1,
        timeout=5,
    )
    assert (result.parts, result.length, result.message) == (2, 200, "a" * 200)
    assert [r.idx for r in result] == ["i1", "i2"]
    assert [m["idx"] for m in smsapi_sim.state.messages] == ["i1", "i2"]
    token_client.sms.send(to="48500000002", message="x", test=1, timeout=5)
    assert len(smsapi_sim.state.messages) == 2


def test_errors_reach_the_official_exceptions(smsapi_sim, token_client):
    with pytest.raises(SendException) as info:
        token_client.sms.send(to="123", message="x", timeout=5)
    assert info.value.code == 13
    assert info.value.invalid_numbers[0].submitted_number == "123"
    with pytest.raises(SendException) as info:
        token_client.sms.send(to="48500000000", message="x", idx="d", check_idx=1, timeout=5)
        token_client.sms.send(to="48500000000", message="x", idx="d", check_idx=1, timeout=5)
    assert info.value.code == 53
    bad = Client(smsapi_sim.url + "/", access_token="wrong")
    with pytest.raises(SendException) as info:
        bad.sms.send(to="48500000000", message="x", timeout=5)
    assert (info.value.code, info.value.message) == (101, "Authorization failed")
    smsapi_sim.state.set_faults(status=503, times=1)
    with pytest.raises(EndpointException) as info:
        token_client.account.balance(timeout=5)
    assert info.value.code == 503
