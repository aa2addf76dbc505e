"""The SMS outbox: what went out, what waits, what failed."""

from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/outbox")

from . import routes  # noqa: E402,F401
