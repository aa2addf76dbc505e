"""Reveal a stored secret after the admin re-enters their own password (seed: "Passwort", the eye)."""
from __future__ import annotations

from flask import abort, make_response, render_template, request, session
from flask_babel import format_datetime, gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField

from app.blueprints.auth.decorators import role_required
from app.blueprints.interfaces import bp
from app.extensions import db, secret_box
from app.htmx import retarget, template_for, trigger, vary, wants_fragment
from app.models import Chain, Interface, Role
from app.models.base import utcnow
from app.services import interface_types, reveal as rules
from app.services.interfaces import read_secret
from app.services.secrets import SecretError


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
    html = render_template(template, interface=interface, secret=secret, form=form, error=error,
                           lock=lock, lock_until=format_datetime(lock.until, "short") if lock and lock.locked
                           else None, reauth_fresh=rules.reauth_fresh(session.get("reauth_at")))
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
    """Check the password (or a re-authentication of the last 5 minutes) and show the secret."""
    interface, secret = _target(interface_id, field)
    form = RevealForm()
    if not form.validate_on_submit():
        abort(400)
    addr = request.remote_addr or ""
    if rules.address_limited(db.session, addr):
        resp = _dialog(interface, secret, form, status=429,
                       error=_("Zu viele Versuche von dieser Adresse. Bitte warten Sie eine Minute."))
        return resp
    lock = rules.lock_state(db.session, current_user.id)
    if lock.locked:
        rules.audit(db.session, "reveal_locked", current_user, addr, ok=False, interface=interface,
                    field=field)
        db.session.commit()
        return _dialog(interface, secret, form, status=429, lock=lock)
    fresh = rules.reauth_fresh(session.get("reauth_at"))
    if not fresh:
        if not form.password.data or not current_user.check_password(form.password.data):
            rules.audit(db.session, "reveal_failed", current_user, addr, ok=False, interface=interface,
                        field=field)
            db.session.commit()
            lock = rules.lock_state(db.session, current_user.id)
            if lock.locked:
                return _dialog(interface, secret, form, status=429, lock=lock)
            return _dialog(interface, secret, form, status=422, lock=lock, error=_(
                "Das Passwort ist falsch. Noch %(n)d Versuch(e), dann wird die Anzeige für 15 Minuten "
                "gesperrt.", n=lock.failures_left))
        session["reauth_at"] = _utc_timestamp()
    try:
        value = read_secret(secret_box(), interface, field)
    except SecretError:
        value = None
    rules.audit(db.session, "reveal", current_user, addr, ok=value is not None, interface=interface,
                field=field)
    db.session.commit()
    if value is None:
        return _dialog(interface, secret, form, status=422, error=_(
            "Der gespeicherte Wert kann mit den konfigurierten Schlüsseln nicht entschlüsselt werden."))
    template = template_for("interfaces/revealed.html", "interfaces/_revealed.html")
    resp = make_response(render_template(template, interface=interface, secret=secret, value=value,
                                         seconds=rules.HIDE_AFTER_SECONDS))
    if wants_fragment():
        trigger(resp, {"dialog-close": None})
    return _no_store(resp)


def _utc_timestamp() -> float:
    from datetime import timezone

    return utcnow().replace(tzinfo=timezone.utc).timestamp()
