"""Employees send an SMS to a customer through the client-side SMS interface that applies to them."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.auth.decorators import login_required, role_required
from app.blueprints.sms import bp
from app.blueprints.sms.forms import SmsForm
from app.extensions import db, secret_box
from app.htmx import render
from app.models import Customer, Interface, Role
from app.models.outbox import FAILED
from app.request_guard import int_arg
from app.services import sms, sms_length
from app.services.clock import local_today
from app.services.interfaces import resolve
from app.services.smsapi import SmsApiSettings


@bp.get("/length")
@login_required
def length():
    """The live character and parts counter (the server's counter, so page and server agree)."""
    text = request.args.get("text", "")[:5000]
    if current_user.role in (Role.ADMIN, Role.HELPDESK):  # they may look at any interface
        interface = db.session.get(Interface, int_arg("interface_id") or 0)
    else:  # an employee counts against the interface that sends for them, and no other
        interface = _applicable()
    max_chars = SmsApiSettings.of(interface).max_chars if interface else None
    return render(
        "sms/_counter.html", "sms/_counter.html", length=sms_length.count(text), max_chars=max_chars
    )


def _applicable() -> Interface | None:
    """The client-side SMS interface for the user's branch and workstation, if any."""
    return resolve(
        db.session,
        "SMS",
        "client",
        local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"]),
        branch_id=current_user.branch_id,
        workstation_id=current_user.workstation_id,
        type_key="smsapi",
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.EMPLOYEE, Role.ADMIN)
def new():
    """Write and send an SMS to a customer or to a typed number.

    A customer without SMS consent needs an explicit confirmation (kept with the message), and the
    same text to the same number within a few minutes needs a second one (a double click is not a
    reason to send twice). After sending, the form starts empty again.
    """
    interface = _applicable()
    form = SmsForm()
    customer = None
    customer_id = int_arg("customer_id", values=request.values)
    if customer_id:
        customer = db.get_or_404(Customer, customer_id)
        if request.method == "GET":
            form.customer_id.data = str(customer.id)
            form.number.data = customer.mobile or ""
    ctx = dict(
        form=form,
        interface=interface,
        customer=customer,
        length=sms_length.count(form.text.data or ""),
        errors={},
        message=None,
        repeat_of=None,
    )
    if request.method == "GET":
        return render("sms/new.html", "sms/_form.html", **ctx)
    if not form.validate_on_submit():
        return render("sms/new.html", "sms/_form.html", status=400, **ctx)
    if interface is None:
        ctx["errors"] = {
            "form": _(
                "Für Ihre Filiale und Ihren Arbeitsplatz ist keine clientseitige "
                "SMS-Schnittstelle eingerichtet. Bitte wenden Sie sich an Ihren "
                "Administrator."
            )
        }
        return render("sms/new.html", "sms/_form.html", status=422, **ctx)
    number, text = form.number.data or "", form.text.data or ""
    try:
        prepared = sms.prepare(interface, number, text)
    except sms.SmsInputError:  # say what is wrong with each field, not only the first
        ctx["errors"] = sms.input_errors(interface, number, text)
        return render("sms/new.html", "sms/_form.html", status=422, **ctx)
    without_consent = customer is not None and not customer.sms_consent
    if without_consent and not form.confirm_no_consent.data:
        ctx["errors"] = {
            "confirm_no_consent": _(
                "Für diesen Kunden ist keine SMS-Einwilligung hinterlegt. Bitte bestätigen "
                "Sie ausdrücklich, dass die SMS trotzdem gesendet werden darf."
            )
        }
        return render("sms/new.html", "sms/_form.html", status=422, **ctx)
    if not form.confirm_repeat.data:
        ctx["repeat_of"] = sms.recent_duplicate(db.session, prepared)
        if ctx["repeat_of"] is not None:
            return render("sms/new.html", "sms/_form.html", status=422, **ctx)
    message = sms.send_now(
        db.session,
        secret_box(),
        interface,
        prepared,
        "customer",
        actor=current_user,
        customer_id=customer.id if customer else None,
        timeouts=current_app.config["SMS_TIMEOUTS"],
        retry=True,
        consent_confirmed=without_consent,
        portal_url=current_app.config["PORTAL_URL"],
    )
    ctx["message"] = message
    if message.status != FAILED:  # sent or queued for a retry: nothing left to send twice
        ctx["form"] = SmsForm(
            formdata=None,
            customer_id=str(customer.id) if customer else "",
            number=(customer.mobile or "") if customer else "",
        )
        ctx["length"] = sms_length.count("")
    return render("sms/new.html", "sms/_form.html", **ctx)
