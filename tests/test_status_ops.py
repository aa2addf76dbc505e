"""Status operations: helpdesk's reach, health endpoints, alerts, the worker's schedule, diagnostics."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.routing import Rule

from app.blueprints.auth.decorators import ACCESS_ATTR, PUBLIC
from app.extensions import db, secret_box
from app.models import InterfaceEvent, SmsMessage, StatusIncident, WorkerHeartbeat
from app.models.base import utcnow
from app.services import alerts, checks, health
from app.services.demo import simulator_sms_settings
from app.services.interfaces import record_event
from app.services.worker import Worker
from tests.factories import make_interface
from tests.sim_fixtures import SIM_PASSWORD, SIM_TOKEN, SIM_USERNAME

# Actions helpdesk may take: read-only checks, and its own session and language.
HELPDESK_MAY_POST = {
    "auth.login",
    "auth.logout",
    "auth.language",
    "interfaces.balance",
    "status.check",
    "status.check_all",
    # Mein Bereich (issue 15): every user's own profile, password, preferences and
    # notifications; nothing of an interface, nothing of anyone else.
    "account.update_profile",
    "account.change_password",
    "account.update_preferences",
    "notifications.mark_read",
    "notifications.mark_all_read",
}


@pytest.fixture
def app_config(app_config):
    app_config.SMS_TIMEOUTS = (2.0, 2.0)
    return app_config


def sim_interface(sim, name="SMS Sim", settings=None, secrets=None, **kw):
    return make_interface(
        name=name,
        settings=simulator_sms_settings(sim.url + "/", **(settings or {})),
        secrets=secrets or {"token": SIM_TOKEN},
        **kw,
    )


# ---- helpdesk ----------------------------------------------------------------------------------


def _helpdesk_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        access = getattr(app.view_functions[rule.endpoint], ACCESS_ATTR)
        if access is PUBLIC or "helpdesk" in access:
            yield rule, access


def _build(rule: Rule, interface_id: int) -> str:
    values = {arg: interface_id if arg == "interface_id" else 1 for arg in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def test_helpdesk_can_change_nothing_but_run_checks(app):
    posting = {
        rule.endpoint
        for rule, _ in _helpdesk_routes(app)
        if rule.methods - {"GET", "HEAD", "OPTIONS"}
    }
    assert posting <= HELPDESK_MAY_POST, posting - HELPDESK_MAY_POST


def test_helpdesk_never_sees_a_secret_anywhere(app, portal, smsapi_sim):
    token, password = "PLANTED-token-Zq9xW4", "PLANTED-pass-Kx7vB2"
    with_token = sim_interface(smsapi_sim, name="Mit Token", secrets={"token": token})
    make_interface(
        name="Mit Passwort",
        settings=simulator_sms_settings("", auth_mode="password", username="demo"),
        secrets={"password": password},
    )
    db.session.commit()
    portal.login("helpdesk")
    seen = 0
    for rule, _ in _helpdesk_routes(app):
        if "GET" not in rule.methods:
            continue
        for interface_id in (with_token.id, with_token.id + 1):
            resp = portal.get(_build(rule, interface_id))
            body = resp.get_data()
            assert token.encode() not in body and password.encode() not in body, rule.rule
            seen += resp.status_code == 200
    assert seen > 10
    # The reveal is not among helpdesk's routes at all.
    assert portal.post(f"/interfaces/{with_token.id}/secrets/token/reveal").status_code == 403


# ---- health ------------------------------------------------------------------------------------


def test_healthz_answers_without_log_in(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}
    assert resp.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_with_a_fresh_heartbeat(app, client):
    health.beat(db.session, "test-worker")
    resp = client.get("/readyz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ready"}


@pytest.mark.parametrize("age", [None, timedelta(minutes=6)])
def test_readyz_fails_without_a_recent_heartbeat(app, client, age):
    if age is not None:
        health.beat(db.session, "old-worker", utcnow() - age)
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "not ready", "failed": ["worker"]}


def test_readyz_fails_when_migrations_are_not_at_head(app, client):
    health.beat(db.session, "test-worker")
    with db.engine.begin() as conn:
        head = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'c7d8e9f0a1b2'"))
    try:
        resp = client.get("/readyz")
        assert resp.status_code == 503 and resp.get_json()["failed"] == ["migrations"]
    finally:
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": head})


def test_readyz_fails_when_the_database_is_unreachable(tmp_path, closed_port_url):
    from app import create_app
    from tests.conftest import make_config

    port = closed_port_url.rsplit(":", 1)[1]
    for url in (
        f"sqlite:///{tmp_path}/missing/dir/portal.db",
        f"postgresql+psycopg://portal@127.0.0.1:{port}/portal?connect_timeout=2",
    ):
        broken = create_app(make_config(url))
        resp = broken.test_client().get("/readyz")
        assert resp.status_code == 503, url
        assert resp.get_json() == {"status": "not ready", "failed": ["database"]}
        assert "127.0.0.1" not in resp.get_data(as_text=True)


# ---- alerts ------------------------------------------------------------------------------------


def _incidents(kind=None):
    stmt = sa.select(StatusIncident).order_by(StatusIncident.id)
    if kind:
        stmt = stmt.where(StatusIncident.kind == kind)
    return db.session.scalars(stmt).all()


def test_a_failing_check_alerts_once_and_again_on_recovery(app, portal, smsapi_sim, caplog):
    interface = sim_interface(smsapi_sim)
    db.session.commit()
    smsapi_sim.state.set_faults(status=503)
    for _ in range(3):
        checks.check_one(db.session, secret_box(), interface)
    assert [(i.kind, i.resolved_at) for i in _incidents()] == [("check", None)]
    assert [r.message for r in caplog.records if r.name == "app.services.alerts"] == [
        f"Alert check: interface {interface.id} (SMS Sim) failing: {interface.last_error}"
    ]
    portal.login("helpdesk")
    board = portal.get("/status/").get_data(as_text=True)
    assert 'class="banner-alert" data-kind="check"' in board
    smsapi_sim.state.set_faults()
    checks.check_one(db.session, secret_box(), interface)
    checks.check_one(db.session, secret_box(), interface)
    (incident,) = _incidents()
    assert incident.resolved_at is not None
    assert sum("recovered" in r.message for r in caplog.records) == 1
    board = portal.get("/status/").get_data(as_text=True)
    assert 'class="banner-recovered" data-kind="check"' in board
    # What it was, marked as over: not read as a current fault.
    assert "<strong>Verbindung gestört (behoben):</strong>" in board
    smsapi_sim.state.set_faults(status=503)
    checks.check_one(db.session, secret_box(), interface)
    assert len(_incidents()) == 2  # a new incident


def test_an_open_incident_says_what_fails_now(app, portal, smsapi_sim):
    """The banner's line of a lasting outage follows the latest failure's reason (the time it
    began stays; nobody is alerted a second time)."""
    from app.models import Notification

    portal.login("admin")
    interface = sim_interface(smsapi_sim)
    db.session.commit()
    smsapi_sim.state.set_faults(status=503)
    checks.check_one(db.session, secret_box(), interface)
    first = str(interface.last_error)
    smsapi_sim.state.set_faults(status=401)
    checks.check_one(db.session, secret_box(), interface)
    now = str(interface.last_error)
    assert now != first
    (incident,) = _incidents()
    db.session.refresh(incident)
    assert incident.resolved_at is None and str(incident.message) == now
    board = portal.get("/status/").get_data(as_text=True)
    banner = board.split('class="banner-alert" data-kind="check"', 1)[1].split("</li>", 1)[0]
    assert now in banner and first not in banner
    alerts_sent = sa.select(Notification.params).where(Notification.event == "interface_alert")
    assert [p["recovered"] for p in db.session.scalars(alerts_sent)] == [False]


def test_a_credit_under_the_threshold_alerts_once(app, smsapi_sim):
    smsapi_sim.state.set_points(SIM_USERNAME, 5)
    interface = sim_interface(smsapi_sim, settings={"low_balance": 10})
    db.session.commit()
    checks.check_one(db.session, secret_box(), interface)
    checks.check_one(db.session, secret_box(), interface)
    (incident,) = _incidents("balance")
    assert incident.resolved_at is None
    assert incident.message.render("de") == "Guthaben 5,00 Punkte unter der Warnschwelle 10,00"
    smsapi_sim.state.set_points(SIM_USERNAME, 50)
    checks.check_one(db.session, secret_box(), interface)
    assert _incidents("balance")[0].resolved_at is not None


def test_sms_failing_repeatedly_alerts_once(app):
    interface = make_interface(name="SMS Ausfall")
    now = utcnow()
    for minutes in (30, 20, 10):
        db.session.add(
            SmsMessage(
                kind="customer",
                status="failed",
                interface_id=interface.id,
                to_number="491711234567",
                text="x",
                error="Zugangsdaten falsch",
                created_at=now - timedelta(minutes=minutes),
                claimed_at=now - timedelta(minutes=minutes),
            )
        )
    db.session.commit()
    alerts.sweep(db.session, now - timedelta(hours=1), now)
    alerts.sweep(db.session, now - timedelta(hours=1), now)
    (incident,) = _incidents("sms")
    assert "Zugangsdaten falsch" in str(incident.message)
    db.session.add(
        SmsMessage(
            kind="customer",
            status="sent",
            interface_id=interface.id,
            to_number="1",
            text="x",
            created_at=now,
            sent_at=now,
            claimed_at=now,
        )
    )
    db.session.commit()
    alerts.sweep(db.session, now - timedelta(minutes=1), now)
    assert _incidents("sms")[0].resolved_at is not None


# ---- the worker --------------------------------------------------------------------------------


def test_worker_checks_on_schedule_and_beats(app, smsapi_sim):
    interface = sim_interface(smsapi_sim)
    planned = sim_interface(smsapi_sim, name="Geplant", start_date=date.today() + timedelta(days=3))
    db.session.commit()
    clock = [utcnow()]
    worker = Worker(
        db.session,
        secret_box(),
        "Europe/Berlin",
        timeouts=(2.0, 2.0),
        clock=lambda: clock[0],
        check_interval=timedelta(minutes=15),
    )

    def check_events(i):
        return db.session.scalars(
            sa.select(InterfaceEvent).where(
                InterfaceEvent.interface_id == i.id, InterfaceEvent.action == "check"
            )
        ).all()

    assert worker.run_once()["checked"] == 1
    (event,) = check_events(interface)
    assert event.ok and event.actor_name == "Automatische Prüfung"
    assert check_events(planned) == []
    assert db.session.get(WorkerHeartbeat, worker.name).beat_at == clock[0]
    clock[0] += timedelta(minutes=5)
    assert worker.run_once()["checked"] == 0
    clock[0] += timedelta(minutes=11)
    assert worker.run_once()["checked"] == 1
    assert len(check_events(interface)) == 2


def test_the_worker_keeps_running_while_the_database_is_unreachable(closed_port_url, caplog):
    """A database restart must not end the worker: systemd would give up after a few restarts."""
    from app import create_app
    from tests.conftest import make_config

    port = closed_port_url.rsplit(":", 1)[1]
    broken = create_app(
        make_config(f"postgresql+psycopg://portal@127.0.0.1:{port}/portal?connect_timeout=2")
    )
    with broken.app_context():
        passes = []
        worker = Worker(db.session, secret_box(), "Europe/Berlin", timeouts=(1.0, 1.0))

        def clock():
            passes.append(1)
            if len(passes) >= 3:
                worker.stop()
            return utcnow()

        worker.clock = clock
        worker.run_forever(poll_seconds=0)
    assert len(passes) >= 3
    assert "Worker pass failed" in caplog.text


# ---- diagnostics and where used -----------------------------------------------------------------


def test_diagnostics_redact_every_secret_and_contact(app, portal):
    planted = {
        "password": "Geheim-Passwort-7Qx!",
        "token": "tok_ZZ9-very-secret-Qm4",
        "session": "sess-4f0c9a1b7e2d",
        "phone": "+49 171 9876543",
        "email": "kundin.meier@example.org",
        "username": "api-user-31337",
    }
    interface = make_interface(
        name="SMS Diagnose",
        settings=simulator_sms_settings(
            "", auth_mode="password", username=planted["username"], sender="491719876543"
        ),
        secrets={"password": planted["password"]},
        state={
            "session_token": planted["session"],
            "logged_in": True,
            "gateway_session": planted["token"],
        },
    )
    record_event(
        db.session,
        interface,
        "test_sms",
        None,
        message=f"SMS an {planted['phone']} gesendet; Kopie an {planted['email']} ({planted['token']})",
    )
    record_event(
        db.session,
        interface,
        "updated",
        None,
        changes=[
            {"field": "password", "secret": True},
            {"field": "username", "old": "alt", "new": planted["username"]},
        ],
    )
    db.session.commit()
    portal.login("helpdesk")
    resp = portal.get(f"/status/{interface.id}/diagnostics")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == (
        f"attachment; filename*=UTF-8''diagnose-schnittstelle-{interface.id}.json"
    )
    body = resp.get_data()
    for value in planted.values():
        assert value.encode() not in body, value
    assert b"9876543" not in body and b"kundin.meier" not in body
    doc = json.loads(body)
    assert doc["interface"]["type"] == "smsapi" and doc["status"]["state"] == "logged_in"
    assert len(doc["history"]) == 2 and doc["secrets_set"] == ["password"]
    assert doc["settings"]["auth_mode"] == "password"


def test_where_used_on_the_page_and_in_the_delete_dialog(app, portal):
    interface = make_interface(name="SMS Ausgang", client_side=True)
    for _ in range(2):
        db.session.add(
            SmsMessage(
                kind="customer",
                status="queued",
                interface_id=interface.id,
                to_number="491711234567",
                text="x",
            )
        )
    unused = make_interface(name="SMS unbenutzt", server_side=False, client_side=True)
    db.session.commit()
    portal.login("admin")
    text = "2 SMS warten im Ausgang auf den Versand über diese Schnittstelle."
    assert text in portal.get(f"/interfaces/{interface.id}").get_data(as_text=True)
    assert text in portal.get(f"/interfaces/{interface.id}/delete", htmx=True).get_data(
        as_text=True
    )
    assert text in portal.get(f"/status/{interface.id}").get_data(as_text=True)
    assert "Wird derzeit nirgends verwendet." in portal.get(f"/interfaces/{unused.id}").get_data(
        as_text=True
    )


def test_password_interface_check_uses_the_password(app, smsapi_sim):
    interface = make_interface(
        name="SMS PW",
        settings=simulator_sms_settings(
            smsapi_sim.url + "/", auth_mode="password", username=SIM_USERNAME
        ),
        secrets={"password": SIM_PASSWORD},
    )
    db.session.commit()
    result = checks.check_one(db.session, secret_box(), interface)
    assert result.ok and result.balance == 100.0


def test_alerts_reach_the_admins_notifications_once_per_incident_and_on_recovery(
    app, portal, smsapi_sim
):
    from app.models import Notification

    portal.login("admin")
    interface = sim_interface(smsapi_sim)
    db.session.commit()

    def alerts_of_admin():
        return db.session.scalars(
            sa.select(Notification)
            .where(Notification.event == "interface_alert")
            .order_by(Notification.id)
        ).all()

    smsapi_sim.state.set_faults(status=503)
    for _ in range(3):
        checks.check_one(db.session, secret_box(), interface)
    db.session.commit()
    assert [n.params["recovered"] for n in alerts_of_admin()] == [False]
    page = portal.get("/notifications/").get_data(as_text=True)
    assert "Störung einer Schnittstelle" in page and "SMS Sim:" in page

    smsapi_sim.state.set_faults()
    for _ in range(2):
        checks.check_one(db.session, secret_box(), interface)
    db.session.commit()
    assert [n.params["recovered"] for n in alerts_of_admin()] == [False, True]
    assert "SMS Sim arbeitet wieder" in portal.get("/notifications/").get_data(as_text=True)


@pytest.mark.parametrize("recovering", [False, True], ids=["opening", "recovering"])
def test_two_workers_seeing_the_same_change_alert_once(app, recovering):
    """Two workers (or a worker and "Verbindung prüfen") evaluating the same interface at once:
    the second one's read comes before the first one's commit, so both see the change; one
    incident is opened (or resolved) and the admins are told once."""
    from app.models import Interface, Notification
    from tests.factories import make_user
    from tests.races import meanwhile

    make_user("admin")
    interface = make_interface("smsapi", name="SMS Zwei")
    interface.last_error = "Zeitüberschreitung"
    db.session.commit()
    if recovering:
        alerts.evaluate(db.session, interface)
        interface.last_error = None
        db.session.commit()
    interface_id = interface.id
    mine = alerts.evaluate(db.session, interface)  # this worker's change, not committed yet
    theirs = []

    def other_worker():
        theirs.extend(alerts.evaluate(db.session, db.session.get(Interface, interface_id)))
        db.session.commit()

    meanwhile(app, other_worker)
    assert [e.recovered for e in mine] == [recovering] and theirs == []
    incidents = db.session.scalars(sa.select(StatusIncident)).all()
    assert [(i.kind, i.resolved_at is not None) for i in incidents] == [("check", recovering)]
    told = db.session.scalars(
        sa.select(Notification).where(Notification.event == "interface_alert")
    ).all()
    assert sorted(n.params["recovered"] for n in told) == ([False, True] if recovering else [False])


def test_a_low_credit_reaches_the_admins_as_sms_low_balance(app, portal, smsapi_sim):
    from app.models import Notification

    portal.login("admin")
    smsapi_sim.state.set_points(SIM_USERNAME, 5)
    interface = sim_interface(smsapi_sim, settings={"low_balance": 10})
    db.session.commit()
    checks.check_one(db.session, secret_box(), interface)
    checks.check_one(db.session, secret_box(), interface)
    db.session.commit()
    rows = db.session.scalars(
        sa.select(Notification).where(Notification.event == "sms_low_balance")
    ).all()
    assert len(rows) == 1 and rows[0].params["points"]["n"] == 5.0
    page = portal.get("/notifications/").get_data(as_text=True)
    assert "SMS-Guthaben niedrig" in page and "ist niedrig: 5,00 Punkte." in page


def test_smtp_connection_check_logs_in_without_sending(app, smtp_sim):
    interface = make_interface(
        "email_smtp",
        name="Mail Sim",
        settings={
            "host": "127.0.0.1",
            "port": smtp_sim.port,
            "security": "none",
            "username": "demo",
            "sender": "portal@example.org",
        },
        secrets={"password": "demo-password"},
    )
    db.session.commit()
    ok = checks.check_one(db.session, secret_box(), interface)
    assert ok.ok and "nichts gesendet" in str(ok.message)
    assert smtp_sim.state.messages == [] and [x["username"] for x in smtp_sim.state.logins] == [
        "demo"
    ]
    smtp_sim.state.set_faults(auth=True)
    failed = checks.check_one(db.session, secret_box(), interface)
    db.session.commit()
    assert not failed.ok and "demo-password" not in str(failed.message)
    assert db.session.get(type(interface), interface.id).last_error
    assert smtp_sim.state.messages == []


def test_where_used_counts_the_branches_reminded_through_an_interface_without_a_query_per_branch(
    app, portal
):
    from app.services import usage
    from app.services.interfaces import resolve
    from tests.factories import make_branch, make_workstation

    today = date.today()
    branches = [make_branch() for _ in range(4)]
    make_interface("appointment_reminder", name="Erinnerungen")
    chain = make_interface(name="SMS Kette")
    older_chain = make_interface(name="SMS Kette alt", start_date=date(2019, 1, 1))
    own = make_interface(name="SMS Filiale A", branch_id=branches[0].id)
    later = make_interface(
        name="SMS Filiale B ab morgen", branch_id=branches[1].id, start_date=today + timedelta(1)
    )
    client_only = make_interface(
        name="SMS Filiale C Client", branch_id=branches[2].id, server_side=False, client_side=True
    )
    desk = make_interface(name="SMS Arbeitsplatz", workstation_id=make_workstation(branches[3]).id)
    db.session.commit()

    def by_resolve(interface):  # what each branch's reminders use, branch by branch
        return sum(
            (used := resolve(db.session, "SMS", "server", today, branch_id=b.id)) is not None
            and used.id == interface.id
            for b in branches
        )

    def served(interface):
        found = [u for u in usage.where_used(db.session, interface, today) if u.key == "reminders"]
        return found[0].count if found else 0

    for interface in (chain, older_chain, own, later, client_only, desk):
        assert served(interface) == by_resolve(interface), interface.name
    assert (served(chain), served(own), served(later)) == (3, 1, 0)

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        portal.login("admin")
        sizes = []
        for _ in range(2):
            statements.clear()
            resp = portal.get(f"/interfaces/{chain.id}")
            assert resp.status_code == 200
            assert "Terminerinnerungen von" in resp.get_data(as_text=True)
            sizes.append(len(statements))
            for _ in range(20):  # more branches: the same number of statements
                make_branch()
            db.session.commit()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert sizes[0] == sizes[1], sizes
