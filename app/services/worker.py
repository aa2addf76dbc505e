"""The background worker: hourly reminder planning and outbox delivery, in one loop.

`flask --app wsgi worker` runs it until SIGTERM/SIGINT (the message in flight is finished first);
a pass that fails as a whole (the database restarting) is logged and tried again after the poll
interval. `--once` runs a single pass for cron. Several workers may run at once on PostgreSQL: outbox rows
are claimed with FOR UPDATE SKIP LOCKED and planning takes an advisory lock.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.services import alerts, checks, health, outbox, reminders
from app.services.gateway import Timeouts
from app.services.secrets import SecretBox

log = logging.getLogger(__name__)


@dataclass
class Worker:
    """Runs the due jobs; `stop()` (or SIGTERM) ends it after the message in flight."""

    session: Session
    box: SecretBox
    tz_name: str
    # (connect, read) seconds for the SMS gateway and the status checks; the SiNNO jobs (chat,
    # customer registrations) take `sinno_timeouts`, the same as `timeouts` when not given.
    timeouts: tuple[float, float] | None = None
    sinno_timeouts: tuple[float, float] | None = None
    clock: Callable[[], datetime] = utcnow
    batch: int = 50
    stopping: bool = False
    # Status board: how often each active interface is checked, and how many checks at once.
    check_interval: timedelta = checks.DEFAULT_INTERVAL
    check_concurrency: int = checks.DEFAULT_CONCURRENCY
    name: str = field(default_factory=health.worker_name)
    smtp_timeout: float = 10.0
    # The portal's address for the link in e-mail notifications ("" leaves it out).
    portal_url: str = ""
    chat_sync_seconds: float = 150.0
    pool: outbox.ClientPool = field(init=False)
    alerts_since: datetime | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.sinno_timeouts is None:
            self.sinno_timeouts = self.timeouts
        self.pool = outbox.ClientPool(self.box, self.timeouts)

    def stop(self, *_args) -> None:
        """Ask the worker to stop after the current message."""
        self.stopping = True

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT end the loop gracefully."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run_once(self) -> dict:
        """One pass: plan reminders when an hour has passed, then send every due message."""
        result = {"planned": 0, "sent": 0, "note": ""}
        try:
            report = reminders.plan(self.session, self.tz_name, now=self.clock())
            result["planned"], result["note"] = report.planned, report.note
        except Exception:  # a bad run must not stop the delivery of queued messages
            self.session.rollback()
            log.exception("Planning the reminders failed")
        result["sent"] = outbox.process_due(
            self.session,
            self.pool,
            self.batch,
            now=self.clock,
            should_stop=lambda: self.stopping,
            portal_url=self.portal_url,
        )
        self.run_sinno(result)
        result["mails"] = self.send_mails()
        self.run_chat(result)
        self.beat()
        result["checked"] = self.run_status_checks()
        self.sweep_alerts()
        return result

    def beat(self) -> None:
        """The heartbeat /readyz looks for."""
        try:
            health.beat(self.session, self.name, self.clock())
        except Exception:
            self.session.rollback()
            log.exception("Writing the worker heartbeat failed")

    def run_status_checks(self) -> int:
        """Check the active interfaces not checked within `check_interval`."""
        if self.stopping:
            return 0
        try:
            now = self.clock()
            today = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(self.tz_name)).date()
            tally = checks.run_due(
                self.session,
                self.box,
                today,
                self.check_interval,
                Timeouts(self.timeouts, self.sinno_timeouts, (self.smtp_timeout,) * 2),
                self.check_concurrency,
                now=now,
                portal_url=self.portal_url,
            )
            return tally.done
        except Exception:
            self.session.rollback()
            log.exception("The scheduled interface checks failed")
            return 0

    def sweep_alerts(self) -> None:
        """Open and close alert incidents for what changed since the last pass."""
        try:
            now = self.clock()
            alerts.sweep(
                self.session, self.alerts_since or now - timedelta(hours=1), now, self.portal_url
            )
            self.alerts_since = now
        except Exception:
            self.session.rollback()
            log.exception("Evaluating the alerts failed")

    def run_chat(self, result: dict) -> None:
        """SiNNO-Chat: sync when due, deliver queued replies, report reads to the service."""
        from app.services import chat

        for name, job in (
            (
                "chat_synced",
                lambda: (
                    chat.sync(
                        self.session,
                        self.box,
                        self.clock(),
                        self.chat_sync_seconds,
                        self.sinno_timeouts,
                        self.portal_url,
                    ).stored
                ),
            ),
            (
                "chat_replies",
                lambda: chat.deliver_due(self.session, self.box, self.clock(), self.sinno_timeouts),
            ),
            (
                "chat_reads",
                lambda: chat.report_reads(
                    self.session, self.box, self.clock(), self.sinno_timeouts
                ),
            ),
        ):
            try:
                result[name] = job()
            except Exception:  # one failing job never stops the others
                self.session.rollback()
                log.exception("SiNNO-Chat job %s failed", name)

    def run_sinno(self, result: dict) -> None:
        """SiNNO-App: register pending customers, follow invited ones, mask sent codes."""
        from app.services import sinno_customers

        try:
            result["sinno_registered"] = sinno_customers.run_registrations(
                self.session, self.box, self.clock(), self.sinno_timeouts
            )
            result["sinno_activated"] = sinno_customers.poll_invited(
                self.session, self.box, self.clock(), self.sinno_timeouts
            )
            sinno_customers.redact_sent_codes(self.session)
        except Exception:  # one failing job never stops the others
            self.session.rollback()
            log.exception("SiNNO-App customer jobs failed")

    def send_mails(self) -> int:
        """The e-mail outbox (notifications); its own job, so a failure stops nothing else."""
        from app.services import mail

        try:
            return mail.process_due(
                self.session,
                self.box,
                self.smtp_timeout,
                now=self.clock,
                should_stop=lambda: self.stopping,
            )
        except Exception:
            self.session.rollback()
            log.exception("Sending the e-mail outbox failed")
            return 0

    def run_forever(self, poll_seconds: float = 5.0) -> None:
        """Loop until stopped; sleep a little between passes, also after a failed one."""
        log.info("Worker started")
        try:
            while not self.stopping:
                try:
                    result = self.run_once()
                except Exception:  # e.g. the database restarting: try again, never exit
                    self.session.rollback()
                    log.exception("Worker pass failed; trying again in %s s", poll_seconds)
                    result = {"planned": 0, "sent": 0}
                if result["planned"] or result["sent"]:
                    log.info(
                        "Worker pass: %(planned)d reminder(s) planned, %(sent)d SMS sent", result
                    )
                waited = 0.0
                while waited < poll_seconds and not self.stopping:
                    time.sleep(0.2)
                    waited += 0.2
        finally:
            self.pool.close()
            log.info("Worker stopped")
