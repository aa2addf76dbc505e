"""The only module that touches htmx-flask or htmx's headers: fragment-or-page, redirects, events.

Routes never read or write an `HX-*` header themselves: they ask here (`wants_fragment`,
`current_url`) and answer through here (`render`, `fragment`, `no_content`, `htmx_or_redirect`,
`fragment_or_redirect`, `trigger`, `retarget`, `client_redirect`).
"""

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


def current_url() -> str | None:
    """The address of the page an htmx request came from (None for other requests)."""
    return request.headers.get("HX-Current-URL") if is_htmx() else None


def template_for(page: str, fragment: str) -> str:
    """The fragment for htmx, the full page for anything else (boosted, history restore, no JS)."""
    return fragment if wants_fragment() else page


def vary(resp: Response) -> Response:
    """Mark a response that depends on HX-Request, so that no cache serves a fragment as a page."""
    resp.vary.add("HX-Request")
    return resp


def render(page: str, fragment: str, /, status: int = 200, **ctx: Any) -> Response:
    """Render the fragment for htmx and the full page otherwise; caches must key on HX-Request."""
    return vary(make_response(render_template(template_for(page, fragment), **ctx), status))


def fragment(template: str, /, status: int = 200, **ctx: Any) -> Response:
    """A fragment on its own (polling, a refreshed region); it differs from the page at that URL."""
    return vary(make_response(render_template(template, **ctx), status))


def no_content(events: dict[str, Any] | None = None) -> Response:
    """204 for htmx: nothing to swap, only client events (e.g. `dialog-close`) if any."""
    resp = vary(make_response("", 204))
    return trigger(resp, events) if events else resp


def fragment_or_redirect(template: str, location: str, /, **ctx: Any) -> Response:
    """The fragment for an htmx request; anything else goes to the page at `location`."""
    return fragment(template, **ctx) if is_htmx() else htmx_or_redirect(location)


def trigger(resp: Response, events: dict[str, Any]) -> Response:
    """Add htmx client events (HX-Trigger), merging with any already set."""
    current = resp.headers.get("HX-Trigger")
    merged: dict[str, Any] = json.loads(current) if current else {}
    merged.update(events)
    resp.headers["HX-Trigger"] = json.dumps(merged)
    return resp


def retarget(resp: Response, target: str, swap: str = "innerHTML") -> Response:
    """Swap this answer somewhere else than the requesting element asked (HX-Retarget/HX-Reswap)."""
    resp.headers["HX-Retarget"] = target
    resp.headers["HX-Reswap"] = swap
    return resp


def push_url(resp: Response, url: str) -> Response:
    """Show `url` in the address bar for this swap (HX-Push-Url), e.g. a shorter canonical URL."""
    resp.headers["HX-Push-Url"] = url
    return resp


def client_redirect(resp: Response, location: str) -> Response:
    """Tell htmx to load another page (HX-Redirect), e.g. the log-in after a session ended."""
    resp.headers["HX-Redirect"] = location
    return vary(resp)


def toast(resp: Response, message: str, level: str = "error") -> Response:
    """Ask the page to show a toast message."""
    return trigger(resp, {"toast": {"level": level, "message": message}})


def htmx_or_redirect(location: str, trigger_events: dict[str, Any] | None = None) -> Response:
    """Redirect a page request; tell htmx to navigate with HX-Redirect (a 302 would be swapped in)."""
    resp = client_redirect(make_response("", 204), location) if is_htmx() else redirect(location)
    if trigger_events:
        trigger(resp, trigger_events)
    return vary(resp)
