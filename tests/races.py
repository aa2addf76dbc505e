"""Deterministic races: this test's transaction holds a change while another one reads and writes.

The technique of `test_two_workers_seeing_the_same_change_alert_once`: the test's session changes
but does not commit; a thread in its own app context reads (before the commit) and tries to write
(its write waits for the test's transaction, on SQLite and PostgreSQL); then the test commits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.extensions import db


class Uncommitted:
    """A session whose commits only flush: a service's change written, its commit still to come
    (e.g. a worker's claim, which commits inside the service)."""

    def __init__(self, session):
        self._session = session

    def commit(self) -> None:
        self._session.flush()

    def __getattr__(self, name):
        return getattr(self._session, name)


def meanwhile(app, other: Callable[[], None]) -> None:
    """Run `other` on a thread while the test's change is not committed, then commit and wait."""
    errors: list[Exception] = []

    def run() -> None:
        with app.app_context():
            try:
                other()
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(1.0)  # it has read; its write now waits for this transaction (or it is done)
    db.session.commit()
    thread.join(10)
    assert not errors, errors
    assert not thread.is_alive()
    db.session.expire_all()
