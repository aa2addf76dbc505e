"""SiNNO-App Service actions on an interface: Anmelden, Abmelden (after a warning), the state in place."""

from __future__ import annotations

from flask import abort, current_app, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.blueprints.auth.decorators import role_required
from app.blueprints.interfaces import bp
from app.extensions import db, secret_box
from app.htmx import htmx_or_redirect, is_htmx, render, trigger
from app.models import Interface, Role
from app.services import sinno_interface
from app.services.sinno_interface import DEFAULT_TIMEOUTS


def _sinno_interface(interface_id: int) -> Interface:
    interface = db.get_or_404(Interface, interface_id)
    if interface.type_key != sinno_interface.TYPE_KEY:
        abort(404)
    return interface


def timeouts() -> tuple[float, float]:
    """Connect and read timeouts for SiNNO calls made while a person waits."""
    return tuple(current_app.config.get("SINNO_TIMEOUTS", DEFAULT_TIMEOUTS))


def _fragment(interface: Interface, status: int = 200, **ctx):
    ctx.setdefault("error", None)
    ctx.setdefault("missing", [])
    ctx.setdefault("message", None)
    resp = current_app.make_response(
        (
            render_template(
                "interfaces/actions/_sinno_session.html",
                interface=interface,
                logged_in=sinno_interface.is_logged_in(interface),
                **ctx,
            ),
            status,
        )
    )
    resp.vary.add("HX-Request")
    return resp


@bp.get("/<int:interface_id>/sinno/session")
@role_required(Role.ADMIN)
def sinno_session(interface_id: int):
    """The log-in state fragment (refreshed after Abmelden)."""
    interface = _sinno_interface(interface_id)
    if not is_htmx():
        return htmx_or_redirect(url_for("interfaces.show", interface_id=interface.id))
    return _fragment(interface)


@bp.post("/<int:interface_id>/sinno/login")
@role_required(Role.ADMIN)
def sinno_login(interface_id: int):
    """Anmelden: the prerequisite first (each branch without e-mail named), then the service."""
    interface = _sinno_interface(interface_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    outcome = sinno_interface.login(db.session, secret_box(), interface, current_user, timeouts())
    if not is_htmx():
        flash(str(outcome.message), "success" if outcome.ok else "error")
        return htmx_or_redirect(url_for("interfaces.show", interface_id=interface.id))
    resp = _fragment(
        interface,
        status=422 if outcome.missing_email else 200,
        error=None if outcome.ok else outcome.message,
        message=outcome.message if outcome.ok else None,
        missing=outcome.missing_email,
    )
    return trigger(resp, {"interface-history": interface.id})


@bp.get("/<int:interface_id>/sinno/logout")
@role_required(Role.ADMIN)
def sinno_logout_confirm(interface_id: int):
    """The confirmation dialog with the vendor's warning."""
    interface = _sinno_interface(interface_id)
    return render(
        "interfaces/sinno_logout.html",
        "interfaces/_sinno_logout_dialog.html",
        interface=interface,
        error=None,
    )


@bp.post("/<int:interface_id>/sinno/logout")
@role_required(Role.ADMIN)
def sinno_logout(interface_id: int):
    """Abmelden at the service; the token is forgotten only when the service agreed."""
    interface = _sinno_interface(interface_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    outcome = sinno_interface.logout(db.session, secret_box(), interface, current_user, timeouts())
    if not is_htmx():
        flash(str(outcome.message), "success" if outcome.ok else "error")
        return htmx_or_redirect(url_for("interfaces.show", interface_id=interface.id))
    if not outcome.ok:
        resp = render(
            "interfaces/sinno_logout.html",
            "interfaces/_sinno_logout_dialog.html",
            interface=interface,
            error=outcome.message,
        )
        return trigger(resp, {"interface-history": interface.id})
    resp = current_app.make_response(("", 204))
    # dialog-close last: it empties the dialog, and events fired on a detached form go nowhere.
    return trigger(
        resp,
        {
            "sinno-session": interface.id,
            "interface-history": interface.id,
            "toast": {"level": "success", "message": _("SiNNO-App Service abgemeldet.")},
            "dialog-close": None,
        },
    )
