"""The reminder interface's form and actions, and the SMS outbox page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Interface, SmsMessage
from app.services.clock import local_today
from tests.factories import make_branch, make_interface

REMINDER = {
    "name": "Terminerinnerung",
    "server_side": "y",
    "branch_id": "",
    "start_date": "",
    "hours_before": "24",
    "min_hours_between": "48",
    "template_name": "Terminerinnerung",
    "template": "${kunde/briefanredename}, Termin am ${/termin/startdatum} um ${/termin/startzeit}.",
    "quiet_start": "20:00",
    "quiet_end": "08:00",
    "excluded_branches": "",
}


def test_create_reminder_interface(app, portal):
    make_branch(code="ESS")
    portal.login("admin")
    html = portal.get("/interfaces/new/appointment_reminder").get_data(as_text=True)
    assert (
        "${kunde/briefanredename}" in html
        and 'value="20:00"' in html
        and 'name="client_side"' not in html
    )
    resp = portal.post(
        "/interfaces/new/appointment_reminder", dict(REMINDER, excluded_branches="ess")
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    interface = db.session.scalar(sa.select(Interface))
    assert interface.group == "Termine" and interface.server_side and not interface.client_side
    assert (
        interface.settings["quiet_start"] == "20:00"
        and interface.settings["excluded_branches"] == "ESS"
    )
    assert interface.settings["min_hours_between"] == 48
    edit = portal.get(f"/interfaces/{interface.id}/edit").get_data(as_text=True)
    assert 'value="20:00"' in edit and 'value="ESS"' in edit


@pytest.mark.parametrize(
    "override, message",
    [
        ({"hours_before": "0"}, "von 1 bis 99"),
        ({"hours_before": "100"}, "von 1 bis 99"),
        ({"min_hours_between": ""}, "Bitte geben Sie eine Zahl an."),
        ({"template": "Hallo ${kunde/spitzname}"}, "Unbekannte Platzhalter: ${kunde/spitzname}"),
        ({"template": ""}, "Text der Nachricht"),
        ({"quiet_start": "25:00"}, "gültige Uhrzeit im Format HH:MM"),
        ({"quiet_end": "20:00"}, "nicht gleich"),
        ({"excluded_branches": "XYZ"}, "Unbekannte Filialkürzel: XYZ"),
        ({"excluded_branches": "E S S;"}, "Filialkürzel durch Komma"),
        ({"branch_id": "BRANCH", "server_side": "y"}, "ganze Filialkette"),
        ({"client_side": "y"}, "nicht clientseitig"),
    ],
)
def test_reminder_validation(app, portal, override, message):
    branch = make_branch(code="ESS")
    portal.login("admin")
    data = dict(REMINDER, **override)
    if data.get("branch_id") == "BRANCH":
        data["branch_id"] = str(branch.id)
    resp = portal.post("/interfaces/new/appointment_reminder", data, htmx=True)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interface)) == 0


def test_preview_renders_sample_with_parts(app, portal):
    portal.login("admin")
    html = portal.get(
        "/interfaces/reminder-preview?template=${kunde/briefanredename}, am ${/termin/startdatum}",
        htmx=True,
    ).get_data(as_text=True)
    # The example appointment lies ahead (a past date would read as a mistake in the preview).
    today = local_today(app.config["BABEL_DEFAULT_TIMEZONE"])
    example = (today + timedelta(days=2)).strftime("%d.%m.%Y")
    assert f"Sehr geehrte Frau Mustermann, am {example}" in html and "1 SMS (GSM-7)" in html
    bad = portal.get("/interfaces/reminder-preview?template=${foo}", htmx=True).get_data(
        as_text=True
    )
    assert "Unbekannte Platzhalter: ${foo}" in bad


def test_run_now_plans_and_reports(app, portal):
    interface = make_interface("appointment_reminder", name="Erinnerung", server_side=True)
    db.session.commit()
    portal.login("admin")
    page = portal.get(f"/interfaces/{interface.id}").get_data(as_text=True)
    assert 'id="reminder-run"' in page
    resp = portal.post(f"/interfaces/{interface.id}/reminders/run")
    assert resp.status_code == 302
    html = portal.get(resp.headers["Location"]).get_data(as_text=True)
    assert re.search(r"\d+ Erinnerungen? eingeplant, \d+ Termine? übersprungen\.", html) or (
        "Nachtruhe" in html
    )
    assert db.session.get(Interface, interface.id).state.get("last_run_at")


def _message(status, **kw):
    interface = make_interface(name=f"SMS {status}")
    message = SmsMessage(
        kind="reminder",
        status=status,
        interface_id=interface.id,
        to_number="491711234567",
        text="Erinnerung",
        error="Gateway nicht erreichbar" if status == "failed" else None,
        attempts=6 if status == "failed" else 0,
        **kw,
    )
    db.session.add(message)
    db.session.commit()
    return message


def test_outbox_lists_failed_and_admin_resends_or_cancels(app, portal):
    failed = _message("failed")
    queued = _message("queued")
    portal.login("admin")
    html = portal.get("/outbox/?status=failed").get_data(as_text=True)
    assert f'id="sms-{failed.id}"' in html and f'id="sms-{queued.id}"' not in html
    assert "Gateway nicht erreichbar" in html and f'data-resend="{failed.id}"' in html
    portal.post(f"/outbox/{failed.id}/resend")
    db.session.expire_all()
    row = db.session.get(SmsMessage, failed.id)
    assert (row.status, row.attempts, row.error) == ("queued", 0, None)
    resp = portal.post(f"/outbox/{queued.id}/cancel", htmx=True)
    assert resp.status_code == 204
    assert db.session.get(SmsMessage, queued.id).status == "cancelled"
    sent = _message("sent")
    portal.post(f"/outbox/{sent.id}/cancel")
    db.session.expire_all()
    assert db.session.get(SmsMessage, sent.id).status == "sent"
    assert "Nur wartende oder fehlgeschlagene SMS" in portal.get("/outbox/?status=all").get_data(
        as_text=True
    )


def test_outbox_opens_on_all_messages_with_the_failed_count_on_top(app, portal):
    sent = [_message("sent") for _ in range(3)]
    failed = _message("failed")
    portal.login("admin")
    html = portal.get("/outbox/").get_data(as_text=True)
    # Every message, not an empty-looking list filtered to failed ones.
    assert all(f'id="sms-{m.id}"' in html for m in [*sent, failed])
    assert '<option value="all" selected>' in html
    count = html.split('id="outbox-failed-count"', 1)[1].split("</p>", 1)[0]
    assert "1 SMS ist fehlgeschlagen." in count and "status=failed" in count
    # The filter counts the states that empty out again; sent messages pile up: no count there.
    options = html.split('id="outbox-status"', 1)[1].split("</select>", 1)[0]
    assert ">Fehlgeschlagen (1)</option>" in options and ">Wartet (0)</option>" in options
    assert ">Gesendet</option>" in options and ">Alle Status</option>" in options
    only_failed = portal.get("/outbox/?status=failed").get_data(as_text=True)
    assert f'id="sms-{failed.id}"' in only_failed and f'id="sms-{sent[0].id}"' not in only_failed


def test_helpdesk_sees_outbox_read_only(app, portal):
    failed = _message("failed")
    portal.login("helpdesk")
    html = portal.get("/outbox/").get_data(as_text=True)
    assert f'id="sms-{failed.id}"' in html and "data-resend" not in html
    assert portal.post(f"/outbox/{failed.id}/resend").status_code == 403
    portal.logout()
    portal.login("employee", username="emp")
    assert portal.get("/outbox/").status_code == 403
