"""The SMSAPI simulator speaks the protocol of the notes: raw HTTP against it."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from click.testing import CliRunner
from werkzeug.test import Client

from sim.cli import sim_cli
from sim.smsapi import Faults, SimConfig, create_sim_app, sms_units
from tests.sim_fixtures import SIM_PASSWORD, SIM_TOKEN, SIM_USERNAME

MD5 = hashlib.md5(SIM_PASSWORD.encode()).hexdigest()
BEARER = {"Authorization": f"Bearer {SIM_TOKEN}"}
NUMBER = "4915123456789"
ITEM_KEYS = [
    "id",
    "points",
    "number",
    "date_sent",
    "submitted_number",
    "status",
    "error",
    "idx",
    "parts",
]


def post(sim, path="/sms.do", data=None, headers=BEARER, **kwargs):
    return requests.post(sim.url + path, data=data, headers=headers, timeout=5, **kwargs)


def send(sim, headers=BEARER, **params):
    data = {"to": NUMBER, "message": "Hallo", "format": "json", **params}
    return post(sim, data=data, headers=headers)


def test_success_body_shape(smsapi_sim):
    resp = send(smsapi_sim, idx="a-1")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json"
    body = resp.json()
    assert list(body) == ["count", "list"] and body["count"] == 1
    [item] = body["list"]
    assert list(item) == ITEM_KEYS
    assert (item["points"], item["number"], item["submitted_number"]) == (0.16, NUMBER, NUMBER)
    assert (item["status"], item["error"], item["idx"], item["parts"]) == ("QUEUE", None, "a-1", 1)
    assert len(item["id"]) == 24 and isinstance(item["date_sent"], int)


def test_details_adds_message_length_parts(smsapi_sim):
    body = send(smsapi_sim, message="a" * 200, details="1").json()
    assert (body["message"], body["length"], body["parts"]) == ("a" * 200, 200, 2)
    assert body["list"][0]["points"] == 0.32


def test_json_body_with_recipient_list_and_pl_prefix(smsapi_sim):
    payload = {
        "to": ["500000000", "+48500000001"],
        "message": "Cześć",
        "format": "json",
        "idx": ["x", "y"],
    }
    body = requests.post(smsapi_sim.url + "/sms.do", json=payload, headers=BEARER, timeout=5).json()
    assert body["count"] == 2
    assert [(i["number"], i["submitted_number"], i["idx"]) for i in body["list"]] == [
        ("48500000000", "500000000", "x"),
        ("48500000001", "+48500000001", "y"),
    ]
    assert [m["sms_encoding"] for m in smsapi_sim.state.messages] == ["UCS-2", "UCS-2"]
    assert smsapi_sim.state.requests[0]["content_type"] == "application/json"


def test_get_and_api_alias(smsapi_sim):
    resp = requests.get(
        smsapi_sim.url + "/api/sms.do",
        timeout=5,
        params={
            "username": SIM_USERNAME,
            "password": MD5,
            "to": NUMBER,
            "message": "x",
            "format": "json",
        },
    )
    assert resp.json()["count"] == 1
    assert smsapi_sim.state.messages[0]["auth"] == "params"


def test_legacy_text_responses(smsapi_sim):
    data = {"to": f"{NUMBER},48500000000", "message": "x"}
    text = post(smsapi_sim, data=data).text
    first, second = text.split(";")
    assert first.startswith("OK:") and first.endswith(":0.16") and second.startswith("OK:")
    assert post(smsapi_sim, data=data, headers={}).text == "ERROR:101"
    assert post(smsapi_sim, data={**data, "message": ""}).text == "ERROR:11"


@pytest.mark.parametrize(
    ("headers", "params", "auth"),
    [
        (BEARER, {}, "bearer"),
        ({}, {"access_token": SIM_TOKEN}, "access_token"),
        ({}, {"username": SIM_USERNAME, "password": MD5}, "params"),
        ({}, {"username": SIM_USERNAME, "password": MD5.upper()}, "params"),
    ],
)
def test_auth_variants(smsapi_sim, headers, params, auth):
    assert send(smsapi_sim, headers=headers, **params).json()["count"] == 1
    assert smsapi_sim.state.messages[0]["auth"] == auth


def test_basic_auth_needs_the_md5(smsapi_sim):
    ok = requests.post(
        smsapi_sim.url + "/sms.do",
        auth=(SIM_USERNAME, MD5),
        timeout=5,
        data={"to": NUMBER, "message": "x", "format": "json"},
    )
    assert ok.json()["count"] == 1 and smsapi_sim.state.messages[0]["auth"] == "basic"
    plain = requests.post(
        smsapi_sim.url + "/sms.do",
        auth=(SIM_USERNAME, SIM_PASSWORD),
        timeout=5,
        data={"to": NUMBER, "message": "x", "format": "json"},
    )
    assert plain.json() == {"error": 102, "message": "Invalid username or password"}


@pytest.mark.parametrize(
    ("headers", "params", "code"),
    [
        ({}, {}, 101),
        ({"Authorization": "Bearer nope"}, {}, 101),
        ({}, {"username": SIM_USERNAME}, 101),
        ({}, {"username": SIM_USERNAME, "password": SIM_PASSWORD}, 102),
        ({}, {"username": "nobody", "password": MD5}, 102),
    ],
)
def test_auth_errors_are_http_200(smsapi_sim, headers, params, code):
    resp = send(smsapi_sim, headers=headers, **params)
    assert resp.status_code == 200
    assert resp.json()["error"] == code
    if code == 101:
        assert resp.json() == {"error": 101, "message": "Authorization failed"}


def test_no_valid_numbers_is_13_with_invalid_numbers(smsapi_sim):
    body = send(smsapi_sim, to="12345678,+49abc").json()
    assert body["error"] == 13 and body["message"] == "No correct phone numbers"
    assert body["invalid_numbers"] == [
        {"number": "12345678", "submitted_number": "12345678", "message": "Invalid phone number"},
        {"number": "49abc", "submitted_number": "+49abc", "message": "Invalid phone number"},
    ]


def test_partly_invalid_recipients_send_to_the_valid_ones(smsapi_sim):
    body = send(smsapi_sim, to=f"{NUMBER},1234567890123456").json()
    assert body["count"] == 1
    assert body["invalid_numbers"][0]["submitted_number"] == "1234567890123456"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"message": ""}, 11),
        ({"message": "a" * 1531}, 11),
        ({"message": "ą" * 671}, 11),
        ({"message": "Zażółć", "nounicode": "1"}, 11),
        ({"message": "a" * 161, "max_parts": "1"}, 12),
        ({"to": ""}, 13),
        ({"from": "Unbekannt"}, 14),
        ({"from": "test"}, 14),
        ({"idx": "a|b"}, 20),
        ({"idx": "x" * 256}, 27),
    ],
)
def test_validation_errors(smsapi_sim, params, code):
    assert send(smsapi_sim, **params).json()["error"] == code
    assert smsapi_sim.state.messages == []


@pytest.mark.parametrize(
    ("params", "parts"),
    [
        ({"message": "a" * 1530}, 10),
        ({"message": "ą" * 670}, 10),
        ({"from": "Filiale"}, 1),
        ({"from": ""}, 1),
        ({"message": "a" * 306, "max_parts": "2"}, 2),
    ],
)
def test_accepted_edges(smsapi_sim, params, parts):
    assert send(smsapi_sim, **params).json()["list"][0]["parts"] == parts


def test_normalize_transliterates_to_gsm(smsapi_sim):
    send(smsapi_sim, message="Zażółć gęślą jaźń", normalize="1", nounicode="1")
    msg = smsapi_sim.state.messages[0]
    assert (msg["message"], msg["sms_encoding"]) == ("Zazolc gesla jazn", "GSM-7")


def test_check_idx(smsapi_sim):
    assert send(smsapi_sim, idx="k1", check_idx="1", test="1").json()["count"] == 1
    assert send(smsapi_sim, idx="k1", check_idx="1").json()["count"] == 1
    assert send(smsapi_sim, idx="k1", check_idx="1").json()["error"] == 53
    assert send(smsapi_sim, idx="k1").json()["count"] == 1  # without check_idx duplicates pass
    assert len(smsapi_sim.state.messages) == 2


def test_test_mode_validates_but_records_nothing(smsapi_sim):
    assert send(smsapi_sim, test="1").json()["list"][0]["status"] == "QUEUE"
    assert send(smsapi_sim, test="1", **{"from": "Fremd"}).json()["error"] == 14
    assert smsapi_sim.state.messages == []
    assert smsapi_sim.state.account(SIM_USERNAME).points == 100.0


def test_points_are_charged_per_part_and_run_out(smsapi_sim):
    smsapi_sim.state.set_points(SIM_USERNAME, 0.5)
    assert send(smsapi_sim, message="a" * 300).json()["list"][0]["points"] == 0.32
    assert smsapi_sim.state.account(SIM_USERNAME).points == 0.18
    assert send(smsapi_sim, message="a" * 300).json() == {
        "error": 103,
        "message": "Insufficient credits on your account",
    }
    assert send(smsapi_sim).json()["count"] == 1
    assert smsapi_sim.state.account(SIM_USERNAME).points == 0.02


def test_concurrent_sends_are_all_recorded(smsapi_sim):
    with ThreadPoolExecutor(max_workers=8) as pool:
        bodies = list(pool.map(lambda i: send(smsapi_sim, idx=f"c{i}").json(), range(24)))
    assert all(b["count"] == 1 for b in bodies)
    assert len(smsapi_sim.state.messages) == 24
    assert smsapi_sim.state.account(SIM_USERNAME).points == pytest.approx(100 - 24 * 0.16)


def test_user_do_credits(smsapi_sim):
    params = {"credits": "1", "details": "1", "format": "json"}
    url = smsapi_sim.url + "/user.do"
    body = requests.get(url, params=params, headers=BEARER, timeout=5).json()
    assert body == {
        "points": 100.0,
        "proCount": 625,
        "ecoCount": 1428,
        "mmsCount": 333,
        "vmsGsmCount": 500,
        "vmsLandCount": 714,
    }
    text = requests.get(
        smsapi_sim.url + "/user.do",
        timeout=5,
        params={"credits": "1", "username": SIM_USERNAME, "password": MD5},
    ).text
    assert text == "Points: 100.0000"
    denied = requests.get(smsapi_sim.url + "/api/user.do", params=params, timeout=5).json()
    assert denied == {"error": 101, "message": "Authorization failed"}
    assert (
        requests.get(
            smsapi_sim.url + "/user.do", headers=BEARER, timeout=5, params={"format": "json"}
        ).json()["error"]
        == 1001
    )


def test_profile(smsapi_sim):
    body = requests.get(smsapi_sim.url + "/profile", headers=BEARER, timeout=5).json()
    assert body["points"] == "100.0000" and body["username"] == SIM_USERNAME
    assert {"id", "name", "email", "phone_number", "payment_type", "user_type"} <= body.keys()
    for headers in ({}, {"Authorization": "Bearer nope"}):
        resp = requests.get(smsapi_sim.url + "/profile", headers=headers, timeout=5)
        assert resp.status_code == 401
        assert resp.json() == {
            "message": "Authorization failed",
            "error": "invalid_token",
            "developer_description": None,
            "errors": None,
        }
    basic = requests.get(smsapi_sim.url + "/profile", auth=(SIM_USERNAME, MD5), timeout=5)
    assert basic.status_code == 401


def test_ping(smsapi_sim):
    assert requests.get(smsapi_sim.url + "/ping", headers=BEARER, timeout=5).json() == {
        "authorized": True,
        "unavailable": [],
    }
    assert requests.get(smsapi_sim.url + "/ping", timeout=5).json()["authorized"] is False


def test_unknown_path_and_method(smsapi_sim):
    assert requests.get(smsapi_sim.url + "/nope", timeout=5).status_code == 404
    assert requests.post(smsapi_sim.url + "/profile", headers=BEARER, timeout=5).status_code == 405
    assert requests.get(smsapi_sim.url + "/_sim/reset", timeout=5).status_code == 405


def test_control_endpoints(smsapi_sim):
    send(smsapi_sim, idx="m1", max_parts="3", **{"from": "Test"})
    send(smsapi_sim, test="1")
    [msg] = requests.get(smsapi_sim.url + "/_sim/messages", timeout=5).json()
    assert {
        "id",
        "to",
        "message",
        "from",
        "parts",
        "idx",
        "auth",
        "encoding",
        "max_parts",
        "received_at",
        "points",
    } <= msg.keys()
    assert (msg["idx"], msg["max_parts"], msg["from"]) == ("m1", 3, "Test")
    state = requests.get(smsapi_sim.url + "/_sim/state", timeout=5)
    assert state.json()["message_count"] == 1 and len(state.json()["requests"]) == 2
    assert SIM_TOKEN not in state.text and SIM_PASSWORD not in state.text and MD5 not in state.text
    reset = requests.post(smsapi_sim.url + "/_sim/reset", timeout=5).json()
    assert reset["message_count"] == 0 and reset["accounts"][0]["points"] == 100.0


def test_fault_switches_count_down(smsapi_sim):
    url = smsapi_sim.url + "/_sim/faults"
    assert requests.post(url, json={"status": 503, "times": 2}, timeout=5).json() == {
        "delay": 0.0,
        "status": 503,
        "malformed": False,
        "drop": False,
        "times": 2,
        "after": 0,
    }
    assert send(smsapi_sim).status_code == 503
    assert requests.get(smsapi_sim.url + "/_sim/state", timeout=5).status_code == 200  # exempt
    assert send(smsapi_sim).status_code == 503
    assert send(smsapi_sim).json()["count"] == 1
    assert requests.get(url, timeout=5).json()["status"] is None
    assert len(smsapi_sim.state.messages) == 1


def test_fault_switches_wait_after_requests(smsapi_sim):
    requests.post(
        smsapi_sim.url + "/_sim/faults", json={"status": 503, "after": 2, "times": 1}, timeout=5
    )
    assert [send(smsapi_sim).status_code for _ in range(4)] == [200, 200, 503, 200]
    assert [e["fault"] and e["fault"]["status"] for e in smsapi_sim.state.requests] == [
        None,
        None,
        503,
        None,
    ]
    assert len(smsapi_sim.state.messages) == 3


def test_fault_malformed_and_clear(smsapi_sim):
    url = smsapi_sim.url + "/_sim/faults"
    requests.post(url, json={"malformed": True}, timeout=5)
    for _ in range(2):
        resp = send(smsapi_sim)
        assert resp.status_code == 200 and resp.text.startswith("<html>")
    requests.post(url, json={}, timeout=5)
    assert send(smsapi_sim).json()["count"] == 1


def test_fault_delay(smsapi_sim_isolated):
    sim = smsapi_sim_isolated
    requests.post(sim.url + "/_sim/faults", json={"delay": 2, "times": 1}, timeout=5)
    # The simulator cannot answer before 2 s, so a client waiting 0.3 s always gives up.
    with pytest.raises(requests.ReadTimeout):
        requests.get(sim.url + "/ping", timeout=(5, 0.3))
    # The fault was used up by that request: the next one is answered without it.
    assert requests.get(sim.url + "/ping", timeout=5).json()["authorized"] is False
    faults = [entry["fault"] for entry in sim.state.requests if entry["path"] == "/ping"]
    assert faults[0]["delay"] == 2 and faults[1] is None


def test_fault_drop_is_a_connection_error(smsapi_sim):
    smsapi_sim.state.set_faults(drop=True, times=1)
    with pytest.raises(requests.ConnectionError):
        send(smsapi_sim)
    assert smsapi_sim.state.messages == []
    assert smsapi_sim.state.requests[0]["fault"]["drop"] is True
    assert send(smsapi_sim).json()["count"] == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"status": 200},
        {"status": "500"},
        {"delay": -1},
        {"times": 0},
        {"after": -1},
        {"after": True},
        {"bogus": 1},
        [1],
    ],
)
def test_fault_validation(smsapi_sim, payload):
    resp = requests.post(smsapi_sim.url + "/_sim/faults", json=payload, timeout=5)
    assert resp.status_code == 400 and resp.json()["message"]
    with pytest.raises(ValueError):
        Faults.parse(payload)


def test_in_process_wsgi_without_a_server():
    app = create_sim_app(SimConfig(points=1, senders=("Shop",)))
    client = Client(app)
    resp = client.post(
        "/sms.do",
        headers=BEARER,
        data={"to": NUMBER, "message": "x", "from": "Shop", "format": "json"},
    )
    assert json.loads(resp.get_data())["count"] == 1
    assert app.state.account("demo").points == 0.84


def test_sms_units_of_simulator():
    assert sms_units("") == ("GSM-7", 0, 0)
    assert sms_units("a" * 161) == ("GSM-7", 161, 2)
    assert sms_units("😀") == ("UCS-2", 2, 1)


def test_cli_help_shows_the_defaults():
    result = CliRunner().invoke(sim_cli, ["smsapi", "--help"])
    assert result.exit_code == 0
    for default in ("127.0.0.1", "8025", "demo-token", "demo-password", "100", "Test,Filiale"):
        assert default in result.output
