"""Sending SMS through an interface: input checks, the outbox row before the call, history after.

Every SMS is written to the outbox (status "sending") and committed before the gateway is
called; its id goes to the gateway as `idx` with `check_idx=1`, so a retry after a crash is
answered with error 53 ("already sent") instead of a second message.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from app.i18n import _
from app.models import Interface, SmsMessage
from app.models.base import utcnow
from app.models.outbox import FAILED, SENDING, SENT
from app.services import phone, sms_length
from app.services.interfaces import read_secret, record_check
from app.services.secrets import SecretBox
from app.services.smsapi import Balance, GatewayError, SmsApiClient, SmsApiSettings

log = logging.getLogger(__name__)

# Error 53: the gateway already has a message with this idx, i.e. an earlier attempt went out.
ALREADY_SENT = 53


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


def settings_for(interface: Interface, box: SecretBox, **overrides) -> SmsApiSettings:
    """The client settings of an SMSAPI interface, with its secrets decrypted."""
    s = interface.settings or {}
    token = password = None
    if s.get("auth_mode") == "password":
        password = read_secret(box, interface, "password")
    else:
        token = read_secret(box, interface, "token")
    return SmsApiSettings(
        service=s.get("service", "smsapi_pl"), base_url=s.get("base_url") or None, token=token,
        username=s.get("username") or None, password=password, sender=s.get("sender") or None,
        country_code=s.get("country_code", "+49"), max_chars=s.get("max_chars"),
        proxy_host=s.get("proxy_host") or None, proxy_port=s.get("proxy_port"), **overrides)


def check_text(interface: Interface, text: str) -> sms_length.SmsLength:
    """Refuse empty texts and texts over the interface's "Max. Zeichen" or the gateway's 10 parts."""
    text = text or ""
    if not text.strip():
        raise SmsInputError("text", _("Bitte geben Sie einen Text ein."))
    length = sms_length.count(text)
    max_chars = int((interface.settings or {}).get("max_chars") or 1000)
    if length.chars > max_chars:
        raise SmsInputError("text", _("Der Text hat %(chars)d Zeichen; erlaubt sind höchstens %(max)d "
                                      "(Max. Zeichen der Schnittstelle).", chars=length.chars,
                                      max=max_chars))
    if length.parts > sms_length.MAX_PARTS:
        raise SmsInputError("text", _("Der Text ergibt %(parts)d SMS-Teile; das Gateway nimmt höchstens "
                                      "%(max)d an. Bitte kürzen Sie ihn.", parts=length.parts,
                                      max=sms_length.MAX_PARTS))
    return length


def check_number(interface: Interface, raw: str) -> phone.NormalisedNumber:
    """Normalise a mobile number with the interface's Landescode, or say why it is not valid."""
    try:
        return phone.normalise_mobile(raw, (interface.settings or {}).get("country_code", "+49"))
    except phone.InvalidPhoneNumber as exc:
        from app.i18n import _translate_pair

        raise SmsInputError("number", _translate_pair(exc.message_de, exc.message_en)) from None


def prepare(interface: Interface, raw_number: str, text: str) -> Prepared:
    """Check text and number before anything is saved or sent."""
    length = check_text(interface, text)
    number = check_number(interface, raw_number)
    return Prepared(number, text, length, length.parts)


def send_now(session: Session, box: SecretBox, interface: Interface, prepared: Prepared, kind: str,
             actor=None, customer_id: int | None = None, client: SmsApiClient | None = None,
             timeouts: tuple[float, float] | None = None) -> SmsMessage:
    """Record, commit, send, record the outcome; gateway faults end as a failed row, never raise."""
    message = SmsMessage(kind=kind, status=SENDING, interface_id=interface.id,
                         to_number=prepared.number.gateway_digits, text=prepared.text,
                         parts=prepared.length.parts, customer_id=customer_id,
                         created_by_id=getattr(actor, "id", None), attempts=1, claimed_at=utcnow())
    session.add(message)
    session.commit()  # the row exists before the gateway is called
    deliver(session, box, interface, message, actor=actor, client=client, timeouts=timeouts)
    return message


def _client(interface: Interface, box: SecretBox, timeouts: tuple[float, float] | None) -> SmsApiClient:
    options = {"connect_timeout": timeouts[0], "read_timeout": timeouts[1]} if timeouts else {}
    return SmsApiClient(settings_for(interface, box, **options))


def deliver(session: Session, box: SecretBox, interface: Interface, message: SmsMessage, actor=None,
            client: SmsApiClient | None = None, timeouts: tuple[float, float] | None = None) -> None:
    """Call the gateway for a claimed outbox row and store the result (commits)."""
    own_client = client is None
    try:
        if own_client:
            client = _client(interface, box, timeouts)
        result = client.send_sms(message.to_number, message.text, idx=str(message.id), check_idx=True,
                                 max_parts=sms_length.max_parts_for(
                                     int((interface.settings or {}).get("max_chars") or 1000),
                                     sms_length.encoding_for(message.text)))
    except GatewayError as exc:
        if exc.code == ALREADY_SENT:
            message.status, message.sent_at, message.error = SENT, message.sent_at or utcnow(), None
            outcome_ok, text = True, _("SMS %(id)d war bereits versendet (Gateway-Fehler 53).",
                                       id=message.id)
        else:
            message.status = FAILED
            message.error = str(exc.message_for(_lang()))[:500]
            outcome_ok, text = False, message.error
    else:
        message.status, message.sent_at, message.error = SENT, utcnow(), None
        message.gateway_message_id = result.message_id
        message.points = result.points
        message.parts = result.parts
        outcome_ok = True
        text = _("SMS an +%(number)s gesendet: %(parts)d Teil(e), %(points)s Punkte, Nachrichten-ID "
                 "%(id)s.", number=result.number, parts=result.parts,
                 points=f"{result.points:.2f}", id=result.message_id)
    finally:
        if own_client and client is not None:
            client.close()
    if message.kind == "test" or not outcome_ok:
        record_check(session, interface, "test_sms" if message.kind == "test" else "sms", actor,
                     outcome_ok, text)
    session.commit()


def check_balance(session: Session, box: SecretBox, interface: Interface, actor=None,
                  client: SmsApiClient | None = None, timeouts: tuple[float, float] | None = None
                  ) -> Balance | GatewayError:
    """Ask the gateway for the credits; keep value and time with the interface; record the history."""
    own_client = client is None
    try:
        if own_client:
            client = _client(interface, box, timeouts)
        balance = client.balance()
    except GatewayError as exc:
        record_check(session, interface, "balance", actor, False, exc.message_for(_lang()))
        session.commit()
        return exc
    finally:
        if own_client and client is not None:
            client.close()
    interface.balance_points = balance.points
    interface.balance_checked_at = utcnow()
    shown = "—" if balance.points is None else f"{balance.points:.2f}"
    record_check(session, interface, "balance", actor, True, _("Guthaben: %(points)s Punkte",
                                                               points=shown))
    session.commit()
    return balance


def sent_recently(session: Session, customer_id: int, hours: int) -> bool:
    """Whether a customer got an SMS (any kind) within the last hours."""
    import sqlalchemy as sa

    since = utcnow() - timedelta(hours=hours)
    return session.scalar(sa.select(SmsMessage.id).where(
        SmsMessage.customer_id == customer_id, SmsMessage.status.in_((SENT, SENDING)),
        SmsMessage.created_at >= since).limit(1)) is not None


def _lang() -> str:
    from app.i18n import current_language

    return current_language()
