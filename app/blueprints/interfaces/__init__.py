"""The interfaces area: list, configuration, actions, history, password reveal."""

from flask import Blueprint

bp = Blueprint("interfaces", __name__, url_prefix="/interfaces")

from . import (  # noqa: E402,F401
    mail_actions,
    reminder_actions,
    reveal,
    routes,
    sinno_actions,
    sms_actions,
)
