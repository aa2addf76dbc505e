"""Customers: the list employees work from."""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")

from . import routes  # noqa: E402,F401
