"""The chain's settings."""

from flask import Blueprint

bp = Blueprint("chain", __name__, url_prefix="/chain")

from . import routes  # noqa: E402,F401
