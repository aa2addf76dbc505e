"""E-Mail (SMTP) actions on an interface: the two-step "Test-E-Mail senden" dialog."""

from __future__ import annotations

from flask import abort, current_app
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from app.blueprints.auth.decorators import role_required
from app.blueprints.interfaces import bp
from app.extensions import db, secret_box
from app.htmx import render, trigger
from app.i18n import current_language
from app.models import Interface, Role
from app.services import mail


class AddressStepForm(FlaskForm):
    """Step 1: where the test mail goes."""

    address = StringField(
        render_kw={"autocomplete": "email", "inputmode": "email", "autofocus": True}
    )


def _mail_interface(interface_id: int) -> Interface:
    interface = db.get_or_404(Interface, interface_id)
    if interface.type_key != "email_smtp":
        abort(404)
    return interface


def _step(step: str, interface: Interface, status: int = 200, **ctx):
    ctx.setdefault("error", None)
    return render(
        "interfaces/test_email.html",
        f"interfaces/_test_email_{step}.html",
        status=status,
        interface=interface,
        step=step,
        **ctx,
    )


@bp.get("/<int:interface_id>/test-email")
@role_required(Role.ADMIN)
def test_email(interface_id: int):
    """Step 1 of "Test-E-Mail senden": the recipient, prefilled with the admin's own address."""
    interface = _mail_interface(interface_id)
    form = AddressStepForm(formdata=None, address=current_user.record().email or "")
    return _step("address", interface, form=form)


@bp.post("/<int:interface_id>/test-email")
@role_required(Role.ADMIN)
def test_email_send(interface_id: int):
    """Step 2: check the address, send now, show the server's answer or the error in place."""
    interface = _mail_interface(interface_id)
    form = AddressStepForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        address = mail.check_address(form.address.data or "")
    except mail.MailInputError as exc:
        return _step("address", interface, status=422, form=form, error=exc.message)
    message = mail.send_test(
        db.session,
        secret_box(),
        interface,
        address,
        actor=current_user,
        language=current_language(),
        timeout=current_app.config["SMTP_TIMEOUT"],
    )
    return trigger(_step("result", interface, message=message), {"interface-history": interface.id})
