"""E-mail through the SMTP interface: test mails, the e-mail outbox and the connection check.

Every mail is a row in `email_messages` committed before the server is called. SMTP has no
idempotency key, so a row found still "sending" after a crash is not sent again (it may have
gone out): it is marked failed with that reason. Temporary faults (refused connection, timeout,
4xx) are retried with back-off; permanent ones (5xx, wrong password) fail at once.
"""

from __future__ import annotations

import html as html_lib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import T_, Text, _, translator_for
from app.models import EmailMessage, Interface
from app.models.base import utcnow
from app.models.notification import MAIL_FAILED, MAIL_QUEUED, MAIL_SENDING, MAIL_SENT
from app.services.interfaces import read_secret, record_check
from app.services.retry import RetryPolicy, claim, sending
from app.services.secrets import SecretBox, SecretError
from app.services.smtp import MailError, SmtpClient, SmtpSettings, build_message

log = logging.getLogger(__name__)

# As the SMS outbox: 1, 2, 4 ... minutes, at most an hour; "sending" for 5 minutes is stale.
RETRY = RetryPolicy()


class MailInputError(ValueError):
    """A bad recipient address; nothing was saved or sent."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def settings_for(
    interface: Interface, box: SecretBox, timeout: float = 10.0, tls_context=None
) -> SmtpSettings:
    """The client settings of an SMTP interface, with its password decrypted."""
    password = read_secret(box, interface, "password")
    return SmtpSettings.of(interface.settings or {}, password, timeout, tls_context)


def check_connection(
    interface: Interface, box: SecretBox, timeout: float = 10.0, language: str | None = None
) -> str | None:
    """Connect, EHLO and log in without sending (for the status board); the error text or None."""
    try:
        SmtpClient(settings_for(interface, box, timeout)).check_connection()
    except MailError as exc:
        return exc.text.render(language) if language else str(exc.text)
    except SecretError:
        return _("Die Zugangsdaten der Schnittstelle können nicht entschlüsselt werden.")
    return None


def check_address(raw: str) -> str:
    """A single, plausible e-mail address, or MailInputError in plain words."""
    from email_validator import EmailNotValidError, validate_email

    address = (raw or "").strip()
    if not address:
        raise MailInputError(_("Bitte geben Sie eine E-Mail-Adresse an."))
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        raise MailInputError(
            _("„%(address)s“ ist keine gültige E-Mail-Adresse.", address=address)
        ) from None


@dataclass(frozen=True)
class Composed:
    """Subject, plain text and HTML of one mail."""

    subject: str
    text: str
    html: str


def compose(
    subject: str,
    paragraphs: Iterable[str],
    link: tuple[str, str] | None = None,
    footer: str = "",
    language: str = "de",
) -> Composed:
    """A plain-text mail and its HTML alternative from the same (already translated) texts;
    `language` is theirs (the HTML's lang, for screen readers and translation offers)."""
    paragraphs = list(paragraphs)
    text_parts = list(paragraphs)
    html_parts = [f"<p>{html_lib.escape(p)}</p>" for p in paragraphs]
    if link:
        label, url = link
        text_parts.append(f"{label}: {url}")
        html_parts.append(
            f'<p><a href="{html_lib.escape(url, quote=True)}">{html_lib.escape(label)}</a></p>'
        )
    if footer:
        text_parts.append("-- \n" + footer)
        html_parts.append(
            f'<hr><p style="color:#666;font-size:small">{html_lib.escape(footer)}</p>'
        )
    body = "\n".join(html_parts)
    html = (
        f'<!DOCTYPE html><html lang="{html_lib.escape(language, quote=True)}"><head>'
        f'<meta charset="utf-8"><title>{html_lib.escape(subject)}'
        f'</title></head><body style="font-family:sans-serif">{body}</body></html>'
    )
    return Composed(subject, "\n\n".join(text_parts) + "\n", html)


def test_mail(language: str) -> Composed:
    """The test mail, in the admin's language."""
    _ = translator_for(language)
    return compose(
        _("Test-E-Mail vom Schnittstellenportal"),
        [
            _(
                "Diese Test-E-Mail bestätigt, dass das Schnittstellenportal über diesen "
                "Mailserver senden kann."
            ),
            _("Sie müssen nichts weiter tun."),
        ],
        footer=_("Schnittstellenportal"),
        language=language,
    )


def queue(
    session: Session,
    interface_id: int | None,
    to_address: str,
    mail: Composed,
    language: str,
    kind: str = "notification",
    user_id: int | None = None,
) -> EmailMessage:
    """Add one mail to the outbox (the caller commits; the worker sends it)."""
    message = EmailMessage(
        kind=kind,
        status=MAIL_QUEUED,
        interface_id=interface_id,
        to_address=to_address,
        language=language,
        subject=mail.subject[:200],
        text=mail.text,
        html=mail.html,
        user_id=user_id,
    )
    session.add(message)
    return message


def _message_for(message: EmailMessage, settings: SmtpSettings):
    msg = build_message(
        settings.sender,
        message.to_address,
        message.subject,
        message.text,
        message.html,
        sender_name=settings.sender_name,
        language=message.language,
    )
    # One Message-ID per outbox row: a receiving system can tell a repeat from a new mail.
    domain = settings.sender.rpartition("@")[2] or "portal.invalid"
    msg.replace_header("Message-ID", f"<portal-mail-{message.id}@{domain}>")
    return msg


def _attempt(
    message: EmailMessage,
    interface: Interface | None,
    box: SecretBox,
    timeout: float,
    now: datetime,
    retry: bool,
    tls_context=None,
) -> tuple[bool, Text]:
    """Send one row marked "sending"; set its outcome; return success and a text (no commit)."""
    if interface is None:
        text = T_("Die E-Mail-Schnittstelle wurde gelöscht.")
        message.status, message.error = MAIL_FAILED, text
        return False, text
    try:
        settings = settings_for(interface, box, timeout, tls_context)
        mime = _message_for(message, settings)
    except SecretError:
        text = T_("Die Zugangsdaten der Schnittstelle können nicht entschlüsselt werden.")
        message.status, message.error = MAIL_FAILED, text
        return False, text
    except ValueError:  # a header the stored settings make impossible (e.g. a line break)
        text = T_(
            "Die E-Mail lässt sich mit den Einstellungen der Schnittstelle nicht erstellen:"
            " bitte Absendername und Absenderadresse prüfen und die Schnittstelle speichern."
        )
        message.status, message.error = MAIL_FAILED, text
        return False, text
    try:
        SmtpClient(settings).send(mime)
    except MailError as exc:
        text = exc.text
        message.next_attempt_at = RETRY.next_attempt(
            now, message.attempts, passing=retry and exc.temporary
        )
        message.status = MAIL_FAILED if message.next_attempt_at is None else MAIL_QUEUED
        message.error = text  # StoredText: language-neutral, shortened to the column
        return False, text
    message.status, message.sent_at, message.error, message.next_attempt_at = (
        MAIL_SENT,
        now,
        None,
        None,
    )
    return True, T_("E-Mail an %(address)s gesendet.", address=message.to_address)


def send_test(
    session: Session,
    box: SecretBox,
    interface: Interface,
    to_address: str,
    actor=None,
    language: str = "de",
    timeout: float = 10.0,
    tls_context=None,
) -> EmailMessage:
    """Record and commit the test mail, send it now (no retry), record the outcome in the history."""
    message = queue(session, interface.id, to_address, test_mail(language), language, kind="test")
    message.status, message.attempts, message.claimed_at = MAIL_SENDING, 1, utcnow()
    message.created_by_id = getattr(actor, "id", None)
    session.commit()  # the row exists before the server is called
    ok, text = _attempt(
        message, interface, box, timeout, utcnow(), retry=False, tls_context=tls_context
    )
    record_check(session, interface, "test_email", actor, ok, text)
    session.commit()
    return message


def claim_due(session: Session, limit: int, now: datetime) -> list[int]:
    """Take up to `limit` due rows (FOR UPDATE SKIP LOCKED on PostgreSQL); mark them "sending".

    A row left "sending" by a worker that died is not sent again (it may have gone out).
    """
    stale = session.scalars(
        sa.select(EmailMessage)
        .where(
            EmailMessage.status == MAIL_SENDING, EmailMessage.claimed_at < now - RETRY.stale_after
        )
        .with_for_update(skip_locked=True)
    ).all()
    for message in stale:
        message.status = MAIL_FAILED
        message.error = T_(
            "Der Versand wurde unterbrochen; die E-Mail wird nicht erneut gesendet, "
            "damit sie nicht doppelt ankommt."
        )
    return claim(
        session,
        EmailMessage,
        [RETRY.due(EmailMessage, now, stale=False)],
        sending(EmailMessage, now),
        limit=limit,
    )


def process_due(
    session: Session,
    box: SecretBox,
    timeout: float = 10.0,
    batch: int = 20,
    now=utcnow,
    should_stop=lambda: False,
    tls_context=None,
) -> int:
    """Send every due mail of the outbox; returns how many went out."""
    sent = 0
    while not should_stop():
        ids = claim_due(session, batch, now())
        if not ids:
            break
        for message in session.scalars(
            sa.select(EmailMessage).where(EmailMessage.id.in_(ids)).order_by(EmailMessage.id)
        ):
            interface = (
                session.get(Interface, message.interface_id) if message.interface_id else None
            )
            ok, text = _attempt(
                message, interface, box, timeout, now(), retry=True, tls_context=tls_context
            )
            if not ok and interface is not None:
                record_check(session, interface, "email", None, False, text)
            sent += ok
            session.commit()
    return sent
