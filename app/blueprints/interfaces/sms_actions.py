"""SMSAPI actions on an interface: the three-step Test-SMS dialog and the balance lookup."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.actions import outcome_page, require_form
from app.blueprints.auth.decorators import role_required
from app.blueprints.interfaces import bp
from app.blueprints.interfaces.forms import NumberStepForm, TextStepForm
from app.blueprints.interfaces.test_dialog import TestDialog
from app.extensions import db, secret_box
from app.htmx import render, trigger, wants_fragment
from app.i18n import N_
from app.models import Role
from app.services import sms, sms_length
from app.services.clock import local_today
from app.services.interfaces import status_of
from app.services.smsapi import GatewayError

DIALOG = TestDialog("sms", "smsapi", N_("Test SMS absenden"), ("text", "number", "result"))


def _refused(step: str, interface, form, text: str, exc: sms.SmsInputError):
    """A step again with the objection to its input (422)."""
    return DIALOG.step(
        step, interface, status=422, form=form, error=exc.message, length=sms_length.count(text)
    )


@bp.get("/<int:interface_id>/test-sms")
@role_required(Role.ADMIN)
def test_sms(interface_id: int):
    """Step 1 of "Test SMS absenden": the text, with the live character and parts counter."""
    interface = DIALOG.interface(interface_id)
    form = TextStepForm()
    form.text.data = _("Test-SMS vom Schnittstellenportal")
    return DIALOG.step("text", interface, form=form, length=sms_length.count(form.text.data))


@bp.post("/<int:interface_id>/test-sms/text")
@role_required(Role.ADMIN)
def test_sms_text(interface_id: int):
    """Step 1 again ("Zurück" from step 2), with the text as it was."""
    interface, form = DIALOG.posted(interface_id, TextStepForm())
    return DIALOG.step("text", interface, form=form, length=sms_length.count(form.text.data or ""))


@bp.post("/<int:interface_id>/test-sms/number")
@role_required(Role.ADMIN)
def test_sms_number(interface_id: int):
    """Step 2: check the text, then ask for the mobile number."""
    interface, form = DIALOG.posted(interface_id, TextStepForm())
    text = form.text.data or ""
    try:
        length = sms.check_text(interface, text)
    except sms.SmsInputError as exc:
        return _refused("text", interface, form, text, exc)
    number_form = NumberStepForm(formdata=None, text=text)
    return DIALOG.step("number", interface, form=number_form, length=length)


@bp.post("/<int:interface_id>/test-sms/send")
@role_required(Role.ADMIN)
def test_sms_send(interface_id: int):
    """Step 3: check the number, send, and show the gateway's answer or the error in place."""
    interface, form = DIALOG.posted(interface_id, NumberStepForm())
    text = form.text.data or ""
    try:
        prepared = sms.prepare(interface, form.number.data or "", text)
    except sms.SmsInputError as exc:
        # Back to the step whose input the gateway's rules refused.
        if exc.field == "text":
            step, form = "text", TextStepForm(formdata=None, text=form.text.data)
        else:
            step = "number"
        return _refused(step, interface, form, text, exc)
    message = sms.send_now(
        db.session,
        secret_box(),
        interface,
        prepared,
        "test",
        actor=current_user,
        timeouts=current_app.config["SMS_TIMEOUTS"],
    )
    # The history shows the attempt; the list's status follows the outcome.
    return DIALOG.result(
        interface,
        {"interface-history": interface.id, "interface-saved": interface.id},
        message=message,
        prepared=prepared,
    )


@bp.post("/<int:interface_id>/balance")
@role_required(Role.ADMIN, Role.HELPDESK)
def balance(interface_id: int):
    """ "Guthaben abfragen": the credits in place; value and time are kept with the interface."""
    interface = DIALOG.interface(interface_id)
    require_form()
    outcome = sms.check_balance(
        db.session,
        secret_box(),
        interface,
        actor=current_user,
        timeouts=current_app.config["SMS_TIMEOUTS"],
    )
    error = outcome.user_message if isinstance(outcome, GatewayError) else None
    if not wants_fragment():
        return outcome_page(
            url_for("interfaces.show", interface_id=interface.id),
            error
            or _(
                "Guthaben: %(points)s Punkte",
                points="—" if outcome.points is None else f"{outcome.points:.2f}",
            ),
            ok=not error,
        )
    day = local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    resp = render(
        "interfaces/show.html",
        "interfaces/_balance_result.html",
        interface=interface,
        error=error,
        interface_status=status_of(interface.start_date, interface.last_error, day),
    )
    return trigger(resp, {"interface-history": interface.id, "interface-saved": interface.id})
