"""Log-in, log-out and the language switch."""

from __future__ import annotations

import os
from functools import cache

import sqlalchemy as sa
from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from app.blueprints.auth import bp
from app.blueprints.auth.decorators import is_safe_next, login_required, public
from app.blueprints.auth.forms import LanguageForm, LoginForm
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.models.user import PASSWORD_METHOD
from app.services import login_throttle
from app.template_helpers import fmt_datetime


@cache
def _dummy_hash() -> str:
    """A hash to check against when the user name is unknown, so both paths cost the same."""
    return generate_password_hash(os.urandom(16).hex(), method=PASSWORD_METHOD)


def _client_addr() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Show the log-in form and log a user in (policy: app/services/login_throttle.py)."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status
    policy = _policy()
    digest = login_throttle.name_digest(current_app.secret_key, form.username.data)
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == form.username.data.strip().lower())
    )
    known = user is not None and user.id in _known_devices()
    verdict = login_throttle.begin(db.session, digest, _client_addr(), known, policy)
    if not verdict.allowed:
        form.form_errors.append(
            _(
                "Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es ab %(time)s erneut.",
                time=fmt_datetime(verdict.until, "short"),
            )
        )
        return render_template("auth/login.html", form=form), 429
    if user is None:
        check_password_hash(_dummy_hash(), form.password.data)
    valid = user is not None and user.check_password(form.password.data)
    if not valid or not user.is_active:
        # The attempt stays counted. An unknown name may be a password typed into the wrong
        # field: only its keyed hash is logged.
        current_app.logger.info(
            "Failed log-in for %s from %s",
            f"user {user.username!r}" if user else f"unknown user name #{digest}",
            _client_addr(),
        )
        form.form_errors.append(_("Benutzername oder Passwort ist falsch."))
        return render_template("auth/login.html", form=form), 422
    login_throttle.succeeded(db.session, verdict, digest, _client_addr(), policy)
    user.last_login_at = utcnow()
    db.session.commit()
    lang = session.get("lang")
    session.clear()  # no session fixation: nothing from before the log-in survives but the language
    if lang:
        session["lang"] = lang
    login_user(user)
    session.permanent = True
    target = form.next.data if is_safe_next(form.next.data) else url_for("main.index")
    resp = redirect(target)
    _remember_device(resp, user.id)
    return resp


def _policy() -> login_throttle.Policy:
    cfg = current_app.config
    return login_throttle.Policy(
        cfg["LOGIN_MAX_FAILURES"],
        cfg["LOGIN_MAX_FAILURES_PER_USER"],
        cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        cfg["LOGIN_FAILURE_WINDOW_SECONDS"],
    )


DEVICE_COOKIE = "portal_device"
DEVICE_MAX_AGE = 90 * 24 * 3600


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="portal-known-device")


def _known_devices() -> list[int]:
    """Account ids that logged in from this browser before (a signed cookie)."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        ids = _device_serializer().loads(raw, max_age=DEVICE_MAX_AGE)
    except BadData:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def _remember_device(resp, user_id: int) -> None:
    ids = [user_id] + [i for i in _known_devices() if i != user_id]
    resp.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(ids[:10]),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


@bp.post("/logout")
@login_required
def logout():
    """Log the current user out and end the session on the server too.

    The session version is bumped: a copy of the cookie (saved, stolen) is worthless afterwards,
    and so is any re-authentication it carried. Other sessions of the account end as well.
    """
    lang = session.get("lang")
    account = current_user.record()
    account.session_version = (account.session_version or 0) + 1
    db.session.commit()
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Sie wurden abgemeldet."), "info")
    resp = redirect(url_for("auth.login"))
    # htmx's page snapshots in localStorage go with the log-out (browsers honour it over HTTPS).
    # Not "cache": Chromium takes seconds to clear it, and pages are never stored (no-store).
    resp.headers["Clear-Site-Data"] = '"storage"'
    return resp


@bp.post("/language")
@public
def language():
    """Switch the interface language and go back to the page the user was on."""
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.record().locale = form.lang.data
            db.session.commit()
    target = form.next.data if is_safe_next(form.next.data) else url_for("main.index")
    return redirect(target)
