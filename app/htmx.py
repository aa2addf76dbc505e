"""The only module that touches htmx-flask: fragment-or-page rendering, redirects and events."""
from __future__ import annotations

import json
from typing import Any

from flask import Response, make_response, redirect, render_template, request
from htmx_flask import request as htmx_request  # noqa: F401  (typed alias of flask.request)


def is_htmx() -> bool:
    """True for any request sent by htmx."""
    return bool(getattr(request, "htmx", False))


def wants_fragment() -> bool:
    """True when htmx asked for a piece of a page (not a boosted navigation or a history restore)."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(page: str, fragment: str, /, status: int = 200, **ctx: Any) -> Response:
    """Render the fragment for htmx and the full page otherwise; caches must key on HX-Request."""
    template = fragment if wants_fragment() else page
    resp = make_response(render_template(template, **ctx), status)
    resp.vary.add("HX-Request")
    return resp


def trigger(resp: Response, events: dict[str, Any]) -> Response:
    """Add htmx client events (HX-Trigger), merging with any already set."""
    current = resp.headers.get("HX-Trigger")
    merged: dict[str, Any] = json.loads(current) if current else {}
    merged.update(events)
    resp.headers["HX-Trigger"] = json.dumps(merged)
    return resp


def toast(resp: Response, message: str, level: str = "error") -> Response:
    """Ask the page to show a toast message."""
    return trigger(resp, {"toast": {"level": level, "message": message}})


def htmx_or_redirect(location: str, trigger_events: dict[str, Any] | None = None) -> Response:
    """Redirect a page request; tell htmx to navigate with HX-Redirect (a 302 would be swapped in)."""
    if is_htmx():
        resp = make_response("", 204)
        resp.headers["HX-Redirect"] = location
    else:
        resp = redirect(location)
    if trigger_events:
        trigger(resp, trigger_events)
    resp.vary.add("HX-Request")
    return resp
