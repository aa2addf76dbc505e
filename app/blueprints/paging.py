"""The one `?page=` parser of every list."""

from __future__ import annotations

from flask import request

from app.services.pagination import clamp_page


def page_arg() -> int:
    """The ?page= number: 1 when missing or malformed, clamped to the paginator's range."""
    return clamp_page(request.args.get("page", 1))
