"""Admin pages for branches and their business-office address."""

from flask import Blueprint

bp = Blueprint("branches", __name__, url_prefix="/branches")

from . import routes  # noqa: E402,F401
