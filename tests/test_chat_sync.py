"""SiNNO-Chat sync: idempotent pages, crash before the cursor, two workers, every fault, notifications."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
import requests
import sqlalchemy as sa

from app.extensions import db, secret_box
from app.models import ChatMessage, ChatThread, Interface, InterfaceEvent, Notification
from app.models.base import utcnow
from app.services import chat, sinno_interface
from app.services.sinno import ChatMessage as Wire
from app.services.sinno import MessagePage, SinnoClient, SinnoError, SinnoSettings
from tests.chat_helpers import ChatWorld
from tests.factories import make_user


@pytest.fixture
def w(app, sinno_sim):
    return ChatWorld(sinno_sim)


def _sync(**kw):
    kw.setdefault("timeouts", (2.0, 2.0))
    kw.setdefault("force", True)
    return chat.sync(db.session, secret_box(), **kw)


def _messages():
    return db.session.scalars(sa.select(ChatMessage).order_by(ChatMessage.id)).all()


def _chat_state(w):
    db.session.expire_all()
    return db.session.get(Interface, w.chat.id).state


def test_sync_stores_threads_and_messages_once(w):
    employee = make_user("employee")
    customer, sid = w.customer()
    w.writes(sid, "Sind meine Hörgeräte fertig?")
    w.writes(sid, "Ich komme morgen.")
    report = _sync(page_size=1)
    assert report.stored == 2 and report.pages == 2
    thread = db.session.scalar(sa.select(ChatThread))
    assert (thread.customer_id, thread.customer_name, thread.unread_count) == (
        customer.id,
        "Erika Mustermann",
        2,
    )
    assert thread.last_preview == "Ich komme morgen."
    assert [m.body for m in _messages()] == ["Sind meine Hörgeräte fertig?", "Ich komme morgen."]
    state = _chat_state(w)
    assert state["cursor"] == "c_000002" and state["last_sync_at"]
    # Again: nothing new, nothing twice.
    assert _sync().stored == 0 and len(_messages()) == 2
    # Coalesced: one notification for the thread, counting both messages.
    [note] = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == employee.id)
    ).all()
    assert note.thread_id == thread.id and note.count == 2 and note.params["unread"] == 2


@pytest.mark.parametrize("messages", [0, 3], ids=["nothing new", "three messages"])
def test_a_sync_is_the_chat_interface_s_last_success_on_the_status_board(w, messages):
    """A page fetched is a successful use: the board says "aktiv" with the time, not
    "nicht geprüft", even when the customers wrote nothing."""
    from app.services import status_board

    _customer, sid = w.customer()
    for i in range(messages):
        w.writes(sid, f"Nachricht {i}")
    today = utcnow().date()
    assert status_board.board_row(db.session, w.chat.id, today).state.key == "unchecked"
    before = utcnow()
    assert _sync(page_size=2).stored == messages
    db.session.expire_all()
    row = status_board.board_row(db.session, w.chat.id, today)
    assert row.state.key == "active" and row.last_success_at >= before.replace(microsecond=0)


def test_the_same_page_twice_and_a_crash_before_the_cursor(w):
    _customer, sid = w.customer()
    w.writes(sid, "Hallo")
    client = chat.client_for(db.session, secret_box(), w.service, (2.0, 2.0))
    page = client.list_messages()
    client.close()
    # A worker stored the page and died before advancing the cursor (nothing committed after).
    chat.store_page(db.session, page.messages)
    db.session.commit()
    chat.store_page(db.session, page.messages)  # the same page again
    db.session.commit()
    assert len(_messages()) == 1
    assert _chat_state(w).get("cursor") is None
    assert _sync().stored == 0 and _chat_state(w)["cursor"] == page.next_cursor
    assert len(_messages()) == 1 and db.session.scalar(sa.select(ChatThread.unread_count)) == 1


def test_two_workers_at_once_store_each_message_once(app, w):
    _customer, sid = w.customer()
    for i in range(30):
        w.writes(sid, f"Nachricht {i}")
    errors = []

    def run():
        with app.app_context():
            try:
                for _ in range(3):
                    chat.sync(
                        db.session, secret_box(), timeouts=(2.0, 2.0), force=True, page_size=5
                    )
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    db.session.expire_all()
    bodies = [m.body for m in _messages()]
    assert sorted(bodies) == sorted(f"Nachricht {i}" for i in range(30))
    assert db.session.scalar(sa.select(ChatThread.unread_count)) == 30


@pytest.mark.parametrize(
    "switches, words",
    [
        ({"down": True}, "SiNNO"),
        ({"status": 503}, "SiNNO"),
        ({"status": 429, "retry_after": 600}, "600 Sekunden"),
        ({"malformed": True}, "SiNNO"),
    ],
)
def test_faults_back_off_into_the_history(w, switches, words):
    _customer, sid = w.customer()
    w.writes(sid, "Hallo")
    w.sim.state.set_faults(**switches)
    now = utcnow()
    report = _sync(now=now)
    assert report.skipped == "error" and words in report.error and _messages() == []
    state = _chat_state(w)
    assert state["failures"] == 1
    wait = timedelta(seconds=600) if "retry_after" in switches else timedelta(minutes=2)
    assert chat.datetime.fromisoformat(state["next_sync_at"]) == now + wait
    event = db.session.scalars(
        sa.select(InterfaceEvent).where(InterfaceEvent.action == "chat_sync")
    ).all()[-1]
    assert not event.ok and words in str(event.message)
    # Not due yet: nothing is asked.
    w.sim.state.set_faults()
    assert (
        chat.sync(
            db.session, secret_box(), now=now + timedelta(seconds=30), timeouts=(2.0, 2.0)
        ).skipped
        == "not due"
    )
    # Later the service is back: synced, failure count reset, recovery in the history.
    assert (
        chat.sync(
            db.session, secret_box(), now=now + wait + timedelta(seconds=1), timeouts=(2.0, 2.0)
        ).stored
        == 1
    )
    state = _chat_state(w)
    assert state["failures"] == 0 and state["last_error"] is None
    last = db.session.scalars(
        sa.select(InterfaceEvent).where(InterfaceEvent.action == "chat_sync")
    ).all()[-1]
    assert last.ok


def test_an_expired_token_is_renewed_once_and_the_sync_goes_on(w):
    _customer, sid = w.customer()
    w.writes(sid, "Hallo")
    w.sim.state.expire_tokens()
    assert _sync().stored == 1


def _requests(w, path="/v1/chat/messages"):
    return [r for r in w.sim.state.requests if r["path"] == path]


def test_a_fault_on_the_page_fetched_ahead_keeps_the_pages_before_it(w):
    """The next page is fetched while this one is stored; its fault ends the pass after the
    pages before it, with the cursor after them, and the next pass goes on from there."""
    _customer, sid = w.customer()
    for i in range(4):
        w.writes(sid, f"Nachricht {i}")
    w.sim.state.set_faults(status=503, after=1, times=1)  # the second page's answer
    report = _sync(page_size=1)
    assert report.skipped == "error" and report.stored == 1 and report.pages == 1
    assert [m.body for m in _messages()] == ["Nachricht 0"]
    state = _chat_state(w)
    assert state["failures"] == 1 and state["cursor"] == "c_000001"
    asked = _requests(w)
    assert [r["fault"] and r["fault"]["status"] for r in asked] == [None, 503]
    assert "since=c_000001" in asked[1]["query"]
    report = _sync(page_size=1, now=utcnow() + timedelta(minutes=3))
    assert report.stored == 3 and [m.body for m in _messages()] == [
        f"Nachricht {i}" for i in range(4)
    ]
    assert db.session.scalar(sa.select(ChatThread.unread_count)) == 4


def test_a_token_running_out_between_pages_is_renewed_and_kept(w):
    """The page fetched ahead meets an expired token: it is fetched again on the sync's own
    thread, which renews the session and stores the new token with the page."""
    _customer, sid = w.customer()
    for i in range(3):
        w.writes(sid, f"Nachricht {i}")
    w.sim.state.set_faults(token_expiry=True, after=1, times=1)
    report = _sync(page_size=1)
    assert report.error is None and report.stored == 3 and report.pages == 3
    assert len(_requests(w, "/v1/auth/login")) == 2  # the world's log-in and the renewal
    db.session.expire_all()
    service = db.session.get(Interface, w.service.id)
    token = sinno_interface.read_secret(secret_box(), service, sinno_interface.TOKEN_FIELD)
    live = [t for t, entry in w.sim.state.tokens.items() if not entry["expired"]]
    assert live == [token]
    w.writes(sid, "Noch eine")
    assert _sync().stored == 1 and len(_requests(w, "/v1/auth/login")) == 2


def test_a_page_fetched_ahead_for_a_cursor_moved_on_is_not_stored(w):
    """Another worker stored pages while this one fetched ahead: the locked cursor wins."""
    from concurrent.futures import Future

    _customer, sid = w.customer()
    for i in range(3):
        w.writes(sid, f"Nachricht {i}")
    client = chat.client_for(db.session, secret_box(), w.service, (2.0, 2.0))
    try:
        first = client.list_messages(limit=1)
        ahead: Future = Future()
        ahead.set_result(client.list_messages(since=first.next_cursor, limit=1))
        moved_on = "c_000002"  # the other worker stored the second page too
        page = chat._fetch(client, moved_on, 1, (first.next_cursor, ahead))
    finally:
        client.close()
    assert [m.text for m in page.messages] == ["Nachricht 2"]
    assert "since=c_000002" in _requests(w)[-1]["query"]


def test_without_a_logged_in_service_the_chat_says_so_and_does_nothing(app, sinno_sim):
    w = ChatWorld(sinno_sim, logged_in=False)
    report = _sync()
    assert report.skipped == "no service"
    db.session.expire_all()
    chat_if = db.session.get(Interface, w.chat.id)
    assert "Keine angemeldete SiNNO-App Service Schnittstelle" in str(chat_if.last_error)
    _sync()  # said once, not every pass
    assert (
        len(
            db.session.scalars(
                sa.select(InterfaceEvent).where(InterfaceEvent.action == "chat_sync")
            ).all()
        )
        == 1
    )
    assert sinno_sim.state.requests == [] if hasattr(sinno_sim.state, "requests") else True


def test_reply_is_stored_first_then_delivered_once_and_reads_the_thread(w):
    _customer, sid = w.customer()
    w.writes(sid, "Frage")
    _sync()
    thread = db.session.scalar(sa.select(ChatThread))
    user = make_user("employee", full_name="Anna Berger")
    reply = chat.add_reply(db.session, thread, "Antwort", user)
    assert chat.deliver_now(db.session, secret_box(), reply, (2.0, 2.0))
    assert reply.status == "sent" and reply.service_message_id
    outs = [m for m in w.sim.state.public_messages() if m["direction"] == "out"]
    assert [(m["text"], m["author"]) for m in outs] == [("Antwort", "Anna Berger")]
    # The sync lists the reply too: still stored once.
    _sync()
    assert [m.body for m in _messages()] == ["Frage", "Antwort"]
    # Answering read the thread; the worker tells the service.
    assert db.session.get(ChatThread, thread.id).unread_count == 0
    assert chat.report_reads(db.session, secret_box(), timeouts=(2.0, 2.0)) == 1
    assert [
        m["read_at"] is not None for m in w.sim.state.public_messages() if m["direction"] == "in"
    ] == [True]


def test_a_reply_retried_after_a_crash_is_not_posted_twice(w):
    _customer, sid = w.customer()
    w.writes(sid, "Frage")
    _sync()
    thread = db.session.scalar(sa.select(ChatThread))
    reply = chat.add_reply(db.session, thread, "Antwort", None)
    db.session.commit()
    # Posted, but the process died before storing the outcome: the row stays "sending".
    client = chat.client_for(db.session, secret_box(), w.service, (2.0, 2.0))
    client.post_reply(sid, "Antwort", idempotency_key=reply.idempotency_key)
    client.close()
    reply.status, reply.claimed_at = "sending", utcnow() - timedelta(minutes=10)
    db.session.commit()
    _sync()  # the sync stores the posted message on its own
    assert chat.deliver_due(db.session, secret_box(), timeouts=(2.0, 2.0)) == 1
    assert len([m for m in w.sim.state.public_messages() if m["direction"] == "out"]) == 1
    assert [(m.body, m.status) for m in _messages()] == [("Frage", None), ("Antwort", "sent")]


def test_a_passing_fault_keeps_the_reply_queued_and_a_refusal_fails_it(w):
    _customer, sid = w.customer()
    w.writes(sid, "Frage")
    _sync()
    thread = db.session.scalar(sa.select(ChatThread))
    reply = chat.add_reply(db.session, thread, "Antwort", None)
    w.sim.state.set_faults(status=503, times=1)
    assert not chat.deliver_now(db.session, secret_box(), reply, (2.0, 2.0))
    assert reply.status == "queued" and reply.next_attempt_at and reply.error
    assert (
        chat.deliver_due(
            db.session, secret_box(), now=utcnow() + timedelta(hours=1), timeouts=(2.0, 2.0)
        )
        == 1
    )
    w.sim.state.customers[sid]["state"] = "deactivated"
    second = chat.add_reply(db.session, thread, "Noch was", None)
    assert not chat.deliver_now(db.session, secret_box(), second, (2.0, 2.0))
    assert second.status == "failed" and "deaktiviert" in str(second.error)
    assert chat.resend(db.session, second) and second.status == "queued"


def test_bad_replies_are_refused(w):
    thread = ChatThread(service_customer_id="x", customer_name="X")
    db.session.add(thread)
    db.session.commit()
    with pytest.raises(chat.ReplyError):
        chat.add_reply(db.session, thread, "   ", None)
    with pytest.raises(chat.ReplyError):
        chat.add_reply(db.session, thread, "x" * 2001, None)
    assert _messages() == []


def test_mark_unread_and_the_notification_coming_back(w):
    employee = make_user("employee")
    _customer, sid = w.customer()
    w.writes(sid, "Frage")
    _sync()
    thread = db.session.scalar(sa.select(ChatThread))
    chat.mark_read(db.session, thread)
    db.session.commit()
    assert db.session.scalar(
        sa.select(Notification.read_at).where(Notification.user_id == employee.id)
    )
    assert chat.mark_unread(db.session, thread)
    db.session.commit()
    assert db.session.get(ChatThread, thread.id).unread_count == 1
    w.writes(sid, "Hallo?")
    _sync()
    notes = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == employee.id).order_by(Notification.id)
    ).all()
    assert len(notes) == 2 and notes[1].read_at is None and notes[1].params["unread"] == 2


def test_the_page_model_is_the_clients():
    assert MessagePage([], "c", False).next_cursor == "c"


def test_a_sync_error_reads_in_the_readers_language(w, portal):
    """The sync (worker, German) keeps its error language-neutral in the chat interface's state;
    the inbox's sync line shows it in the reader's language."""
    from tests.factories import make_user

    _customer, sid = w.customer()
    w.writes(sid, "Hallo")
    w.sim.state.set_faults(status=429, retry_after=600)
    _sync(now=utcnow())
    assert (
        _chat_state(w)["last_error"]["t"]
        == "%(error)s Bitte in %(seconds)d Sekunden erneut versuchen."
    )
    make_user("admin", username="admin-en", locale="en")
    db.session.commit()
    portal.login("admin", username="admin-en")
    line = portal.get("/chat/sync-info", htmx=True).get_data(as_text=True)
    assert "The SiNNO service is busy. Please try again in 600 seconds." in line
    assert "Sekunden" not in line
    portal.logout()
    portal.login("admin")
    line = portal.get("/chat/sync-info", htmx=True).get_data(as_text=True)
    assert (
        "Der SiNNO-Dienst ist gerade ausgelastet. Bitte in 600 Sekunden erneut versuchen." in line
    )


def _wire(
    mid, customer_id, text, sent="2026-03-02T09:00:00Z", direction="in", read=None, author=""
):
    """A message as the client parses it from a page."""
    return Wire(
        mid,
        customer_id,
        direction,
        text,
        datetime.fromisoformat(sent),
        datetime.fromisoformat(read) if read else None,
        None,
        author,
    )


def test_an_id_twice_in_a_page_is_stored_and_counted_once(w):
    employee = make_user("employee")
    _customer, sid = w.customer()
    page = [
        _wire("m1", sid, "Erste"),
        _wire("m1", sid, "Erste, noch einmal geliefert"),
        _wire("m2", sid, "Zweite", sent="2026-03-02T09:01:00Z"),
    ]
    assert chat.store_page(db.session, page) == 2
    db.session.commit()
    assert [m.body for m in _messages()] == ["Erste", "Zweite"]
    thread = db.session.scalar(sa.select(ChatThread))
    assert (thread.unread_count, thread.last_preview) == (2, "Zweite")
    [note] = db.session.scalars(sa.select(Notification).where(Notification.user_id == employee.id))
    assert note.count == 1 and note.params["unread"] == 2


def test_a_page_mixing_known_and_new_ids_adds_only_the_new_ones(w):
    employee = make_user("employee")
    _customer, sid = w.customer()
    assert chat.store_page(db.session, [_wire("m1", sid, "Eins")]) == 1
    db.session.commit()
    page = [
        _wire("m1", sid, "Eins"),
        _wire("m2", sid, "Zwei", sent="2026-03-02T09:05:00Z"),
        _wire("m3", sid, "Drei", sent="2026-03-02T09:06:00Z"),
    ]
    assert chat.store_page(db.session, page) == 2
    db.session.commit()
    assert chat.store_page(db.session, page) == 0  # all known: nothing changes
    db.session.commit()
    assert [m.body for m in _messages()] == ["Eins", "Zwei", "Drei"]
    thread = db.session.scalar(sa.select(ChatThread))
    assert (thread.unread_count, thread.last_preview) == (3, "Drei")
    assert thread.last_message_at == datetime(2026, 3, 2, 9, 6)
    [note] = db.session.scalars(sa.select(Notification).where(Notification.user_id == employee.id))
    assert note.count == 2 and note.params == {
        "customer": "Erika Mustermann",
        "preview": "Drei",
        "unread": 3,
    }


def test_a_message_of_a_customer_unknown_to_the_portal_gets_a_thread_of_its_own(w):
    page = [
        _wire("m1", "SC-FREMD", "Hallo", author="Max Fremd"),
        _wire("m2", "SC-OHNE", "Hallo auch"),
    ]
    assert chat.store_page(db.session, page) == 2
    db.session.commit()
    threads = db.session.scalars(sa.select(ChatThread).order_by(ChatThread.service_customer_id))
    assert [
        (t.service_customer_id, t.customer_id, t.customer_name, t.unread_count) for t in threads
    ] == [
        ("SC-FREMD", None, "Max Fremd", 1),
        ("SC-OHNE", None, "SC-OHNE", 1),
    ]


def test_times_are_stored_as_naive_utc_and_the_newest_message_is_the_preview(w):
    _customer, sid = w.customer()
    page = [
        # Out of order, and one with an offset: 11:30+02:00 is 09:30 UTC, the newest.
        _wire("m1", sid, "Neueste", sent="2026-03-02T11:30:00+02:00"),
        _wire("m2", sid, "Älter", sent="2026-03-02T09:15:30.250000Z"),
        # A reply sent from elsewhere, and a message already read in the app's other client.
        _wire("m3", sid, "Antwort", sent="2026-03-02T09:20:00Z", direction="out", author="Anna"),
        _wire("m4", sid, "Gelesen", sent="2026-03-02T09:10:00Z", read="2026-03-02T09:11:00Z"),
    ]
    now = datetime(2026, 3, 2, 10, 0, 0, 123456)
    assert chat.store_page(db.session, page, now) == 4
    db.session.commit()
    by_id = {m.service_message_id: m for m in _messages()}
    assert by_id["m1"].sent_at == datetime(2026, 3, 2, 9, 30)
    assert by_id["m2"].sent_at == datetime(2026, 3, 2, 9, 15, 30, 250000)
    assert by_id["m1"].created_at == now and by_id["m1"].read_at is None
    assert (by_id["m3"].direction, by_id["m3"].status, by_id["m3"].author_name) == (
        "out",
        "sent",
        "Anna",
    )
    assert (by_id["m4"].read_at, by_id["m4"].read_reported_at) == (
        datetime(2026, 3, 2, 9, 11),
        now,
    )
    thread = db.session.scalar(sa.select(ChatThread))
    assert (thread.last_message_at, thread.last_preview, thread.unread_count) == (
        datetime(2026, 3, 2, 9, 30),
        "Neueste",
        2,
    )
    # An older message later on neither moves the thread's time back nor takes the preview.
    assert chat.store_page(db.session, [_wire("m5", sid, "Alt", sent="2026-03-01T08:00:00Z")])
    db.session.commit()
    db.session.expire_all()
    thread = db.session.scalar(sa.select(ChatThread))
    assert (thread.last_message_at, thread.last_preview, thread.unread_count) == (
        datetime(2026, 3, 2, 9, 30),
        "Neueste",
        3,
    )


def test_a_customer_first_seen_on_a_later_page_of_a_pass_gets_a_thread(w):
    _first, sid1 = w.customer()
    _second, sid2 = w.customer(first="Max", last="Muster", number="K-1002")
    w.writes(sid1, "Eins")
    w.writes(sid1, "Zwei")
    w.writes(sid2, "Drei")
    report = _sync(page_size=2)
    assert report.stored == 3 and report.pages == 2
    counts = dict(
        db.session.execute(sa.select(ChatThread.customer_name, ChatThread.unread_count)).all()
    )
    assert counts == {"Erika Mustermann": 2, "Max Muster": 1}


def test_a_long_list_is_stored_in_several_statements(w):
    customers = [w.customer(number=f"K-{n}")[1] for n in range(3)]
    page = [
        _wire(
            f"m{i:04d}",
            customers[i % 3],
            f"Nachricht {i}",
            sent=f"2026-03-02T09:{i // 60 % 60:02d}:{i % 60:02d}Z",
        )
        for i in range(1203)
    ]
    assert chat.store_page(db.session, page) == 1203
    db.session.commit()
    assert chat.store_page(db.session, page) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChatMessage)) == 1203
    assert sorted(db.session.scalars(sa.select(ChatThread.unread_count))) == [401, 401, 401]


class _OnePage:
    """A requests.Session stand-in that answers every call with one JSON body."""

    def __init__(self, body):
        self.body = body

    def request(self, *args, **kwargs):
        resp = requests.Response()
        resp.status_code, resp._content = 200, json.dumps(self.body).encode()
        return resp

    def close(self):
        pass


@pytest.mark.parametrize(
    "change",
    [
        {"sent_at": None},
        {"sent_at": "gestern"},
        {"direction": "sideways"},
        {"id": 17},
    ],
)
def test_a_page_with_a_malformed_message_is_a_malformed_answer(change):
    good = {
        "id": "m1",
        "customer_id": "SC-1",
        "direction": "in",
        "text": "Hallo",
        "sent_at": "2026-03-02T09:00:00Z",
        "read_at": None,
        "in_reply_to": None,
        "author": "",
    }
    body = {
        "messages": [good, {**good, "id": "m2", **change}],
        "next_cursor": "c",
        "has_more": False,
    }
    client = SinnoClient(SinnoSettings(base_url="http://sinno.test/v1", token="t"), _OnePage(body))
    with pytest.raises(SinnoError) as info:
        client.list_messages()
    assert info.value.kind == "malformed"


def test_a_page_after_the_first_costs_six_statements_four_on_postgresql(w):
    """Per page: lock the cursor, the cursor, insert, update the threads, their texts, the
    notifications' upsert; on PostgreSQL the insert's statement also updates the threads and
    the cursor. The first page also finds the threads and the recipients."""
    make_user("employee")
    _first, sid1 = w.customer()
    _second, sid2 = w.customer(first="Max", last="Muster", number="K-1002")
    for i in range(3):
        w.writes(sid1, f"Erika {i}")
        w.writes(sid2, f"Max {i}")
    pages: list[list[str]] = [[]]

    def count(_conn, _cursor, statement, *_args):
        pages[-1].append(statement.split()[0])

    def commit(_conn):
        pages.append([])

    sa.event.listen(db.engine, "before_cursor_execute", count)
    sa.event.listen(db.engine, "commit", commit)
    try:
        report = _sync(page_size=2)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
        sa.event.remove(db.engine, "commit", commit)
    assert report.stored == 6 and report.pages == 3
    later = [p for p in pages if p][-2:]  # the second and third page
    store = ["WITH"] if db.engine.dialect.name == "postgresql" else ["UPDATE", "INSERT", "WITH"]
    assert later == [["SELECT", *store, "SELECT", "INSERT"]] * 2
    notes = db.session.scalars(sa.select(Notification).order_by(Notification.thread_id)).all()
    assert [(n.count, n.params["unread"]) for n in notes] == [(3, 3), (3, 3)]


def test_the_worker_gives_the_sinno_jobs_their_own_timeouts(w):
    """SINNO_TIMEOUTS reach the chat sync through the worker; SMS_TIMEOUTS do not."""
    from app.services.worker import Worker

    _customer, sid = w.customer()
    w.writes(sid, "Hallo")
    w.sim.state.set_faults(delay=1.5)
    worker = Worker(
        db.session, secret_box(), "Europe/Berlin", timeouts=(5.0, 5.0), sinno_timeouts=(0.5, 0.5)
    )
    result: dict = {}
    worker.run_chat(result)
    assert result["chat_synced"] == 0 and _messages() == []
    event = db.session.scalars(
        sa.select(InterfaceEvent).where(InterfaceEvent.action == "chat_sync")
    ).all()[-1]
    assert not event.ok
    # Without sinno_timeouts the SiNNO jobs take `timeouts`: 5 s outlast the delay.
    later = utcnow() + timedelta(minutes=10)  # after the failure's back-off
    worker = Worker(
        db.session, secret_box(), "Europe/Berlin", timeouts=(5.0, 5.0), clock=lambda: later
    )
    worker.run_chat(result)
    assert result["chat_synced"] == 1 and [m.body for m in _messages()] == ["Hallo"]


def test_a_message_stored_while_a_thread_is_being_read_stays_unread(w, monkeypatch):
    """The sync stores a message between mark_read's select and its update: the new message is
    unread, and the thread must still count it (the badge would otherwise hide it)."""
    _customer, sid = w.customer()
    assert chat.store_page(db.session, [_wire("m1", sid, "Eins")]) == 1
    db.session.commit()
    thread = db.session.scalar(sa.select(ChatThread))
    original = chat._update_messages

    def sync_commits_in_between(session, ids, *where, **values):
        with sa.orm.Session(db.engine) as other:  # the worker, in its own transaction
            chat.store_page(other, [_wire("m2", sid, "Zwei", sent="2026-03-02T09:05:00Z")])
            other.commit()
        return original(session, ids, *where, **values)

    monkeypatch.setattr(chat, "_update_messages", sync_commits_in_between)
    chat.mark_read(db.session, thread)
    db.session.commit()
    db.session.expire_all()
    unread = [m.service_message_id for m in _messages() if m.read_at is None]
    assert unread == ["m2"]
    assert db.session.get(ChatThread, thread.id).unread_count == 1


def test_a_message_stored_while_a_thread_is_marked_unread_is_counted(app, w):
    """The sync stores a customer message (not committed yet) while an employee marks the thread
    unread: the thread counts both unread messages (the recount did not see the new message and
    was written over the sync's +1, so the badge hid it)."""
    from tests.races import meanwhile

    _customer, sid = w.customer()
    assert chat.store_page(db.session, [_wire("m1", sid, "Eins")]) == 1
    db.session.commit()
    thread_id = db.session.scalar(sa.select(ChatThread.id))
    chat.mark_read(db.session, db.session.get(ChatThread, thread_id))
    db.session.commit()
    assert chat.store_page(db.session, [_wire("m2", sid, "Zwei", sent="2026-03-02T09:05:00Z")])

    def mark_unread():
        assert chat.mark_unread(db.session, db.session.get(ChatThread, thread_id))
        db.session.commit()

    meanwhile(app, mark_unread)
    unread = [m.service_message_id for m in _messages() if m.read_at is None]
    assert unread == ["m1", "m2"]
    assert db.session.get(ChatThread, thread_id).unread_count == 2


def test_a_reply_the_sync_is_storing_at_that_moment_is_delivered_once(app, w):
    """The sync stores the posted reply (not committed yet) while its delivery records the
    outcome: the reply is sent, stored once, and the delivery does not fail (on PostgreSQL its
    id collided with the sync's copy once that was committed: an error, the reply left
    "sending")."""
    from tests.races import meanwhile

    _customer, sid = w.customer()
    w.writes(sid, "Frage")
    _sync()
    thread = db.session.scalar(sa.select(ChatThread))
    reply = chat.add_reply(db.session, thread, "Antwort", None)
    db.session.commit()
    reply_id, key = reply.id, reply.idempotency_key
    # An earlier attempt went through (the same key: the service answers with the same message).
    client = chat.client_for(db.session, secret_box(), w.service, (2.0, 2.0))
    posted = client.post_reply(sid, "Antwort", idempotency_key=key)
    client.close()
    assert chat.store_page(db.session, [_wire(posted.id, sid, "Antwort", direction="out")])
    delivered = []

    def deliver():
        again = db.session.get(ChatMessage, reply_id)
        delivered.append(chat.deliver_now(db.session, secret_box(), again, (2.0, 2.0)))

    meanwhile(app, deliver)
    assert delivered == [True]
    assert [(m.body, m.status, m.service_message_id) for m in _messages()] == [
        ("Frage", None, _messages()[0].service_message_id),
        ("Antwort", "sent", posted.id),
    ]
    assert len([m for m in w.sim.state.public_messages() if m["direction"] == "out"]) == 1


def test_a_reply_answered_before_a_sync_is_not_quoted_as_the_customers_message(w):
    """The customer writes again, the branch replies before the next sync: the thread shows the
    messages in the order they were written, and the notification quotes the customer."""
    from app.services import notifications

    employee = make_user("employee")
    _customer, sid = w.customer()
    w.writes(sid, "Frage")
    _sync()
    w.writes(sid, "Noch etwas: passt morgen?")  # not synced yet
    thread = db.session.scalar(sa.select(ChatThread))
    reply = chat.add_reply(db.session, thread, "Gerne, ab 9 Uhr.", make_user("employee"))
    assert chat.deliver_now(db.session, secret_box(), reply, (2.0, 2.0))
    _sync()
    shown = [m.body for m in chat.messages_of(db.session, thread.id)]
    assert shown == ["Frage", "Noch etwas: passt morgen?", "Gerne, ab 9 Uhr."]
    note = db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == employee.id)
        .order_by(Notification.id.desc())
    ).first()
    text = notifications.describe(note.event, note.params, note.count, "de")[1]
    assert text == "Erika Mustermann hat geschrieben: „Noch etwas: passt morgen?“"
    english = notifications.describe(note.event, note.params, note.count, "en")[1]
    assert english == "Erika Mustermann wrote: “Noch etwas: passt morgen?”"


def test_a_notification_for_several_messages_counts_them_and_quotes_the_latest(w):
    from app.services import notifications

    employee = make_user("employee")
    _customer, sid = w.customer()
    w.writes(sid, "Erste")
    w.writes(sid, "Zweite")
    _sync()
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == employee.id))
    text = notifications.describe(note.event, note.params, note.count, "de")[1]
    assert text == "Erika Mustermann hat 2 Nachrichten geschrieben, zuletzt: „Zweite“"
    assert "ungelesen" not in text
