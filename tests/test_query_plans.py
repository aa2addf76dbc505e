"""Pages that stay fast at volume: their statements read through an index, not a scan or a sort
of a whole table (found by bench/pages_at_scale.py; checked with SQLite's EXPLAIN QUERY PLAN)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Customer, Notification, SmsMessage, User
from app.models.base import utcnow
from tests.factories import make_branch, make_interface, make_sms


@pytest.fixture(autouse=True)
def _sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's (bench/pages_at_scale.py measures PostgreSQL)")


@contextmanager
def _statements():
    """(statement, parameters) of everything run inside the block."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def _plan(statement: str, parameters) -> str:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return "\n".join(row[-1] for row in rows)


def _plans_of(seen, *markers: str) -> list[str]:
    """The plans of the statements holding every marker (whitespace as in one line)."""
    plans = [_plan(s, p) for s, p in seen if all(m in " ".join(s.split()) for m in markers)]
    assert plans, f"no statement with {markers!r}"
    return plans


def test_notification_centre_and_start_page_read_a_page_in_index_order(app, portal):
    portal.login("employee")
    user = db.session.scalar(sa.select(User).where(User.username == "employee-user"))
    now = utcnow()
    db.session.execute(
        sa.insert(Notification),
        [
            dict(
                user_id=user.id,
                event="chat_unread",
                channel="message",
                params={"customer": f"Kunde {i}", "preview": "Hallo", "unread": 1},
                updated_at=now - timedelta(minutes=i),
                read_at=None if i % 2 else now,
            )
            for i in range(30)
        ],
    )
    db.session.commit()
    with _statements() as seen:
        for url in ("/notifications/", "/"):
            assert portal.get(url).status_code == 200
    plans = _plans_of(seen, "FROM notifications WHERE notifications.user_id = ?", "ORDER BY")
    assert len(plans) == 2, plans  # the centre's page and the start page's unread ones
    for plan in plans:
        assert "ix_notifications_user_centre" in plan and "TEMP B-TREE" not in plan, plan


def test_waiting_sms_of_an_interface_are_counted_through_an_index(app, portal):
    interface = make_interface(name="SMS Kette")
    db.session.add(
        SmsMessage(
            kind="customer",
            status="queued",
            interface_id=interface.id,
            to_number="491711234567",
            text="x",
        )
    )
    db.session.commit()
    portal.login("admin")
    with _statements() as seen:
        assert portal.get(f"/interfaces/{interface.id}").status_code == 200
    (plan,) = _plans_of(seen, "FROM sms_messages WHERE sms_messages.interface_id = ? AND sms_")
    assert "COVERING INDEX ix_sms_messages_interface_status" in plan, plan


def test_sms_chart_reads_its_week_from_one_index(app, portal):
    """The status page's chart of sent and failed SMS per hour: a busy gateway sends tens of
    thousands a week; the index holds what the chart narrows and counts by, so no SMS row is
    read from the table."""
    interface = make_interface(name="SMS Kette")
    for status in ("sent", "failed", "queued"):
        make_sms(interface, status)
    db.session.commit()
    portal.login("helpdesk")
    with _statements() as seen:
        assert portal.get(f"/status/{interface.id}").status_code == 200
    (plan,) = _plans_of(seen, "FROM sms_messages", "GROUP BY")
    assert (
        "COVERING INDEX ix_sms_messages_interface_status (interface_id=? AND status=? AND "
        "created_at>?)" in plan
    ), plan


def test_customer_search_filters_on_the_list_index(app, portal):
    branch = make_branch()
    db.session.add_all(
        Customer(
            number=f"K-{i}",
            first_name="Erika",
            last_name=f"Müller {i}",
            branch_id=branch.id,
            search_text=f"erika müller {i} k-{i}",
        )
        for i in range(5)
    )
    db.session.commit()
    portal.login("employee")
    with _statements() as seen:
        resp = portal.get("/customers/?q=müller", htmx=True)
    assert resp.status_code == 200 and "Müller 3" in resp.get_data(as_text=True)
    (plan,) = _plans_of(seen, "FROM customers")
    assert "ix_customers_list" in plan and "TEMP B-TREE" not in plan, plan


def test_interface_search_filters_on_the_order_index_alone(app, portal):
    """The ids of a search page come from the default order's index (signature and text in it):
    no table row is read for an entry that does not match, and nothing is sorted."""
    for i in range(5):
        make_interface("smsapi", name=f"Empfang Nord {i}")
    db.session.commit()
    portal.login("admin")
    with _statements() as seen:
        resp = portal.get("/interfaces/?q=empfang+nord", htmx=True)
    assert resp.status_code == 200 and "Empfang Nord 3" in resp.get_data(as_text=True)
    (statement, parameters), *_ = [(s, p) for s, p in seen if "search_bits" in s]
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    subquery = next(row[0] for row in rows if row[-1].startswith("LIST SUBQUERY"))
    inner = [row[-1] for row in rows if row[1] == subquery]
    # The page's ids: the order's index alone, no sort; the outer query then reads (and orders)
    # only those few rows by their primary key.
    assert inner == ["SCAN interfaces USING COVERING INDEX ix_interfaces_group_name_id"], rows
    assert "SEARCH interfaces USING INTEGER PRIMARY KEY (rowid=?)" in [row[-1] for row in rows]


def test_outbox_counts_only_the_open_states_through_the_status_index(app, portal):
    """Sent messages pile up for good: the outbox's counts read only the few open ones."""
    db.session.add_all(
        SmsMessage(kind="test", status="sent", to_number="49171", text="Hallo") for _ in range(3)
    )
    db.session.commit()
    portal.login("admin")
    with _statements() as seen:
        assert portal.get("/outbox/").status_code == 200
    (plan,) = _plans_of(seen, "count(", "FROM sms_messages")
    assert "USING COVERING INDEX ix_sms_messages_status_next (status=?)" in plan, plan


def test_start_page_lists_failures_and_credits_through_small_indexes(app, portal):
    failing = make_interface(name="SMS defekt", last_error="Zeitüberschreitung")
    failing.last_error_at = utcnow()
    make_interface(name="SMS Guthaben", balance_points=10, settings={"low_balance": 50})
    db.session.commit()
    portal.login("helpdesk")
    with _statements() as seen:
        resp = portal.get("/")
    assert resp.status_code == 200 and "SMS defekt" in resp.get_data(as_text=True)
    plans = _plans_of(seen, "LIMIT")
    assert any("ix_interfaces_failing_recent" in p for p in plans), plans
    assert any("ix_interfaces_balance" in p and "TEMP B-TREE" not in p for p in plans), plans
