"""The one paginator behind every list: slices without a count, the pager's links, ?page= clamped."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEntry, Branch, InterfaceEvent, SmsMessage
from app.models.base import utcnow
from app.services.pagination import MAX_PAGE, clamp_page, fetch_slice
from tests.factories import make_branch, make_user


def _next_link(html: str) -> str | None:
    match = re.search(r'<a href="([^"]+)"[^>]*rel="next"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def _walk(portal, url: str, row_pattern: str) -> list[list[str]]:
    """Follow the pager's "weiter" links from `url`; the row ids of each page."""
    pages = []
    while url:
        html = portal.get(url, htmx=True).get_data(as_text=True)
        pages.append(re.findall(row_pattern, html))
        url = _next_link(html)
        assert len(pages) < 10
    return pages


@pytest.mark.parametrize(
    "value, page",
    [
        (None, 1),
        ("", 1),
        ("abc", 1),
        ("0", 1),
        ("-3", 1),
        ("2", 2),
        ("99999999999", MAX_PAGE),
        (7, 7),
    ],
)
def test_page_numbers_are_clamped(value, page):
    assert clamp_page(value) == page


def test_slice_knows_whether_more_follow_without_counting(app):
    for i in range(7):
        make_branch(number=f"{i + 10}")
    db.session.commit()
    stmt = sa.select(Branch).order_by(Branch.number)
    first = fetch_slice(db.session, stmt, 1, 3)
    last = fetch_slice(db.session, stmt, 3, 3)
    beyond = fetch_slice(db.session, stmt, 4, 3)
    assert (
        [b.number for b in first.items] == ["10", "11", "12"]
        and first.has_next
        and not first.has_prev
    )
    assert (first.first, first.last) == (1, 3)
    assert [b.number for b in last.items] == ["16"] and not last.has_next and last.has_prev
    assert (last.first, last.last) == (7, 7)
    assert beyond.items == [] and not beyond.has_next and beyond.has_prev and beyond.first == 0


def test_audit_log_entries_past_the_first_page_are_reachable(app, portal):
    # The log used db.paginate(count=False), whose page count is unknown: the pager never showed.
    start = utcnow() - timedelta(days=1)
    db.session.add_all(
        [
            AuditEntry(
                at=start + timedelta(minutes=i),
                actor_name="a",
                action="reveal",
                field=f"f{i}",
                remote_addr="127.0.0.1",
            )
            for i in range(120)
        ]
    )
    db.session.commit()
    portal.login("admin")
    pages = _walk(portal, "/audit/", r'<tr data-action="reveal">')
    assert [len(p) for p in pages] == [50, 50, 20]
    html = portal.get("/audit/?action=reveal&page=3").get_data(as_text=True)
    assert "Einträge 101–120" in html and ">f0<" in html and 'rel="prev"' in html


def test_outbox_users_and_deleted_interfaces_page_through_everything(app, portal):
    now = utcnow()
    db.session.add_all(
        [
            SmsMessage(
                kind="test", status="failed", to_number="4917100000", text=f"m{i}", created_at=now
            )
            for i in range(60)
        ]
    )
    db.session.add_all(
        [
            InterfaceEvent(
                interface_id=1000 + i,
                interface_name=f"Alt {i}",
                type_key="smsapi",
                action="deleted",
                changes=[],
                at=now - timedelta(minutes=i),
            )
            for i in range(55)
        ]
    )
    for i in range(52):
        make_user(role="employee", username=f"user-{i:02d}")
    db.session.commit()
    portal.login("admin")
    outbox = _walk(portal, "/outbox/?status=failed", r'<tr id="sms-(\d+)"')
    assert [len(p) for p in outbox] == [50, 10] and len({i for p in outbox for i in p}) == 60
    deleted = _walk(portal, "/interfaces/deleted", r'<tr data-interface="(\d+)"')
    assert [len(p) for p in deleted] == [50, 5]
    users = _walk(portal, "/users/?q=user-", r'<tr id="user-(\d+)"')
    assert [len(p) for p in users] == [50, 2]
    # a page past the end is empty but leads back; a malformed one is the first page
    assert 'rel="prev"' in portal.get("/users/?page=9").get_data(as_text=True)
    assert "Einträge 1–50" in portal.get("/users/?page=x").get_data(as_text=True)


def test_user_search_takes_wildcards_literally(app, portal):
    make_user(role="employee", username="anna_b", full_name="Anna B")
    make_user(role="employee", username="annaxb", full_name="Anna X")
    db.session.commit()
    portal.login("admin")
    html = portal.get("/users/?q=anna_", htmx=True).get_data(as_text=True)
    assert "anna_b" in html and "annaxb" not in html
    assert "Keine Benutzer gefunden." in portal.get("/users/?q=%25", htmx=True).get_data(
        as_text=True
    )
