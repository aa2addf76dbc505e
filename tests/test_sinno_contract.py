"""docs/sinno-api.md and the simulator cannot drift apart: every example is replayed and compared."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug.test import Client

from sim.sinno import SimConfig, create_sim_app

DOC = Path(__file__).resolve().parent.parent / "docs" / "sinno-api.md"
FIXED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EXAMPLE_RE = re.compile(
    r"<!-- example: (?P<name>[\w-]+) -->\s*```http\n(?P<request>.*?)```\s*```http\n(?P<response>.*?)```",
    re.S,
)


@dataclass
class Example:
    """One request/response pair of the document."""

    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: object | None
    status: int
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: object | None = None


def _split(block: str) -> tuple[str, dict[str, str], object | None]:
    head, _, body = block.partition("\n\n")
    lines = head.strip().splitlines()
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], headers, json.loads(body) if body.strip() else None


def examples() -> list[Example]:
    """Every example of the document, in order."""
    found = []
    for match in EXAMPLE_RE.finditer(DOC.read_text(encoding="utf-8")):
        start, headers, body = _split(match["request"])
        method, path = start.split(" ", 1)
        status_line, response_headers, response_body = _split(match["response"])
        found.append(
            Example(
                match["name"],
                method,
                path,
                headers,
                body,
                int(status_line.split()[1]),
                response_headers,
                response_body,
            )
        )
    return found


def _login(client: Client) -> None:
    client.post(
        "/v1/auth/login",
        json={
            "client_id": "winpro",
            "company_no": "4711",
            "shops": [{"shop_id": "1", "name": "Filiale Mitte", "email": "mitte@example.com"}],
        },
    )


# What happens between examples, outside the protocol (the app, the fault switches, time).
SETUP = {
    "chat-list": lambda app, client: [
        app.state.post_as_customer("SC-000001", text)
        for text in (
            "Guten Tag, sind meine Hörgeräte schon fertig?",
            "Ich könnte morgen vorbeikommen.",
        )
    ],
    "rate-limited": lambda app, client: app.state.set_faults(status=429, retry_after=30, times=1),
    "internal-error": lambda app, client: app.state.set_faults(status=500, times=1),
    "token-expired": lambda app, client: app.state.expire_tokens(),
    "logout": lambda app, client: _login(client),
}


def test_the_document_has_every_endpoint_and_error():
    """Each endpoint and the main error codes have at least one example."""
    names = {e.name for e in examples()}
    assert {
        "login",
        "session",
        "logout",
        "register",
        "register-replayed",
        "customer",
        "deactivate",
        "chat-list",
        "chat-reply",
        "chat-read",
        "rate-limited",
        "token-expired",
    } <= names
    assert set(SETUP) <= names


def test_every_example_matches_the_simulator():
    """Replay the document's session against the simulator: status, headers and body agree."""
    app = create_sim_app(
        SimConfig(
            seed=2026, clock=lambda: FIXED, dashboard_url="http://127.0.0.1/dashboard/{company_no}"
        )
    )
    client = Client(app)
    checked = 0
    for example in examples():
        if example.name in SETUP:
            SETUP[example.name](app, client)
        resp = client.open(
            example.path,
            method=example.method,
            headers=example.headers,
            json=example.body if example.body is not None else None,
        )
        assert resp.status_code == example.status, (example.name, resp.get_data(as_text=True))
        for name, value in example.response_headers.items():
            assert resp.headers.get(name) == value, (example.name, name)
        assert resp.get_json() == example.response_body, example.name
        checked += 1
    assert checked == len(examples()) >= 20


@pytest.mark.parametrize("name", ["login", "register", "chat-reply"])
def test_examples_are_valid_json(name):
    """The parser sees the bodies (a broken fence would silently drop an example)."""
    example = next(e for e in examples() if e.name == name)
    assert isinstance(example.body, dict) and isinstance(example.response_body, dict)
