"""The chat inbox: threads, search, thread view, reply with state, read/unread, badges, roles."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db, secret_box
from app.models import ChatMessage, ChatThread, InterfaceEvent, Notification
from app.services import chat
from tests.chat_helpers import ChatWorld


@pytest.fixture
def app_config(app_config):
    app_config.SINNO_TIMEOUTS = (2.0, 2.0)
    return app_config


@pytest.fixture
def w(app, sinno_sim):
    return ChatWorld(sinno_sim)


def _sync():
    return chat.sync(db.session, secret_box(), timeouts=(2.0, 2.0), force=True)


def _thread():
    return db.session.scalar(sa.select(ChatThread))


def test_inbox_lists_threads_newest_first_with_unread_and_search(w, portal):
    _c1, a = w.customer("Erika", "Mustermann", "K-1")
    _c2, b = w.customer("Max", "<b>Muster</b>", "K-2")
    w.writes(a, "Erste")
    w.writes(b, "Zweite")
    w.writes(b, "Dritte")
    _sync()
    portal.login("employee")
    page = portal.get("/chat/").get_data(as_text=True)
    assert page.index("Max &lt;b&gt;Muster&lt;/b&gt;") < page.index("Erika Mustermann")
    assert "<b>Muster</b>" not in page
    assert 'id="chat-badge">2<' in page
    assert "Zuletzt synchronisiert" in portal.get("/chat/sync-info", htmx=True).get_data(
        as_text=True
    )
    thread_b = db.session.scalar(sa.select(ChatThread).where(ChatThread.service_customer_id == b))
    assert f'id="chat-unread-{thread_b.id}">2<' in page
    found = portal.get("/chat/?q=erika", htmx=True).get_data(as_text=True)
    assert "<html" not in found and "Erika Mustermann" in found and "Muster</b>" not in found
    assert "Keine Chats zu" in portal.get("/chat/?q=niemand", htmx=True).get_data(as_text=True)


def test_open_thread_marks_read_here_and_at_the_service(w, portal):
    employee = portal.login("employee")
    _c, sid = w.customer()
    w.writes(sid, "Sind die Hörgeräte fertig?")
    _sync()
    thread = _thread()
    page = portal.get(f"/chat/{thread.id}").get_data(as_text=True)
    assert "Sind die Hörgeräte fertig?" in page and 'hx-trigger="load"' in page
    assert 'id="mark-read"' in page
    resp = portal.post(f"/chat/{thread.id}/read", htmx=True)
    assert resp.status_code == 200 and "chat-changed" in resp.headers["HX-Trigger"]
    # The actions swap in place as they are for a read thread: no "Als gelesen markieren".
    actions = resp.get_data(as_text=True)
    assert actions.startswith('<div class="actions" id="thread-actions">')
    assert 'id="mark-read"' not in actions and 'id="mark-unread"' in actions
    db.session.expire_all()
    assert _thread().unread_count == 0
    assert [m["read_at"] is not None for m in w.sim.state.public_messages()] == [True]
    assert db.session.scalar(
        sa.select(Notification.read_at).where(Notification.user_id == employee.id)
    )
    assert 'id="chat-badge"' not in portal.get("/chat/badge").get_data(as_text=True)
    # "Als ungelesen markieren" brings it back (here; the service keeps its read mark).
    assert portal.post(f"/chat/{thread.id}/unread").status_code == 302
    db.session.expire_all()
    assert _thread().unread_count == 1


def test_reply_is_stored_delivered_and_shows_its_state(w, portal):
    _c, sid = w.customer()
    w.writes(sid, "Frage")
    _sync()
    portal.login("employee")
    thread = _thread()
    resp = portal.post(f"/chat/{thread.id}/reply", {"text": "Ja, ab morgen."}, htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in html and "Ja, ab morgen." in html
    reply = db.session.scalar(sa.select(ChatMessage).where(ChatMessage.direction == "out"))
    assert reply.status == "sent" and f'id="reply-state-{reply.id}"' in html and "gesendet" in html
    assert [m["text"] for m in w.sim.state.public_messages() if m["direction"] == "out"] == [
        "Ja, ab morgen."
    ]
    assert [
        m["read_at"] is not None for m in w.sim.state.public_messages() if m["direction"] == "in"
    ] == [True]


def test_empty_reply_is_422_and_nothing_stored(w, portal):
    _c, sid = w.customer()
    w.writes(sid, "Frage")
    _sync()
    portal.login("admin")
    resp = portal.post(f"/chat/{_thread().id}/reply", {"text": "  "}, htmx=True)
    assert resp.status_code == 422 and "Bitte geben Sie eine Antwort ein." in resp.get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(ChatMessage).where(ChatMessage.direction == "out")) is None


def test_failed_reply_offers_resend(w, portal):
    _c, sid = w.customer()
    w.writes(sid, "Frage")
    _sync()
    portal.login("employee")
    w.sim.state.customers[sid]["state"] = "deactivated"
    html = portal.post(f"/chat/{_thread().id}/reply", {"text": "Hallo"}, htmx=True).get_data(
        as_text=True
    )
    reply = db.session.scalar(sa.select(ChatMessage).where(ChatMessage.direction == "out"))
    assert (
        reply.status == "failed" and "fehlgeschlagen" in html and f'id="resend-{reply.id}"' in html
    )
    # Failed for good: in the chat interface's history too, for admins and helpdesk.
    [event] = db.session.scalars(
        sa.select(InterfaceEvent).where(InterfaceEvent.action == "chat_reply")
    ).all()
    assert event.interface_id == w.chat.id and not event.ok and event.message
    portal.logout()
    portal.login("admin")
    assert "Chat-Antwort" in portal.get(f"/interfaces/{w.chat.id}/history").get_data(as_text=True)
    w.sim.state.customers[sid]["state"] = "active"
    again = portal.post(f"/chat/messages/{reply.id}/resend", htmx=True).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ChatMessage, reply.id).status == "sent" and "gesendet" in again
    assert len([m for m in w.sim.state.public_messages() if m["direction"] == "out"]) == 1


def test_inbox_page_is_two_statements(w, portal):
    _c, sid = w.customer()
    w.writes(sid, "Frage")
    _sync()
    portal.login("employee")
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert portal.get("/chat/").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    # the session's user with the header's counts, and the page of threads (goal: at most 3)
    assert len(statements) == 2, statements
    assert "notifications" in statements[0] and "chat_threads" in statements[0]


def test_helpdesk_has_no_chat_and_no_badge(w, portal):
    portal.login("helpdesk")
    assert portal.get("/chat/").status_code == 403
    assert 'id="chat-nav"' not in portal.get("/").get_data(as_text=True)


def test_thread_page_in_english(w, portal):
    _c, sid = w.customer()
    w.writes(sid, "Frage")
    _sync()
    portal.login("employee")
    portal.post("/language", {"lang": "en", "next": "/"})
    page = portal.get(f"/chat/{_thread().id}").get_data(as_text=True)
    assert "Mark as unread" in page and "Reply" in page


def test_employee_start_page_shows_unread_chats(w, portal):
    portal.login("employee")
    _c, sid = w.customer()
    w.writes(sid, "Guten Tag")
    _sync()
    page = portal.get("/").get_data(as_text=True)
    assert f'id="home-thread-{_thread().id}"' in page and "Guten Tag" in page
    assert "Ungelesene SiNNO-Chat-Nachrichten" in page  # the notification too


def test_a_renamed_customer_is_found_and_shown_under_the_new_name(w, portal):
    from app.services import customers

    customer, sid = w.customer("Erika", "Mustermann", "K-1001")
    w.writes(sid, "Hallo")
    _sync()
    customers.save(db.session, customer, {"last_name": "Schmidt", "number": "K-2002"})
    db.session.commit()
    portal.login("employee")
    for q in ("schmidt", "k-2002"):
        assert f"chat-thread-{_thread().id}" in portal.get(f"/chat/?q={q}").get_data(as_text=True)
    assert "chat-empty" in portal.get("/chat/?q=mustermann").get_data(as_text=True)
    assert "<h1>Erika Schmidt</h1>" in portal.get(f"/chat/{_thread().id}").get_data(as_text=True)
