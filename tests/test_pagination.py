"""The one paginator behind every list: slices without a count, the pager's links, ?page= clamped."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AuditEntry,
    Branch,
    ChatThread,
    InterfaceEvent,
    Notification,
    SmsMessage,
)
from app.models.base import utcnow
from app.services.pagination import MAX_PAGE, clamp_page, fetch_slice
from tests.factories import make_branch, make_interface, make_user
from tests.test_customers import make_appointment, make_customer


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


# ---- every paged list, the same way ----------------------------------------------------------

PAGE_SIZE = 4
ROWS = PAGE_SIZE + 3  # two pages' worth: a full first page and the rest


def _seed_interfaces(user):
    for i in range(ROWS):
        make_interface(name=f"Seite {i:02d}")
    return "/interfaces/"


def _seed_customers(user):
    for i in range(ROWS):
        make_customer(last_name=f"Seitenkunde{i:02d}")
    return "/customers/?q=seitenkunde"


def _seed_appointments(user):
    branch = make_branch()
    customer = make_customer(branch=branch)
    start = utcnow() + timedelta(days=2)
    for i in range(ROWS):
        make_appointment(customer, branch, start + timedelta(hours=i))
    return "/appointments/"


def _seed_outbox(user):
    db.session.add_all(
        [
            SmsMessage(kind="test", status="sent", to_number="4917100000", text=f"m{i}")
            for i in range(ROWS)
        ]
    )
    return "/outbox/?kind=test"


def _seed_users(user):
    for i in range(ROWS):
        make_user(role="employee", username=f"pg-{i:02d}")
    return "/users/?q=pg-"


def _seed_audit(user):
    start = utcnow() - timedelta(days=1)
    db.session.add_all(
        [
            AuditEntry(
                at=start + timedelta(minutes=i),
                actor_name="a",
                action="option_on",
                field=f"f{i}",
                remote_addr="127.0.0.1",
            )
            for i in range(ROWS)
        ]
    )
    return "/audit/?action=option_on"


def _seed_deleted(user):
    db.session.add_all(
        [
            InterfaceEvent(
                interface_id=1000 + i,
                interface_name=f"Alt {i}",
                type_key="smsapi",
                action="deleted",
                changes=[],
                at=utcnow() - timedelta(minutes=i),
            )
            for i in range(ROWS)
        ]
    )
    return "/interfaces/deleted"


def _seed_board(user):
    for i in range(ROWS):
        make_interface(name=f"Brett {i:02d}")
    return "/status/?group=SMS"


def _seed_inbox(user):
    now = utcnow()
    db.session.add_all(
        [
            ChatThread(
                service_customer_id=f"c-{i}",
                customer_name=f"Kunde {i}",
                search_text=f"kunde {i}",
                last_message_at=now - timedelta(minutes=i),
                last_preview="Hallo",
            )
            for i in range(ROWS)
        ]
    )
    return "/chat/?q=kunde"


def _seed_notifications(user):
    now = utcnow()
    db.session.add_all(
        [
            Notification(
                user_id=user.id,
                event="sms_low_balance",
                params={"interface": f"SMS {i}", "points": "1.00"},
                updated_at=now - timedelta(minutes=i),
            )
            for i in range(ROWS)
        ]
    )
    return "/notifications/"


def _seed_history(user):
    interface = make_interface(name="Viel Verlauf")
    db.session.flush()
    db.session.add_all(
        [
            InterfaceEvent(
                interface_id=interface.id,
                interface_name=interface.name,
                type_key="smsapi",
                action="check",
                message=f"Eintrag {i}",
                at=utcnow() - timedelta(minutes=i),
            )
            for i in range(ROWS)
        ]
    )
    return f"/interfaces/{interface.id}/history"


LISTS = {
    "interfaces": (_seed_interfaces, r'<tr id="interface-(\d+)"'),
    "customers": (_seed_customers, r'<tr id="customer-(\d+)"'),
    "appointments": (_seed_appointments, r'<tr id="appointment-(\d+)"'),
    "outbox": (_seed_outbox, r'<tr id="sms-(\d+)"'),
    "users": (_seed_users, r'<tr id="user-(\d+)"'),
    "audit": (_seed_audit, r"<td>(f\d+)</td>"),
    "deleted interfaces": (_seed_deleted, r'<tr data-interface="(\d+)"'),
    "status board": (_seed_board, r'<tr id="status-row-(\d+)"'),
    "chat inbox": (_seed_inbox, r'<tr id="chat-thread-(\d+)"'),
    "notifications": (_seed_notifications, r'<li id="notification-(\d+)"'),
    "interface history": (_seed_history, r"<div>Eintrag (\d+)</div>"),
}


@pytest.fixture
def small_pages(app_config):
    app_config.LIST_PAGE_SIZE = PAGE_SIZE
    return app_config


@pytest.fixture
def statements(app):
    """Every SQL statement the requests run."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", record)


def _rows(resp, pattern: str) -> list[str]:
    assert resp.status_code == 200
    return re.findall(pattern, resp.get_data(as_text=True))


def _prev_page(html: str) -> str | None:
    match = re.search(r'<a href="[^"]*[?;]page=(\d+)[^"]*"[^>]*rel="prev"', html)
    return match.group(1) if match else None


@pytest.mark.parametrize("name", list(LISTS))
def test_every_paged_list_pages_the_same_way(small_pages, app, portal, statements, name):
    seed, pattern = LISTS[name]
    user = portal.login("admin")
    url = seed(user)
    db.session.commit()
    statements.clear()

    # page 1: a full page and a pager whose "weiter" leads to page 2, which shows the rest
    first = portal.get(url)
    first_rows = _rows(first, pattern)
    html = first.get_data(as_text=True)
    assert len(first_rows) == PAGE_SIZE and 'class="pagination"' in html
    assert f"Einträge 1–{PAGE_SIZE}" in html and 'rel="prev"' not in html
    second_url = _next_link(html)
    assert second_url and "page=2" in second_url
    second = portal.get(second_url, htmx=True)
    second_rows = _rows(second, pattern)
    assert len(second_rows) == ROWS - PAGE_SIZE and not set(second_rows) & set(first_rows)
    second_html = second.get_data(as_text=True)
    assert "<html" not in second_html and _next_link(second_html) is None
    assert f"Einträge {PAGE_SIZE + 1}–{ROWS}" in second_html and 'rel="prev"' in second_html
    # the filters stay in the pager's link
    for key in ("q", "kind", "action", "group"):
        if f"{key}=" in url:
            assert f"{key}=" in second_url

    # a page number past the range is clamped (an empty page that leads back)
    sep = "&" if "?" in url else "?"
    beyond = portal.get(f"{url}{sep}page=999999")
    assert _rows(beyond, pattern) == []
    assert _prev_page(beyond.get_data(as_text=True)) == str(MAX_PAGE - 1)
    # a malformed one is the first page
    assert _rows(portal.get(f"{url}{sep}page=abc"), pattern) == first_rows

    # no count over the list: one LIMIT n+1 query tells whether more follow
    counting = [s for s in statements if re.match(r"\s*SELECT\s+count\(", s, re.IGNORECASE)]
    assert counting == [], counting


@pytest.mark.parametrize(
    "name, refresh",
    [
        ("status board", r'id="status-board" hx-get="([^"]+)"'),
        ("chat inbox", r'id="chat-threads" hx-get="([^"]+)"'),
        ("notifications", r'id="notification-rows" hx-get="([^"]+)"'),
    ],
)
def test_self_refreshing_lists_refresh_the_page_shown(small_pages, app, portal, name, refresh):
    seed, _pattern = LISTS[name]
    url = seed(portal.login("admin"))
    db.session.commit()
    html = portal.get(f"{url}{'&' if '?' in url else '?'}page=2", htmx=True).get_data(as_text=True)
    again = re.search(refresh, html).group(1).replace("&amp;", "&")
    assert "page=2" in again and all(part in again for part in url.split("?")[1:])
