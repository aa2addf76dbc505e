"""Malformed input stopped at the door with a clear 400, before any view or database sees it.

- NUL bytes in any query or form value (PostgreSQL cannot store them in text);
- values longer than anything the portal takes (a search term, a 1,000-character SMS);
- integers in URLs and query parameters beyond what the database's integer columns hold.
Everything else (UTF-8 errors are replaced by Werkzeug, wrong types are ignored as before) is the
forms' job.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

MAX_INT = 2**31 - 1  # PostgreSQL INTEGER (ids, page numbers, filters)
MAX_QUERY_VALUE = (
    5000  # characters of one query parameter (the SMS counter sends texts up to 1,530)
)
MAX_FORM_VALUE = 10_000  # characters of one form field (SMS texts and templates stop at 1,000)


class InputRefused(BadRequest):
    """A 400 whose description is a plain-language message for the user."""

    portal_message = True


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that does not match numbers no row can have (a 404 instead of a database error)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def int_arg(name: str, default: int | None = None, values=None) -> int | None:
    """An integer query parameter: missing or not a number means `default`, out of range a 400."""
    raw = (request.args if values is None else values).get(name, "").strip()
    try:
        value = int(raw)
    except ValueError:
        return default
    if not -MAX_INT <= value <= MAX_INT or len(raw) > 12:
        raise InputRefused(_("Die Zahl im Parameter „%(name)s“ ist zu groß.", name=name[:40]))
    return value


def refuse_malformed() -> None:
    """before_request: NUL bytes and oversized values are refused for every route."""
    if request.endpoint == "static":
        return
    if "\x00" in request.path:
        raise InputRefused(_("Die Eingabe enthält ein unzulässiges Steuerzeichen (Nullbyte)."))
    sources = [(request.args, MAX_QUERY_VALUE)]
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        sources.append((request.form, MAX_FORM_VALUE))
    for values, limit in sources:
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise InputRefused(
                    _("Die Eingabe enthält ein unzulässiges Steuerzeichen (Nullbyte).")
                )
            if len(value) > limit or len(key) > 200:
                raise InputRefused(
                    _("Eine Eingabe ist zu lang (höchstens %(n)d Zeichen).", n=limit)
                )


def init_app(app: Flask) -> None:
    """Install the bounded `int` converter (before any route is added) and the check."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_malformed)
