"""The status board: states from history, filters, failing first, checks, runs, the start pages."""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import CheckRun, InterfaceEvent, SmsMessage
from app.models.base import utcnow
from app.services.demo import simulator_sms_settings
from app.services.interfaces import record_check
from tests.factories import make_branch, make_interface, make_sms
from tests.sim_fixtures import SIM_TOKEN

FUTURE = date.today() + timedelta(days=30)


@pytest.fixture
def app_config(app_config):
    app_config.SMS_TIMEOUTS = (2.0, 2.0)
    return app_config


def sim_interface(sim, name="SMS Sim", **kw):
    settings = simulator_sms_settings(sim.url + "/", **kw.pop("settings", {}))
    return make_interface(name=name, settings=settings, secrets={"token": SIM_TOKEN}, **kw)


def _history(interface, *outcomes):
    """Write check outcomes into the history, oldest first, as the checks do."""
    for ok in outcomes:
        record_check(
            db.session,
            interface,
            "check",
            None,
            ok,
            "Verbindung in Ordnung." if ok else "Zeitüberschreitung beim Gateway.",
        )


def _states(html: str) -> dict[str, str]:
    """Row name -> state, in the board's order."""
    rows = re.findall(
        r'<tr id="status-row-\d+" data-state="(\w+)">\s*<td[^>]*><a [^>]*>([^<]+)</a>', html
    )
    return {name: state for state, name in rows}


@pytest.fixture
def fixtures(app):
    """One interface per state, each reached through its history."""
    planned = make_interface(name="Geplant", start_date=FUTURE)
    failing = make_interface(name="Zuletzt fehlgeschlagen")
    _history(failing, True, False)
    recovered = make_interface(name="Wieder in Ordnung")
    _history(recovered, False, True)
    unchecked = make_interface(name="Nie geprüft")
    logged_in = make_interface("sinno_app", name="App angemeldet", state={"logged_in": True})
    _history(logged_in, True)
    logged_out = make_interface("sinno_app", name="App abgemeldet", state={"logged_in": False})
    planned_failed = make_interface(name="Geplant mit Fehler", start_date=FUTURE)
    _history(planned_failed, False)
    db.session.commit()
    return {
        "planned": planned,
        "error": failing,
        "active": recovered,
        "unchecked": unchecked,
        "logged_in": logged_in,
        "logged_out": logged_out,
    }


def test_every_state_is_computed_from_the_history(fixtures, portal):
    portal.login("helpdesk")
    html = portal.get("/status/").get_data(as_text=True)
    assert _states(html) == {
        "Zuletzt fehlgeschlagen": "error",
        "Geplant mit Fehler": "planned",
        "Geplant": "planned",
        "Wieder in Ordnung": "active",
        "Nie geprüft": "unchecked",
        "App angemeldet": "logged_in",
        "App abgemeldet": "logged_out",
    }
    # Rows with a last error first, whatever their names (a planned one stays "geplant").
    assert list(_states(html))[:2] == ["Geplant mit Fehler", "Zuletzt fehlgeschlagen"]
    assert "Zeitüberschreitung beim Gateway." in html


@pytest.mark.parametrize(
    "state", ["error", "planned", "active", "unchecked", "logged_in", "logged_out"]
)
def test_state_filter_shows_exactly_that_state(fixtures, portal, state):
    portal.login("helpdesk")
    html = portal.get(f"/status/?state={state}").get_data(as_text=True)
    shown = _states(html)
    assert shown and set(shown.values()) == {state}
    assert fixtures[state].name in shown


def test_group_and_branch_filters_are_kept_in_the_refresh_url(app, portal):
    branch = make_branch(name="Nord")
    make_interface(name="SMS Nord", branch_id=branch.id)
    make_interface(name="SMS überall")
    make_interface("sinno_app", name="App Nord", branch_id=branch.id)
    db.session.commit()
    portal.login("admin")
    resp = portal.get(f"/status/?group=SMS&branch={branch.id}", htmx=True)
    html = resp.get_data(as_text=True)
    assert "<html" not in html and "HX-Request" in resp.headers["Vary"]
    assert list(_states(html)) == ["SMS Nord"]
    refresh = re.search(r'id="status-board" hx-get="([^"]+)" hx-trigger="every 30s', html).group(1)
    assert "group=SMS" in refresh and f"branch={branch.id}" in refresh
    page = portal.get(f"/status/?group=SMS&branch={branch.id}").get_data(as_text=True)
    assert re.search(rf'<option value="{branch.id}" selected>', page)


def test_board_shows_sms_of_the_last_day_and_low_balance(app, portal):
    interface = make_interface(
        name="SMS Zähler", settings=simulator_sms_settings("", low_balance=20), balance_points=12.5
    )
    now = utcnow()
    for status, age in (("sent", 1), ("sent", 2), ("failed", 3), ("sent", 30)):
        make_sms(interface, status, at=now - timedelta(hours=age))
    db.session.commit()
    portal.login("helpdesk")
    html = portal.get("/status/").get_data(as_text=True)
    row = re.search(rf'<tr id="status-row-{interface.id}".*?</tr>', html, re.DOTALL).group(0)
    assert '<td>2 / <span class="error-text">1</span></td>' in row
    assert 'class="badge badge-error" title="unter der Warnschwelle 20,00">12,50' in row
    detail = portal.get(f"/status/{interface.id}").get_data(as_text=True)
    assert 'id="sms-chart"' in detail and "3 gesendet, 1 fehlgeschlagen" in detail


def test_check_from_the_board_records_history_and_shows_the_row(app, portal, smsapi_sim):
    interface = sim_interface(smsapi_sim)
    db.session.commit()
    portal.login("helpdesk")
    resp = portal.post(f"/status/{interface.id}/check", {"view": "row"}, htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.strip().startswith(
        f'<tr id="status-row-{interface.id}" data-state="active"'
    )
    assert "Guthaben: 100,00 Punkte" in html
    smsapi_sim.state.set_faults(status=503)
    html = portal.post(f"/status/{interface.id}/check", {"view": "row"}, htmx=True).get_data(
        as_text=True
    )
    assert 'data-state="error"' in html and "Traceback" not in html
    db.session.refresh(interface)
    events = db.session.scalars(
        sa.select(InterfaceEvent)
        .where(InterfaceEvent.interface_id == interface.id, InterfaceEvent.action == "check")
        .order_by(InterfaceEvent.id)
    ).all()
    assert [e.ok for e in events] == [True, False]
    assert events[0].actor_name == "helpdesk-user"
    assert interface.last_error == events[1].message and float(interface.balance_points) == 100.0
    # A check reads; it never sends.
    assert smsapi_sim.state.messages == []


def test_check_without_javascript_redirects_with_a_message(app, portal, smsapi_sim):
    interface = sim_interface(smsapi_sim)
    db.session.commit()
    portal.login("admin")
    resp = portal.post(f"/status/{interface.id}/check")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/status/{interface.id}")
    page = portal.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Verbindung in Ordnung" in page


@pytest.mark.parametrize("role", ["admin", "helpdesk"])
def test_check_from_the_interface_page_updates_its_state_in_place(app, portal, smsapi_sim, role):
    """ "Verbindung prüfen" on the interface's own page: the outcome next to the button, the
    status badge, last error and last check out of band, the history and the list row refreshed."""
    interface = sim_interface(smsapi_sim)
    reminder = make_interface("appointment_reminder", name="Erinnerung")  # nothing to check
    db.session.commit()
    portal.login(role)
    page = portal.get(f"/interfaces/{interface.id}").get_data(as_text=True)
    assert 'id="check-interface"' in page and f'action="/status/{interface.id}/check"' in page
    assert 'id="check-interface"' not in portal.get(f"/interfaces/{reminder.id}").get_data(
        as_text=True
    )
    smsapi_sim.state.set_faults(status=503)
    resp = portal.post(f"/status/{interface.id}/check", {"view": "detail"}, htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'role="alert"' in html and "Traceback" not in html
    assert re.search(r'id="detail-status" hx-swap-oob="true" class="badge badge-error"', html)
    assert 'id="detail-last-error"' in html
    triggers = resp.headers["HX-Trigger"]
    assert "interface-history" in triggers and "interface-saved" in triggers
    smsapi_sim.state.set_faults()
    html = portal.post(f"/status/{interface.id}/check", {"view": "detail"}, htmx=True).get_data(
        as_text=True
    )
    assert "Verbindung in Ordnung" in html and 'class="badge badge-active"' in html
    assert 'id="detail-last-error"' not in html
    events = db.session.scalars(
        sa.select(InterfaceEvent)
        .where(InterfaceEvent.interface_id == interface.id, InterfaceEvent.action == "check")
        .order_by(InterfaceEvent.id)
    ).all()
    assert [(e.ok, e.actor_name) for e in events] == [
        (False, f"{role}-user"),
        (True, f"{role}-user"),
    ]
    assert smsapi_sim.state.messages == []


def test_check_from_the_interface_page_without_javascript_returns_to_it(app, portal, smsapi_sim):
    interface = sim_interface(smsapi_sim)
    db.session.commit()
    portal.login("admin")
    resp = portal.post(f"/status/{interface.id}/check", {"view": "detail"})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/interfaces/{interface.id}")
    assert "Verbindung in Ordnung" in portal.get(resp.headers["Location"]).get_data(as_text=True)


def test_employees_see_no_check_and_cannot_run_one(app, portal, smsapi_sim):
    interface = sim_interface(smsapi_sim)
    db.session.commit()
    portal.login("employee")
    resp = portal.post(f"/status/{interface.id}/check", {"view": "detail"}, htmx=True)
    assert resp.status_code == 403 and smsapi_sim.state.requests == []


def test_check_needs_a_csrf_token(app, portal, smsapi_sim):
    interface = sim_interface(smsapi_sim)
    db.session.commit()
    portal.login("helpdesk")
    assert portal.post(f"/status/{interface.id}/check", csrf=False).status_code == 400
    assert smsapi_sim.state.requests == []


def _wait_for_run(portal, run_id: int) -> str:
    for _ in range(200):
        html = portal.get(f"/status/runs/{run_id}", htmx=True).get_data(as_text=True)
        if "check-run-done" in html:
            return html
        time.sleep(0.05)
    raise AssertionError("the run did not finish")


def test_check_all_checks_every_active_interface_and_reports_progress(app, portal, smsapi_sim):
    interfaces = [sim_interface(smsapi_sim, name=f"SMS {i}") for i in range(5)]
    sim_interface(smsapi_sim, name="SMS geplant", start_date=FUTURE)
    make_interface("appointment_reminder", name="Erinnerung")  # nothing to check
    db.session.commit()
    portal.login("helpdesk")
    resp = portal.post("/status/check-all", htmx=True)
    html = resp.get_data(as_text=True)
    run_id = db.session.scalar(sa.select(CheckRun.id))
    assert f'id="check-run-{run_id}"' in html and "<progress" in html
    done = _wait_for_run(portal, run_id)
    assert "5 von 5 geprüft, 0 mit Fehler" in done
    assert "geplante und solche ohne Verbindungsprüfung zählen nicht mit" in done
    checked = db.session.scalars(
        sa.select(InterfaceEvent.interface_id).where(InterfaceEvent.action == "check")
    ).all()
    assert sorted(checked) == sorted(i.id for i in interfaces)


def test_two_people_clicking_check_all_at_once_start_one_run(app, portal, smsapi_sim):
    """The second "Alle prüfen" looks for a running run before the first one's is committed:
    it is shown the first one's progress instead of checking every interface a second time."""
    from app.services import checks
    from tests.races import Uncommitted, meanwhile

    sim_interface(smsapi_sim)
    db.session.commit()
    portal.login("helpdesk")
    mine, started = checks.start_run(Uncommitted(db.session), date.today())  # not committed
    assert started
    answers = []
    meanwhile(
        app,
        lambda: answers.append(portal.post("/status/check-all", htmx=True).get_data(as_text=True)),
    )
    assert f'id="check-run-{mine.id}"' in answers[0]
    assert db.session.scalars(sa.select(CheckRun.id)).all() == [mine.id]
    assert not db.session.scalars(sa.select(InterfaceEvent.id)).all()  # nothing checked twice


def test_start_pages_show_the_summary(fixtures, portal):
    for role in ("admin", "helpdesk"):
        portal.login(role)
        html = portal.get("/").get_data(as_text=True)
        assert 'id="status-summary"' in html
        assert re.search(r'href="/status/\?state=error" id="summary-error">1<', html)
        assert "Zuletzt fehlgeschlagen" in html and "Zeitüberschreitung beim Gateway." in html
        portal.logout()
    portal.login("employee")
    assert 'id="status-summary"' not in portal.get("/").get_data(as_text=True)


def test_english_reader_sees_the_board_in_english(fixtures, portal):
    portal.login("helpdesk")
    portal.post("/language", {"lang": "en", "next": "/status/"})
    html = portal.get("/status/").get_data(as_text=True)
    assert "Check all" in html and "not checked" in html


def test_demo_board_has_a_failing_and_a_scheduled_interface(app, runner, portal):
    from app.extensions import secret_box  # noqa: F401  (the CLI builds its own)

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    portal.login("helpdesk", username="helpdesk", password="Demo-Helpdesk-2026")
    states = _states(portal.get("/status/").get_data(as_text=True))
    assert states["SMS Altsystem (abgelaufener Schlüssel)"] == "error"
    assert states["SMS Filiale Esslingen (neuer Vertrag)"] == "planned"
    assert list(states)[0] == "SMS Altsystem (abgelaufener Schlüssel)"


def test_check_all_without_javascript_leads_to_the_progress_page(app, portal, smsapi_sim):
    sim_interface(smsapi_sim)
    db.session.commit()
    portal.login("admin")
    resp = portal.post("/status/check-all")
    assert resp.status_code == 302 and re.search(r"/status/runs/\d+$", resp.headers["Location"])
    run_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    done = _wait_for_run(portal, run_id)
    assert "1 von 1 geprüft, 0 mit Fehler" in done
    page = portal.get(resp.headers["Location"]).get_data(as_text=True)
    assert "<html" in page and "1 von 1 geprüft" in page


def test_filter_request_puts_the_short_url_in_the_address_bar(app, portal):
    portal.login("helpdesk")
    resp = portal.get("/status/?state=error&group=&branch=", htmx=True)
    assert resp.headers["HX-Push-Url"] == "/status/?state=error"
    # The self-refresh asks with the short URL already: nothing to push.
    assert "HX-Push-Url" not in portal.get("/status/?state=error", htmx=True).headers


def test_each_check_takes_the_timeouts_of_its_protocol(app, portal, sinno_sim_isolated):
    """A SiNNO check waits SINNO_TIMEOUTS, not SMS_TIMEOUTS: from the board and in the worker."""
    from app.extensions import secret_box
    from app.services.worker import Worker
    from tests.chat_helpers import ChatWorld

    sim = sinno_sim_isolated
    service = ChatWorld(sim).service
    app.config.update(SMS_TIMEOUTS=(5.0, 5.0), SINNO_TIMEOUTS=(0.3, 0.3))
    portal.login("helpdesk")
    sim.state.set_faults(delay=1.0, times=1)
    html = portal.post(f"/status/{service.id}/check", {"view": "row"}, htmx=True).get_data(
        as_text=True
    )
    assert 'data-state="error"' in html
    app.config.update(SMS_TIMEOUTS=(0.3, 0.3), SINNO_TIMEOUTS=(5.0, 5.0))
    sim.state.set_faults(delay=1.0, times=1)
    html = portal.post(f"/status/{service.id}/check", {"view": "row"}, htmx=True).get_data(
        as_text=True
    )
    assert 'data-state="logged_in"' in html and "Angemeldet" in html
    # The worker's scheduled checks: the same rule.
    sim.state.set_faults(delay=1.0, times=1)
    worker = Worker(
        db.session,
        secret_box(),
        "Europe/Berlin",
        timeouts=(5.0, 5.0),
        sinno_timeouts=(0.3, 0.3),
        clock=lambda: utcnow() + timedelta(hours=1),
    )
    assert worker.run_status_checks() == 1
    events = db.session.scalars(
        sa.select(InterfaceEvent)
        .where(InterfaceEvent.interface_id == service.id, InterfaceEvent.action == "check")
        .order_by(InterfaceEvent.id)
    ).all()
    assert [e.ok for e in events] == [False, True, False]


def test_sms_chart_counts_per_hour_in_the_database(app):
    from app.services.status_board import CHART_HOURS, sms_per_hour

    interface = make_interface(name="SMS Diagramm")
    now = datetime(2026, 3, 10, 12, 30)
    start = datetime(2026, 3, 10, 12) - timedelta(hours=CHART_HOURS - 1)
    cases = [  # status, created, sent, claimed (sent by sending time, failed by last attempt)
        ("sent", now - timedelta(hours=2), now - timedelta(hours=1, minutes=50), None),
        ("sent", now - timedelta(hours=2), now - timedelta(hours=1, minutes=10), None),
        ("failed", now - timedelta(hours=30), None, now - timedelta(hours=5)),
        ("sent", start - timedelta(hours=3), start + timedelta(minutes=5), None),  # sent later
        ("sent", start - timedelta(hours=3), start - timedelta(minutes=5), None),  # before chart
        ("queued", now - timedelta(hours=1), None, None),  # not counted
    ]
    for status, created, sent_at, claimed in cases:
        db.session.add(
            SmsMessage(
                kind="customer",
                status=status,
                interface_id=interface.id,
                to_number="491711234567",
                text="x",
                created_at=created,
                sent_at=sent_at,
                claimed_at=claimed,
            )
        )
    interface_id = interface.id
    db.session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        chart = sms_per_hour(db.session, interface_id, now=now)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "GROUP BY" in statements[0], statements
    assert chart.start == start and len(chart.sent) == CHART_HOURS
    last = CHART_HOURS - 1
    assert {i: n for i, n in enumerate(chart.sent) if n} == {0: 1, last - 2: 1, last - 1: 1}
    assert {i: n for i, n in enumerate(chart.failed) if n} == {last - 5: 1}
