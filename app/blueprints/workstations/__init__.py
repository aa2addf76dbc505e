"""Admin pages for workstations and their settings."""

from flask import Blueprint

bp = Blueprint("workstations", __name__, url_prefix="/workstations")

from . import routes  # noqa: E402,F401
