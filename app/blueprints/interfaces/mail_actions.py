"""E-Mail (SMTP) actions on an interface: the two-step "Test-E-Mail senden" dialog."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from app.blueprints.auth.decorators import role_required
from app.blueprints.interfaces import bp
from app.blueprints.interfaces.test_dialog import TestDialog
from app.extensions import db, secret_box
from app.i18n import N_, current_language
from app.models import Role
from app.services import mail


class AddressStepForm(FlaskForm):
    """Step 1: where the test mail goes."""

    address = StringField(
        render_kw={"autocomplete": "email", "inputmode": "email", "autofocus": True}
    )


DIALOG = TestDialog("email", "email_smtp", N_("Test-E-Mail senden"), ("address", "result"))


@bp.get("/<int:interface_id>/test-email")
@role_required(Role.ADMIN)
def test_email(interface_id: int):
    """Step 1 of "Test-E-Mail senden": the recipient, prefilled with the admin's own address."""
    interface = DIALOG.interface(interface_id)
    form = AddressStepForm(formdata=None, address=current_user.record().email or "")
    return DIALOG.step("address", interface, form=form)


@bp.post("/<int:interface_id>/test-email")
@role_required(Role.ADMIN)
def test_email_send(interface_id: int):
    """Step 2: check the address, send now, show the server's answer or the error in place."""
    interface, form = DIALOG.posted(interface_id, AddressStepForm())
    try:
        address = mail.check_address(form.address.data or "")
    except mail.MailInputError as exc:
        return DIALOG.step("address", interface, status=422, form=form, error=exc.message)
    message = mail.send_test(
        db.session,
        secret_box(),
        interface,
        address,
        actor=current_user,
        language=current_language(),
        timeout=current_app.config["SMTP_TIMEOUT"],
    )
    return DIALOG.result(interface, {"interface-history": interface.id}, message=message)
