"""Template globals and filters: navigation by role, dates in the user's language."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, get_locale, lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from app.blueprints.auth.decorators import PUBLIC, access_of

# (endpoint, label): what a role sees is derived from each endpoint's declared access.
NAVIGATION = (
    ("main.index", _l("Übersicht")),
    ("customers.index", _l("Kunden")),
    ("interfaces.index", _l("Schnittstellen")),
    ("branches.index", _l("Filialen")),
    ("workstations.index", _l("Arbeitsplätze")),
    ("users.index", _l("Benutzer")),
    ("chain.edit", _l("Filialkette")),
    ("audit.index", _l("Protokoll")),
)


def navigation() -> list[dict]:
    """The menu entries the current user may open."""
    if not current_user.is_authenticated:
        return []
    items = []
    for endpoint, label in NAVIGATION:
        access = access_of(endpoint)
        if access is None or (access is not PUBLIC and current_user.role not in access):
            continue
        items.append({
            "endpoint": endpoint,
            "label": label,
            "url": url_for(endpoint),
            "active": request.endpoint is not None
            and request.endpoint.split(".")[0] == endpoint.split(".")[0],
        })
    return items


def can(endpoint: str) -> bool:
    """Whether the current user may use an endpoint (to hide buttons they could not use)."""
    access = access_of(endpoint)
    if access is None:
        return False
    if access is PUBLIC:
        return True
    return current_user.is_authenticated and current_user.role in access


def fmt_datetime(value: datetime | None, style: str = "medium") -> str:
    """A UTC timestamp shown in the portal's time zone and the user's language."""
    return format_datetime(value, style) if value else "—"


def fmt_date(value: date | datetime | None, style: str = "medium") -> str:
    """A date in the user's language."""
    return format_date(value, style) if value else "—"


def yesno(value: bool) -> Markup:
    """A check mark or a dash, with a text for screen readers."""
    from flask_babel import gettext as _

    if value:
        return Markup('<span aria-label="{}" title="{}">✔</span>').format(_("ja"), _("ja"))
    return Markup('<span aria-label="{}" class="muted">–</span>').format(_("nein"))


def reveal_allowed() -> bool:
    """Whether the eye to reveal stored secrets is shown: admins, and only with the chain option."""
    from app.models import Chain

    return (current_user.is_authenticated and current_user.role == "admin"
            and Chain.get().admins_may_view_passwords)


def audit_label(action: str) -> str:
    """An audit event's name in the user's language."""
    from flask_babel import gettext as _

    return {"reveal": _("Passwort angezeigt"), "reveal_failed": _("Falsches Passwort bei Anzeige"),
            "reveal_locked": _("Anzeige gesperrt"), "option_on": _("Passwortanzeige eingeschaltet"),
            "option_off": _("Passwortanzeige ausgeschaltet"),
            "option_denied": _("Falsches Passwort bei Sicherheitseinstellung")}.get(action, action)


def role_label(role: str) -> str:
    """The role's name in the user's language."""
    from flask_babel import gettext as _

    return {"admin": _("Administrator"), "employee": _("Mitarbeiter"), "helpdesk": _("Helpdesk")}.get(
        role, role
    )


def init_app(app: Flask) -> None:
    """Register the helpers."""
    app.jinja_env.globals.update(navigation=navigation, can=can, role_label=role_label, reveal_allowed=reveal_allowed, audit_label=audit_label, get_locale=get_locale)
    app.jinja_env.filters.update(datetime=fmt_datetime, date=fmt_date, yesno=yesno)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
