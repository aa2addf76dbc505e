"""The helpdesk's status board: states, checks, history, diagnostics."""

from flask import Blueprint

bp = Blueprint("status", __name__, url_prefix="/status")

from . import routes  # noqa: E402,F401
