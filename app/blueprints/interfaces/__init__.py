"""The interfaces area: list, configuration, actions, history."""
from flask import Blueprint

bp = Blueprint("interfaces", __name__, url_prefix="/interfaces")

from . import routes  # noqa: E402,F401
