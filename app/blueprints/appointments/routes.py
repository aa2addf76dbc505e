"""Appointment pages: list, create, show, edit (types and statuses: kinds.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlalchemy as sa
from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import contains_eager, joinedload

from app.blueprints.appointments import bp
from app.blueprints.appointments.forms import AppointmentForm, local_to_utc, utc_to_local
from app.blueprints.auth.decorators import role_required
from app.blueprints.fields import branch_options
from app.blueprints.paging import page_arg
from app.extensions import db
from app.htmx import htmx_or_redirect, render, wants_fragment
from app.models import Appointment, AppointmentStatus, Customer, Role, SmsMessage
from app.models.appointment import OPEN
from app.request_guard import int_arg
from app.services import appointments as appointment_service
from app.services import customers as customer_service
from app.services.clock import local_today
from app.services.pagination import fetch_slice
from app.services.reminder_reasons import reason_text


def tz_name() -> str:
    """The portal's time zone, in which appointment times are typed and shown."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class ListFilters:
    """What the appointment list shows: customer search, branch, status and a date range."""

    q: str
    branch_id: int | None
    status_id: int | None
    date_from: date | None
    date_to: date | None

    @classmethod
    def from_request(cls) -> ListFilters:
        """The filters from the query string; without `from`, the list starts today."""
        date_from = _date_arg("from") if "from" in request.args else local_today(tz_name())
        return cls(
            q=request.args.get("q", "").strip()[:100],
            branch_id=int_arg("branch"),
            status_id=int_arg("status"),
            date_from=date_from,
            date_to=_date_arg("to"),
        )

    def url_args(self) -> dict:
        """The query string for links that keep these filters ("from" is kept even when empty)."""
        args = {
            "q": self.q,
            "branch": self.branch_id,
            "status": self.status_id,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        args = {k: v for k, v in args.items() if v}
        args["from"] = self.date_from.isoformat() if self.date_from else ""
        return args


def list_statement(filters: ListFilters) -> sa.Select:
    """Appointments with customer, type, status, branch and reminder SMS status: one query."""
    stmt = (
        sa.select(Appointment, SmsMessage.status, SmsMessage.sent_at, SmsMessage.created_at)
        .join(Appointment.customer)
        .outerjoin(SmsMessage, SmsMessage.id == Appointment.reminder_message_id)
        .options(
            contains_eager(Appointment.customer),
            joinedload(Appointment.type),
            joinedload(Appointment.status),
            joinedload(Appointment.branch),
        )
        .order_by(Appointment.starts_at, Appointment.id)
    )
    stmt = customer_service.matching(stmt, filters.q)
    if filters.branch_id:
        stmt = stmt.where(Appointment.branch_id == filters.branch_id)
    if filters.status_id:
        stmt = stmt.where(Appointment.status_id == filters.status_id)
    if filters.date_from:
        stmt = stmt.where(
            Appointment.starts_at >= local_to_utc(filters.date_from, time(0), tz_name())
        )
    if filters.date_to:
        end = local_to_utc(filters.date_to + timedelta(days=1), time(0), tz_name())
        stmt = stmt.where(Appointment.starts_at < end)
    return stmt


def _status_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(AppointmentStatus.id, AppointmentStatus.name).order_by(AppointmentStatus.id)
    )
    return [(str(r.id), r.name) for r in rows]


@bp.get("/")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def index():
    """Appointments by start time, filtered by customer, branch, status and dates."""
    filters = ListFilters.from_request()
    page = fetch_slice(
        db.session,
        list_statement(filters),
        page_arg(),
        current_app.config["LIST_PAGE_SIZE"],
        scalars=False,
    )
    ctx = dict(page=page, filters=filters, list_args=filters.url_args(), reason_text=reason_text)
    if not wants_fragment():  # the filter selects are only on the page, not in the table fragment
        ctx.update(branches=branch_options(), statuses=_status_choices())
    return render("appointments/index.html", "appointments/_table.html", **ctx)


@bp.get("/customer-lookup")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def customer_lookup():
    """While typing in the customer field: the customer it names, and suggestions by name."""
    typed = request.args.get("customer_ref", "").strip()[:100]
    match = customer_service.find_by_reference(db.session, typed)
    options = customer_service.suggestions(db.session, typed) if match is None else []
    return render(
        "appointments/_customer_hint.html",
        "appointments/_customer_hint.html",
        match=match,
        options=options,
        typed=typed,
    )


def _form_ctx(form: AppointmentForm, appointment: Appointment | None) -> dict:
    """The form with the customer hint: who is meant, or (after a miss) suggestions by name."""
    typed = (form.customer_ref.data or "").strip()
    match, options = form.customer_record, []
    if form.customer_ref.errors:
        options = customer_service.suggestions(db.session, typed)
    elif match is None and typed:
        match = customer_service.find_by_reference(db.session, typed)
    # the field's own error already says that nothing was found
    return dict(
        form=form,
        appointment=appointment,
        match=match,
        options=options,
        typed="" if form.customer_ref.errors else typed,
    )


@bp.get("/new")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def new():
    """The form for a new appointment, prefilled from ?customer_id= when coming from a customer."""
    customer = db.session.get(Customer, int_arg("customer_id") or 0)
    first_open = db.session.scalar(
        sa.select(AppointmentStatus.id)
        .where(AppointmentStatus.kind == OPEN)
        .order_by(AppointmentStatus.id)
        .limit(1)
    )
    form = AppointmentForm(
        customer_ref=customer_service.reference_of(customer) if customer else "",
        branch_id=(customer.branch_id if customer else None) or current_user.branch_id,
        status_id=first_open,
    )
    return render("appointments/form.html", "appointments/_form.html", **_form_ctx(form, None))


@bp.post("/")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def create():
    """Create an appointment."""
    form = AppointmentForm()
    if not form.validate_on_submit():
        return render(
            "appointments/form.html", "appointments/_form.html", status=422, **_form_ctx(form, None)
        )
    appointment = appointment_service.save_appointment(
        db.session, Appointment(), form.values(tz_name())
    )
    db.session.commit()
    flash(_("Der Termin wurde angelegt."), "success")
    return htmx_or_redirect(url_for("appointments.show", appointment_id=appointment.id))


def _load(appointment_id: int) -> Appointment:
    appointment = db.session.scalar(
        sa.select(Appointment)
        .where(Appointment.id == appointment_id)
        .options(
            joinedload(Appointment.customer),
            joinedload(Appointment.type),
            joinedload(Appointment.status),
            joinedload(Appointment.branch),
        )
    )
    if appointment is None:
        abort(404)
    return appointment


@bp.get("/<int:appointment_id>")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def show(appointment_id: int):
    """An appointment and its reminder: the SMS and its status, or why none is sent."""
    appointment = _load(appointment_id)
    message = (
        db.session.get(SmsMessage, appointment.reminder_message_id)
        if appointment.reminder_message_id
        else None
    )
    return render(
        "appointments/show.html",
        "appointments/_detail.html",
        appointment=appointment,
        message=message,
        reason_text=reason_text,
    )


@bp.get("/<int:appointment_id>/edit")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def edit(appointment_id: int):
    """The form to edit an appointment."""
    appointment = _load(appointment_id)
    local = utc_to_local(appointment.starts_at, tz_name())
    form = AppointmentForm(
        obj=appointment,
        appointment=appointment,
        customer_ref=customer_service.reference_of(appointment.customer),
        start_date=local.date(),
        start_time=local.time().replace(tzinfo=None),
    )
    form.customer_record = appointment.customer
    return render(
        "appointments/form.html", "appointments/_form.html", **_form_ctx(form, appointment)
    )


@bp.post("/<int:appointment_id>/edit")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def update(appointment_id: int):
    """Save an appointment."""
    appointment = _load(appointment_id)
    form = AppointmentForm(appointment=appointment)
    if not form.validate_on_submit():
        return render(
            "appointments/form.html",
            "appointments/_form.html",
            status=422,
            **_form_ctx(form, appointment),
        )
    appointment_service.save_appointment(db.session, appointment, form.values(tz_name()))
    db.session.commit()
    flash(_("Der Termin wurde gespeichert."), "success")
    return htmx_or_redirect(url_for("appointments.show", appointment_id=appointment.id))
