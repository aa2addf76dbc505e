"""SMS to customers (client side) and the live length counter."""

from flask import Blueprint

bp = Blueprint("sms", __name__, url_prefix="/sms")

from . import routes  # noqa: E402,F401
