"""Mein Bereich: only ever the logged-in user's own data (no id in any URL)."""

from __future__ import annotations

import math

from flask import flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.blueprints.account import bp
from app.blueprints.account.forms import PasswordChangeForm, ProfileForm, preferences_form
from app.blueprints.auth.decorators import login_required
from app.extensions import db
from app.htmx import htmx_or_redirect, render
from app.models.base import utcnow
from app.services import notifications, users


def _channel_labels() -> dict[str, str]:
    return {c: _(notifications.CHANNEL_LABELS[c]) for c in notifications.CHANNELS}


def _tab(tab: str, page: str, fragment: str, status: int = 200, **ctx):
    """One tab of Mein Bereich: the page, or the tab's form fragment for htmx."""
    return render(page, fragment, status=status, user=current_user.record(), tab=tab, **ctx)


def _profile_page(
    profile=None, password=None, status: int = 200, fragment: str = "account/_profile_form.html"
):
    profile = profile or ProfileForm(formdata=None, obj=current_user.record())
    if profile.locale.data not in ("de", "en"):
        profile.locale.data = "de"
    return _tab(
        "profile",
        "account/profile.html",
        fragment,
        status=status,
        form=profile,
        password_form=password or PasswordChangeForm(formdata=None),
    )


@bp.get("/")
@login_required
def profile():
    """Mein Bereich > Profil: display name, e-mail, mobile number, language; password change."""
    return _profile_page()


@bp.post("/")
@login_required
def update_profile():
    """Save the own profile; 422 with the form on bad input (nothing saved)."""
    form = ProfileForm()
    if not form.validate_on_submit():
        return _profile_page(profile=form, status=422)
    users.update_profile(current_user.record(), form.values())
    session["lang"] = form.locale.data
    db.session.commit()
    flash(_("Ihr Profil wurde gespeichert."), "success")
    return htmx_or_redirect(url_for("account.profile"))


@bp.post("/password")
@login_required
def change_password():
    """Change the own password after checking the current one; other sessions end."""
    user = current_user.record()
    form = PasswordChangeForm(username=user.username)
    check = (
        users.check_current_password(db.session, user, form.current.data)
        if form.validate_on_submit()
        else None
    )
    if check is not None and check.locked_until is not None:
        minutes = max(1, math.ceil((check.locked_until - utcnow()).total_seconds() / 60))
        form.current.errors = [
            _(
                "Zu viele falsche Passwörter. Versuchen Sie es in %(minutes)d Minuten erneut.",
                minutes=minutes,
            )
        ]
    elif check is not None and not check.ok:
        form.current.errors = [_("Das aktuelle Passwort ist falsch.")]
    elif check is not None:
        users.set_password(user, form.password.data)
        db.session.commit()
        login_user(user)  # this session goes on with the new version; all others end
        flash(_("Ihr Passwort wurde geändert. Andere Sitzungen wurden beendet."), "success")
        return htmx_or_redirect(url_for("account.profile"))
    return _profile_page(password=form, status=422, fragment="account/_password_form.html")


def _preferences_page(
    form=None, status: int = 200, error_event: str | None = None, error: str | None = None
):
    user = current_user.record()
    events = notifications.events_for(user.role)
    current = notifications.preferences(db.session, user.id, user.role)
    available = notifications.availability(db.session, user)
    return _tab(
        "notifications",
        "account/notifications.html",
        "account/_preferences_form.html",
        status=status,
        form=form or preferences_form(events, available.channels, current, _channel_labels()),
        events=events,
        available=available,
        current=current,
        labels=_channel_labels(),
        error_event=error_event,
        error=error,
    )


@bp.get("/notifications")
@login_required
def preferences():
    """Mein Bereich > Benachrichtigungen: one channel per event."""
    return _preferences_page()


@bp.post("/notifications")
@login_required
def update_preferences():
    """Save the own choices; a channel that is not available is refused (422, nothing saved)."""
    user = current_user.record()
    events = notifications.events_for(user.role)
    current = notifications.preferences(db.session, user.id, user.role)
    available = notifications.availability(db.session, user)
    form = preferences_form(
        events, available.channels, current, _channel_labels(), formdata=request.form
    )
    if not form.validate_on_submit():
        return _preferences_page(form=form, status=422)
    choices = {e.key: form[f"event_{e.key}"].data for e in events}
    try:
        notifications.set_preferences(db.session, user, choices)
    except notifications.PreferenceError as exc:
        db.session.rollback()
        return _preferences_page(form=form, status=422, error_event=exc.event, error=exc.message)
    db.session.commit()
    flash(_("Ihre Benachrichtigungen wurden gespeichert."), "success")
    return htmx_or_redirect(url_for("account.preferences"))
