"""SiNNO-App customer activation ("Kundenfreischaltung"): rules, the worker's registration, states.

States of `Customer.sinno_status`: not_activated -> pending ("wird eingerichtet", the worker
registers) -> invited (registered, code sent by SMS) -> active (the app's first log-in). A failed
registration goes back to not_activated with the reason in `sinno_error`; nothing half is kept:
the Kunden-ID, the consent note and the SMS with the identification code are written in one
transaction after the service answered. The idempotency key is stored before the first attempt,
so retries and double clicks never register twice. The code is never stored outside that SMS,
whose text is masked as soon as it was sent.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import T_, Text, _
from app.models import Customer, Interface, SmsMessage
from app.models.base import utcnow
from app.models.outbox import QUEUED, SENT
from app.services import phone
from app.services.interfaces import record_event, resolve
from app.services.retry import RetryPolicy, claim, due_at
from app.services.secrets import SecretBox, SecretError
from app.services.sinno import SinnoError
from app.services.sinno_interface import client_for, is_logged_in, shop_id

log = logging.getLogger(__name__)

NOT_ACTIVATED, PENDING, INVITED, ACTIVE = "not_activated", "pending", "invited", "active"
STATES = (NOT_ACTIVATED, PENDING, INVITED, ACTIVE)
SMS_KIND = "sinno_code"
# 1, 2, 4 ... minutes (Retry-After respected); a worker that died mid-call leaves the customer
# to the next one when its lease ends.
RETRY = RetryPolicy(max_wait=None)
LEASE = RETRY.stale_after
POLL_EVERY = timedelta(seconds=30)
# How many customers one worker pass registers, and how many invited ones it asks about.
REGISTER_BATCH, POLL_BATCH = 20, 50
CODE_RE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")
MASK = "••••-••••"
APP_NAME = "SiNNO-App"

# The SMS with the identification code, in the customer's language.
_CODE_SMS = {
    "de": "Ihr Identifikationscode für die {app} von {shop}: {code} – bitte bei der Einrichtung in "
    "der App eingeben.",
    "en": "Your identification code for the {app} of {shop}: {code} – please enter it when you set "
    "up the app.",
}


@dataclass(frozen=True)
class Problem:
    """A reason the activation cannot start, with what to link to (another customer, a branch)."""

    message: str
    customer_id: int | None = None
    interface_id: int | None = None


def service_interface(session: Session, customer: Customer, today: date) -> Interface | None:
    """The SiNNO-App Service interface that applies client side to the customer's branch."""
    return resolve(
        session, "App", "client", today, branch_id=customer.branch_id, type_key="sinno_app"
    )


def chat_interface(session: Session, customer: Customer, today: date) -> Interface | None:
    """The SiNNO-Chat interface (server side) for the customer's branch."""
    return resolve(
        session, "App", "server", today, branch_id=customer.branch_id, type_key="sinno_chat"
    )


def sms_interface(session: Session, customer: Customer, today: date) -> Interface | None:
    """The SMS interface that applies client side: it sends the identification code."""
    return resolve(session, "SMS", "client", today, branch_id=customer.branch_id)


def _digits(mobile: str | None) -> str:
    return "".join(ch for ch in (mobile or "") if ch.isdigit())


def normalised_mobile(customer: Customer, country_code: str = "+49") -> phone.NormalisedNumber:
    """The customer's mobile number in E.164 (raises phone.InvalidPhoneNumber)."""
    return phone.normalise_mobile(customer.mobile or "", country_code)


def _same_mobile(session: Session, customer: Customer, e164: str) -> Customer | None:
    # Mobile numbers are stored as typed; compare by their digits, narrowed by the last 6 in SQL.
    tail = e164[-6:]
    for other in session.scalars(
        sa.select(Customer).where(
            Customer.id != customer.id,
            Customer.mobile.is_not(None),
            Customer.search_text.like(f"%{tail}%"),
        )
    ):
        try:
            if normalised_mobile(other).e164 == e164:
                return other
        except phone.InvalidPhoneNumber:
            continue
    return None


def _same_email(session: Session, customer: Customer, email: str) -> Customer | None:
    return session.scalar(
        sa.select(Customer)
        .where(Customer.id != customer.id, sa.func.lower(Customer.email) == email.lower())
        .limit(1)
    )


def activation_problems(session: Session, customer: Customer, today: date) -> list[Problem]:
    """Why "Kunde in SiNNO-App aktivieren" cannot start now (empty: it can)."""
    problems: list[Problem] = []
    if customer.sinno_status != NOT_ACTIVATED:
        return [
            Problem(
                _(
                    "Der Kunde ist bereits für die SiNNO-App eingerichtet oder wird gerade "
                    "eingerichtet."
                )
            )
        ]
    service = service_interface(session, customer, today)
    if service is None:
        problems.append(
            Problem(
                _(
                    "Für die Filiale des Kunden gibt es keine clientseitige "
                    "SiNNO-App Service Schnittstelle."
                )
            )
        )
    elif not is_logged_in(service):
        problems.append(
            Problem(
                _(
                    "Die SiNNO-App Service Schnittstelle %(name)s ist nicht angemeldet.",
                    name=service.name,
                ),
                interface_id=service.id,
            )
        )
    if chat_interface(session, customer, today) is None:
        problems.append(Problem(_("Es ist keine SiNNO-Chat Schnittstelle eingerichtet.")))
    if sms_interface(session, customer, today) is None:
        problems.append(
            Problem(
                _(
                    "Für die Filiale des Kunden gibt es keine clientseitige "
                    "SMS-Schnittstelle, die den Identifikationscode senden kann."
                )
            )
        )
    if customer.branch_id is None:
        problems.append(Problem(_("Der Kunde ist keiner Filiale zugeordnet.")))
    if not (customer.mobile or "").strip():
        problems.append(Problem(_("Der Kunde hat keine Mobilnummer.")))
    else:
        try:
            e164 = normalised_mobile(customer).e164
        except phone.InvalidPhoneNumber:
            problems.append(Problem(_("Die Mobilnummer des Kunden ist keine gültige Mobilnummer.")))
        else:
            other = _same_mobile(session, customer, e164)
            if other is not None:
                problems.append(
                    Problem(
                        _(
                            "Die Mobilnummer hat auch der Kunde %(name)s; sie darf nur "
                            "bei einem Kunden stehen.",
                            name=other.full_name,
                        ),
                        customer_id=other.id,
                    )
                )
    if not (customer.email or "").strip():
        problems.append(Problem(_("Der Kunde hat keine E-Mail-Adresse.")))
    else:
        other = _same_email(session, customer, customer.email.strip())
        if other is not None:
            problems.append(
                Problem(
                    _(
                        "Die E-Mail-Adresse hat auch der Kunde %(name)s; sie darf nur "
                        "bei einem Kunden stehen.",
                        name=other.full_name,
                    ),
                    customer_id=other.id,
                )
            )
    return problems


def request_activation(
    session: Session, customer: Customer, today: date, now: datetime | None = None
) -> list[Problem]:
    """Check the rules and hand the registration to the worker (commits); the problems, if any.

    The state moves with one conditional UPDATE, so a double click (or two people at once) starts
    one activation with one idempotency key.
    """
    problems = activation_problems(session, customer, today)
    if problems:
        return problems
    interface = service_interface(session, customer, today)
    now = now or utcnow()
    moved = session.execute(
        sa.update(Customer)
        .where(Customer.id == customer.id, Customer.sinno_status == NOT_ACTIVATED)
        .values(
            sinno_status=PENDING,
            sinno_activation_key=str(uuid.uuid4()),
            sinno_interface_id=interface.id,
            sinno_attempts=0,
            sinno_next_attempt_at=now,
            sinno_error=None,
            sinno_requested_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    session.refresh(customer)
    if not moved:
        return [Problem(_("Der Kunde wird bereits eingerichtet."))]
    return []


def _code_text(customer: Customer, code: str) -> str:
    template = _CODE_SMS["en" if customer.language == "en" else "de"]
    shop = customer.branch.name if customer.branch else ""
    return template.format(app=APP_NAME, shop=shop, code=code)


def mask_code(text: str) -> str:
    """The SMS text with the identification code replaced by dots."""
    return CODE_RE.sub(MASK, text)


def shown_text(message: SmsMessage) -> str:
    """An SMS's text as pages show it: a code SMS keeps its code until it is sent (for sending
    and "erneut senden"), but no page ever shows it."""
    return mask_code(message.text) if message.kind == SMS_KIND else message.text


def _fail(customer: Customer, message: Text | str) -> None:
    customer.sinno_status = NOT_ACTIVATED
    customer.sinno_error = message  # StoredText: shortened to the column
    customer.sinno_activation_key = None
    customer.sinno_next_attempt_at = None


def _register_one(
    session: Session,
    box: SecretBox,
    customer: Customer,
    interface: Interface | None,
    now: datetime,
    timeouts: tuple[float, float] | None,
) -> bool:
    """One registration attempt for a claimed customer; stores the outcome (commits)."""
    if interface is None or not is_logged_in(interface):
        _fail(customer, T_("Die SiNNO-App Service Schnittstelle ist nicht mehr angemeldet."))
        session.commit()
        return False
    if customer.branch is None:
        _fail(customer, T_("Der Kunde ist keiner Filiale zugeordnet."))
        session.commit()
        return False
    today = now.date()
    sms = sms_interface(session, customer, today)
    try:
        number = normalised_mobile(
            customer, (sms.settings or {}).get("country_code", "+49") if sms else "+49"
        )
    except phone.InvalidPhoneNumber:
        _fail(customer, T_("Die Mobilnummer des Kunden ist keine gültige Mobilnummer."))
        session.commit()
        return False
    try:
        with client_for(session, box, interface, timeouts) as client:
            reg = client.register_customer(
                reference=customer.number or f"#{customer.id}",
                first_name=customer.first_name or "-",
                last_name=customer.last_name,
                mobile=number.e164,
                email=(customer.email or "").strip(),
                shop_id=shop_id(customer.branch),
                language=customer.language or "de",
                idempotency_key=customer.sinno_activation_key,
            )
    except SecretError:
        _fail(
            customer, T_("Die Anmeldung der SiNNO-Schnittstelle kann nicht entschlüsselt werden.")
        )
        session.commit()
        return False
    except SinnoError as exc:
        message = exc.text
        later = RETRY.next_attempt(
            now, customer.sinno_attempts, exc.retry_after, passing=exc.passing
        )
        if later is None:
            _fail(customer, message)
        else:
            customer.sinno_error, customer.sinno_next_attempt_at = message, later
        record_event(
            session,
            interface,
            "sinno_register",
            None,
            ok=False,
            message=T_(
                "%(name)s (%(number)s): %(error)s",
                name=customer.full_name,
                number=customer.number or "#" + str(customer.id),
                error=message,
            ),
        )
        session.commit()
        return False
    # One transaction: Kunden-ID, state, consent note and the SMS with the code, or nothing.
    customer.sinno_customer_id = reg.customer_id
    customer.sinno_status = ACTIVE if reg.state == "active" else INVITED
    customer.sinno_error = None
    customer.sinno_next_attempt_at = None
    customer.sinno_consent_at = customer.sinno_consent_at or now
    customer.sinno_checked_at = now
    if sms is not None:
        session.add(
            SmsMessage(
                kind=SMS_KIND,
                status=QUEUED,
                interface_id=sms.id,
                to_number=number.gateway_digits,
                text=_code_text(customer, reg.identification_code),
                customer_id=customer.id,
            )
        )
    else:
        customer.sinno_error = T_(
            "Der Identifikationscode konnte nicht gesendet werden: keine SMS-Schnittstelle."
        )
    done = T_(
        "%(name)s registriert (SiNNO-App Kunden-ID %(id)s).",
        name=customer.full_name,
        id=reg.customer_id,
    )
    record_event(session, interface, "sinno_register", None, ok=True, message=done)
    session.commit()
    return True


def run_registrations(
    session: Session, box: SecretBox, now: datetime, timeouts: tuple[float, float] | None
) -> int:
    """The worker's job: register the due pending customers; how many succeeded."""
    # Claim: another worker skips them until the lease ends.
    ids = claim(
        session,
        Customer,
        [Customer.sinno_status == PENDING, due_at(Customer.sinno_next_attempt_at, now)],
        {
            "sinno_next_attempt_at": now + LEASE,
            "sinno_attempts": Customer.sinno_attempts + 1,
        },
        limit=REGISTER_BATCH,
        order_by=(Customer.sinno_next_attempt_at, Customer.id),
    )
    done = 0
    for customer_id in ids:
        customer = session.get(Customer, customer_id, populate_existing=True)
        if customer is None or customer.sinno_status != PENDING:
            continue
        interface = (
            session.get(Interface, customer.sinno_interface_id)
            if customer.sinno_interface_id
            else None
        )
        done += _register_one(session, box, customer, interface, now, timeouts)
    return done


def poll_invited(
    session: Session, box: SecretBox, now: datetime, timeouts: tuple[float, float] | None
) -> int:
    """The worker's job: ask the service about invited customers; invited -> active. How many."""
    customers = session.scalars(
        sa.select(Customer)
        .where(
            Customer.sinno_status == INVITED,
            Customer.sinno_customer_id.is_not(None),
            sa.or_(
                Customer.sinno_checked_at.is_(None), Customer.sinno_checked_at <= now - POLL_EVERY
            ),
        )
        .order_by(Customer.sinno_checked_at.nulls_first(), Customer.id)
        .limit(POLL_BATCH)
    ).all()
    by_interface: dict[int | None, list[Customer]] = {}
    for customer in customers:
        by_interface.setdefault(customer.sinno_interface_id, []).append(customer)
    activated = 0
    for interface_id, group in by_interface.items():
        interface = session.get(Interface, interface_id) if interface_id else None
        if interface is None or not is_logged_in(interface):
            for customer in group:
                customer.sinno_checked_at = now
            continue
        try:
            with client_for(session, box, interface, timeouts) as client:
                for customer in group:
                    customer.sinno_checked_at = now
                    try:
                        remote = client.customer(customer.sinno_customer_id)
                    except SinnoError as exc:
                        if exc.code == "customer_not_found":
                            continue
                        raise
                    if remote.state == "active":
                        activated += _settle(
                            session,
                            customer,
                            sinno_status=ACTIVE,
                            sinno_active_at=(
                                remote.first_login_at.replace(tzinfo=None)
                                if remote.first_login_at
                                else now
                            ),
                        )
                    elif remote.state == "deactivated":
                        _settle(
                            session,
                            customer,
                            sinno_status=NOT_ACTIVATED,
                            sinno_customer_id=None,
                            sinno_error=T_("Beim SiNNO-Dienst deaktiviert."),
                        )
        except (SinnoError, SecretError) as exc:
            log.warning("SiNNO status check for interface %s failed: %r", interface_id, exc)
    session.commit()
    return activated


def _settle(session: Session, customer: Customer, **values) -> bool:
    """Store what the service said about an invited customer (one conditional UPDATE); whether
    it was stored.

    Not when the customer changed here since this pass read them ("In SiNNO-App deaktivieren"
    while the service was asked): written by primary key, an "active" from before the
    deactivation would bring the customer back as active without a Kunden-ID.
    """
    return (
        session.execute(
            sa.update(Customer)
            .where(
                Customer.id == customer.id,
                Customer.sinno_status == INVITED,
                Customer.sinno_customer_id == customer.sinno_customer_id,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def redact_sent_codes(session: Session) -> int:
    """Mask the identification code in every sent code SMS (it is never shown after sending)."""
    rows = session.scalars(
        sa.select(SmsMessage).where(
            SmsMessage.kind == SMS_KIND, SmsMessage.status == SENT, ~SmsMessage.text.contains(MASK)
        )
    ).all()
    for message in rows:
        message.text = mask_code(message.text)
    session.commit()
    return len(rows)


def deactivate(
    session: Session,
    box: SecretBox,
    customer: Customer,
    actor,
    timeouts: tuple[float, float] | None = None,
) -> str | None:
    """ "In SiNNO-App deaktivieren": at the service first, then here (commits); an error or None."""
    if customer.sinno_status not in (INVITED, ACTIVE) or not customer.sinno_customer_id:
        return _("Der Kunde ist nicht in der SiNNO-App aktiviert.")
    interface = (
        session.get(Interface, customer.sinno_interface_id) if customer.sinno_interface_id else None
    )
    if interface is None or not is_logged_in(interface):
        return _("Die SiNNO-App Service Schnittstelle ist nicht angemeldet; bitte zuerst anmelden.")
    try:
        with client_for(session, box, interface, timeouts) as client:
            client.deactivate_customer(customer.sinno_customer_id)
    except SecretError:
        return _("Die Anmeldung der SiNNO-Schnittstelle kann nicht entschlüsselt werden.")
    except SinnoError as exc:
        if exc.code != "customer_not_found":
            record_event(
                session,
                interface,
                "sinno_deactivate",
                actor,
                ok=False,
                message=T_("%(name)s: %(error)s", name=customer.full_name, error=exc.text),
            )
            session.commit()
            return str(exc.text)
    record_event(
        session,
        interface,
        "sinno_deactivate",
        actor,
        ok=True,
        message=T_(
            "%(name)s in der SiNNO-App deaktiviert (Kunden-ID %(id)s).",
            name=customer.full_name,
            id=customer.sinno_customer_id,
        ),
    )
    customer.sinno_status = NOT_ACTIVATED
    customer.sinno_customer_id = None
    customer.sinno_activation_key = None
    customer.sinno_error = None
    customer.sinno_active_at = None
    session.commit()
    return None
