"""One handler per error status: a page for browsers, a toast for htmx; no internals revealed."""

from __future__ import annotations

from flask import current_app, g, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.blueprints.errors import bp
from app.extensions import db
from app.htmx import is_htmx, toast, vary


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Ungültige Anfrage"), _("Die Anfrage konnte nicht verarbeitet werden.")),
        403: (
            _("Keine Berechtigung"),
            _("Sie haben keine Berechtigung für diese Seite oder Aktion."),
        ),
        404: (_("Nicht gefunden"), _("Die angeforderte Seite gibt es nicht (mehr).")),
        405: (_("Nicht erlaubt"), _("Diese Aktion ist auf diesem Weg nicht erlaubt.")),
        413: (
            _("Zu viele Daten"),
            _("Die gesendeten Daten sind zu groß. Bitte kürzen Sie Ihre Eingaben."),
        ),
        429: (
            _("Zu viele Anfragen"),
            _("Bitte warten Sie einen Moment und versuchen Sie es dann erneut."),
        ),
        500: (
            _("Interner Fehler"),
            _("Es ist ein unerwarteter Fehler aufgetreten. Er wurde protokolliert."),
        ),
    }


def render_error(status: int, detail: str | None = None):
    """Render an error as a page, or as a toast for htmx requests."""
    title, text = _messages().get(status, _messages()[500])
    text = detail or text
    if is_htmx():
        return vary(toast(_empty(status), text))
    return render_template("errors/error.html", status=status, title=title, text=text), status


def _empty(status: int):
    return make_response("", status)


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    """An expired or missing CSRF token: say so in plain words, and log the reason."""
    # The user sees one message; the reason (e.g. a proxy dropping the Referer) is for IT.
    current_app.logger.info(
        "CSRF check failed for %s %s: %s", request.method, request.path, error.description
    )
    return render_error(
        400,
        _(
            "Das Formular ist abgelaufen oder ungültig. Bitte laden Sie die Seite neu "
            "und versuchen Sie es erneut."
        ),
    )


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Every other HTTP error (403, 404, 405, 429 ...)."""
    status = error.code or 500
    if status in (400, 429) and _is_own(error):
        return render_error(status, error.description)
    if status == 429:
        return render_error(429)
    resp = make_response(
        render_error(status if status in _messages() else 400 if status < 500 else 500)
    )
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        resp.headers["Allow"] = ", ".join(error.valid_methods)  # a 405 must name them (RFC 9110)
    return resp


@bp.app_errorhandler(500)
def internal_error(error: Exception):
    """An unexpected exception: roll back, log it (done by Flask), show nothing of it."""
    db.session.rollback()
    if "_login_user" not in g:
        # The account could not be loaded (e.g. the database is down): draw the page for an
        # anonymous visitor rather than fail again while drawing it.
        current_app.login_manager._update_request_context_with_user()
    return render_error(500)


def _is_own(error: HTTPException) -> bool:
    """Our own 429 messages are plain words; library defaults are replaced by ours."""
    return bool(getattr(error, "portal_message", False))
