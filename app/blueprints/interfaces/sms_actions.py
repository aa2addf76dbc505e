"""SMSAPI actions on an interface: the three-step Test-SMS dialog and the balance lookup."""

from __future__ import annotations

from flask import abort, current_app, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.blueprints.auth.decorators import role_required
from app.blueprints.interfaces import bp
from app.blueprints.interfaces.forms import NumberStepForm, TextStepForm
from app.extensions import db, secret_box
from app.htmx import htmx_or_redirect, render, trigger, wants_fragment
from app.models import Interface, Role
from app.services import sms, sms_length
from app.services.clock import local_today
from app.services.interfaces import status_of
from app.services.smsapi import GatewayError


def _sms_interface(interface_id: int) -> Interface:
    interface = db.get_or_404(Interface, interface_id)
    if interface.type_key != "smsapi":
        abort(404)
    return interface


def _step(step: str, interface: Interface, status: int = 200, **ctx):
    ctx.setdefault("error", None)
    return render(
        "interfaces/test_sms.html",
        f"interfaces/_test_sms_{step}.html",
        status=status,
        interface=interface,
        step=step,
        **ctx,
    )


@bp.get("/<int:interface_id>/test-sms")
@role_required(Role.ADMIN)
def test_sms(interface_id: int):
    """Step 1 of "Test SMS absenden": the text, with the live character and parts counter."""
    interface = _sms_interface(interface_id)
    form = TextStepForm()
    form.text.data = _("Test-SMS vom Schnittstellenportal")
    return _step("text", interface, form=form, length=sms_length.count(form.text.data))


@bp.post("/<int:interface_id>/test-sms/number")
@role_required(Role.ADMIN)
def test_sms_number(interface_id: int):
    """Step 2: check the text, then ask for the mobile number."""
    interface = _sms_interface(interface_id)
    form = TextStepForm()
    text = form.text.data or ""
    if not form.validate_on_submit():
        abort(400)
    try:
        length = sms.check_text(interface, text)
    except sms.SmsInputError as exc:
        return _step(
            "text",
            interface,
            status=422,
            form=form,
            error=exc.message,
            length=sms_length.count(text),
        )
    number_form = NumberStepForm(formdata=None, text=text)
    return _step("number", interface, form=number_form, length=length)


@bp.post("/<int:interface_id>/test-sms/send")
@role_required(Role.ADMIN)
def test_sms_send(interface_id: int):
    """Step 3: check the number, send, and show the gateway's answer or the error in place."""
    interface = _sms_interface(interface_id)
    form = NumberStepForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        prepared = sms.prepare(interface, form.number.data or "", form.text.data or "")
    except sms.SmsInputError as exc:
        if exc.field == "text":
            text_form = TextStepForm(formdata=None, text=form.text.data)
            return _step(
                "text",
                interface,
                status=422,
                form=text_form,
                error=exc.message,
                length=sms_length.count(form.text.data or ""),
            )
        return _step(
            "number",
            interface,
            status=422,
            form=form,
            error=exc.message,
            length=sms_length.count(form.text.data or ""),
        )
    message = sms.send_now(
        db.session,
        secret_box(),
        interface,
        prepared,
        "test",
        actor=current_user,
        timeouts=current_app.config["SMS_TIMEOUTS"],
    )
    resp = _step("result", interface, message=message, prepared=prepared)
    # The history shows the attempt; the list's status follows the outcome.
    return trigger(resp, {"interface-history": interface.id, "interface-saved": interface.id})


@bp.post("/<int:interface_id>/balance")
@role_required(Role.ADMIN, Role.HELPDESK)
def balance(interface_id: int):
    """ "Guthaben abfragen": the credits in place; value and time are kept with the interface."""
    interface = _sms_interface(interface_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    outcome = sms.check_balance(
        db.session,
        secret_box(),
        interface,
        actor=current_user,
        timeouts=current_app.config["SMS_TIMEOUTS"],
    )
    error = outcome.user_message if isinstance(outcome, GatewayError) else None
    if not wants_fragment():
        flash(
            error
            or _(
                "Guthaben: %(points)s Punkte",
                points="—" if outcome.points is None else f"{outcome.points:.2f}",
            ),
            "error" if error else "success",
        )
        return htmx_or_redirect(url_for("interfaces.show", interface_id=interface.id))
    day = local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    resp = render(
        "interfaces/show.html",
        "interfaces/_balance_result.html",
        interface=interface,
        error=error,
        interface_status=status_of(interface.start_date, interface.last_error, day),
    )
    return trigger(resp, {"interface-history": interface.id, "interface-saved": interface.id})
