"""Customer rules shared by the pages, the demo seed and the reminders."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import phonenumbers
import sqlalchemy as sa
from phonenumbers import PhoneNumberFormat
from sqlalchemy.orm import Session, joinedload

from app.i18n import _l
from app.models import Appointment, Customer, SmsMessage
from app.models.base import search_like, signature_holds, text_bits_all
from app.services import chat_inbox
from app.services.pagination import like_escape, search_terms
from app.services.phone import DEFAULT_COUNTRY_CODE, normalise_mobile

SALUTATIONS = ("herr", "frau", "divers", "")
LANGUAGES = ("de", "en")
# The SiNNO-App status is written by the SiNNO interface only, never edited on the customer page.
SINNO_STATUSES = {
    "not_activated": _l("nicht aktiviert"),
    "pending": _l("wird eingerichtet"),
    "invited": _l("eingeladen"),
    "active": _l("aktiv"),
}
EDITABLE_FIELDS = (
    "salutation",
    "first_name",
    "last_name",
    "number",
    "mobile",
    "email",
    "language",
    "branch_id",
    "sms_consent",
)


def search_text_for(customer: Customer) -> str:
    """What one customer search matches: name, customer number, mobile digits, e-mail."""
    digits = "".join(ch for ch in (customer.mobile or "") if ch.isdigit())
    parts = [
        customer.first_name,
        customer.last_name,
        customer.number or "",
        digits,
        customer.email or "",
    ]
    return " | ".join(p.strip().lower() for p in parts if p)[:300]


def international_mobile(raw: str, country_code: str = DEFAULT_COUNTRY_CODE) -> str:
    """A typed mobile number as "+49 171 2345678"; raises phone.InvalidPhoneNumber."""
    e164 = normalise_mobile(raw, country_code).e164
    return phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.INTERNATIONAL)


def sinno_status_label(status: str) -> str:
    """The SiNNO-App status in the reader's language."""
    return str(SINNO_STATUSES.get(status, status))


# A search that is a phone number as people type it: digits, spaces, + ( ) / . - (six digits at least).
_TYPED_NUMBER = re.compile(r"^\+?[0-9 ()/.\-]{6,}$")


def typed_number(q: str, country_code: str = DEFAULT_COUNTRY_CODE) -> tuple[str, ...]:
    """When `q` is a phone number as people type it ("0175 61463390", "+49 175 61463390",
    "0049 …"): its digits as typed (a customer number) and as the search text stores a mobile,
    international without "+" (4917561463390); one of them when they are the same (a number
    without a leading 0 or +, "175 6146", is searched as typed). Else empty."""
    text = q.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not _TYPED_NUMBER.match(text) or len(digits) < 6:
        return ()
    if text.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    elif digits.startswith("0"):
        international = country_code.lstrip("+") + digits[1:]
    else:
        international = digits
    return tuple(dict.fromkeys((digits, international)))


def _holds(term: str) -> sa.ColumnElement[bool]:
    """The customer's search text holds `term` (its signature first, then LIKE)."""
    return sa.and_(
        signature_holds(Customer.search_bits, sa.literal(text_bits_all([term]), sa.BigInteger)),
        search_like(Customer.search_text, f"%{like_escape(term)}%"),
    )


def matching(stmt: sa.Select, q: str) -> sa.Select:
    """Restrict a statement over customers to those matching every word of `q`, or the phone
    number it is (see typed_number)."""
    number = typed_number(q)
    if number:
        return stmt.where(sa.or_(*(_holds(form) for form in number)))
    terms = search_terms(q)
    if not terms:
        return stmt
    # One signature test before any LIKE: together the words' pairs must all be there.
    return stmt.where(
        signature_holds(Customer.search_bits, sa.literal(text_bits_all(terms), sa.BigInteger)),
        *(search_like(Customer.search_text, f"%{like_escape(term)}%") for term in terms),
    )


def list_statement(
    q: str = "", branch_id: int | None = None, app_state: str | None = None
) -> sa.Select:
    """Customers by name with their branch, matching the search words and the branch."""
    stmt = (
        sa.select(Customer)
        .options(joinedload(Customer.branch))
        .order_by(Customer.last_name, Customer.first_name, Customer.id)
    )
    stmt = matching(stmt, q)
    if branch_id:
        stmt = stmt.where(Customer.branch_id == branch_id)
    if app_state in SINNO_STATUSES:  # the SiNNO-App state filter
        stmt = stmt.where(Customer.sinno_status == app_state)
    return stmt


def find_by_reference(session: Session, reference: str | None) -> Customer | None:
    """The customer a typed reference names: a customer number ("K-1001"), or "#17"/"17" for the id."""
    text = (reference or "").strip()
    if not text:
        return None
    customer = session.scalar(sa.select(Customer).where(Customer.number == text))
    if customer is None:
        customer = session.scalar(
            sa.select(Customer).where(sa.func.lower(Customer.number) == text.lower()).limit(1)
        )
    if customer is None:
        match = re.fullmatch(r"#?\s*(\d{1,9})", text)
        if match:
            customer = session.get(Customer, int(match.group(1)))
    return customer


def reference_of(customer: Customer) -> str:
    """What to type to name this customer again: the customer number, else "#id"."""
    return customer.number or f"#{customer.id}"


def suggestions(session: Session, q: str, limit: int = 10) -> list[Customer]:
    """Customers matching a typed name, number or mobile, for a picker (at least two characters)."""
    if len(q.strip()) < 2:
        return []
    stmt = matching(
        sa.select(Customer)
        .options(joinedload(Customer.branch))
        .order_by(Customer.last_name, Customer.first_name, Customer.id),
        q.lstrip("#"),
    )
    return list(session.scalars(stmt.limit(limit)).all())


def save(session: Session, customer: Customer, values: dict[str, Any]) -> Customer:
    """Apply cleaned form values to a new or existing customer and keep its search text current."""
    for name in EDITABLE_FIELDS:
        if name in values:
            setattr(customer, name, values[name])
    customer.search_text = search_text_for(customer)
    if customer.id is None:
        session.add(customer)
    else:
        chat_inbox.customer_changed(session, customer)
    session.flush()
    return customer


def appointment_count(session: Session, customer_id: int) -> int:
    """How many appointments (past and future) a customer has."""
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Appointment)
            .where(Appointment.customer_id == customer_id)
        )
        or 0
    )


def delete(session: Session, customer: Customer) -> None:
    """Delete a customer without appointments; their SMS stay in the outbox without the link."""
    session.execute(
        sa.update(SmsMessage).where(SmsMessage.customer_id == customer.id).values(customer_id=None)
    )
    session.delete(customer)
    session.flush()


def appointments_of(
    session: Session, customer_id: int, now: datetime, limit: int = 20
) -> tuple[list[Appointment], list[Appointment]]:
    """The customer's next appointments (soonest first) and past ones (latest first)."""
    base = (
        sa.select(Appointment)
        .where(Appointment.customer_id == customer_id)
        .options(
            joinedload(Appointment.type),
            joinedload(Appointment.status),
            joinedload(Appointment.branch),
        )
    )
    upcoming = session.scalars(
        base.where(Appointment.starts_at >= now)
        .order_by(Appointment.starts_at, Appointment.id)
        .limit(limit)
    ).all()
    past = session.scalars(
        base.where(Appointment.starts_at < now)
        .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
        .limit(limit)
    ).all()
    return list(upcoming), list(past)


def last_messages(session: Session, customer_id: int, limit: int = 10) -> list[SmsMessage]:
    """The latest SMS to the customer, newest first."""
    return list(
        session.scalars(
            sa.select(SmsMessage)
            .where(SmsMessage.customer_id == customer_id)
            .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc())
            .limit(limit)
        ).all()
    )
