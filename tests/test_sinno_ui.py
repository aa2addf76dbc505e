"""SiNNO-App Service in the portal: Anmelden/Abmelden, customer activation, worker, faults, filters."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db, secret_box
from app.models import Customer, Interface, InterfaceEvent, InterfaceSecret, SmsMessage
from app.models.base import utcnow
from app.services import sinno_customers
from app.services.customers import search_text_for
from app.services.demo import simulator_sms_settings
from app.services.interfaces import read_secret
from app.services.worker import Worker
from tests.factories import make_branch, make_interface
from tests.sim_fixtures import SIM_TOKEN


@pytest.fixture
def app_config(app_config):
    app_config.SMS_TIMEOUTS = (2.0, 2.0)
    app_config.SINNO_TIMEOUTS = (2.0, 2.0)
    return app_config


class Setup:
    """A branch, a SiNNO-App Service (server + client), a SiNNO-Chat and an SMS interface."""

    def __init__(self, sinno_sim, smsapi_sim, email="mitte@example.com"):
        self.branch = make_branch(number="001", name="Mitte", email=email)
        self.service = make_interface(
            "sinno_app",
            name="SiNNO App",
            server_side=True,
            client_side=True,
            settings={
                "server": sinno_sim.base_url,
                "client_id": "winpro",
                "company_no": "4711",
                "proxy_host": "",
                "proxy_port": None,
            },
        )
        self.chat = make_interface("sinno_chat", name="SiNNO Chat", server_side=True, settings={})
        self.sms = make_interface(
            name="SMS Sim",
            client_side=True,
            server_side=True,
            settings=simulator_sms_settings(smsapi_sim.url + "/"),
            secrets={"token": SIM_TOKEN},
        )
        db.session.commit()

    def customer(self, **kw) -> Customer:
        fields = dict(
            first_name="Erika",
            last_name="Mustermann",
            number="K-1001",
            mobile="+49 171 2345678",
            email="erika@example.com",
            branch_id=self.branch.id,
            sms_consent=True,
        )
        fields.update(kw)
        customer = Customer(**fields)
        customer.search_text = search_text_for(customer)
        db.session.add(customer)
        db.session.commit()
        return customer


@pytest.fixture
def s(app, sinno_sim, smsapi_sim):
    return Setup(sinno_sim, smsapi_sim)


def _events(interface, action):
    return db.session.scalars(
        sa.select(InterfaceEvent)
        .where(InterfaceEvent.interface_id == interface.id, InterfaceEvent.action == action)
        .order_by(InterfaceEvent.id)
    ).all()


def login_url(interface):
    return f"/interfaces/{interface.id}/sinno/login"


def log_in(portal, s):
    resp = portal.post(login_url(s.service), htmx=True)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp


def worker(clock=utcnow):
    return Worker(db.session, secret_box(), "Europe/Berlin", timeouts=(2.0, 2.0), clock=clock)


# ---- Anmelden / Abmelden ------------------------------------------------------------------------


def test_login_refused_for_a_branch_without_email_names_it_with_a_link(s, portal, sinno_sim):
    other = make_branch(number="002", name="Nord", email="")
    db.session.commit()
    portal.login("admin")
    resp = portal.post(login_url(s.service), htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "002 Nord" in html and f"/branches/{other.id}/edit" in html and "001 Mitte" not in html
    assert "Abgemeldet" in html
    db.session.refresh(s.service)
    assert not s.service.state.get("logged_in") and s.service.secrets == []
    assert sinno_sim.state.requests == []  # the service was not even asked
    assert [e.ok for e in _events(s.service, "login")] == [False]
    assert json.loads(resp.headers["HX-Trigger"]) == {"interface-history": s.service.id}


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.domain)//{company_no}", "data:text/html,<b>{company_no}"]
)
def test_a_dashboard_link_that_is_no_web_address_is_not_shown(
    s, portal, sinno_sim, monkeypatch, url
):
    """The link comes from the gateway's answer: only an http(s) address becomes an href."""
    monkeypatch.setattr(sinno_sim.state.config, "dashboard_url", url)
    portal.login("admin")
    html = log_in(portal, s).get_data(as_text=True)
    assert "Angemeldet seit" in html and 'id="sinno-dashboard"' not in html
    assert url.split(":")[0] + ":" not in html
    db.session.refresh(s.service)
    assert s.service.state.get("dashboard_url") is None
    html = portal.get(f"/interfaces/{s.service.id}").get_data(as_text=True)
    assert 'id="sinno-dashboard"' not in html
    # One stored before the log-in answer was checked is not a link either.
    s.service.state = {**s.service.state, "dashboard_url": url}
    db.session.commit()
    html = portal.get(f"/interfaces/{s.service.id}").get_data(as_text=True)
    assert 'id="sinno-dashboard"' not in html and url.split(":")[0] + ":" not in html


def test_login_stores_the_token_encrypted_and_shows_since_when_and_who(s, portal, sinno_sim):
    user = portal.login("admin")
    html = log_in(portal, s).get_data(as_text=True)
    assert "Angemeldet seit" in html and user.display_name in html and 'id="sinno-logout"' in html
    assert 'id="sinno-dashboard"' in html and "/dashboard/4711" in html
    db.session.refresh(s.service)
    secret = db.session.scalar(
        sa.select(InterfaceSecret).where(InterfaceSecret.interface_id == s.service.id)
    )
    token = read_secret(secret_box(), s.service, "session_token")
    assert secret.field == "session_token" and token.startswith("tok_4711")
    assert token not in secret.value_encrypted and token not in html
    assert token not in json.dumps(s.service.state)
    assert sinno_sim.state.snapshot()["companies"][0]["shops"] == [
        {"shop_id": "001", "name": "Mitte", "email": "mitte@example.com"}
    ]
    assert [(e.ok, e.actor_name) for e in _events(s.service, "login")] == [
        (True, user.display_name)
    ]
    page = portal.get(f"/interfaces/{s.service.id}").get_data(as_text=True)
    assert "Angemeldet seit" in page and token not in page


@pytest.mark.parametrize(
    "switches, words",
    [
        ({"down": True}, "ohne Antwort"),
        ({"status": 503}, "Wartung"),
        ({"status": 429, "retry_after": 20}, "in 20 Sekunden"),
        ({"malformed": True}, "unerwartete Antwort"),
    ],
)
def test_login_fault_leaves_no_half_state(s, portal, sinno_sim, switches, words):
    portal.login("admin")
    sinno_sim.state.set_faults(**switches)
    resp = portal.post(login_url(s.service), htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and words in html and 'id="sinno-error"' in html
    assert "Abgemeldet" in html and "Traceback" not in html
    db.session.refresh(s.service)
    assert s.service.secrets == [] and not s.service.state.get("logged_in")
    assert s.service.last_error and words in str(s.service.last_error)
    assert [e.ok for e in _events(s.service, "login")] == [False]


def test_login_with_an_unknown_company_number(s, portal):
    s.service.settings = dict(s.service.settings, company_no="9999")
    db.session.commit()
    portal.login("admin")
    html = portal.post(login_url(s.service), htmx=True).get_data(as_text=True)
    assert "Firmen-Nr." in html and 'id="sinno-error"' in html


def test_login_without_javascript_redirects_with_a_message(s, portal):
    portal.login("admin")
    resp = portal.post(login_url(s.service))
    assert resp.status_code == 302
    assert "Angemeldet bei Demo-Optik" in portal.get(resp.headers["Location"]).get_data(
        as_text=True
    )


def test_logout_dialog_carries_the_warning_then_logs_out(s, portal, sinno_sim):
    portal.login("admin")
    log_in(portal, s)
    dialog = portal.get(f"/interfaces/{s.service.id}/sinno/logout", htmx=True).get_data(
        as_text=True
    )
    assert "alle Ihre Kunden keinen Zugang mehr" in dialog and "<html" not in dialog
    resp = portal.post(f"/interfaces/{s.service.id}/sinno/logout", htmx=True)
    assert resp.status_code == 204
    events = json.loads(resp.headers["HX-Trigger"])
    assert "dialog-close" in events and events["sinno-session"] == s.service.id
    fragment = portal.get(f"/interfaces/{s.service.id}/sinno/session", htmx=True).get_data(
        as_text=True
    )
    assert "Abgemeldet" in fragment and 'id="sinno-login"' in fragment
    db.session.refresh(s.service)
    assert s.service.secrets == [] and s.service.state["logged_in"] is False
    assert sinno_sim.state.snapshot()["companies"][0]["logged_in"] is False
    assert [e.ok for e in _events(s.service, "logout")] == [True]


def test_logout_without_javascript_redirects_with_a_message(s, portal, sinno_sim):
    portal.login("admin")
    log_in(portal, s)
    resp = portal.post(f"/interfaces/{s.service.id}/sinno/logout")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/interfaces/{s.service.id}"
    )
    assert "Abgemeldet." in portal.get(resp.headers["Location"]).get_data(as_text=True)
    db.session.refresh(s.service)
    assert s.service.secrets == [] and s.service.state["logged_in"] is False


def test_logout_fault_keeps_the_session(s, portal, sinno_sim):
    portal.login("admin")
    log_in(portal, s)
    sinno_sim.state.set_faults(status=500)
    resp = portal.post(f"/interfaces/{s.service.id}/sinno/logout", htmx=True)
    html = resp.get_data(as_text=True)
    assert (
        resp.status_code == 200 and 'id="sinno-logout-error"' in html and "internen Fehler" in html
    )
    db.session.refresh(s.service)
    assert s.service.state["logged_in"] is True and len(s.service.secrets) == 1
    assert [e.ok for e in _events(s.service, "logout")] == [False]


def test_only_admins_log_in_and_out(s, portal):
    portal.login("employee")
    assert portal.post(login_url(s.service)).status_code == 403
    assert portal.get(f"/interfaces/{s.service.id}/sinno/logout").status_code == 403


def test_server_may_be_plain_http_only_on_this_computer(app):
    from werkzeug.datastructures import MultiDict

    from app.services.interface_types.sinno_app import SinnoAppSettingsForm

    def errors(server):
        form = SinnoAppSettingsForm(
            MultiDict({"server": server, "client_id": "winpro", "company_no": "4711"})
        )
        form.validate()
        return form.errors.get("server")

    assert errors("https://winpro.api.ipro.de/v1") is None
    assert errors("http://127.0.0.1:8026/v1") is None
    assert errors("http://winpro.api.ipro.de/v1")


# ---- customer activation ------------------------------------------------------------------------


def activate(portal, customer):
    return portal.post(f"/sinno/customers/{customer.id}/activate", htmx=True)


def test_activation_needs_a_logged_in_service_chat_and_unique_contact(s, portal):
    other = s.customer(first_name="Max", number="K-1002", email="max@example.com")
    customer = s.customer(number="K-1003", mobile="0171 2345678", email="MAX@example.com")
    portal.login("employee")
    dialog = portal.get(f"/sinno/customers/{customer.id}/activate", htmx=True).get_data(
        as_text=True
    )
    assert "nicht angemeldet" in dialog
    assert "Die Mobilnummer hat auch der Kunde Max Mustermann" in dialog
    assert "Die E-Mail-Adresse hat auch der Kunde Max Mustermann" in dialog
    assert f"/customers/{other.id}" in dialog and 'id="sinno-activate-confirm"' not in dialog
    resp = activate(portal, customer)
    assert resp.status_code == 422
    db.session.refresh(customer)
    assert customer.sinno_status == "not_activated" and customer.sinno_activation_key is None


def test_activation_without_chat_or_email_is_refused(s, portal):
    db.session.delete(s.chat)
    customer = s.customer(email=None)
    db.session.commit()
    portal.login("admin")
    log_in(portal, s)
    html = activate(portal, customer).get_data(as_text=True)
    assert "keine SiNNO-Chat Schnittstelle" in html and "keine E-Mail-Adresse" in html


def test_activation_end_to_end(s, portal, sinno_sim, smsapi_sim):
    customer = s.customer()
    portal.login("admin")
    log_in(portal, s)
    dialog = portal.get(f"/sinno/customers/{customer.id}/activate", htmx=True).get_data(
        as_text=True
    )
    assert 'id="sinno-activate-confirm"' in dialog and "einige Minuten" in dialog
    resp = activate(portal, customer)
    assert resp.status_code == 204
    assert json.loads(resp.headers["HX-Trigger"]) == {
        "dialog-close": None,
        "sinno-customer": customer.id,
    }
    again = activate(portal, customer)  # a double click
    assert again.status_code == 422 and "bereits" in again.get_data(as_text=True)
    db.session.refresh(customer)
    assert customer.sinno_status == "pending" and customer.sinno_customer_id is None
    state = portal.get(f"/sinno/customers/{customer.id}", htmx=True).get_data(as_text=True)
    assert "wird eingerichtet" in state and "every 3s" in state

    worker().run_once()
    db.session.refresh(customer)
    assert customer.sinno_status == "invited" and customer.sinno_customer_id == "SC-000001"
    assert customer.sinno_consent_at is not None
    registered = sinno_sim.state.public_customers()
    assert len(registered) == 1 and registered[0]["mobile"] == "+491712345678"
    code = registered[0]["identification_code"]
    sms = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.kind == "sinno_code"))
    assert sms.customer_id == customer.id and sms.interface_id == s.sms.id

    worker().run_once()  # the outbox sends it, then the code is masked
    sent = smsapi_sim.state.messages
    assert len(sent) == 1 and code in sent[0]["message"] and sent[0]["to"] == "491712345678"
    db.session.refresh(sms)
    assert sms.status == "sent" and code not in sms.text and "••••-••••" in sms.text

    page = portal.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "SC-000001" in page and "schreibgeschützt" in page and "eingeladen" in page
    assert code not in page and "every 20s" in page
    history = portal.get(f"/interfaces/{s.service.id}").get_data(as_text=True)
    assert "Kunde registriert" in history and code not in history

    sinno_sim.state.app_login("SC-000001")
    worker(clock=lambda: utcnow() + timedelta(minutes=1)).run_once()
    db.session.refresh(customer)
    assert customer.sinno_status == "active" and customer.sinno_active_at is not None
    assert len(sinno_sim.state.public_customers()) == 1  # registered exactly once


def test_a_passing_fault_keeps_it_pending_and_retries_with_the_same_key(s, portal, sinno_sim):
    customer = s.customer()
    portal.login("admin")
    log_in(portal, s)
    activate(portal, customer)
    sinno_sim.state.set_faults(status=429, retry_after=600)
    worker().run_once()
    db.session.refresh(customer)
    assert customer.sinno_status == "pending" and customer.sinno_customer_id is None
    assert "600 Sekunden" in str(customer.sinno_error)
    assert customer.sinno_next_attempt_at >= utcnow() + timedelta(seconds=590)
    html = portal.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Ein neuer Versuch folgt automatisch" in html
    assert not db.session.scalars(sa.select(SmsMessage)).all()
    sinno_sim.state.set_faults()
    worker(clock=lambda: utcnow() + timedelta(minutes=11)).run_once()
    db.session.refresh(customer)
    assert customer.sinno_status == "invited"
    keys = {r["idempotency_key"] for r in sinno_sim.state.requests if r["path"] == "/v1/customers"}
    assert keys == {customer.sinno_activation_key}


def test_a_timeout_after_the_service_registered_does_not_register_twice(s, portal, sinno_sim):
    customer = s.customer()
    portal.login("admin")
    log_in(portal, s)
    activate(portal, customer)
    db.session.refresh(customer)
    key = customer.sinno_activation_key
    # The service registered it, but the answer never came back (the worker crashed or timed out).
    with sinno_customers.client_for(db.session, secret_box(), s.service) as client:
        first = client.register_customer(
            reference="K-1001",
            first_name="Erika",
            last_name="Mustermann",
            mobile="+491712345678",
            email="erika@example.com",
            shop_id="001",
            language="de",
            idempotency_key=key,
        )
    worker().run_once()
    db.session.refresh(customer)
    assert customer.sinno_customer_id == first.customer_id
    assert len(sinno_sim.state.public_customers()) == 1


def test_a_refusal_by_the_service_fails_with_the_reason(s, portal, sinno_sim):
    customer = s.customer()
    portal.login("admin")
    log_in(portal, s)
    with sinno_customers.client_for(db.session, secret_box(), s.service) as client:
        client.register_customer(
            reference="X",
            first_name="Else",
            last_name="Where",
            mobile="+491712345678",
            email="else@example.com",
            shop_id="001",
            language="de",
            idempotency_key="other",
        )
    activate(portal, customer)
    worker().run_once()
    db.session.refresh(customer)
    assert customer.sinno_status == "not_activated" and customer.sinno_customer_id is None
    assert "Mobilnummer" in str(customer.sinno_error) and customer.sinno_activation_key is None
    html = portal.get(f"/sinno/customers/{customer.id}", htmx=True).get_data(as_text=True)
    assert 'id="customer-sinno-error"' in html and 'id="customer-sinno-activate"' in html
    assert not db.session.scalars(sa.select(SmsMessage)).all()


def test_expired_token_is_renewed_and_stored_by_the_worker(s, portal, sinno_sim):
    customer = s.customer()
    portal.login("admin")
    log_in(portal, s)
    db.session.refresh(s.service)
    old = read_secret(secret_box(), s.service, "session_token")
    activate(portal, customer)
    sinno_sim.state.expire_tokens()
    worker().run_once()
    db.session.refresh(customer)
    db.session.refresh(s.service)
    assert customer.sinno_status == "invited"
    new = read_secret(secret_box(), s.service, "session_token")
    assert new != old and sinno_sim.state.token_entry(new) is not None


def test_deactivate_with_confirmation(s, portal, sinno_sim):
    customer = s.customer()
    portal.login("admin")
    log_in(portal, s)
    activate(portal, customer)
    worker().run_once()
    dialog = portal.get(f"/sinno/customers/{customer.id}/deactivate", htmx=True).get_data(
        as_text=True
    )
    assert 'id="sinno-deactivate-confirm"' in dialog
    sinno_sim.state.set_faults(status=500, times=1)
    failed = portal.post(f"/sinno/customers/{customer.id}/deactivate", htmx=True)
    assert "internen Fehler" in failed.get_data(as_text=True)
    db.session.refresh(customer)
    assert customer.sinno_status == "invited"
    resp = portal.post(f"/sinno/customers/{customer.id}/deactivate", htmx=True)
    assert resp.status_code == 204
    db.session.refresh(customer)
    assert customer.sinno_status == "not_activated" and customer.sinno_customer_id is None
    assert sinno_sim.state.public_customers()[0]["state"] == "deactivated"


def test_a_status_check_does_not_undo_a_deactivation_made_meanwhile(app, s, portal, sinno_sim):
    """The worker asked the service about an invited customer ("active": the app's first log-in)
    just before an employee deactivated them: the customer stays deactivated (the worker's
    "active" was written over the deactivation, active without a Kunden-ID)."""
    from tests.races import meanwhile

    customer = s.customer()
    portal.login("admin")
    log_in(portal, s)
    activate(portal, customer)
    worker().run_once()
    sinno_sim.state.app_login("SC-000001")
    customer = db.session.get(Customer, customer.id)
    assert customer.sinno_status == "invited"
    # The deactivation's own write (the service was told after the worker asked it).
    customer.sinno_status, customer.sinno_customer_id = "not_activated", None
    db.session.flush()  # not committed
    activated = []
    meanwhile(
        app,
        lambda: activated.append(
            sinno_customers.poll_invited(
                db.session, secret_box(), utcnow() + timedelta(minutes=1), (2.0, 2.0)
            )
        ),
    )
    assert activated == [0]
    customer = db.session.get(Customer, customer.id)
    assert (customer.sinno_status, customer.sinno_customer_id) == ("not_activated", None)
    assert customer.sinno_active_at is None


def test_a_check_does_not_undo_a_log_in_made_meanwhile(app, s):
    """ "Verbindung prüfen" (or a run) read the interface logged out just before an admin's
    "Anmelden" was committed: the interface stays logged in (the check's "not logged in" was
    merged into the state from before the log-in and written over it)."""
    from app.services import checks, sinno_interface
    from tests.races import Uncommitted, meanwhile

    outcome = sinno_interface.login(
        Uncommitted(db.session), secret_box(), s.service, None, (2.0, 2.0)
    )
    assert outcome.ok  # not committed
    service_id = s.service.id

    def check():
        other = db.session.get(Interface, service_id)
        checks.check_one(db.session, secret_box(), other)

    meanwhile(app, check)
    service = db.session.get(Interface, service_id)
    assert sinno_interface.is_logged_in(service) and service.state["since"]


def test_a_check_finding_the_session_ended_at_the_service_stores_logged_out(s, sinno_sim):
    from app.services import checks, sinno_interface

    assert sinno_interface.login(db.session, secret_box(), s.service, None, (2.0, 2.0)).ok
    sinno_sim.state.logout("4711")  # e.g. logged out from another installation
    result = checks.check_one(db.session, secret_box(), s.service)
    db.session.expire_all()
    service = db.session.get(Interface, s.service.id)
    assert not result.ok and service.state["logged_in"] is False
    assert service.state["since"]  # the rest of the state is kept


def test_a_token_renewed_while_an_admin_logs_out_is_not_kept(app, s, sinno_sim):
    """A worker's token ran out and it logged in again just as an admin logged out (written,
    not committed yet): the interface stays logged out (the renewal wrote the state from before
    the log-out back, or failed on the token the log-out had removed)."""
    from app.services import sinno_interface
    from tests.races import meanwhile

    assert sinno_interface.login(db.session, secret_box(), s.service, None, (2.0, 2.0)).ok
    service_id = s.service.id
    sinno_sim.state.expire_tokens()
    # The log-out's own write (the service was told before the worker's new log-in).
    sinno_interface.write_secret(secret_box(), s.service, "session_token", None)
    s.service.state = dict(s.service.state, logged_in=False)
    db.session.flush()  # not committed

    def renew():
        other = db.session.get(Interface, service_id)
        with sinno_interface.client_for(db.session, secret_box(), other, (2.0, 2.0)) as client:
            client.list_messages()  # token expired: renewed
        db.session.commit()

    meanwhile(app, renew)
    service = db.session.get(Interface, service_id)
    assert not sinno_interface.is_logged_in(service) and service.state["logged_in"] is False


def test_setup_sheet_has_a_local_qr_code_and_never_the_code(s, portal, sinno_sim):
    customer = s.customer()
    portal.login("admin")
    log_in(portal, s)
    assert portal.get(f"/sinno/customers/{customer.id}/sheet").status_code == 404
    activate(portal, customer)
    worker().run_once()
    html = portal.get(f"/sinno/customers/{customer.id}/sheet").get_data(as_text=True)
    code = sinno_sim.state.public_customers()[0]["identification_code"]
    assert "<svg" in html and "Identifikationscode" in html and "Mitte" in html
    assert "/app/4711?customer=SC-000001" in html and code not in html


def test_the_kunden_id_cannot_be_changed_by_a_form(s, portal):
    customer = s.customer(sinno_status="invited", sinno_customer_id="SC-4711")
    portal.login("employee")
    form = portal.get(f"/customers/{customer.id}/edit").get_data(as_text=True)
    assert "sinno_customer_id" not in form and "sinno_status" not in form
    portal.post(
        f"/customers/{customer.id}/edit",
        data={
            "first_name": "Erika",
            "last_name": "Mustermann",
            "mobile": "+49 171 2345678",
            "email": "erika@example.com",
            "branch_id": str(s.branch.id),
            "language": "de",
            "salutation": "",
            "sinno_customer_id": "HACKED",
            "sinno_status": "active",
        },
    )
    db.session.refresh(customer)
    assert customer.sinno_customer_id == "SC-4711" and customer.sinno_status == "invited"


def test_customer_list_filters_by_app_state(s, portal):
    s.customer(
        last_name="Aktiv",
        number="K-1",
        sinno_status="active",
        sinno_customer_id="SC-1",
        mobile=None,
        email=None,
    )
    s.customer(
        last_name="Eingeladen", number="K-2", sinno_status="invited", mobile=None, email=None
    )
    s.customer(last_name="Ohne", number="K-3", mobile=None, email=None)
    portal.login("employee")
    html = portal.get("/customers/?app=active").get_data(as_text=True)
    assert "Aktiv" in html and "Eingeladen" not in html and "Ohne" not in html
    html = portal.get("/customers/?app=not_activated", htmx=True).get_data(as_text=True)
    assert "Ohne" in html and "Aktiv" not in html
    page = portal.get("/customers/").get_data(as_text=True)
    assert 'id="customer-app"' in page


# ---- command line and demo ----------------------------------------------------------------------


def test_sinno_login_command_logs_in_once(s, runner, sinno_sim):
    result = runner.invoke(args=["sinno", "login", "SiNNO App"])
    assert result.exit_code == 0 and "Angemeldet bei Demo-Optik" in result.output
    again = runner.invoke(args=["sinno", "login", "SiNNO App"])
    assert "already logged in" in again.output
    sinno_sim.state.reset()  # a restarted simulator forgets its sessions
    third = runner.invoke(args=["sinno", "login", "SiNNO App"])
    assert "Angemeldet" in third.output and sinno_sim.state.snapshot()["companies"][0]["logged_in"]
    assert runner.invoke(args=["sinno", "login", "Nope"]).exit_code != 0


def test_demo_has_a_sinno_interface_ready_to_log_in(app, runner):
    from app.models import Interface
    from app.services import sinno_interface

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    service = db.session.scalar(sa.select(Interface).where(Interface.type_key == "sinno_app"))
    assert service.settings["server"] == "http://127.0.0.1:8026/v1" and service.client_side
    assert (
        service.branch.number == "01"
        and sinno_interface.branches_without_email(db.session, service) == []
    )
    assert db.session.scalar(
        sa.select(Interface).where(Interface.type_key == "sinno_chat")
    ).server_side


def test_connection_check_reads_the_session_without_changing_it(s, portal, sinno_sim):
    from types import SimpleNamespace

    from app.services import sinno_interface

    def target():
        db.session.refresh(s.service)
        token = read_secret(secret_box(), s.service, "session_token")
        return SimpleNamespace(
            settings=s.service.settings,
            state=s.service.state,
            secrets={"session_token": token} if token else {},
            timeouts=(2, 2),
        )

    assert sinno_interface.check_connection(target())["state"] == {"logged_in": False}
    portal.login("admin")
    log_in(portal, s)
    result = sinno_interface.check_connection(target())
    assert result["ok"] and "Angemeldet" in str(result["message"]) and result["state"]["logged_in"]
    assert sinno_interface.logged_in_interfaces(db.session) == [s.service]
    sinno_sim.state.set_faults(status=503, times=1)
    failed = sinno_interface.check_connection(target())
    assert not failed["ok"] and "Wartung" in str(failed["message"])
    sinno_sim.state.logout("4711")
    gone = sinno_interface.check_connection(target())
    assert not gone["ok"] and gone["state"] == {"logged_in": False}
    token = read_secret(secret_box(), s.service, "session_token")
    assert all(token not in str(v) for v in (result, failed, gone))
    assert [r["path"] for r in sinno_sim.state.requests].count("/v1/auth/login") == 1


def test_an_error_stored_by_the_worker_reads_in_english(s, portal, sinno_sim):
    """The worker (German, no request) stores the SiNNO error language-neutral; an English reader
    sees it in English on the customer page and in the service's history."""
    from tests.factories import make_user

    customer = s.customer()
    portal.login("admin")
    log_in(portal, s)
    activate(portal, customer)
    sinno_sim.state.set_faults(status=429, retry_after=600)
    worker().run_once()
    raw = db.session.execute(
        sa.text("SELECT sinno_error FROM customers WHERE id = :i"), {"i": customer.id}
    ).scalar_one()
    assert raw.startswith('{"t":"%(error)s Bitte in %(seconds)d Sekunden') and "Please" not in raw
    make_user("admin", username="admin-en", locale="en")
    db.session.commit()
    portal.logout()
    portal.login("admin", username="admin-en")
    page = portal.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "The SiNNO service is busy. Please try again in 600 seconds." in page
    assert "Sekunden" not in page and "ausgelastet" not in page
    history = portal.get(f"/interfaces/{s.service.id}/history").get_data(as_text=True)
    assert "Please try again in 600 seconds." in history and "Sekunden" not in history


@pytest.mark.parametrize("status", ["queued", "failed", "cancelled"])
def test_an_unsent_code_sms_never_shows_the_code_on_a_page(s, portal, status):
    """The text is kept for sending (and "erneut senden"); pages show it masked."""
    customer = s.customer()
    code = "K7QX-93ZB"
    db.session.add(
        SmsMessage(
            kind=sinno_customers.SMS_KIND,
            status=status,
            to_number="491712345678",
            text=f"Ihr Identifikationscode für die SiNNO-App von Mitte: {code} – bitte eingeben.",
            customer_id=customer.id,
            interface_id=s.sms.id,
            error="Gateway nicht erreichbar" if status == "failed" else None,
        )
    )
    db.session.commit()
    pages = {"helpdesk": ["/outbox/", f"/outbox/?status={status}"], "employee": []}
    pages["employee"] = [f"/customers/{customer.id}"]
    pages["admin"] = pages["helpdesk"] + pages["employee"]
    for role, urls in pages.items():
        portal.login(role)
        for url in urls:
            for htmx in (False, True):
                resp = portal.get(url, htmx=htmx)
                html = resp.get_data(as_text=True)
                assert resp.status_code == 200, (role, url)
                assert "Identifikationscode" in html and code not in html, (role, url, htmx)
                assert "••••-••••" in html
        portal.logout()
