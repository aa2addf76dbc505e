"""Sending SMS through an interface: input checks, the outbox row before the call, history after.

Every SMS is written to the outbox (status "sending") and committed before the gateway is
called; its random `idx` goes to the gateway with `check_idx=1`, so a retry after a crash is
answered with error 53 ("already sent") instead of a second message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import T_, _, points_param
from app.models import Interface, SmsMessage
from app.models.base import utcnow
from app.models.outbox import CANCELLED, FAILED, SENDING
from app.services import outbox, phone, sms_length
from app.services.interface_history import record_check
from app.services.secrets import SecretBox, SecretError
from app.services.sms_clients import ClientPool
from app.services.smsapi import Balance, GatewayError, SmsApiClient, SmsApiSettings

log = logging.getLogger(__name__)

# An identical SMS to the same number within this time is most likely a second click: ask first.
DUPLICATE_WINDOW = timedelta(minutes=10)


class SmsInputError(ValueError):
    """Bad input for an SMS (number or text); nothing was saved or sent."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Prepared:
    """A checked SMS: normalised number and measured text."""

    number: phone.NormalisedNumber
    text: str
    length: sms_length.SmsLength
    max_parts: int


def check_text(interface: Interface, text: str) -> sms_length.SmsLength:
    """Refuse empty texts and texts over the interface's "Max. Zeichen" or the gateway's 10 parts."""
    text = text or ""
    if not text.strip():
        raise SmsInputError("text", _("Bitte geben Sie einen Text ein."))
    length = sms_length.count(text)
    max_chars = SmsApiSettings.of(interface).max_chars
    problem = sms_length.limit_exceeded(length, max_chars)
    if problem == "chars":
        raise SmsInputError(
            "text",
            _(
                "Der Text hat %(chars)d Zeichen; erlaubt sind höchstens %(max)d "
                "(Max. Zeichen der Schnittstelle).",
                chars=length.chars,
                max=max_chars,
            ),
        )
    if problem == "parts":
        raise SmsInputError(
            "text",
            _(
                "Der Text ergibt %(parts)d SMS-Teile; das Gateway nimmt höchstens "
                "%(max)d an. Bitte kürzen Sie ihn.",
                parts=length.parts,
                max=sms_length.MAX_PARTS,
            ),
        )
    return length


def check_number(interface: Interface, raw: str) -> phone.NormalisedNumber:
    """Normalise a mobile number with the interface's Landescode, or say why it is not valid."""
    try:
        return phone.normalise_mobile(raw, SmsApiSettings.of(interface).country_code)
    except phone.InvalidPhoneNumber as exc:
        raise SmsInputError("number", exc.message) from None


def input_errors(interface: Interface, raw_number: str, text: str) -> dict[str, str]:
    """What is wrong with number and text, each at its field ("number", "text"): a form shows
    every problem at once instead of the next one after each correction."""
    errors = {}
    for field, check, value in (("number", check_number, raw_number), ("text", check_text, text)):
        try:
            check(interface, value)
        except SmsInputError as exc:
            errors[field] = exc.message
    return errors


def prepare(interface: Interface, raw_number: str, text: str) -> Prepared:
    """Check text and number before anything is saved or sent."""
    length = check_text(interface, text)
    number = check_number(interface, raw_number)
    return Prepared(number, text, length, length.parts)


def recent_duplicate(
    session: Session, prepared: Prepared, within: timedelta = DUPLICATE_WINDOW
) -> SmsMessage | None:
    """The latest identical SMS (same number, same text) sent or on its way within `within`."""
    return session.scalar(
        sa.select(SmsMessage)
        .where(
            SmsMessage.to_number == prepared.number.gateway_digits,
            SmsMessage.text == prepared.text,
            SmsMessage.status.not_in((FAILED, CANCELLED)),
            SmsMessage.created_at >= utcnow() - within,
        )
        .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc())
        .limit(1)
    )


def send_now(
    session: Session,
    box: SecretBox,
    interface: Interface,
    prepared: Prepared,
    kind: str,
    actor=None,
    customer_id: int | None = None,
    client: SmsApiClient | None = None,
    timeouts: tuple[float, float] | None = None,
    retry: bool = False,
    consent_confirmed: bool = False,
    portal_url: str = "",
) -> SmsMessage:
    """Record and commit the outbox row, send it now, record the outcome.

    A test SMS is not retried (the admin sees the error at once); an SMS to a customer that hits a
    passing gateway fault stays queued and the worker retries it (`retry=True`).
    `consent_confirmed` records that the sender explicitly confirmed an SMS to a customer without
    SMS consent. `portal_url`: the portal's address for the link in a failure's e-mail.
    """
    message = SmsMessage(
        kind=kind,
        status=SENDING,
        interface_id=interface.id,
        to_number=prepared.number.gateway_digits,
        text=prepared.text,
        parts=prepared.length.parts,
        customer_id=customer_id,
        created_by_id=getattr(actor, "id", None),
        attempts=1,
        claimed_at=utcnow(),
        consent_confirmed=consent_confirmed,
    )
    session.add(message)
    session.commit()  # the row exists before the gateway is called
    pool = ClientPool(box, timeouts)
    if client is not None:
        pool.use(interface, client)
    try:
        outbox.deliver(
            session, message, interface, pool, actor=actor, retry=retry, portal_url=portal_url
        )
    finally:
        pool.close()
    return message


def check_balance(
    session: Session,
    box: SecretBox,
    interface: Interface,
    actor=None,
    client: SmsApiClient | None = None,
    timeouts: tuple[float, float] | None = None,
) -> Balance | GatewayError:
    """Ask the gateway for the credits; keep value and time with the interface; record the history."""
    pool = ClientPool(box, timeouts)
    try:
        balance = (client or pool.get(interface)).balance()
    except GatewayError as exc:
        record_check(session, interface, "balance", actor, False, exc.text)
        session.commit()
        return exc
    except SecretError:
        message = T_("Die Zugangsdaten der Schnittstelle können nicht entschlüsselt werden.")
        record_check(session, interface, "balance", actor, False, message)
        session.commit()
        return GatewayError("auth", message)
    finally:
        pool.close()
    interface.balance_points = balance.points
    interface.balance_checked_at = utcnow()
    record_check(
        session,
        interface,
        "balance",
        actor,
        True,
        T_("Guthaben: %(points)s Punkte", points=points_param(balance.points))
        if balance.points is not None
        else T_("Guthaben: keine Angabe"),
    )
    session.commit()
    return balance
