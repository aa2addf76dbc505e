"""htmx wiring: saves that stay on the page swap in place and tell the list; every HX header
comes from app/htmx.py; boosted and history-restore requests get the whole page."""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.models import Interface
from app.services.demo import simulator_sms_settings
from tests.factories import make_interface
from tests.sim_fixtures import SIM_TOKEN


@pytest.fixture
def app_config(app_config):
    app_config.SMS_TIMEOUTS = (2.0, 2.0)
    return app_config


def _events(resp) -> dict:
    return json.loads(resp.headers.get("HX-Trigger") or "{}")


def test_protect_in_place_swaps_the_detail_and_tells_the_list(app, portal):
    interface = make_interface(name="SMS Zentrale")
    db.session.commit()
    portal.login("admin")
    resp = portal.post(f"/interfaces/{interface.id}/protect", htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in html
    assert f'id="interface-detail-{interface.id}"' in html and 'id="unprotect"' in html
    assert '<div id="flash" hx-swap-oob="true">' in html and "ist jetzt geschützt" in html
    assert _events(resp) == {"interface-saved": interface.id}
    assert "HX-Request" in resp.headers["Vary"] and "HX-Redirect" not in resp.headers
    assert db.session.get(Interface, interface.id).protected

    resp = portal.post(f"/interfaces/{interface.id}/unprotect", htmx=True)
    assert 'id="protect"' in resp.get_data(as_text=True)
    assert _events(resp) == {"interface-saved": interface.id}
    assert not db.session.get(Interface, interface.id).protected


def test_protect_without_javascript_loads_the_page_again(app, portal):
    interface = make_interface(name="SMS Zentrale")
    db.session.commit()
    portal.login("admin")
    resp = portal.post(f"/interfaces/{interface.id}/protect")
    assert resp.status_code == 302 and resp.headers["Location"] == f"/interfaces/{interface.id}"
    assert "ist jetzt geschützt" in portal.get(resp.headers["Location"]).get_data(as_text=True)


def test_detail_and_list_listen_for_the_event(app, portal):
    """The list refreshes itself on `interface-saved`; the protect form posts with htmx in place."""
    interface = make_interface(name="SMS Zentrale")
    db.session.commit()
    portal.login("admin")
    page = portal.get("/interfaces/").get_data(as_text=True)
    assert 'hx-trigger="interface-saved from:body"' in page
    detail = portal.get(f"/interfaces/{interface.id}", htmx=True).get_data(as_text=True)
    assert f'hx-post="/interfaces/{interface.id}/protect" hx-target="closest article"' in detail


@pytest.mark.parametrize(
    "headers, whole_page",
    [
        ({"HX-Request": "true"}, False),
        ({"HX-Request": "true", "HX-Boosted": "true"}, True),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, True),
        ({}, True),
    ],
)
def test_boosted_and_history_restore_requests_get_the_whole_page(app, portal, headers, whole_page):
    interface = make_interface(name="SMS Zentrale")
    db.session.commit()
    portal.login("admin")
    for url in (f"/interfaces/{interface.id}", "/interfaces/"):
        resp = portal.client.get(url, headers=headers)
        assert resp.status_code == 200 and ("<html" in resp.get_data(as_text=True)) is whole_page, (
            url
        )
        assert "HX-Request" in resp.headers["Vary"]


def test_balance_and_test_sms_tell_history_and_list(app, portal, smsapi_sim):
    interface = make_interface(
        name="SMS Sim",
        settings=simulator_sms_settings(smsapi_sim.url + "/"),
        secrets={"token": SIM_TOKEN},
    )
    db.session.commit()
    portal.login("admin")
    resp = portal.post(f"/interfaces/{interface.id}/balance", htmx=True)
    assert resp.status_code == 200 and 'id="balance-value"' in resp.get_data(as_text=True)
    assert _events(resp) == {"interface-history": interface.id, "interface-saved": interface.id}
    resp = portal.post(
        f"/interfaces/{interface.id}/test-sms/send",
        {"text": "Hallo", "number": "0171 2345678"},
        htmx=True,
    )
    assert resp.status_code == 200 and 'id="result-parts"' in resp.get_data(as_text=True)
    assert _events(resp) == {"interface-history": interface.id, "interface-saved": interface.id}
    # Without htmx the balance lands on the page as a message.
    resp = portal.post(f"/interfaces/{interface.id}/balance")
    assert resp.status_code == 302 and "Punkte" in portal.get(resp.headers["Location"]).get_data(
        as_text=True
    )


def test_session_ended_during_htmx_sends_to_the_login_with_the_page_to_return_to(app, portal):
    interface = make_interface(name="SMS Zentrale")
    db.session.commit()
    resp = portal.client.get(
        f"/interfaces/{interface.id}",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/interfaces/?q=sms"},
    )
    assert (
        resp.status_code == 401
        and resp.headers["HX-Redirect"] == "/login?next=/interfaces/?q%3Dsms"
    )


def test_reminder_run_in_place_reports_and_tells_the_list(app, portal):
    interface = make_interface("appointment_reminder", name="Erinnerung", server_side=True)
    db.session.commit()
    portal.login("admin")
    resp = portal.post(f"/interfaces/{interface.id}/reminders/run", htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and f'id="interface-detail-{interface.id}"' in html
    assert '<div id="flash" hx-swap-oob="true">' in html and 'id="reminder-last-run"' in html
    assert _events(resp) == {"interface-saved": interface.id}
