"""Walking the URL map with real values, and reading the forms of the pages found (test helpers).

Shared by the escaping and the bad-input test families: every route is reached with ids of rows
that exist, every form is found on the pages themselves, so new routes and fields are covered
without a hand-kept list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import sqlalchemy as sa
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from app.extensions import db

TEXT_TYPES = {"text", "search", "email", "tel", "url", ""}


def seed_small_demo(app, monkeypatch) -> None:
    """The demo chain (every kind of row a page can show) without its bulk volume."""
    from app.extensions import secret_box
    from app.models import Chain
    from app.services import demo

    monkeypatch.setattr(demo, "VOLUME_CUSTOMERS", 20)
    monkeypatch.setattr(demo, "VOLUME_APPOINTMENTS", 40)
    monkeypatch.setattr(demo, "VOLUME_PAST_APPOINTMENTS", 5)
    demo.seed(db.session, secret_box(), app.config["BABEL_DEFAULT_TIMEZONE"])
    Chain.get_or_create().admins_may_view_passwords = True
    db.session.commit()


def _table_for(arg: str):
    """The table an `<int:..._id>` argument names (interface_id -> interfaces, type_id -> *_types)."""
    stem = arg.removesuffix("_id")
    tables = db.metadata.tables
    for name in (f"{stem}s", f"{stem}es", stem.replace("y", "ies"), f"sms_{stem}s"):
        if name in tables:
            return tables[name]
    candidates = [t for n, t in tables.items() if n.endswith((f"_{stem}s", f"_{stem}es"))]
    return candidates[0] if candidates else None


def _string_values(arg: str) -> list[str]:
    from app.services import interface_types

    if arg == "type_key":
        return [t.key for t in interface_types.all_types()]
    if arg == "field":
        return sorted({s.name for t in interface_types.all_types() for s in t.secret_fields})
    return ["x"]


def urls_for(rule: Rule) -> list[str]:
    """URLs for a rule: the smallest existing id for each int argument, known values for strings."""
    choices: list[dict] = [{}]
    for arg in rule.arguments:
        if isinstance(rule._converters[arg], NumberConverter):
            table = _table_for(arg)
            value = (
                db.session.scalar(sa.select(sa.func.min(table.c.id))) if table is not None else None
            )
            options = [value or 1]
        else:
            options = _string_values(arg)
        choices = [dict(c, **{arg: o}) for c in choices for o in options]
    return [rule.build(values, append_unknown=False)[1] for values in choices]


def routes(app, method: str):
    """Every rule answering `method`, static files aside."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint != "static" and method in rule.methods:
            yield rule


@dataclass
class Form:
    """A form as the page has it: where it goes and the values a browser would send."""

    action: str
    method: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, type, value)

    def values(self) -> dict[str, str]:
        return {name: value for name, _type, value in self.fields}

    def text_fields(self) -> list[str]:
        return [name for name, kind, _v in self.fields if kind in TEXT_TYPES | {"textarea"}]


class _FormParser(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base, self.forms, self.form = base, [], None
        self._select = self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.form = Form(
                urljoin(self.base, a.get("action") or self.base), (a.get("method") or "get").lower()
            )
            self.forms.append(self.form)
        elif self.form is None or "name" not in a and tag != "option":
            return
        elif tag == "input":
            kind = (a.get("type") or "").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.form.fields.append(
                (a["name"], kind, a.get("value") or ("y" if kind == "checkbox" else ""))
            )
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if "selected" in a:
                self.form.fields.append((self._select, "select", value))
                self._select = None
            elif self._first_option is None and value:
                self._first_option = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self.form is not None:
            self.form.fields.append((self._textarea[0], "textarea", self._textarea[1]))
            self._textarea = None
        elif tag == "select" and self._select is not None and self.form is not None:
            self.form.fields.append((self._select, "select", self._first_option or ""))
            self._select = None
        elif tag == "form":
            self.form = None


def forms_in(html: str, base: str) -> list[Form]:
    """The forms of a page (absolute paths as actions)."""
    parser = _FormParser(base)
    parser.feed(html)
    return parser.forms


# Answers >= 500 that are a route's documented reply rather than a crash: /readyz says 503 while
# the worker's heartbeat (or the database, or a migration) is missing.
DOCUMENTED_5XX = {("/readyz", 503)}


def crashed(url: str, status: int) -> bool:
    """A 5xx that is not a route's documented answer."""
    return status >= 500 and (url.split("?")[0], status) not in DOCUMENTED_5XX
