"""Reveal a stored secret after the admin re-enters their own password (seed: "Passwort", the eye)."""

from __future__ import annotations

from flask import abort, make_response, render_template, request, session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField

from app.blueprints.auth.decorators import role_required
from app.blueprints.interfaces import bp
from app.extensions import db, secret_box
from app.htmx import retarget, template_for, trigger, vary, wants_fragment
from app.models import Chain, Interface, Role
from app.services import interface_types
from app.services import reveal as rules
from app.services.reveal import Outcome
from app.template_helpers import fmt_datetime


class RevealForm(FlaskForm):
    """The admin's own password."""

    password = PasswordField(render_kw={"autocomplete": "current-password", "autofocus": True})


def _no_store(resp):
    """Neither browsers nor proxies may keep a dialog or a revealed secret."""
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Pragma"] = "no-cache"
    return vary(resp)


def _target(interface_id: int, field: str) -> tuple[Interface, object]:
    """The interface and secret field, after every rule that does not need the password."""
    if not Chain.get().admins_may_view_passwords:
        abort(403)
    interface = db.get_or_404(Interface, interface_id)
    itype = interface_types.get(interface.type_key)
    secret = next((s for s in (itype.secret_fields if itype else ()) if s.name == field), None)
    if secret is None or not any(s.field == field for s in interface.secrets):
        abort(404)
    return interface, secret


def _dialog(interface, secret, form, status=200, error=None, lock=None):
    template = template_for("interfaces/reveal.html", "interfaces/_reveal_dialog.html")
    html = render_template(
        template,
        interface=interface,
        secret=secret,
        form=form,
        error=error,
        lock=lock,
        lock_until=fmt_datetime(lock.until, "short") if lock and lock.locked else None,
        reauth_fresh=rules.reauth_fresh(session.get("reauth_at")),
    )
    resp = make_response(html, status)
    if wants_fragment():
        # The dialog's form targets the secret's slot; a refusal goes back into the dialog.
        retarget(resp, "#dialog")
    return _no_store(resp)


@bp.get("/<int:interface_id>/secrets/<field>/reveal")
@role_required(Role.ADMIN)
def reveal_dialog(interface_id: int, field: str):
    """The dialog asking for the admin's own password."""
    interface, secret = _target(interface_id, field)
    lock = rules.lock_state(db.session, current_user.id)
    return _dialog(interface, secret, RevealForm(), lock=lock)


@bp.post("/<int:interface_id>/secrets/<field>/reveal")
@role_required(Role.ADMIN)
def reveal(interface_id: int, field: str):
    """Show the secret after the policy in app/services/reveal.py; map its outcome to a response."""
    interface, secret = _target(interface_id, field)
    form = RevealForm()
    if not form.validate_on_submit():
        abort(400)
    result = rules.attempt(
        db.session,
        secret_box(),
        current_user,
        current_user.check_password,
        form.password.data,
        interface,
        field,
        request.remote_addr or "",
        session.get("reauth_at"),
    )
    if result.reauth_at is not None:
        session["reauth_at"] = result.reauth_at
    if result.outcome is Outcome.ADDRESS_LIMITED:
        return _dialog(
            interface,
            secret,
            form,
            status=429,
            error=_("Zu viele Versuche von dieser Adresse. Bitte warten Sie eine Minute."),
        )
    if result.outcome is Outcome.LOCKED:
        return _dialog(interface, secret, form, status=429, lock=result.lock)
    if result.outcome is Outcome.WRONG_PASSWORD:
        return _dialog(
            interface,
            secret,
            form,
            status=422,
            lock=result.lock,
            error=ngettext(
                "Das Passwort ist falsch. Noch %(num)d Versuch, dann wird die Anzeige für 15 Minuten "
                "gesperrt.",
                "Das Passwort ist falsch. Noch %(num)d Versuche, dann wird die Anzeige für 15 "
                "Minuten gesperrt.",
                result.lock.failures_left,
            ),
        )
    if result.outcome is Outcome.UNREADABLE:
        return _dialog(
            interface,
            secret,
            form,
            status=422,
            error=_(
                "Der gespeicherte Wert kann mit den konfigurierten Schlüsseln nicht entschlüsselt werden."
            ),
        )
    template = template_for("interfaces/revealed.html", "interfaces/_revealed.html")
    resp = make_response(
        render_template(
            template,
            interface=interface,
            secret=secret,
            value=result.value,
            seconds=rules.HIDE_AFTER_SECONDS,
        )
    )
    if wants_fragment():
        trigger(resp, {"dialog-close": None})
    return _no_store(resp)
