"""Mein Bereich: every user's own profile, password and notification preferences."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/me")

from . import routes  # noqa: E402,F401
