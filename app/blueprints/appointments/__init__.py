"""Appointments, and the appointment types and statuses admins maintain."""

from flask import Blueprint

bp = Blueprint("appointments", __name__, url_prefix="/appointments")

from . import kinds, routes  # noqa: E402,F401
