"""Log-in, log-out and the language switch."""
from __future__ import annotations

import os
from functools import cache

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, gettext as _
from flask_login import current_user, login_user, logout_user
import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from app.blueprints.auth import bp
from app.blueprints.auth.decorators import is_safe_next, login_required, public
from app.blueprints.auth.forms import LanguageForm, LoginForm
from app.extensions import db
from app.models import User
from app.models.user import PASSWORD_METHOD
from app.models.base import utcnow
from app.services import login_throttle



@cache
def _dummy_hash() -> str:
    """A hash to check against when the user name is unknown, so both paths cost the same."""
    return generate_password_hash(os.urandom(16).hex(), method=PASSWORD_METHOD)


def _client_addr() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Show the log-in form and log a user in."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status
    cfg = current_app.config
    state = login_throttle.check(db.session, form.username.data, _client_addr(),
                                 cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_FAILURE_WINDOW_SECONDS"])
    if state.blocked:
        form.form_errors.append(_(
            "Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es ab %(time)s erneut.",
            time=format_datetime(state.until, "short"),
        ))
        return render_template("auth/login.html", form=form), 429
    user = db.session.scalar(sa.select(User).where(
        sa.func.lower(User.username) == form.username.data.strip().lower()))
    if user is None:
        check_password_hash(_dummy_hash(), form.password.data)
    valid = user is not None and user.check_password(form.password.data)
    if not valid or not user.is_active:
        login_throttle.record_failure(db.session, form.username.data, _client_addr())
        db.session.commit()
        current_app.logger.info("Failed log-in for user name %r from %s", form.username.data[:64],
                                _client_addr())
        form.form_errors.append(_("Benutzername oder Passwort ist falsch."))
        return render_template("auth/login.html", form=form), 422
    login_throttle.clear(db.session, user.username, cfg["LOGIN_FAILURE_WINDOW_SECONDS"])
    user.last_login_at = utcnow()
    db.session.commit()
    lang = session.get("lang")
    session.clear()  # no session fixation: nothing from before the log-in survives but the language
    if lang:
        session["lang"] = lang
    login_user(user)
    session.permanent = True
    target = form.next.data if is_safe_next(form.next.data) else url_for("main.index")
    return redirect(target)


@bp.post("/logout")
@login_required
def logout():
    """Log the current user out."""
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Sie wurden abgemeldet."), "info")
    return redirect(url_for("auth.login"))


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
