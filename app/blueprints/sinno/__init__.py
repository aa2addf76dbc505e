"""SiNNO-App on the customer page: activation, its state in place, the set-up sheet, deactivation."""

from flask import Blueprint

bp = Blueprint("sinno", __name__, url_prefix="/sinno")

from . import routes  # noqa: E402,F401
