"""Interfaces: hidden fields, stored forms of values, history in the reader's language, deleted
interfaces' history, the workstation's interfaces, and the rules in the service itself."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db, secret_box
from app.models import Interface, InterfaceEvent, InterfaceSecret
from app.services import interface_types
from app.services import interfaces as service
from tests.factories import make_branch, make_interface, make_user, make_workstation
from tests.test_interfaces import SMS_TOKEN, _count, _events, _only


def _secrets():
    return {
        s.field: secret_box().decrypt(s.value_encrypted)
        for s in db.session.scalars(sa.select(InterfaceSecret))
    }


# ---- fields the chosen settings hide -------------------------------------------------------------


def test_fields_hidden_by_the_credential_mode_are_ignored_not_refused(app, portal):
    """A username typed before switching to token mode is invisible: it must neither block the
    save with an error nobody sees nor be stored."""
    portal.login("admin")
    resp = portal.post(
        "/interfaces/new/smsapi",
        dict(SMS_TOKEN, username="alt", password="alt-pw", base_url="https://ignored.example.org/"),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    interface = _only()
    assert interface.settings["username"] is None and interface.settings["base_url"] is None
    assert _secrets() == {"token": "tok-SECRET-123"}
    events = _events(interface.id)
    assert {"field": "password", "secret": True} not in events[0].changes

    resp = portal.post(
        "/interfaces/new/smsapi",
        dict(
            SMS_TOKEN,
            name="PW",
            auth_mode="password",
            username="demo",
            password="pw-1",
            token="left-over-token",
        ),
    )
    assert resp.status_code == 302
    pw = db.session.scalar(sa.select(Interface).where(Interface.name == "PW"))
    assert [s.field for s in pw.secrets] == ["password"]
    assert "left-over-token" not in _secrets().values()


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://sms.example.org/api/", "https://"),
        ("https://user:pw@sms.example.org/api/", "keinen Benutzernamen"),
        ("https://sms.example.org/api/?key=1", "keine Parameter"),
        ("javascript:alert(1)", "https://"),
        ("http://127.evil.example/api/", "unverschlüsselt"),
        ("http://10.0.0.5/api/", "unverschlüsselt"),
    ],
)
def test_custom_base_url_must_be_https_without_credentials(app, portal, url, message):
    portal.login("admin")
    resp = portal.post(
        "/interfaces/new/smsapi", dict(SMS_TOKEN, service="custom", base_url=url), htmx=True
    )
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert _count() == 0 and _count(InterfaceEvent) == 0


@pytest.mark.parametrize(
    "token", ["tok-\u200bSECRET-123", "tok SECRET-123", "tok-SECRET\r\n-123", "tok-€-123"]
)
def test_a_token_with_a_space_or_special_character_is_refused(app, portal, token):
    """The token travels in an HTTP header: such a character failed every later call with
    "Adresse ... ungültig" or a retried "Verbindung abgebrochen"."""
    portal.login("admin")
    resp = portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, token=token), htmx=True)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Bitte kopieren Sie den Token erneut" in body
    assert "SECRET" not in body
    assert _count() == 0 and _count(InterfaceEvent) == 0
    resp = portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, token=f" {token[:3]} \n"))
    assert resp.status_code == 302 and _secrets() == {"token": token[:3]}


def test_plain_http_base_url_only_on_this_computer(app, portal):
    portal.login("admin")
    for i, url in enumerate(
        ("http://127.0.0.1:8025/", "http://localhost:8025/api/", "http://[::1]:8025/")
    ):
        resp = portal.post(
            "/interfaces/new/smsapi",
            dict(SMS_TOKEN, name=f"Sim {i}", service="custom", base_url=url),
        )
        assert resp.status_code == 302, url
    assert {i.settings["base_url"] for i in db.session.scalars(sa.select(Interface))} == {
        "http://127.0.0.1:8025/",
        "http://localhost:8025/api/",
        "http://[::1]:8025/",
    }


def test_proxy_port_zero_gets_one_clear_message(app, portal):
    portal.login("admin")
    resp = portal.post(
        "/interfaces/new/smsapi",
        dict(SMS_TOKEN, proxy_host="proxy.local", proxy_port="0"),
        htmx=True,
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "zwischen 1 und 65535" in body
    assert "beide angeben" not in body
    assert _count() == 0


@pytest.mark.parametrize("typed", ["+49 171 1234567", "0049 171/1234567", "49-171-1234567"])
def test_phone_number_sender_is_stored_as_the_gateway_writes_it(app, portal, typed):
    portal.login("admin")
    resp = portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, sender=typed))
    assert resp.status_code == 302
    assert _only().settings["sender"] == "491711234567"


def test_pasted_secret_loses_surrounding_whitespace(app, portal):
    portal.login("admin")
    portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, token="  tok-PASTED-1\n"))
    assert _secrets() == {"token": "tok-PASTED-1"}


def test_typing_the_same_secret_again_is_no_change(app, portal):
    portal.login("admin")
    portal.post("/interfaces/new/smsapi", SMS_TOKEN)
    interface = _only()
    before = interface.secrets[0].value_encrypted
    resp = portal.post(f"/interfaces/{interface.id}/edit", SMS_TOKEN)
    assert resp.status_code == 302
    assert "Es gab keine Änderungen." in portal.get(resp.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert _only().secrets[0].value_encrypted == before
    assert [e.action for e in _events(interface.id)] == ["created"]


def test_bad_input_on_edit_is_422_and_nothing_changes(app, portal):
    portal.login("admin")
    portal.post("/interfaces/new/smsapi", SMS_TOKEN)
    interface = _only()
    resp = portal.post(
        f"/interfaces/{interface.id}/edit",
        dict(SMS_TOKEN, name="Neu", sender="Optik Müller!", token="tok-NEW"),
        htmx=True,
    )
    assert resp.status_code == 422 and "bis zu 11 Buchstaben" in resp.get_data(as_text=True)
    db.session.expire_all()
    interface = _only()
    assert interface.name == "SMS Zentrale" and interface.settings["sender"] == "Optik"
    assert _secrets() == {"token": "tok-SECRET-123"}
    assert [e.action for e in _events(interface.id)] == ["created"]


# ---- the rules hold in the service, for every caller -------------------------------------------


def test_service_refuses_data_that_breaks_a_common_rule(app):
    branch = make_branch()
    admin = make_user("admin")
    itype = interface_types.get("smsapi")
    data = service.InterfaceData(
        name="Direkt",
        branch_id=branch.id,
        workstation_id=None,
        server_side=True,
        client_side=True,
        start_date=date.today(),
        protected=False,
        settings=dict(itype.defaults),
        secrets={"token": "t"},
    )
    with pytest.raises(service.RuleViolation) as caught:
        service.create(db.session, itype, data, secret_box(), admin)
    assert [field for field, _ in caught.value.errors] == ["branch_id"]
    data.branch_id = None
    data.server_side = data.client_side = False
    with pytest.raises(service.RuleViolation):
        service.create(db.session, itype, data, secret_box(), admin)
    data.server_side = True
    data.secrets = {}
    with pytest.raises(service.RuleViolation) as caught:
        service.create(db.session, itype, data, secret_box(), admin)
    assert [field for field, _ in caught.value.errors] == ["token"]
    db.session.rollback()
    assert _count() == 0


# ---- deletion and history ------------------------------------------------------------------------


def test_deleting_a_protected_interface_is_refused_with_422(app, portal):
    portal.login("admin")
    portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, protected="y"))
    interface = _only()
    resp = portal.post(f"/interfaces/{interface.id}/delete", htmx=True)
    assert resp.status_code == 422
    assert "erst nach Aufheben des Schutzes" in resp.get_data(as_text=True)
    resp = portal.post(f"/interfaces/{interface.id}/delete")
    assert resp.status_code == 422 and "<html" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert _count() == 1 and _count(InterfaceSecret) == 1
    assert "deleted" not in [e.action for e in _events(interface.id)]


def test_history_reads_in_the_readers_language(app, portal):
    """An English-speaking admin's change reads in German for a German reader and vice versa;
    choices show their names, dates the reader's format, and empty fields are not listed."""
    make_user("admin", username="admin-en", locale="en")
    db.session.commit()
    portal.login("admin", username="admin-en")
    start = date(2030, 5, 17)
    portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, start_date=start.isoformat()))
    interface = _only()
    portal.post(
        f"/interfaces/{interface.id}/edit",
        dict(SMS_TOKEN, start_date=start.isoformat(), sender="Neu", token="tok-2"),
    )
    english = portal.get(f"/interfaces/{interface.id}/history", htmx=True).get_data(as_text=True)
    assert "Sender: Optik → Neu" in english and "API token changed" in english
    assert "Service: — → SMSAPI.pl (api.smsapi.pl)" in english
    assert "May 17, 2030" in english

    portal.logout()
    portal.login("admin")
    german = portal.get(f"/interfaces/{interface.id}").get_data(as_text=True)
    assert "Absender: Optik → Neu" in german and "Schlüsseltoken geändert" in german
    assert "Dienst: — → SMSAPI.pl (api.smsapi.pl)" in german
    assert "Zugang über: — → Schlüsseltoken" in german
    assert "17.05.2030" in german
    assert "Proxy Server:" not in german and "Basis-URL:" not in german  # empty stays empty


def test_a_box_never_ticked_is_no_change(app, portal):
    portal.login("admin")
    portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, client_side=""))
    page = portal.get(f"/interfaces/{_only().id}").get_data(as_text=True)
    assert "Serverseitig: —" in page and "Clientseitig:" not in page


def test_deleted_interface_history_stays_readable(app, portal):
    portal.login("admin")
    portal.post("/interfaces/new/smsapi", SMS_TOKEN)
    interface_id = _only().id
    portal.post(f"/interfaces/{interface_id}/edit", dict(SMS_TOKEN, sender="Neu", token=""))
    portal.post(f"/interfaces/{interface_id}/delete")
    assert _count() == 0
    listing = portal.get("/interfaces/deleted").get_data(as_text=True)
    assert "SMS Zentrale" in listing and f"/interfaces/{interface_id}/history" in listing
    assert "SMSAPI / HQsms" in listing
    page = portal.get(f"/interfaces/{interface_id}/history").get_data(as_text=True)
    assert "Verlauf: SMS Zentrale" in page and "gelöscht" in page
    assert "Absender: Optik → Neu" in page and "angelegt" in page
    assert portal.get("/interfaces/987654/history").status_code == 404
    portal.logout()
    portal.login("helpdesk")
    assert "SMS Zentrale" in portal.get("/interfaces/deleted").get_data(as_text=True)
    portal.logout()
    portal.login("employee")
    assert portal.get("/interfaces/deleted").status_code == 403
    assert portal.get(f"/interfaces/{interface_id}/history").status_code == 403


def test_history_is_paged(app, portal):
    interface = make_interface(name="Viel Verlauf")
    admin = make_user("admin")
    for i in range(55):
        service.record_check(
            db.session, interface, "balance", admin, ok=True, message=f"Guthaben {i}"
        )
    db.session.commit()
    portal.login("helpdesk")
    first = portal.get(f"/interfaces/{interface.id}").get_data(as_text=True)
    assert "Guthaben 54<" in first and "Guthaben 5<" in first and "Guthaben 4<" not in first
    assert f"/interfaces/{interface.id}/history?page=2" in first
    second = portal.get(f"/interfaces/{interface.id}/history?page=2", htmx=True).get_data(
        as_text=True
    )
    assert "Guthaben 4<" in second and "Guthaben 0<" in second and "Guthaben 54" not in second
    assert "ältere Einträge" not in second and "neuere Einträge" in second


# ---- the workstation's interfaces ----------------------------------------------------------------


def test_workstation_offers_only_client_side_types(app, portal):
    portal.login("admin")
    ws = make_workstation(name="STR-KASSE")
    db.session.commit()
    chooser = portal.get(f"/interfaces/new?workstation_id={ws.id}").get_data(as_text=True)
    assert 'data-type="smsapi"' in chooser and 'data-type="sinno_app"' in chooser
    assert (
        'data-type="sinno_chat"' not in chooser
        and 'data-type="appointment_reminder"' not in chooser
    )
    assert portal.get(f"/interfaces/new/sinno_chat?workstation_id={ws.id}").status_code == 404
    resp = portal.post(
        f"/interfaces/new/sinno_chat?workstation_id={ws.id}", {"name": "Chat", "server_side": "y"}
    )
    assert resp.status_code == 404 and _count() == 0
    form = portal.get(f"/interfaces/new/smsapi?workstation_id={ws.id}").get_data(as_text=True)
    assert f'href="/workstations/{ws.id}/settings"' in form  # "Abbrechen" goes back there


def test_moving_a_workstation_moves_its_interfaces(app, portal):
    portal.login("admin")
    old, new = make_branch(name="Nord"), make_branch(name="Süd")
    ws = make_workstation(old, name="PC-MOBIL")
    db.session.commit()
    portal.post(
        f"/interfaces/new/smsapi?workstation_id={ws.id}",
        dict(SMS_TOKEN, server_side="", client_side="y"),
    )
    interface = _only()
    resp = portal.post(
        f"/workstations/{ws.id}/edit", {"name": "PC-MOBIL", "branch_id": str(new.id)}
    )
    assert resp.status_code == 302
    db.session.expire_all()
    interface = _only()
    assert interface.branch_id == new.id and interface.branch_label == new.label
    assert [e.action for e in _events(interface.id)] == ["created", "updated"]
    page = portal.get(f"/interfaces/{interface.id}").get_data(as_text=True)
    assert f"Filiale: {old.label} → {new.label}" in page
    assert new.label in portal.get("/interfaces/?q=pc-mobil").get_data(as_text=True)


def test_a_protected_interface_keeps_its_workstation_in_its_branch(app, portal):
    portal.login("admin")
    old, new = make_branch(), make_branch()
    ws = make_workstation(old, name="PC-FEST")
    db.session.commit()
    portal.post(
        f"/interfaces/new/smsapi?workstation_id={ws.id}",
        dict(SMS_TOKEN, server_side="", client_side="y", protected="y"),
    )
    resp = portal.post(
        f"/workstations/{ws.id}/edit", {"name": "PC-FEST", "branch_id": str(new.id)}, htmx=True
    )
    assert resp.status_code == 422
    assert "SMS Zentrale ist geschützt" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(ws), ws.id).branch_id == old.id and _only().branch_id == old.id


# ---- which interface applies: the same answer on both databases -------------------------------


def test_an_interface_without_start_date_loses_to_a_started_one_on_every_database(app):
    undated = make_interface(name="Ohne Datum", start_date=None)
    dated = make_interface(name="Seit gestern", start_date=date.today() - timedelta(days=1))
    db.session.commit()
    found = service.resolve(db.session, "SMS", "server", date.today())
    assert found.id == dated.id and found.id != undated.id


# ---- the type registry -----------------------------------------------------------------------------


def test_registry_holds_the_types_and_refuses_doubles_and_unknown_groups():
    types = {t.key: t for t in interface_types.all_types()}
    assert {"smsapi", "sinno_app", "sinno_chat", "appointment_reminder"} <= set(types)
    assert (
        types["smsapi"].group,
        types["sinno_app"].group,
        types["sinno_chat"].group,
        types["appointment_reminder"].group,
    ) == ("SMS", "App", "App", "Termine")
    assert types["sinno_chat"].usages == frozenset({"server"})
    assert types["smsapi"].secret_names == ("password", "token")
    chat_form = types["sinno_chat"].settings_form
    with pytest.raises(ValueError, match="twice"):
        interface_types.register(
            "smsapi", "SMS", "SMSAPI", usages=frozenset({"server"}), settings_form=chat_form
        )
    with pytest.raises(ValueError, match="Unknown group"):
        interface_types.register(
            "fax", "Fax", "Fax", usages=frozenset({"server"}), settings_form=chat_form
        )
    assert interface_types.get("smsapi") is types["smsapi"] and interface_types.get("fax") is None


def test_a_new_type_is_one_module_and_one_registration(app, portal):
    """A type registered at run time appears in the chooser, gets its form, its own rule and its
    encrypted secret without any change elsewhere."""
    import wtforms

    class FaxForm(wtforms.Form):
        number = wtforms.StringField("Faxnummer")
        api_key = wtforms.PasswordField("API-Schlüssel")

    def own_rule(form, interface):
        if not (form.number.data or "").startswith("+"):
            form.number.errors.append("Bitte mit Landesvorwahl.")

    fax = interface_types.register(
        "fax_test",
        "SMS",
        "Fax-Gateway",
        usages=frozenset({"server"}),
        settings_form=FaxForm,
        secret_fields=(interface_types.SecretField("api_key", "API-Schlüssel"),),
        validate=own_rule,
    )
    try:
        portal.login("admin")
        assert 'data-type="fax_test"' in portal.get("/interfaces/new").get_data(as_text=True)
        data = {"name": "Fax", "server_side": "y", "number": "0711", "api_key": "fax-secret"}
        resp = portal.post("/interfaces/new/fax_test", data, htmx=True)
        assert resp.status_code == 422 and "Bitte mit Landesvorwahl." in resp.get_data(as_text=True)
        assert (
            portal.post("/interfaces/new/fax_test", dict(data, number="+49711")).status_code == 302
        )
        interface = _only()
        assert interface.settings == {"number": "+49711"} and _secrets() == {
            "api_key": "fax-secret"
        }
    finally:
        interface_types._TYPES.pop(fax.key)


# ---- SiNNO-App: nothing saved on bad input ---------------------------------------------------------


@pytest.mark.parametrize(
    "override, message",
    [
        ({"client_id": ""}, "Bitte geben Sie die ClientID an."),
        ({"server": ""}, "Bitte geben Sie die Server-Adresse an."),
        ({"server": "ftp://winpro.api.ipro.de/v1"}, "https://"),
        ({"company_no": "47 11!"}, "Buchstaben, Ziffern"),
    ],
)
def test_sinno_app_bad_input_is_422_and_nothing_saved(app, portal, override, message):
    portal.login("admin")
    data = {
        "name": "SiNNO",
        "server_side": "y",
        "client_side": "y",
        "start_date": "",
        "branch_id": "",
        "server": "https://winpro.api.ipro.de/v1",
        "client_id": "winpro",
        "company_no": "4711",
    }
    resp = portal.post("/interfaces/new/sinno_app", dict(data, **override), htmx=True)
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert _count() == 0 and _count(InterfaceEvent) == 0


# ---- the SMS length counter tells an employee only about their own interface ---------------------


def test_length_counter_shows_an_employee_only_the_interface_that_sends_for_them(app, portal):
    own = make_interface(
        name="Eigene",
        client_side=True,
        server_side=False,
        settings=dict(interface_types.get("smsapi").defaults, max_chars=300),
    )
    other = make_interface(
        name="Fremde",
        client_side=False,
        server_side=True,
        settings=dict(interface_types.get("smsapi").defaults, max_chars=120),
    )
    db.session.commit()
    portal.login("employee")
    html = portal.get(f"/sms/length?text=Hallo&interface_id={other.id}", htmx=True).get_data(
        as_text=True
    )
    assert "höchstens 300" in html and "höchstens 120" not in html
    portal.logout()
    portal.login("admin")
    html = portal.get(f"/sms/length?text=Hallo&interface_id={other.id}", htmx=True).get_data(
        as_text=True
    )
    assert "höchstens 120" in html
    html = portal.get(f"/sms/length?text=Hallo&interface_id={own.id}", htmx=True).get_data(
        as_text=True
    )
    assert "höchstens 300" in html


# ---- two admins editing at once ---------------------------------------------------------------------


def _edit_token(html: str) -> str:
    return re.search(r'name="edit_token" type="hidden" value="([^"]+)"', html).group(1)


def _created_and_opened(portal):
    """An SMSAPI interface, and the edit token of its form as an admin opened it."""
    portal.login("admin")
    portal.post("/interfaces/new/smsapi", SMS_TOKEN)
    interface = _only()
    return interface, _edit_token(
        portal.get(f"/interfaces/{interface.id}/edit").get_data(as_text=True)
    )


def test_a_save_on_top_of_someone_elses_change_is_stopped_once(app, portal):
    from tests.conftest import Portal

    interface, token = _created_and_opened(portal)

    other = Portal(app.test_client())
    make_user("admin", username="bea", full_name="Bea Berger")
    db.session.commit()
    other.login("admin", username="bea")
    assert (
        other.post(
            f"/interfaces/{interface.id}/edit", dict(SMS_TOKEN, sender="VonBea", token="")
        ).status_code
        == 302
    )

    mine = dict(SMS_TOKEN, name="Meins", token="", edit_token=token)
    resp = portal.post(f"/interfaces/{interface.id}/edit", mine, htmx=True)
    body = resp.get_data(as_text=True)
    assert (
        resp.status_code == 422 and "Bea Berger hat die Schnittstelle geändert (Absender)" in body
    )
    db.session.expire_all()
    assert _only().name == "SMS Zentrale" and _only().settings["sender"] == "VonBea"
    fresh = _edit_token(body)
    assert fresh != token
    resp = portal.post(f"/interfaces/{interface.id}/edit", dict(mine, edit_token=fresh))
    assert resp.status_code == 302
    db.session.expire_all()
    assert _only().name == "Meins" and _only().settings["sender"] == "Optik"


# ---- searching the names the reader sees ---------------------------------------------------------


def test_search_finds_group_and_type_names_in_the_readers_language(app, portal):
    make_interface("appointment_reminder", name="Erinnerung Zentrale")
    make_interface("sinno_chat", name="Kundenchat")
    make_interface(name="SMS Nord")
    make_user("admin", username="admin-en", locale="en")
    db.session.commit()
    portal.login("admin", username="admin-en")
    for query, expected in (
        ("appointments", {"Erinnerung Zentrale"}),
        ("remind", {"Erinnerung Zentrale"}),
        ("chat", {"Kundenchat"}),
        ("termine", {"Erinnerung Zentrale"}),
        ("appointments zentrale", {"Erinnerung Zentrale"}),
        ("appointments nord", set()),
    ):
        html = portal.get(f"/interfaces/?q={query}", htmx=True).get_data(as_text=True)
        found = {name for name in ("Erinnerung Zentrale", "Kundenchat", "SMS Nord") if name in html}
        assert found == expected, query
    portal.logout()
    portal.login("admin")
    html = portal.get("/interfaces/?q=appointments", htmx=True).get_data(as_text=True)
    assert "Erinnerung Zentrale" not in html and 'id="interface-empty"' in html


def test_a_new_interface_never_takes_a_deleted_ones_id_or_history(app, portal):
    portal.login("admin")
    portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, name="Alt"))
    old_id = _only().id
    portal.post(f"/interfaces/{old_id}/delete")
    portal.post("/interfaces/new/smsapi", dict(SMS_TOKEN, name="Neu"))
    new = _only()
    assert new.id != old_id
    page = portal.get(f"/interfaces/{new.id}").get_data(as_text=True)
    assert "gelöscht" not in page and "Name: — → Alt" not in page
    old_history = portal.get(f"/interfaces/{old_id}/history").get_data(as_text=True)
    assert "Verlauf: Alt" in old_history and "Neu" not in old_history


def test_the_edit_token_survives_a_422_for_another_reason(app, portal):
    interface, token = _created_and_opened(portal)
    resp = portal.post(
        f"/interfaces/{interface.id}/edit",
        dict(SMS_TOKEN, sender="Zu lang für SMS", token="", edit_token=token),
        htmx=True,
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and f'value="{token}"' in body
    assert "hat die Schnittstelle geändert" not in body
    resp = portal.post(
        f"/interfaces/{interface.id}/edit",
        dict(SMS_TOKEN, sender="Kurz", token="", edit_token=token),
    )
    assert resp.status_code == 302


def test_history_reads_entries_written_before_values_were_language_neutral(app):
    from app.blueprints.interfaces.history import describe

    smsapi = interface_types.get("smsapi")
    with app.test_request_context():
        legacy = describe(
            {"field": "sender", "label": "Absender", "old": "—", "new": "Neu"}, smsapi
        )
        assert (legacy.label, legacy.old, legacy.new) == ("Absender", "—", "Neu")
        legacy_choice = describe(
            {"field": "service", "label": "Dienst", "old": "smsapi_pl", "new": "custom"}, smsapi
        )
        assert (
            legacy_choice.old == "SMSAPI.pl (api.smsapi.pl)"
            and legacy_choice.new == "Eigene Basis-URL"
        )
        unknown = describe({"field": "fax", "label": "Faxnummer", "old": None, "new": "+49"}, None)
        assert (unknown.label, unknown.old, unknown.new) == ("Faxnummer", "—", "+49")
        no_label = describe({"field": "fax", "secret": True}, None)
        assert no_label.label == "fax" and no_label.secret
        dated = describe({"field": "start_date", "old": "2026-05-17", "new": None}, smsapi)
        assert (dated.old, dated.new) == ("17.05.2026", "—")


def test_follow_workstation_refuses_to_move_a_protected_interface(app):
    old, new = make_branch(), make_branch()
    ws = make_workstation(old)
    interface = make_interface(
        workstation_id=ws.id, branch_id=old.id, client_side=True, server_side=False, protected=True
    )
    admin = make_user("admin")
    ws.branch_id = new.id
    with pytest.raises(service.ProtectedError):
        service.follow_workstation(db.session, ws, admin)
    assert interface.branch_id == old.id
