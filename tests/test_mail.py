"""E-Mail (SMTP): the client and the simulator, the interface type, the Test-E-Mail dialog, the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from app.extensions import db, secret_box
from app.models import EmailMessage, Interface, InterfaceEvent
from app.models.base import utcnow
from app.services import mail
from app.services.smtp import MailError, SmtpClient, SmtpSettings, build_message
from tests.factories import make_interface

PASSWORD = "demo-password"


def _settings(sim, **kw):
    values = dict(
        host="127.0.0.1",
        port=sim.port,
        security="none",
        username="demo",
        password=PASSWORD,
        sender="portal@example.org",
        timeout=3,
    )
    values.update(kw)
    return SmtpSettings(**values)


def _mail(to="kim@example.org"):
    return build_message("portal@example.org", to, "Betreff äöü", "Text äöü", "<p>Text äöü</p>")


@pytest.fixture
def smtp_interface(app, smtp_sim):
    interface = make_interface(
        "email_smtp",
        name="Mail Sim",
        server_side=True,
        client_side=False,
        settings={
            "host": "127.0.0.1",
            "port": smtp_sim.port,
            "security": "none",
            "username": "demo",
            "sender": "portal@example.org",
            "sender_name": "Portal",
        },
        secrets={"password": PASSWORD},
    )
    db.session.commit()
    return interface


# ---- client against the simulator ------------------------------------------------------------------


def test_client_sends_mime_alternative_and_the_simulator_lists_it(smtp_sim):
    SmtpClient(_settings(smtp_sim)).send(_mail())
    received = requests.get(smtp_sim.http_url + "/_sim/messages", timeout=5).json()
    assert len(received) == 1
    got = received[0]
    assert got["rcpt_to"] == ["kim@example.org"] and got["subject"] == "Betreff äöü"
    assert got["content_type"] == "multipart/alternative"
    assert got["text"].strip() == "Text äöü" and got["html"].strip() == "<p>Text äöü</p>"
    assert got["authenticated_as"] == "demo"
    assert PASSWORD not in requests.get(smtp_sim.http_url + "/_sim/logins", timeout=5).text


def test_a_mail_has_the_date_rfc_5322_requires():
    """The origination date is one of the two header fields every message must have (RFC 5322
    3.6); without it mail servers and spam filters take the mail for malformed."""
    from email.utils import parsedate_to_datetime

    from app.services.mail import _message_for

    before = utcnow().replace(microsecond=0)
    assert parsedate_to_datetime(_mail()["Date"]).replace(tzinfo=None) >= before
    row = EmailMessage(id=7, to_address="kim@example.org", subject="S", text="T", html="<p>T</p>")
    row.language = "en"
    sent = _message_for(row, SmtpSettings("127.0.0.1", 25, sender="portal@example.org"))
    assert sent["Date"] and sent["Message-ID"] == "<portal-mail-7@example.org>"


def test_an_address_with_umlauts_at_a_server_without_smtputf8_is_named_as_such(smtp_sim):
    """Profile and test dialog accept internationalised addresses; a server without SMTPUTF8
    refuses them. That is the address's fault, not a log-in problem (the text said "offers no
    log-in: leave the user name empty ..." and sent admins to the wrong settings)."""
    with pytest.raises(MailError) as caught:
        SmtpClient(_settings(smtp_sim)).send(_mail(to="jörg@example.org"))
    assert caught.value.kind == "recipient" and not caught.value.temporary
    assert "SMTPUTF8" in str(caught.value.text) and "Anmeldung" not in str(caught.value.text)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_client_speaks_starttls_and_ssl(security):
    from sim.smtp import SmtpSimConfig, SmtpSimServer

    with SmtpSimServer(SmtpSimConfig(security=security)) as sim:
        client = SmtpClient(_settings(sim, security=security, tls_context=sim.client_tls_context()))
        client.check_connection()
        client.send(_mail())
        assert [m["authenticated_as"] for m in sim.state.messages] == ["demo"]
        # Without trusting the simulator's self-signed certificate the TLS check fails plainly.
        with pytest.raises(MailError) as err:
            SmtpClient(_settings(sim, security=security)).check_connection()
        assert err.value.kind == "tls" and "TLS" in err.value.text.render("de")


@pytest.mark.parametrize(
    "fault, kind, temporary, words",
    [
        ("refuse", "connection", True, "nimmt gerade keine Verbindungen an"),
        ("temporary", "temporary", True, "vorübergehend abgelehnt"),
        ("permanent", "server", False, "hat die Mail abgelehnt (554"),
        ("auth", "auth", False, "Benutzername oder Passwort abgelehnt"),
    ],
)
def test_each_fault_is_one_typed_error_without_the_password(
    smtp_sim, fault, kind, temporary, words
):
    smtp_sim.state.set_faults(**{fault: True, "times": 1})
    with pytest.raises(MailError) as err:
        SmtpClient(_settings(smtp_sim)).send(_mail())
    assert (err.value.kind, err.value.temporary) == (kind, temporary)
    de, en = err.value.text.render("de"), err.value.text.render("en")
    assert words in de and words not in en and "mail server" in en
    assert PASSWORD not in de + en + err.value.text.dumps() + str(err.value) + repr(err.value)
    assert smtp_sim.state.messages == []
    SmtpClient(_settings(smtp_sim)).send(_mail())  # the switch was for one time only
    assert len(smtp_sim.state.messages) == 1


def test_a_fault_after_a_mail_that_went_through(smtp_sim):
    requests.post(
        smtp_sim.http_url + "/_sim/faults",
        json={"permanent": True, "after": 1, "times": 1},
        timeout=5,
    )
    SmtpClient(_settings(smtp_sim)).send(_mail())
    with pytest.raises(MailError) as err:
        SmtpClient(_settings(smtp_sim)).send(_mail())
    assert err.value.kind == "server" and not err.value.temporary
    SmtpClient(_settings(smtp_sim)).send(_mail())
    assert len(smtp_sim.state.messages) == 2


def test_faults_switch_over_http(smtp_sim):
    resp = requests.post(smtp_sim.http_url + "/_sim/faults", json={"permanent": True}, timeout=5)
    assert resp.json()["permanent"] is True
    with pytest.raises(MailError):
        SmtpClient(_settings(smtp_sim)).send(_mail())
    assert (
        requests.post(smtp_sim.http_url + "/_sim/faults", json={"bogus": 1}, timeout=5).status_code
        == 400
    )
    requests.post(smtp_sim.http_url + "/_sim/faults", json={}, timeout=5)
    SmtpClient(_settings(smtp_sim)).send(_mail())
    assert len(smtp_sim.state.messages) == 1


def test_wrong_password_and_closed_port(smtp_sim, closed_port):
    with pytest.raises(MailError) as err:
        SmtpClient(_settings(smtp_sim, password="wrong-Secret-9")).check_connection()
    assert err.value.kind == "auth" and "wrong-Secret-9" not in err.value.text.render("en")
    with pytest.raises(MailError) as err:
        SmtpClient(_settings(smtp_sim, port=closed_port)).check_connection()
    assert err.value.kind == "connection" and err.value.temporary
    assert f"127.0.0.1:{closed_port}" in err.value.text.render("de") == str(err.value)


def test_check_connection_sends_nothing(app, smtp_interface, smtp_sim):
    assert mail.check_connection(smtp_interface, secret_box(), timeout=3) is None
    assert smtp_sim.state.messages == [] and smtp_sim.state.logins == [
        {"username": "demo", "ok": True}
    ]
    smtp_sim.state.set_faults(auth=True)
    assert "Passwort abgelehnt" in mail.check_connection(
        smtp_interface, secret_box(), timeout=3, language="de"
    )


# ---- the interface type --------------------------------------------------------------------------

FORM = {
    "name": "Mailserver",
    "branch_id": "",
    "server_side": "y",
    "client_side": "",
    "start_date": "",
    "host": "smtp.example.org",
    "port": "587",
    "security": "starttls",
    "username": "portal",
    "password": "mail-SECRET-7",
    "sender": "portal@example.org",
    "sender_name": "Portal",
}


def test_create_smtp_interface_password_encrypted(app, portal):
    portal.login("admin")
    choose = portal.get("/interfaces/new").get_data(as_text=True)
    assert "E-Mail (SMTP)" in choose
    resp = portal.post("/interfaces/new/email_smtp", FORM)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    interface = db.session.scalar(sa.select(Interface))
    assert interface.group == "E-Mail" and interface.settings["security"] == "starttls"
    assert "password" not in interface.settings
    assert secret_box().decrypt(interface.secrets[0].value_encrypted) == "mail-SECRET-7"
    page = portal.get(f"/interfaces/{interface.id}").get_data(as_text=True)
    assert "mail-SECRET-7" not in page and "Test-E-Mail senden" in page


@pytest.mark.parametrize(
    "override, message",
    [
        ({"host": ""}, "Bitte geben Sie den Mailserver an"),
        ({"host": "smtp://x.org:25"}, "ohne smtp://"),
        ({"port": "70000"}, "zwischen 1 und 65535"),
        ({"sender": "kein-at"}, "gültige E-Mail-Adresse"),
        ({"password": ""}, "Bitte füllen Sie „Passwort“ aus"),
        ({"username": ""}, "Zum Passwort gehört ein Benutzername"),
        ({"sender_name": "Portal\r\nBcc: kim@example.org"}, "keine Zeilenumbrüche"),
    ],
)
def test_bad_smtp_settings_are_422_and_nothing_saved(app, portal, override, message):
    portal.login("admin")
    resp = portal.post("/interfaces/new/email_smtp", dict(FORM, **override), htmx=True)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interface)) == 0


def test_without_user_name_no_password_is_needed(app, portal):
    portal.login("admin")
    resp = portal.post(
        "/interfaces/new/email_smtp",
        dict(FORM, username="", password="", security="none", port="25"),
    )
    assert resp.status_code == 302
    assert db.session.scalar(sa.select(Interface)).secrets == []


# ---- the Test-E-Mail dialog ---------------------------------------------------------------------


def test_dialog_sends_in_the_admins_language_and_records(app, portal, smtp_interface, smtp_sim):
    admin = portal.login("admin")
    admin.email = "chef@example.org"
    db.session.commit()
    step1 = portal.get(f"/interfaces/{smtp_interface.id}/test-email", htmx=True)
    html = step1.get_data(as_text=True)
    assert "<html" not in html and "<dialog open" in html and 'value="chef@example.org"' in html
    step2 = portal.post(
        f"/interfaces/{smtp_interface.id}/test-email", {"address": "kim@example.org"}, htmx=True
    )
    html = step2.get_data(as_text=True)
    assert step2.status_code == 200 and "Schritt 2 von 2" in html and "kim@example.org" in html
    assert "interface-history" in step2.headers["HX-Trigger"]
    received = smtp_sim.state.messages
    assert [m["rcpt_to"] for m in received] == [["kim@example.org"]]
    assert received[0]["subject"] == "Test-E-Mail vom Schnittstellenportal" and received[0]["html"]
    assert received[0]["from"] == "Portal <portal@example.org>" and received[0]["language"] == "de"
    row = db.session.scalar(sa.select(EmailMessage))
    assert (row.kind, row.status) == ("test", "sent")
    event = db.session.scalar(
        sa.select(InterfaceEvent).where(InterfaceEvent.action == "test_email")
    )
    assert event.ok and "kim@example.org" in str(event.message)
    # In English the mail is English too.
    portal.post("/language", {"lang": "en", "next": "/"})
    portal.post(
        f"/interfaces/{smtp_interface.id}/test-email", {"address": "kim@example.org"}, htmx=True
    )
    english = smtp_sim.state.messages[-1]
    assert (
        english["subject"] == "Test e-mail from the interface portal"
        and english["language"] == "en"
    )


def test_dialog_bad_address_is_422_and_nothing_sent(app, portal, smtp_interface, smtp_sim):
    portal.login("admin")
    resp = portal.post(
        f"/interfaces/{smtp_interface.id}/test-email", {"address": "nope"}, htmx=True
    )
    assert resp.status_code == 422 and "keine gültige E-Mail-Adresse" in resp.get_data(as_text=True)
    assert smtp_sim.state.messages == [] and db.session.scalar(sa.select(EmailMessage)) is None


def test_dialog_shows_a_server_fault_in_plain_words_and_history(
    app, portal, smtp_interface, smtp_sim
):
    portal.login("admin")
    smtp_sim.state.set_faults(auth=True)
    resp = portal.post(
        f"/interfaces/{smtp_interface.id}/test-email", {"address": "kim@example.org"}, htmx=True
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Benutzername oder Passwort abgelehnt" in html
    assert PASSWORD not in html
    db.session.expire_all()
    assert "Passwort abgelehnt" in str(db.session.get(Interface, smtp_interface.id).last_error)


def test_dialog_post_needs_a_csrf_token_and_an_smtp_interface(
    app, portal, smtp_interface, smtp_sim
):
    sms = make_interface(name="Keine Mail")
    db.session.commit()
    portal.login("admin")
    data = {"address": "kim@example.org"}
    url = f"/interfaces/{smtp_interface.id}/test-email"
    assert portal.post(url, data, csrf=False).status_code == 400
    assert portal.post(f"/interfaces/{sms.id}/test-email", data).status_code == 404
    assert smtp_sim.state.messages == [] and db.session.scalar(sa.select(EmailMessage)) is None


def test_only_admins_open_the_dialog(app, portal, smtp_interface):
    portal.login("helpdesk")
    assert portal.get(f"/interfaces/{smtp_interface.id}/test-email").status_code == 403


# ---- the outbox ---------------------------------------------------------------------------------


def _queue(interface, to="kim@example.org"):
    message = mail.queue(db.session, interface.id, to, mail.test_mail("de"), "de")
    db.session.commit()
    return message


def test_outbox_retries_temporary_faults_then_sends_once(app, smtp_interface, smtp_sim):
    message = _queue(smtp_interface)
    smtp_sim.state.set_faults(temporary=True, times=1)
    now = utcnow()
    assert mail.process_due(db.session, secret_box(), timeout=3, now=lambda: now) == 0
    db.session.refresh(message)
    assert (
        message.status == "queued"
        and message.next_attempt_at > now
        and "vorübergehend" in str(message.error)
    )
    assert (
        mail.process_due(db.session, secret_box(), timeout=3, now=lambda: now) == 0
    )  # not yet due
    later = now + timedelta(minutes=2)
    assert mail.process_due(db.session, secret_box(), timeout=3, now=lambda: later) == 1
    assert mail.process_due(db.session, secret_box(), timeout=3, now=lambda: later) == 0
    db.session.refresh(message)
    assert message.status == "sent" and message.attempts == 2
    assert len(smtp_sim.state.messages) == 1
    assert smtp_sim.state.messages[0]["message_id"] == f"<portal-mail-{message.id}@example.org>"


def test_outbox_permanent_fault_fails_at_once(app, smtp_interface, smtp_sim):
    message = _queue(smtp_interface)
    smtp_sim.state.set_faults(permanent=True)
    mail.process_due(db.session, secret_box(), timeout=3)
    db.session.refresh(message)
    assert message.status == "failed" and "554" in str(message.error) and message.attempts == 1


def test_a_sender_name_with_a_line_break_saved_before_fails_the_mail_plainly(
    app, smtp_interface, smtp_sim
):
    """Stored before the form refused it: the worker fails the mail with words, no traceback."""
    smtp_interface.settings = {**smtp_interface.settings, "sender_name": "Portal\r\nBcc: x@y.org"}
    message = _queue(smtp_interface)
    assert mail.process_due(db.session, secret_box(), timeout=3) == 0
    db.session.refresh(message)
    assert message.status == "failed" and "Absendername" in str(message.error)
    assert smtp_sim.state.messages == []


def test_a_mail_left_sending_by_a_dead_worker_is_never_sent_again(app, smtp_interface, smtp_sim):
    message = _queue(smtp_interface)
    message.status, message.claimed_at, message.attempts = (
        "sending",
        utcnow() - timedelta(minutes=10),
        1,
    )
    db.session.commit()
    assert mail.process_due(db.session, secret_box(), timeout=3) == 0
    db.session.refresh(message)
    assert message.status == "failed" and "nicht erneut gesendet" in str(message.error)
    assert smtp_sim.state.messages == []


def test_an_error_stored_by_the_worker_reads_in_english(app, portal, smtp_interface, smtp_sim):
    """The worker (German, no request) stores the mail server's refusal language-neutral; an
    English reader sees it in English on the interface and in its history."""
    from tests.factories import make_user

    _queue(smtp_interface)
    smtp_sim.state.set_faults(permanent=True)
    mail.process_due(db.session, secret_box(), timeout=3)
    raw = db.session.execute(sa.text("SELECT error FROM email_messages")).scalar_one()
    assert raw.startswith('{"t":"Der Mailserver hat die Mail abgelehnt') and '"code":554' in raw
    make_user("admin", username="admin-en", locale="en")
    db.session.commit()
    portal.login("admin", username="admin-en")
    for url in (f"/interfaces/{smtp_interface.id}", f"/interfaces/{smtp_interface.id}/history"):
        page = portal.get(url).get_data(as_text=True)
        assert "The mail server refused the mail (554" in page, url
        assert "Mailserver" not in page, url


def test_a_password_with_umlauts_is_a_plain_error_in_the_history(
    app, portal, smtp_interface, smtp_sim
):
    """smtplib sends AUTH as ASCII only: a "Passwört" must not end in a 500 or a stack trace."""
    from app.services.interface_secrets import write_secret

    write_secret(secret_box(), smtp_interface, "password", "Passwört-7")
    db.session.commit()
    portal.login("admin")
    resp = portal.post(
        f"/interfaces/{smtp_interface.id}/test-email", {"address": "kim@example.org"}, htmx=True
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Passwört-7" not in html
    db.session.expire_all()
    error = str(db.session.get(Interface, smtp_interface.id).last_error)
    assert "Umlaute" in error and "Passwört-7" not in error
    assert smtp_sim.state.messages == []


@pytest.mark.parametrize("address", ["kä@example.org", "kim@exämple.org"])
def test_an_address_with_umlauts_the_server_cannot_take_is_named_as_such(
    app, portal, smtp_interface, smtp_sim, address
):
    """A server without SMTPUTF8 refuses such an address: not "no log-in offered" (kind auth)."""
    portal.login("admin")
    resp = portal.post(
        f"/interfaces/{smtp_interface.id}/test-email", {"address": address}, htmx=True
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "keine Anmeldung" not in html
    assert "Umlauten" in html
    db.session.expire_all()
    assert "Umlauten" in str(db.session.get(Interface, smtp_interface.id).last_error)
    assert smtp_sim.state.messages == []
