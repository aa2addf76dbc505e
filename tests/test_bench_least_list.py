"""bench/least_app.py, the bound the list benchmark reports, does a list page's work: the same
access rule and the same rows, in the same order and with the same search, as the list itself."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from bench.least_app import add_least_list
from tests.factories import make_interface

NAMES = ["SMS Empfang Nord", "SMS Kasse Süd", "Termine Empfang West", "App Nord Empfang", "E-Mail"]


@pytest.fixture
def least(app):
    add_least_list(app)
    for name in NAMES:
        make_interface("smsapi", name=name)
    for number in range(60):
        make_interface("smsapi", name=f"Filiale {number:02d}")
    db.session.commit()
    return app


def _least_names(html: str) -> list[str]:
    return re.findall(r'<a href="/interfaces/\d+">([^<]+)</a>', html)


def _list_names(html: str) -> list[str]:
    return re.findall(r'hx-target="#interface-detail" hx-push-url="true">([^<]+)</a>', html)


@pytest.mark.parametrize(
    ("query", "count"),
    # Each word is searched on its own: "0" is in Filiale 00 to 09, 10, 20, 30, 40 and 50.
    [("", 50), ("?q=empfang%20nord", 2), ("?q=filiale%200", 15)],
)
def test_the_least_list_shows_the_lists_rows(least, portal, query, count):
    portal.login("helpdesk")
    shown = _least_names(portal.get("/least/" + query).get_data(as_text=True))
    listed = _list_names(portal.get("/interfaces/" + query).get_data(as_text=True))
    assert shown == listed
    assert len(shown) == count


def test_the_least_list_keeps_the_lists_access_rule(least, portal):
    assert portal.get("/least/").status_code == 302  # anonymous: to the log-in
    portal.login("employee")
    assert portal.get("/least/").status_code == 403
