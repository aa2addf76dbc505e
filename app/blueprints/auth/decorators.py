"""Access rules every route declares, enforced for every request before the view runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, make_response, redirect, request, url_for
from flask_login import current_user

from app.htmx import client_redirect, current_url, is_htmx
from app.models import Role

F = TypeVar("F", bound=Callable)
ACCESS_ATTR = "portal_access"
PUBLIC = frozenset({"*public*"})
ALL_ROLES = frozenset(r.value for r in Role)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Declare the roles that may use a view; anyone else gets 403, anonymous users the log-in."""
    allowed = frozenset(r.value for r in roles)
    if not allowed:
        raise ValueError("role_required needs at least one role")

    def decorate(view: F) -> F:
        setattr(view, ACCESS_ATTR, allowed)
        return view

    return decorate


def login_required(view: F) -> F:
    """Declare a view open to every logged-in user, whatever the role."""
    setattr(view, ACCESS_ATTR, ALL_ROLES)
    return view


def public(view: F) -> F:
    """Declare a view open to anonymous visitors (log-in page, language switch)."""
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def access_of(endpoint: str) -> frozenset[str] | None:
    """The declared access of an endpoint, or None when it declares nothing."""
    if endpoint == "static":
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTR, None)


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths are followed after log-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def login_url_for_here() -> str:
    """The log-in URL that brings the user back to where they were."""
    if is_htmx():
        parts = urlsplit(current_url() or "")
        back = parts.path + (f"?{parts.query}" if parts.query else "")
    else:
        back = request.full_path.rstrip("?")
    return url_for("auth.login", next=back) if is_safe_next(back) else url_for("auth.login")


def enforce_access():
    """before_request hook: a route without a declared rule is refused, never silently open."""
    if request.endpoint is None:
        return None  # unknown URL: the 404 handler answers
    access = access_of(request.endpoint)
    if access is None:
        current_app.logger.error("Route %s declares no access rule; refused.", request.endpoint)
        abort(403)
    if access is PUBLIC:
        return None
    if not current_user.is_authenticated:
        if is_htmx():
            return client_redirect(make_response("", 401), login_url_for_here())
        return redirect(login_url_for_here())
    if current_user.role not in access:
        abort(403)
    return None
