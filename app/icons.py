"""Inline SVG icons: drawn with the page's text colour, no icon font or emoji needed.

Emoji such as 👁 or 🔒 render as empty boxes where no emoji font is installed (a typical
intranet PC or server-side screenshot); these shapes render everywhere the page does.
"""

from __future__ import annotations

from markupsafe import Markup, escape

# 24×24 outlines, stroked with currentColor (simple shapes drawn for this portal).
_SHAPES = {
    "lock": '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>',
    "eye": '<path d="M1.5 12S5.5 5 12 5s10.5 7 10.5 7-4 7-10.5 7S1.5 12 1.5 12z"/>'
    '<circle cx="12" cy="12" r="3"/>',
    "check": '<path d="M20 6 9 17l-5-5"/>',
}


def icon(name: str, label: str | None = None) -> Markup:
    """The icon as inline SVG; with a label it is announced (role=img), without it is decoration."""
    shape = _SHAPES[name]
    if label:
        text = escape(label)
        a11y = f'role="img" aria-label="{text}"'
        title = f"<title>{text}</title>"
    else:
        a11y, title = 'aria-hidden="true"', ""
    return Markup(
        f'<svg class="icon icon-{name}" {a11y} focusable="false" viewBox="0 0 24 24" width="1em" '
        f'height="1em" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" '
        f'stroke-linejoin="round">{title}{shape}</svg>'
    )
