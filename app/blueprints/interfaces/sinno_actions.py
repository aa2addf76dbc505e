"""SiNNO-App Service actions on an interface: Anmelden, Abmelden (after a warning), the state in place."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.actions import interface_of_type, outcome_page, require_form
from app.blueprints.auth.decorators import role_required
from app.blueprints.interfaces import bp
from app.extensions import db, secret_box
from app.htmx import fragment, fragment_or_redirect, is_htmx, no_content, render, trigger
from app.models import Interface, Role
from app.services import sinno_interface


def _sinno_interface(interface_id: int) -> Interface:
    return interface_of_type(interface_id, sinno_interface.TYPE_KEY)


def _show_url(interface: Interface) -> str:
    return url_for("interfaces.show", interface_id=interface.id)


def _session_context(interface: Interface, **ctx) -> dict:
    return {
        "interface": interface,
        "logged_in": sinno_interface.is_logged_in(interface),
        "error": None,
        "missing": [],
        "message": None,
        **ctx,
    }


def _session_action(interface_id: int, call, answer):
    """Anmelden or Abmelden: the posted form checked, then the service asked while the user waits.

    A page request goes back to the interface with the outcome flashed; htmx gets
    `answer(interface, outcome)`.
    """
    interface = _sinno_interface(interface_id)
    require_form()
    outcome = call(
        db.session, secret_box(), interface, current_user, current_app.config["SINNO_TIMEOUTS"]
    )
    if not is_htmx():
        return outcome_page(_show_url(interface), outcome.message, ok=outcome.ok)
    return answer(interface, outcome)


def _logout_dialog(interface: Interface, error=None):
    return render(
        "interfaces/sinno_logout.html",
        "interfaces/_sinno_logout_dialog.html",
        interface=interface,
        error=error,
    )


@bp.get("/<int:interface_id>/sinno/session")
@role_required(Role.ADMIN)
def sinno_session(interface_id: int):
    """The log-in state fragment (refreshed after Abmelden)."""
    interface = _sinno_interface(interface_id)
    return fragment_or_redirect(
        "interfaces/actions/_sinno_session.html",
        _show_url(interface),
        **_session_context(interface),
    )


@bp.post("/<int:interface_id>/sinno/login")
@role_required(Role.ADMIN)
def sinno_login(interface_id: int):
    """Anmelden: the prerequisite first (each branch without e-mail named), then the service."""
    return _session_action(interface_id, sinno_interface.login, _logged_in)


def _logged_in(interface: Interface, outcome):
    """The log-in state in place with the outcome; 422 when branches lack an e-mail address."""
    resp = fragment(
        "interfaces/actions/_sinno_session.html",
        status=422 if outcome.missing_email else 200,
        **_session_context(
            interface,
            error=None if outcome.ok else outcome.message,
            message=outcome.message if outcome.ok else None,
            missing=outcome.missing_email,
        ),
    )
    return trigger(resp, {"interface-history": interface.id})


@bp.get("/<int:interface_id>/sinno/logout")
@role_required(Role.ADMIN)
def sinno_logout_confirm(interface_id: int):
    """The confirmation dialog with the vendor's warning."""
    return _logout_dialog(_sinno_interface(interface_id))


@bp.post("/<int:interface_id>/sinno/logout")
@role_required(Role.ADMIN)
def sinno_logout(interface_id: int):
    """Abmelden at the service; the token is forgotten only when the service agreed."""
    return _session_action(interface_id, sinno_interface.logout, _logged_out)


def _logged_out(interface: Interface, outcome):
    """The dialog again with the fault, or the dialog closed and the log-in state refreshed."""
    if not outcome.ok:
        return trigger(
            _logout_dialog(interface, outcome.message), {"interface-history": interface.id}
        )
    # dialog-close last: it empties the dialog, and events fired on a detached form go nowhere.
    return no_content(
        {
            "sinno-session": interface.id,
            "interface-history": interface.id,
            "toast": {"level": "success", "message": _("SiNNO-App Service abgemeldet.")},
            "dialog-close": None,
        }
    )
