"""Issue 13, finding 3: two installations sharing one SMSAPI account never collide on `idx`.

A staging copy, a restored backup or a SQLite-to-PostgreSQL move may send through the same
account. Each SMS carries a random idx, so the gateway's duplicate check (error 53) only ever
stops a real resend of the same message; a 53 on a message's first attempt is a failure to
investigate, never "sent".
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db, secret_box
from app.models import SmsMessage
from app.models.base import utcnow
from app.services import outbox, sms
from app.services.demo import simulator_sms_settings
from tests.conftest import make_config
from tests.factories import make_interface
from tests.sim_fixtures import SIM_TOKEN, SIM_USERNAME

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


def _send_first_sms(sim, text: str) -> tuple[str, str]:
    """In the current installation: a new SMS interface and its first test SMS; (status, idx)."""
    interface = make_interface(
        name="SMS", settings=simulator_sms_settings(sim.url + "/"), secrets={"token": SIM_TOKEN}
    )
    db.session.commit()
    prepared = sms.prepare(interface, "0171 2345678", text)
    message = sms.send_now(
        db.session, secret_box(), interface, prepared, "test", timeouts=(2.0, 2.0)
    )
    return message.status, message.idx


@pytest.fixture
def second_installation(tmp_path):
    """Another installation: its own (SQLite) database, its own keys, the same gateway account."""
    other = create_app(make_config(f"sqlite:///{tmp_path / 'staging.db'}"))
    with other.app_context():
        upgrade(directory=MIGRATIONS)
        db.session.remove()
    return other


def test_two_installations_on_one_account_both_send_their_first_sms(
    app, smsapi_sim, second_installation
):
    first_status, first_idx = _send_first_sms(smsapi_sim, "Von der Produktion")
    with second_installation.app_context():
        second_status, second_idx = _send_first_sms(smsapi_sim, "Vom Testsystem")
        row_ids = db.session.scalars(sa.select(SmsMessage.id)).all()
        db.session.remove()
        db.engine.dispose()
    assert row_ids == [1]  # both rows are number 1 in their own database
    assert first_idx != second_idx and len(first_idx) <= 255
    assert (first_status, second_status) == ("sent", "sent")
    received = smsapi_sim.state.messages
    assert [m["message"] for m in received] == ["Von der Produktion", "Vom Testsystem"]
    assert [m["idx"] for m in received] == [first_idx, second_idx]


def test_error_53_on_a_first_attempt_is_a_failure_not_sent(app, smsapi_sim):
    interface = make_interface(
        name="SMS",
        settings=simulator_sms_settings(smsapi_sim.url + "/"),
        secrets={"token": SIM_TOKEN},
    )
    message = SmsMessage(
        kind="reminder",
        interface_id=interface.id,
        to_number="491712345678",
        text="Erinnerung",
        idx="used-elsewhere",
    )
    db.session.add(message)
    db.session.commit()
    # Someone else's message already used this idx on the shared account.
    smsapi_sim.state.account(SIM_USERNAME).used_idx.add("used-elsewhere")
    pool = outbox.ClientPool(secret_box(), (2.0, 2.0))
    try:
        outbox.process_due(db.session, pool, now=utcnow)
    finally:
        pool.close()
    db.session.expire_all()
    row = db.session.get(SmsMessage, message.id)
    assert row.status == "failed" and row.sent_at is None
    assert "Fehler 53" in str(row.error) and "SMSAPI-Konto" in str(row.error)
    assert smsapi_sim.state.messages == []
    assert "53" in str(db.session.get(type(interface), interface.id).last_error or "")


def test_error_53_on_a_retry_still_means_already_sent(app, smsapi_sim):
    interface = make_interface(
        name="SMS",
        settings=simulator_sms_settings(smsapi_sim.url + "/"),
        secrets={"token": SIM_TOKEN},
    )
    message = SmsMessage(
        kind="reminder",
        interface_id=interface.id,
        to_number="491712345678",
        text="Erinnerung",
        attempts=1,
        status="queued",
    )
    db.session.add(message)
    db.session.commit()
    smsapi_sim.state.account(SIM_USERNAME).used_idx.add(message.idx)  # the first attempt went out
    pool = outbox.ClientPool(secret_box(), (2.0, 2.0))
    try:
        outbox.process_due(db.session, pool, now=utcnow)
    finally:
        pool.close()
    db.session.expire_all()
    assert db.session.get(SmsMessage, message.id).status == "sent"
