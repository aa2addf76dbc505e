"""Reminder interface: the template preview and "Jetzt ausführen" (plan the due reminders now)."""

from __future__ import annotations

from flask import abort, current_app, flash, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.blueprints.auth.decorators import role_required
from app.blueprints.interfaces import bp
from app.blueprints.interfaces.routes import saved_in_place
from app.extensions import db
from app.htmx import render
from app.models import Interface, Role
from app.services import reminders, sms_length
from app.services.clock import local_today
from app.services.reminder_template import DEFAULT_TEMPLATE, sample, unknown_placeholders
from app.services.reminder_template import render as render_template_text


@bp.get("/reminder-preview")
@role_required(Role.ADMIN)
def reminder_preview():
    """The template filled with a sample appointment, with its characters and SMS parts."""
    template = request.args.get("template", DEFAULT_TEMPLATE)[:1000]
    unknown = ["${" + u + "}" for u in unknown_placeholders(template)]
    tz_name = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    preview = (
        ""
        if unknown
        else render_template_text(template, sample(local_today(tz_name), tz_name), tz_name)
    )
    return render(
        "interfaces/types/reminder_preview.html",
        "interfaces/types/_reminder_preview_body.html",
        preview=preview,
        unknown=unknown,
        length=sms_length.count(preview),
        max_chars=None,
    )


@bp.post("/<int:interface_id>/reminders/run")
@role_required(Role.ADMIN)
def reminder_run(interface_id: int):
    """Plan the due reminders now instead of waiting for the hourly run; the worker sends them."""
    interface = db.get_or_404(Interface, interface_id)
    if interface.type_key != reminders.REMINDER_TYPE or not FlaskForm().validate_on_submit():
        abort(404 if interface.type_key != reminders.REMINDER_TYPE else 400)
    report = reminders.plan(
        db.session, current_app.config["BABEL_DEFAULT_TIMEZONE"], force=True, actor=current_user
    )
    notes = {
        "quiet hours": _("Nachtruhe: jetzt werden keine Erinnerungen versendet."),
        "no reminder interface": _("Die Terminbenachrichtigung ist (noch) nicht aktiv."),
        "another worker is planning": _("Die Erinnerungen werden gerade schon eingeplant."),
    }
    flash(
        notes.get(report.note) or str(report.summary()),
        "info",
    )
    return saved_in_place(interface)
