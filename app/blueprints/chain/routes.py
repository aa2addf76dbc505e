"""The chain's settings page."""

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.auth.decorators import role_required
from app.blueprints.chain import bp
from app.blueprints.chain.forms import ChainForm, SecurityForm
from app.extensions import db
from app.htmx import htmx_or_redirect, render
from app.models import Chain, Role
from app.services import reveal
from app.services.reveal import audit
from app.template_helpers import fmt_datetime


@bp.get("/")
@role_required(Role.ADMIN)
def edit():
    """Show the chain's settings."""
    chain = Chain.get()
    return render(
        "chain/edit.html",
        "chain/_form.html",
        form=ChainForm(obj=chain),
        chain=chain,
        security_form=SecurityForm(obj=chain),
    )


@bp.post("/")
@role_required(Role.ADMIN)
def update():
    """Save the chain's name."""
    chain = Chain.get_or_create()
    form = ChainForm()
    if not form.validate_on_submit():
        return render(
            "chain/edit.html",
            "chain/_form.html",
            status=422,
            form=form,
            chain=chain,
            security_form=SecurityForm(obj=chain),
        )
    chain.name = form.name.data.strip()
    db.session.commit()
    flash(_("Die Einstellungen der Filialkette wurden gespeichert."), "success")
    return htmx_or_redirect(url_for("chain.edit"))


@bp.post("/security")
@role_required(Role.ADMIN)
def security():
    """Switch the password-reveal option; the admin confirms with their own password."""
    chain = Chain.get_or_create()
    form = SecurityForm()
    ok = form.validate_on_submit()
    status = 422
    if ok:
        result = reveal.confirm_password(
            db.session,
            current_user,
            current_user.check_password,
            form.current_password.data,
            request.remote_addr or "",
        )
        if result.outcome is reveal.Outcome.LOCKED:
            status = 429
            form.current_password.errors.append(
                _(
                    "Nach zu vielen falschen Passworteingaben gesperrt bis %(time)s.",
                    time=fmt_datetime(result.lock.until, "short"),
                )
            )
        elif result.outcome is reveal.Outcome.WRONG_PASSWORD:
            form.current_password.errors.append(_("Das Passwort ist falsch."))
        ok = result.outcome is reveal.Outcome.CONFIRMED
    if not ok:
        return render(
            "chain/edit.html",
            "chain/_security.html",
            status=status,
            form=ChainForm(obj=chain),
            chain=chain,
            security_form=form,
        )
    if chain.admins_may_view_passwords != form.admins_may_view_passwords.data:
        chain.admins_may_view_passwords = form.admins_may_view_passwords.data
        record_security_change(db.session, current_user, chain.admins_may_view_passwords)
    db.session.commit()
    flash(_("Die Sicherheitseinstellung wurde gespeichert."), "success")
    return htmx_or_redirect(url_for("chain.edit"))


def record_security_change(session, actor, enabled: bool) -> None:
    """Audit the security option's change (who, when, from where)."""
    audit(session, "option_on" if enabled else "option_off", actor, request.remote_addr or "")
