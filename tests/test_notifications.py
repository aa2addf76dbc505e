"""Notifications: channels per preference, coalescing, the centre and the bell, each channel to its simulator."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db, secret_box
from app.i18n import points_param
from app.models import EmailMessage, Notification, NotificationPreference, SmsMessage
from app.services import notifications
from app.services.demo import simulator_sms_settings
from app.services.worker import Worker
from tests.factories import make_interface, make_user
from tests.sim_fixtures import SIM_TOKEN


def _rows(user_id=None):
    stmt = sa.select(Notification).order_by(Notification.id)
    if user_id is not None:
        stmt = stmt.where(Notification.user_id == user_id)
    return db.session.scalars(stmt).all()


def _worker():
    return Worker(
        db.session,
        secret_box(),
        "Europe/Berlin",
        timeouts=(2.0, 2.0),
        smtp_timeout=3,
        portal_url="http://portal.example",
    )


def _mail_interface(port: int = 2525):
    """A server-side SMTP interface (the e-mail channel); port 2525 when nothing is sent."""
    return make_interface(
        "email_smtp",
        settings={
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "username": "demo",
            "sender": "portal@example.org",
            "sender_name": "Portal",
        },
        secrets={"password": "demo-password"},
    )


def _chat(thread_id=None, customer="Erika Muster", preview="Hallo"):
    notifications.notify(
        db.session,
        notifications.CHAT_UNREAD,
        params={"customer": customer, "preview": preview, "unread": 1},
        coalesce_key=f"thread:{thread_id or 0}",
        thread_id=thread_id,
    )
    db.session.commit()


def test_chat_unread_reaches_employees_and_admins_by_default(app):
    employee, admin = make_user("employee"), make_user("admin")
    make_user("helpdesk")
    make_user("employee", is_active_account=False)
    _chat()
    assert sorted((n.user_id, n.channel) for n in _rows()) == sorted(
        [(employee.id, "message"), (admin.id, "message")]
    )


def test_coalesced_one_per_thread_until_read(app):
    from app.models import ChatThread

    user = make_user("employee")
    thread = ChatThread(service_customer_id="c-1", customer_name="Erika Muster")
    db.session.add(thread)
    db.session.commit()
    for preview in ("eins", "zwei", "drei"):
        _chat(thread.id, preview=preview)
    rows = _rows(user.id)
    assert len(rows) == 1 and rows[0].count == 3 and rows[0].params["preview"] == "drei"
    notifications.thread_read(db.session, thread.id)
    db.session.commit()
    _chat(thread.id, preview="vier")
    rows = _rows(user.id)
    assert len(rows) == 2 and rows[1].read_at is None and rows[1].count == 1


def test_channel_none_means_nothing(app):
    user = make_user("employee")
    db.session.add(NotificationPreference(user_id=user.id, event="chat_unread", channel="none"))
    db.session.commit()
    _chat()
    assert _rows(user.id) == []


def test_email_channel_goes_through_the_outbox_to_the_smtp_simulator(app, smtp_sim):
    _mail_interface(smtp_sim.port)
    user = make_user("employee", email="kim@example.org", locale="en")
    db.session.add(NotificationPreference(user_id=user.id, event="chat_unread", channel="email"))
    db.session.commit()
    _chat(customer="Erika <Muster>", preview="Termin?")
    _chat(customer="Erika <Muster>", preview="Noch da?")  # coalesced: no second mail
    queued = db.session.scalars(sa.select(EmailMessage)).all()
    assert [m.status for m in queued] == ["queued"] and smtp_sim.state.messages == []
    assert (
        notifications.unread_count(db.session, user.id) == 0
    )  # not in the bell: e-mail was chosen
    assert _worker().run_once()["mails"] == 1
    assert _worker().run_once()["mails"] == 0  # never twice
    [got] = smtp_sim.state.messages
    assert got["rcpt_to"] == ["kim@example.org"] and got["language"] == "en"
    assert got["subject"] == "Unread SiNNO chat messages"
    assert "Erika <Muster> wrote" in got["text"] and "Erika &lt;Muster&gt; wrote" in got["html"]
    assert "My area > Notifications" in got["text"]
    assert got["html"].startswith('<!DOCTYPE html><html lang="en">')


def test_sms_channel_goes_through_the_sms_outbox_to_the_simulator(app, smsapi_sim):
    make_interface(
        "smsapi",
        settings=simulator_sms_settings(smsapi_sim.url + "/"),
        secrets={"token": SIM_TOKEN},
    )
    user = make_user("employee", mobile="491712345678")
    db.session.add(NotificationPreference(user_id=user.id, event="chat_unread", channel="sms"))
    db.session.commit()
    _chat()
    assert [m.kind for m in db.session.scalars(sa.select(SmsMessage))] == ["notification"]
    assert _worker().run_once()["sent"] == 1
    [got] = smsapi_sim.state.messages
    assert got["to"] == "491712345678" and "Erika Muster" in got["message"]


def test_sms_finally_failing_notifies_admins_once_per_interface(app, smsapi_sim):
    interface = make_interface(
        "smsapi",
        settings=simulator_sms_settings(smsapi_sim.url + "/"),
        secrets={"token": "wrong-token"},
    )
    admin = make_user("admin")
    employee = make_user("employee")
    for number in ("491711111111", "491712222222"):
        db.session.add(
            SmsMessage(
                kind="customer",
                status="queued",
                interface_id=interface.id,
                to_number=number,
                text="Hallo",
            )
        )
    db.session.commit()
    _worker().run_once()
    assert [m.status for m in db.session.scalars(sa.select(SmsMessage))] == ["failed", "failed"]
    # (The status board's alert for the failing interface comes as its own event.)
    [row] = [r for r in _rows(admin.id) if r.event == "sms_failed"]
    assert row.event == "sms_failed" and row.count == 2 and row.interface_id == interface.id
    assert _rows(employee.id) == []
    title, text = notifications.describe(row.event, row.params, row.count, "de")
    assert (
        title == "SMS-Versand fehlgeschlagen"
        and "+491712222222" in text
        and "2 Fehlschläge" in text
    )


def test_worker_mails_for_a_failed_sms_and_its_alert_link_to_the_interface(app, smsapi_sim):
    """The worker's e-mails for "SMS-Versand fehlgeschlagen" and the interface's alert carry
    the link into the portal, as the chat's do."""
    mailer = _mail_interface()  # nothing listens: its scheduled check fails and alerts too
    interface = make_interface(
        "smsapi",
        settings=simulator_sms_settings(smsapi_sim.url + "/"),
        secrets={"token": "wrong-token"},
    )
    admin = make_user("admin", email="admin@example.org")
    for event in ("sms_failed", "interface_alert"):
        db.session.add(NotificationPreference(user_id=admin.id, event=event, channel="email"))
    db.session.add(
        SmsMessage(
            kind="customer",
            status="queued",
            interface_id=interface.id,
            to_number="491711111111",
            text="Hallo",
        )
    )
    db.session.commit()
    _worker().run_once()
    mails = db.session.scalars(sa.select(EmailMessage).order_by(EmailMessage.id)).all()
    expected = {
        ("SMS-Versand fehlgeschlagen", interface.id),
        ("Störung einer Schnittstelle", interface.id),
        ("Störung einer Schnittstelle", mailer.id),
    }
    got = set()
    for mail in mails:
        about = interface if interface.name in mail.text else mailer
        link = f"http://portal.example/interfaces/{about.id}"
        assert f"Im Portal öffnen: {link}" in mail.text, mail.text
        assert f'<a href="{link}">Im Portal öffnen</a>' in mail.html
        got.add((mail.subject, about.id))
    assert len(mails) == 3 and got == expected


def test_a_failing_check_on_the_board_mails_the_alert_with_the_portal_link(app, portal, smsapi_sim):
    """A check from the status board (the web process) links to the configured portal address."""
    app.config["PORTAL_URL"] = "https://portal.filialen.example/"
    _mail_interface()
    interface = make_interface(
        "smsapi",
        settings=simulator_sms_settings(smsapi_sim.url + "/"),
        secrets={"token": "wrong-token"},
    )
    admin = make_user("admin", email="admin@example.org")
    db.session.add(
        NotificationPreference(user_id=admin.id, event="interface_alert", channel="email")
    )
    db.session.commit()
    portal.login("helpdesk")
    assert portal.post(f"/status/{interface.id}/check", htmx=True).status_code == 200
    [mail] = db.session.scalars(sa.select(EmailMessage)).all()
    assert mail.to_address == "admin@example.org"
    assert (
        f"Im Portal öffnen: https://portal.filialen.example/interfaces/{interface.id}" in mail.text
    )


def test_sms_failures_by_e_mail_come_at_most_once_an_hour_per_interface(app):
    """E-mail rows are never read in the portal: after an hour the next failure mails again."""
    from datetime import timedelta

    from app.models.base import utcnow

    _mail_interface()
    sms = make_interface("smsapi", name="SMS Filiale")
    mailed = make_user("admin", email="admin@example.org")
    shown = make_user("admin")
    db.session.add(NotificationPreference(user_id=mailed.id, event="sms_failed", channel="email"))
    db.session.commit()
    start = utcnow()
    for minutes in (0, 10, 59, 61, 70):
        notifications.sms_failed(
            db.session,
            minutes,
            "491711234567",
            sms,
            "Fehler 13",
            now=start + timedelta(minutes=minutes),
        )
        db.session.commit()
    mails = db.session.scalars(sa.select(EmailMessage).order_by(EmailMessage.id)).all()
    assert len(mails) == 2  # at 0 and at 61 minutes
    assert [(r.count, r.read_at is not None) for r in _rows(mailed.id)] == [(3, True), (2, False)]
    # The bell keeps one notification until it is read, however long that takes.
    assert [(r.count, r.read_at) for r in _rows(shown.id)] == [(5, None)]


# ---- the centre and the bell ---------------------------------------------------------------------


def test_bell_list_and_mark_read(app, portal):
    user = portal.login("employee")
    other = make_user("employee")
    db.session.commit()
    _chat(customer="Erika <b>Muster</b>")
    page = portal.get("/").get_data(as_text=True)
    assert 'id="notification-bell"' in page and 'id="bell-count">1<' in page
    listing = portal.get("/notifications/").get_data(as_text=True)
    assert "Ungelesene SiNNO-Chat-Nachrichten" in listing
    assert "Erika &lt;b&gt;Muster&lt;/b&gt;" in listing and "<b>Muster" not in listing
    mine, theirs = _rows(user.id)[0], _rows(other.id)[0]
    # Someone else's notification cannot be marked read.
    assert portal.post(f"/notifications/{theirs.id}/read", htmx=True).status_code == 404
    resp = portal.post(f"/notifications/{mine.id}/read", htmx=True)
    assert resp.status_code == 204 and "notifications-changed" in resp.headers["HX-Trigger"]
    db.session.expire_all()
    assert _rows(user.id)[0].read_at is not None and _rows(other.id)[0].read_at is None
    assert 'id="bell-count"' not in portal.get("/notifications/badge").get_data(as_text=True)


def test_mark_all_read_only_touches_own(app, portal):
    user = portal.login("admin")
    other = make_user("admin")
    db.session.commit()
    _chat()
    notifications.notify(
        db.session, "sms_low_balance", params={"interface": "SMS", "points": "3.00"}
    )
    db.session.commit()
    assert notifications.unread_count(db.session, user.id) == 2
    assert portal.post("/notifications/read-all").status_code == 302
    db.session.expire_all()
    assert notifications.unread_count(db.session, user.id) == 0
    assert notifications.unread_count(db.session, other.id) == 2


def test_notifications_page_in_english(app, portal):
    portal.login("admin")
    notifications.notify(
        db.session,
        "sms_low_balance",
        params={"interface": "SMS Zentrale", "points": points_param(1003)},
    )
    db.session.commit()
    page = portal.get("/notifications/").get_data(as_text=True)
    assert "Das Guthaben von SMS Zentrale ist niedrig: 1.003,00 Punkte." in page
    portal.post("/language", {"lang": "en", "next": "/"})
    page = portal.get("/notifications/").get_data(as_text=True)
    assert "SMS balance low" in page
    assert "The balance of SMS Zentrale is low: 1,003.00 credits." in page


def test_other_features_register_events_and_notify_with_their_text(app):
    from app.services.notifications import EVENTS, Event, register_event

    admin = make_user("admin")
    register_event(Event("test_alert", "Testalarm", frozenset({"admin"})))
    try:
        assert (
            notifications.notify(
                db.session,
                "test_alert",
                params={"text": "Schnittstelle X gestört"},
                coalesce_key="alert:x",
            )
            == 1
        )
        db.session.commit()
        [row] = _rows(admin.id)
        assert notifications.describe(row.event, row.params, row.count, "de") == (
            "Testalarm",
            "Schnittstelle X gestört",
        )
    finally:
        EVENTS.pop("test_alert")


def test_notify_only_the_given_users(app):
    first, second = make_user("employee"), make_user("admin")
    notifications.notify(
        db.session,
        notifications.CHAT_UNREAD,
        params={"customer": "Erika", "preview": "Hallo", "unread": 1},
        users=[second.id],
    )
    db.session.commit()
    assert [n.user_id for n in _rows()] == [second.id] and _rows(first.id) == []


def test_a_key_twice_in_one_call_counts_twice_and_mails_once(app):
    _mail_interface()
    mailed = make_user("employee", email="kim@example.org")
    shown = make_user("admin")
    db.session.add(NotificationPreference(user_id=mailed.id, event="chat_unread", channel="email"))
    db.session.commit()

    def twice(first, second):
        raised = notifications.notify_many(
            db.session,
            notifications.CHAT_UNREAD,
            [
                notifications.Occurrence({"customer": "Erika", "preview": p, "unread": 1}, "k")
                for p in (first, second)
            ],
        )
        db.session.commit()
        return raised

    assert twice("eins", "zwei") == 2  # one row per user, each counting both
    rows = _rows()
    assert [(r.user_id, r.channel, r.count, r.params["preview"]) for r in rows] == [
        (mailed.id, "email", 2, "zwei"),
        (shown.id, "message", 2, "zwei"),
    ]
    assert twice("drei", "vier") == 2  # bumped: no second mail
    assert [(r.count, r.params["preview"]) for r in _rows()] == [(4, "vier"), (4, "vier")]
    assert len(db.session.scalars(sa.select(EmailMessage)).all()) == 1


def test_email_chosen_but_no_longer_possible_falls_back_to_the_bell(app):
    """E-mail chosen, then the address removed (the choice is kept): the notification must
    still reach the user, in the portal, rather than be dropped where nobody sees it."""
    user = make_user("employee", email=None)
    db.session.add(NotificationPreference(user_id=user.id, event="chat_unread", channel="email"))
    db.session.commit()
    _chat(customer="Erika Muster")
    assert db.session.scalars(sa.select(EmailMessage)).all() == []
    assert notifications.unread_count(db.session, user.id) == 1
    [row] = notifications.listing(db.session, user.id)
    assert "Erika Muster" in notifications.describe(row.event, row.params, row.count)[1]


def test_an_sms_notification_fits_the_interfaces_max_characters(app, smsapi_sim):
    """The admins' "Max. Zeichen" (here one SMS) holds for notifications too: a longer text is
    refused by the gateway, so the notification would fail for good instead of arriving."""
    make_interface(
        "smsapi",
        settings=simulator_sms_settings(smsapi_sim.url + "/", max_chars=160),
        secrets={"token": SIM_TOKEN},
    )
    user = make_user("employee", mobile="491712345678")
    db.session.add(NotificationPreference(user_id=user.id, event="chat_unread", channel="sms"))
    db.session.commit()
    _chat(customer="Erika Muster", preview="Guten Tag, ich habe eine Frage zu meinem Termin. " * 5)
    [queued] = db.session.scalars(sa.select(SmsMessage)).all()
    assert len(queued.text) <= 160 and queued.text.startswith("Ungelesene SiNNO-Chat")
    assert _worker().run_once()["sent"] == 1
    [got] = smsapi_sim.state.messages
    assert "Erika Muster" in got["message"]
