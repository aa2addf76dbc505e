"""The interfaces area: list, forms, common rules, secrets, protection, history, roles."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db, secret_box
from app.models import Interface, InterfaceEvent, InterfaceSecret
from tests.factories import make_branch, make_interface, make_workstation

SMS_TOKEN = {
    "name": "SMS Zentrale",
    "branch_id": "",
    "server_side": "y",
    "client_side": "y",
    "start_date": "",
    "service": "smsapi_pl",
    "base_url": "",
    "auth_mode": "token",
    "username": "",
    "password": "",
    "token": "tok-SECRET-123",
    "sender": "Optik",
    "country_code": "+49",
    "max_chars": "1000",
    "proxy_host": "",
    "proxy_port": "",
}


def _count(model=Interface):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _only():
    return db.session.scalar(sa.select(Interface))


def _events(interface_id):
    return db.session.scalars(
        sa.select(InterfaceEvent)
        .where(InterfaceEvent.interface_id == interface_id)
        .order_by(InterfaceEvent.id)
    ).all()


# ---- creating and the common rules --------------------------------------------------------------


def test_create_smsapi_with_token(app, portal):
    admin = portal.login("admin")
    resp = portal.post("/interfaces/new/smsapi", SMS_TOKEN)
    assert resp.status_code == 302
    interface = _only()
    assert interface.type_key == "smsapi" and interface.group == "SMS"
    assert interface.settings["auth_mode"] == "token" and interface.settings["sender"] == "Optik"
    assert "token" not in interface.settings and "password" not in interface.settings
    assert interface.start_date is None  # empty means "ready at once", not today's date
    assert interface.created_by_id == admin.id
    stored = db.session.scalar(sa.select(InterfaceSecret.value_encrypted))
    assert "tok-SECRET-123" not in stored
    assert secret_box().decrypt(stored) == "tok-SECRET-123"
    events = _events(interface.id)
    assert [e.action for e in events] == ["created"]
    assert {"field": "token", "secret": True} in events[0].changes
    page = portal.get(resp.headers["Location"]).get_data(as_text=True)
    assert (
        "SMS Zentrale" in page
        and "Schlüsseltoken geändert" in page
        and "tok-SECRET-123" not in page
    )


@pytest.mark.parametrize(
    "override, field, message",
    [
        ({"server_side": "", "client_side": ""}, "server_side", "mindestens eine Verwendung"),
        ({"branch_id": "BRANCH"}, "branch_id", "Einschränkung auf eine Filiale nicht möglich"),
        ({"name": ""}, "name", "Bitte füllen Sie „Name“ aus."),
        ({"sender": "Optik Müller"}, "sender", "bis zu 11 Buchstaben"),
        ({"sender": "ABCDEFGHIJKL"}, "sender", "bis zu 11 Buchstaben"),
        ({"sender": "Optik!"}, "sender", "bis zu 11 Buchstaben"),
        ({"country_code": "+999"}, "country_code", "kein gültiger Landescode"),
        ({"country_code": "abc"}, "country_code", "kein gültiger Landescode"),
        ({"country_code": ""}, "country_code", "Landescode"),
        ({"max_chars": "0"}, "max_chars", "zwischen 1 und 1530"),
        ({"max_chars": "5000"}, "max_chars", "zwischen 1 und 1530"),
        ({"max_chars": "viele"}, "max_chars", "Zahl"),
        ({"proxy_host": "proxy.local"}, "proxy_port", "beide angeben"),
        ({"proxy_port": "3128"}, "proxy_host", "beide angeben"),
        (
            {"proxy_host": "proxy.local", "proxy_port": "70000"},
            "proxy_port",
            "zwischen 1 und 65535",
        ),
        (
            {"proxy_host": "http://proxy.local:3128", "proxy_port": "3128"},
            "proxy_host",
            "ohne http://",
        ),
        ({"token": ""}, "token", "Bitte füllen Sie „Schlüsseltoken“ aus."),
        (
            {"auth_mode": "password", "token": "", "username": "", "password": "pw"},
            "username",
            "Benutzernamen",
        ),
        (
            {"auth_mode": "password", "token": "", "username": "u", "password": ""},
            "password",
            "Bitte füllen Sie „Passwort“ aus.",
        ),
        ({"service": "custom", "base_url": ""}, "base_url", "Basis-URL an"),
        ({"service": "custom", "base_url": "ftp://x"}, "base_url", "https://"),
        ({"service": "nowhere"}, "service", "Keine gültige Auswahl"),
        ({"start_date": "31.02.2027"}, "start_date", "Datum"),
    ],
)
def test_bad_input_is_422_with_message_and_nothing_saved(app, portal, override, field, message):
    portal.login("admin")
    branch = make_branch()
    data = dict(SMS_TOKEN, **override)
    if data["branch_id"] == "BRANCH":
        data["branch_id"] = str(branch.id)
    resp = portal.post("/interfaces/new/smsapi", data, htmx=True)
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "<html" not in body and 'id="interface-form"' in body
    assert message in body, body[body.find("error") :][:600]
    assert f'id="{field}-error"' in body or f'name="{field}"' in body
    assert _count() == 0 and _count(InterfaceSecret) == 0 and _count(InterfaceEvent) == 0


def test_valid_variants(app, portal):
    portal.login("admin")
    branch = make_branch()
    variants = [
        {"sender": ""},
        {"sender": "+49 171 1234567"},
        {"country_code": "48"},
        {"country_code": "0043"},
        {"client_side": "", "branch_id": str(branch.id)},
        {"proxy_host": "10.0.0.1", "proxy_port": "3128"},
        {"service": "custom", "base_url": "http://127.0.0.1:8025/"},
        {"auth_mode": "password", "token": "", "username": "demo", "password": "geheim"},
    ]
    for i, override in enumerate(variants):
        resp = portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, name=f"V{i}", **override))
        assert resp.status_code == 302, (override, resp.get_data(as_text=True)[:3000])
    codes = {i.settings["country_code"] for i in db.session.scalars(sa.select(Interface))}
    assert {"+48", "+43", "+49"} <= codes


def test_form_says_both_usages_exclude_branch(app, portal):
    portal.login("admin")
    html = portal.get("/interfaces/new/smsapi").get_data(as_text=True)
    assert (
        "Bei serverseitiger und clientseitiger Verwendung ist eine Einschränkung auf eine Filiale "
        "nicht möglich." in html
    )
    assert 'value="1000"' in html and 'value="+49"' in html


def test_future_start_date_is_planned_and_not_used(app, portal):
    from app.services.interfaces import resolve

    portal.login("admin")
    start = date.today() + timedelta(days=30)
    resp = portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, start_date=start.isoformat()))
    assert resp.status_code == 302
    html = portal.get("/interfaces/").get_data(as_text=True)
    assert "geplant ab " + start.strftime("%d.%m.%Y") in html
    assert resolve(db.session, "SMS", "server", date.today()) is None
    assert resolve(db.session, "SMS", "server", start).name == "SMS Zentrale"


# ---- editing, credential lock, secrets -----------------------------------------------------------


def test_credential_choice_cannot_change_after_first_save(app, portal):
    portal.login("admin")
    portal.post("/interfaces/new/smsapi", SMS_TOKEN)
    interface = _only()
    form_html = portal.get(f"/interfaces/{interface.id}/edit").get_data(as_text=True)
    assert 'type="radio"' not in form_html and "löschen und neu anlegen" in form_html
    resp = portal.post(
        f"/interfaces/{interface.id}/edit",
        dict(SMS_TOKEN, auth_mode="password", token="", username="u", password="p"),
        htmx=True,
    )
    assert resp.status_code == 422
    assert (
        "Die Zugangsart kann nach dem ersten Speichern nicht mehr geändert werden"
        in resp.get_data(as_text=True)
    )
    db.session.expire_all()
    assert _only().settings["auth_mode"] == "token"
    assert {s.field for s in _only().secrets} == {"token"}


def test_empty_secret_keeps_stored_and_new_value_replaces(app, portal):
    portal.login("admin")
    portal.post(
        "/interfaces/new/smsapi",
        dict(SMS_TOKEN, auth_mode="password", token="", username="demo", password="first-secret"),
    )
    interface = _only()
    edit_html = portal.get(f"/interfaces/{interface.id}/edit").get_data(as_text=True)
    assert "gesetzt" in edit_html and "first-secret" not in edit_html
    resp = portal.post(
        f"/interfaces/{interface.id}/edit",
        dict(SMS_TOKEN, auth_mode="password", token="", username="demo", password="", sender="Neu"),
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert secret_box().decrypt(_only().secrets[0].value_encrypted) == "first-secret"
    resp = portal.post(
        f"/interfaces/{interface.id}/edit",
        dict(
            SMS_TOKEN,
            auth_mode="password",
            token="",
            username="demo",
            password="second-secret",
            sender="Neu",
        ),
    )
    db.session.expire_all()
    assert secret_box().decrypt(_only().secrets[0].value_encrypted) == "second-secret"
    events = _events(interface.id)
    assert [e.action for e in events] == ["created", "updated", "updated"]
    assert events[1].changes == [{"field": "sender", "old": "Optik", "new": "Neu"}]
    assert events[2].changes == [{"field": "password", "secret": True}]
    page = portal.get(f"/interfaces/{interface.id}").get_data(as_text=True)
    assert (
        "Passwort geändert" in page and "second-secret" not in page and "first-secret" not in page
    )


def test_edit_records_who_and_when(app, portal):
    admin = portal.login("admin")
    portal.post("/interfaces/new/smsapi", SMS_TOKEN)
    interface = _only()
    portal.post(f"/interfaces/{interface.id}/edit", dict(SMS_TOKEN, name="Umbenannt", token=""))
    db.session.expire_all()
    interface = _only()
    assert (
        interface.name == "Umbenannt"
        and interface.updated_by_id == admin.id
        and interface.updated_at
    )
    html = portal.get(f"/interfaces/{interface.id}").get_data(as_text=True)
    assert "Name: SMS Zentrale → Umbenannt" in html


def test_form_pages_answer_200_and_refusals_422(app, portal):
    """New and edit: the form as a page or (htmx) fragment with 200; a refused post with 422;
    a protected interface's form says so, 200 when opened, 422 when posted."""
    portal.login("admin")
    new = portal.get("/interfaces/new/smsapi")
    assert new.status_code == 200 and "<html" in new.get_data(as_text=True)
    fragment = portal.get("/interfaces/new/smsapi", htmx=True)
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, name="")).status_code == 422
    portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, protected="y"))
    interface = _only()
    edit = portal.get(f"/interfaces/{interface.id}/edit")
    assert edit.status_code == 200 and "Die Schnittstelle ist geschützt." in edit.get_data(
        as_text=True
    )
    assert portal.post(f"/interfaces/{interface.id}/edit", SMS_TOKEN).status_code == 422


# ---- protection and deletion ----------------------------------------------------------------------


def test_protected_interface_cannot_be_changed_or_deleted(app, portal):
    portal.login("admin")
    portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, protected="y"))
    interface = _only()
    assert interface.protected
    resp = portal.post(
        f"/interfaces/{interface.id}/edit", dict(SMS_TOKEN, name="Hack", token=""), htmx=True
    )
    assert resp.status_code == 422 and "geschützt" in resp.get_data(as_text=True)
    portal.post(f"/interfaces/{interface.id}/delete")
    db.session.expire_all()
    assert _only().name == "SMS Zentrale"
    confirm = portal.get(f"/interfaces/{interface.id}/delete", htmx=True).get_data(as_text=True)
    assert "erst nach Aufheben des Schutzes" in confirm
    portal.post(f"/interfaces/{interface.id}/unprotect")
    resp = portal.post(f"/interfaces/{interface.id}/edit", dict(SMS_TOKEN, name="Jetzt", token=""))
    assert resp.status_code == 302
    db.session.expire_all()
    assert _only().name == "Jetzt"
    portal.post(f"/interfaces/{interface.id}/protect")
    db.session.expire_all()
    assert _only().protected
    assert [e.action for e in _events(interface.id)] == [
        "created",
        "protected",
        "unprotected",
        "updated",
        "protected",
    ]


def test_delete_keeps_history(app, portal):
    portal.login("admin")
    portal.post("/interfaces/new/smsapi", SMS_TOKEN)
    interface_id = _only().id
    resp = portal.post(f"/interfaces/{interface_id}/delete", htmx=True)
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == "/interfaces/"
    assert _count() == 0 and _count(InterfaceSecret) == 0
    assert [e.action for e in _events(interface_id)] == ["created", "deleted"]


# ---- the other types ---------------------------------------------------------------------------


def test_sinno_app_form_prefilled_and_https_only(app, portal):
    portal.login("admin")
    html = portal.get("/interfaces/new/sinno_app").get_data(as_text=True)
    assert 'value="https://winpro.api.ipro.de/v1"' in html and 'value="winpro"' in html
    data = {
        "name": "SiNNO",
        "server_side": "y",
        "client_side": "y",
        "start_date": "",
        "branch_id": "",
        "server": "http://winpro.api.ipro.de/v1",
        "client_id": "winpro",
        "company_no": "4711",
    }
    resp = portal.post("/interfaces/new/sinno_app", data, htmx=True)
    assert resp.status_code == 422 and "https://" in resp.get_data(as_text=True)
    resp = portal.post("/interfaces/new/sinno_app", dict(data, company_no=""), htmx=True)
    assert resp.status_code == 422 and "Firmen-Nr." in resp.get_data(as_text=True)
    resp = portal.post(
        "/interfaces/new/sinno_app", dict(data, server="https://winpro.api.ipro.de/v1")
    )
    assert resp.status_code == 302
    assert _only().settings == {
        "server": "https://winpro.api.ipro.de/v1",
        "client_id": "winpro",
        "company_no": "4711",
        "proxy_host": None,
        "proxy_port": None,
    }


def test_sinno_chat_has_no_fields_and_is_server_side_only(app, portal):
    portal.login("admin")
    html = portal.get("/interfaces/new/sinno_chat").get_data(as_text=True)
    assert 'id="type-settings"' not in html and 'name="client_side"' not in html
    resp = portal.post(
        "/interfaces/new/sinno_chat",
        {"name": "Chat", "server_side": "y", "client_side": "y", "branch_id": ""},
        htmx=True,
    )
    assert resp.status_code == 422 and "nicht clientseitig" in resp.get_data(as_text=True)
    resp = portal.post(
        "/interfaces/new/sinno_chat", {"name": "Chat", "server_side": "y", "branch_id": ""}
    )
    assert resp.status_code == 302 and _only().settings == {}


def test_unknown_type_is_404(app, portal):
    portal.login("admin")
    assert portal.get("/interfaces/new/fax").status_code == 404


# ---- workstation settings ------------------------------------------------------------------------


def test_interface_created_from_workstation_settings_is_bound_to_it(app, portal):
    portal.login("admin")
    ws = make_workstation(name="STR-EMPFANG")
    page = portal.get(f"/workstations/{ws.id}/settings").get_data(as_text=True)
    assert f"/interfaces/new?workstation_id={ws.id}" in page
    chooser = portal.get(f"/interfaces/new?workstation_id={ws.id}").get_data(as_text=True)
    assert f"/interfaces/new/smsapi?workstation_id={ws.id}" in chooser
    form = portal.get(f"/interfaces/new/smsapi?workstation_id={ws.id}").get_data(as_text=True)
    assert "STR-EMPFANG" in form
    resp = portal.post(
        f"/interfaces/new/smsapi?workstation_id={ws.id}",
        dict(SMS_TOKEN, server_side="", client_side="y"),
    )
    assert resp.status_code == 302
    interface = _only()
    assert interface.workstation_id == ws.id and interface.branch_id == ws.branch_id
    resp = portal.post(
        f"/interfaces/new/smsapi?workstation_id={ws.id}", dict(SMS_TOKEN, name="S2"), htmx=True
    )
    assert resp.status_code == 422 and "nur clientseitig" in resp.get_data(as_text=True)
    page = portal.get(f"/workstations/{ws.id}/settings").get_data(as_text=True)
    assert "SMS Zentrale" in page
    listing = portal.get("/interfaces/?ws=1").get_data(as_text=True)
    assert "SMS Zentrale" in listing and "STR-EMPFANG" in listing


# ---- roles -------------------------------------------------------------------------------------


def test_helpdesk_reads_without_any_secret_control(app, portal):
    interface = make_interface(name="SMS Nord", secrets={"token": "hd-secret-token"})
    db.session.commit()
    portal.login("helpdesk")
    listing = portal.get("/interfaces/").get_data(as_text=True)
    assert "SMS Nord" in listing and "Neue Schnittstelle" not in listing
    page = portal.get(f"/interfaces/{interface.id}").get_data(as_text=True)
    assert "SMS Nord" in page and "Verlauf" in page
    for forbidden in (
        "Bearbeiten",
        "Löschen",
        "Schützen",
        "detail-secret-",
        "gesetzt",
        "hd-secret-token",
        'type="password"',
    ):
        assert forbidden not in page, forbidden
    assert portal.get(f"/interfaces/{interface.id}/edit").status_code == 403
    assert portal.post(f"/interfaces/{interface.id}/delete").status_code == 403


def test_employee_does_not_see_the_area(app, portal):
    portal.login("employee")
    assert portal.get("/interfaces/").status_code == 403
    assert 'data-nav="interfaces.index"' not in portal.get("/").get_data(as_text=True)


def test_form_marks_what_it_requires_and_says_usage_errors_after_both_boxes(app, portal):
    portal.login("admin")
    form = portal.get("/interfaces/new/smsapi").get_data(as_text=True)
    star = '<span class="req" aria-hidden="true">*</span>'
    # Required only while shown (the service's base URL, the chosen credential): marked *.
    for label in ("Basis-URL", "Benutzername", "Passwort", "Schlüsseltoken", "Verwendung"):
        assert re.search(rf">{label} {re.escape(star)}", form), label
    html = portal.post(
        "/interfaces/new/smsapi", dict(SMS_TOKEN, server_side="", client_side=""), htmx=True
    ).get_data(as_text=True)
    usage = html.split("<legend>Verwendung", 1)[1].split("</fieldset>", 1)[0]
    client_box, error = usage.index('id="client_side"'), usage.index('id="server_side-error"')
    assert client_box < error and "mindestens eine Verwendung" in usage[error:]
    assert 'aria-describedby="server_side-error"' in usage
