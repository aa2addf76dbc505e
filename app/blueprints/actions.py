"""What the action routes (a button that POSTs and answers in place) share.

An action checks the bare form's CSRF token (`require_form`), loads its record (`interface_of_type`),
calls a service, and answers htmx with a fragment or events (app/htmx.py) and a page request
(no JavaScript) with the outcome flashed on the page it came from (`outcome_page`).
"""

from __future__ import annotations

from flask import abort, flash
from flask_wtf import FlaskForm

from app.extensions import db
from app.htmx import htmx_or_redirect
from app.models import Interface


def require_form(form: FlaskForm | None = None) -> FlaskForm:
    """The posted form, validated (CSRF included); anything else is refused with 400."""
    form = form if form is not None else FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    return form


def interface_of_type(interface_id: int, type_key: str) -> Interface:
    """The interface, or 404 when there is none or it is of another type than the action's."""
    interface = db.get_or_404(Interface, interface_id)
    if interface.type_key != type_key:
        abort(404)
    return interface


def outcome_page(location: str, *messages: object, ok: bool = True):
    """A page request's answer after an action: each message flashed, then back to `location`."""
    for message in messages:
        if message:
            text = message if isinstance(message, str) else str(message)  # Markup stays Markup
            flash(text, "success" if ok else "error")
    return htmx_or_redirect(location)
