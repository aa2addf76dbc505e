"""Template globals and filters: navigation by role, dates in the user's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import NamedTuple

from babel.numbers import format_decimal
from flask import Flask, current_app, g, request, url_for
from flask_babel import format_date, format_datetime, format_time, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from app.blueprints.auth.decorators import PUBLIC, access_of
from app.i18n import N_, POINTS_FORMAT
from app.models import Chain
from app.services.checks import SCHEDULER_NAME

# (endpoint, label): what a role sees is derived from each endpoint's declared access.
# (endpoint, label, menu): entries with a menu are grouped under it (the chain's set-up, which an
# admin opens now and then, so that the header keeps to one line).
SETUP_MENU = _l("Verwaltung")
NAVIGATION = (
    ("main.index", _l("Übersicht"), None),
    ("customers.index", _l("Kunden"), None),
    ("appointments.index", _l("Termine"), None),
    ("interfaces.index", _l("Schnittstellen"), None),
    ("status.index", _l("Status"), None),
    ("outbox.index", _l("SMS-Ausgang"), None),
    ("branches.index", _l("Filialen"), SETUP_MENU),
    ("workstations.index", _l("Arbeitsplätze"), SETUP_MENU),
    ("users.index", _l("Benutzer"), SETUP_MENU),
    ("chain.edit", _l("Filialkette"), SETUP_MENU),
    ("audit.index", _l("Protokoll"), SETUP_MENU),
)


class NavEntry(NamedTuple):
    """One menu entry; active on the pages of its blueprint."""

    endpoint: str
    label: str
    url: str
    blueprint: str


class Navigation(NamedTuple):
    """The header's menu for one request: the entries in the bar, then the set-up menu's."""

    bar: tuple[NavEntry, ...]
    menu_label: str | None
    menu: tuple[NavEntry, ...]
    here: str | None  # the request's blueprint: the entry of the same blueprint is the current one

    @property
    def menu_active(self) -> bool:
        return any(entry.blueprint == self.here for entry in self.menu)


_NO_NAVIGATION = Navigation((), None, (), None)


def navigation() -> Navigation:
    """The menu entries the current user may open (built once per role and language).

    Entries are named tuples, not dicts: a template reading `item.url` from a dict pays for an
    AttributeError before Jinja falls back to the key, some fifty times a page.
    """
    if not current_user.is_authenticated:
        return _NO_NAVIGATION
    cache = current_app.extensions.setdefault("portal_navigation", {})
    key = (current_user.role, str(get_locale()))
    nav = cache.get(key)
    if nav is None:
        allowed = [
            (NavEntry(endpoint, str(label), url_for(endpoint), endpoint.split(".")[0]), menu)
            for endpoint, label, menu in NAVIGATION
            if (access := access_of(endpoint)) is not None
            and (access is PUBLIC or current_user.role in access)
        ]
        menus = [str(menu) for _, menu in allowed if menu is not None]
        nav = cache[key] = Navigation(
            bar=tuple(entry for entry, menu in allowed if menu is None),
            menu_label=menus[0] if menus else None,
            menu=tuple(entry for entry, menu in allowed if menu is not None),
            here=None,
        )
    return nav._replace(here=request.blueprint)


def url_prefix(endpoint: str, arg: str, **values) -> str:
    """The URL of url_for(endpoint, arg=value, **values) up to the value, built once: a list's
    rows link with `prefix ~ id` (url_for or a function call per row costs as much as the rest
    of the row). Refuses endpoints whose URL goes on after the value."""
    marker = 918273645  # a number, so that int converters take it too
    head, tail = url_for(endpoint, **{arg: marker}, **values).split(str(marker), 1)
    if tail:
        raise ValueError(f"{endpoint}: the URL goes on after <{arg}> ({tail!r})")
    return head


def can(endpoint: str) -> bool:
    """Whether the current user may use an endpoint (to hide buttons they could not use)."""
    access = access_of(endpoint)
    if access is None:
        return False
    if access is PUBLIC:
        return True
    return current_user.is_authenticated and current_user.role in access


def fmt_datetime(value: datetime | None, style: str = "medium") -> str:
    """A UTC timestamp shown in the portal's time zone and the user's language.

    "short" is the date as every date shows (04.12.2026 / Dec 4, 2026) with the short time of
    day: the locale's own short timestamp (04.12.26 / 12/4/26) would put two ways of writing a
    date on one page.
    """
    if not value:
        return "—"
    if style == "short":
        pattern = get_locale().datetime_formats["medium"]
        return pattern.format(format_time(value, "short"), format_date(value, "medium"))
    return format_datetime(value, style)


def fmt_time(value: datetime | None, style: str = "short") -> str:
    """A UTC timestamp's time of day in the portal's time zone, as the user's language writes it
    (17:30 / 5:30 PM)."""
    return format_time(value, style) if value else "—"


def fmt_points(value) -> str:
    """SMS credits with two decimals in the reader's number format (99.973,76 / 99,973.76),
    as the history's texts show them."""
    return (
        "—" if value is None else format_decimal(value, format=POINTS_FORMAT, locale=get_locale())
    )


def fmt_date(value: date | datetime | None, style: str = "medium") -> str:
    """A date in the user's language (formatted once per date, style and language, per app)."""
    if not value:
        return "—"
    if isinstance(value, datetime):  # depends on the time zone: not cached
        return format_date(value, style)
    cache = current_app.extensions.setdefault("portal_date_texts", {})
    key = (value, style, str(get_locale()))
    text = cache.get(key)
    if text is None:
        if len(cache) > 20_000:  # a few years of dates in two languages; never grows without end
            cache.clear()
        text = cache[key] = format_date(value, style)
    return text


def date_formatter(style: str = "medium") -> Callable[[date | None], str]:
    """fmt_date for one request's language, bound once: for a date in every row of a list."""
    cache = current_app.extensions.setdefault("portal_date_texts", {})
    locale = str(get_locale())

    def text(value: date | None) -> str:
        if not value:
            return ""
        key = (value, style, locale)
        found = cache.get(key)
        return found if found is not None else fmt_date(value, style)

    return text


def fromiso(value: str | None) -> datetime | None:
    """A stored ISO timestamp (naive UTC) back as a datetime, for the datetime filter."""
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def yesno(value: bool) -> Markup:
    """A check mark or a dash, with a text for screen readers."""
    translate = _translations().ugettext
    if value:
        return icon("check", translate(N_("ja")))
    return Markup('<span role="img" aria-label="{}" class="muted">–</span>').format(
        translate(N_("nein"))
    )


def reveal_allowed() -> bool:
    """Whether the eye to reveal stored secrets is shown: admins, and only with the chain option."""
    if not (current_user.is_authenticated and current_user.role == "admin"):
        return False
    allowed = g.get("_portal_reveal_allowed")
    if allowed is None:  # asked once per secret field; the chain is read once per request
        allowed = g._portal_reveal_allowed = Chain.get().admins_may_view_passwords
    return allowed


# Names of stored keys in the reader's language (msgids); a key not listed shows as it is.
LABELS: dict[str, dict[str, str]] = {
    "audit": {  # an audit event
        "reveal": N_("Passwort angezeigt"),
        "reveal_failed": N_("Falsches Passwort bei Anzeige"),
        "reveal_locked": N_("Anzeige gesperrt"),
        "option_on": N_("Passwortanzeige eingeschaltet"),
        "option_off": N_("Passwortanzeige ausgeschaltet"),
        "option_denied": N_("Falsches Passwort bei Sicherheitseinstellung"),
    },
    "outbox_status": {
        "queued": N_("wartet"),
        "sending": N_("wird gesendet"),
        "sent": N_("gesendet"),
        "failed": N_("fehlgeschlagen"),
        "cancelled": N_("abgebrochen"),
    },
    "outbox_kind": {  # what an outbox message is
        "reminder": N_("Terminerinnerung"),
        "customer": N_("SMS an Kunden"),
        "test": N_("Test-SMS"),
        "sinno_code": N_("SiNNO-App Identifikationscode"),
    },
    "role": {
        "admin": N_("Administrator"),
        "employee": N_("Mitarbeiter"),
        "helpdesk": N_("Helpdesk"),
    },
}


def labeller(table: str) -> Callable[[str], str]:
    """The template global naming the keys of one table, e.g. role_label("admin")."""
    names = LABELS[table]

    def label(key: str) -> str:
        return _translations().ugettext(names[key]) if key in names else key

    label.__name__ = label.__qualname__ = f"{table}_label"
    label.__doc__ = f"A {table.replace('_', ' ')} key's name in the user's language."
    return label


audit_label = labeller("audit")
outbox_kind_label = labeller("outbox_kind")
outbox_status_label = labeller("outbox_status")
role_label = labeller("role")


def _translations():
    """The request's message catalogue, looked up once per request (gettext runs ~40 times a page)."""
    translations = g.get("_portal_translations")
    if translations is None:
        translations = g._portal_translations = get_translations()
    return translations


# Templates call _() some thirty times a page. Jinja's own newstyle wrappers reach the
# translation through three context calls each; these do what they do in one: the translation
# is markup in an autoescaped template (as with Jinja's), the variables are escaped into it, and
# the text is always a format string ("%%" is a percent sign), with `num` for plurals.
def _template_text(eval_ctx, text: str, variables: dict) -> str:
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


@pass_eval_context
def template_gettext(eval_ctx, string: str, **variables) -> str:
    """_() and gettext() in templates."""
    return _template_text(eval_ctx, _translations().ugettext(string), variables)


@pass_eval_context
def template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    """ngettext() in templates; `num` is available as %(num)d."""
    variables.setdefault("num", num)
    return _template_text(eval_ctx, _translations().ungettext(singular, plural, num), variables)


def actor_label(name: str | None) -> str:
    """Who did something, as histories show it: a person's stored name as it is, the portal's own
    actors (none: "System"; the scheduled check) in the reader's language. Plain text: the page
    escapes it."""
    if not name:
        return _translations().ugettext("System")
    return _translations().ugettext(name) if name == SCHEDULER_NAME else name


def static_url(filename: str) -> str:
    """url_for('static', ...) computed once per file (four assets on every page)."""
    cache = current_app.extensions.setdefault("portal_static_urls", {})
    url = cache.get(filename)
    if url is None:
        url = cache[filename] = url_for("static", filename=filename)
    return url


def icon(name: str, label: str | None = None):
    """An inline SVG icon (app.icons), with an accessible label when it carries meaning."""
    from app.icons import icon as svg

    return svg(name, label)


def reminder_reason(appointment) -> str | None:
    """Why an appointment has no reminder, as of now (one rule with the planner's)."""
    from app.models.base import utcnow
    from app.services.reminder_reasons import reason_of

    return reason_of(appointment, utcnow())


def init_app(app: Flask) -> None:
    """Register the helpers."""
    from app.services.interface_types import group_label, secret_label
    from app.services.sinno import web_address
    from app.services.sinno_customers import shown_text
    from app.services.smsapi import SmsApiSettings

    # {% trans %} blocks compile to gettext()/ngettext() calls with keyword variables.
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(
        actor_label=actor_label,
        _=template_gettext,
        gettext=template_gettext,
        ngettext=template_ngettext,
        audit_label=audit_label,
        can=can,
        get_locale=get_locale,
        group_label=group_label,
        navigation=navigation,
        outbox_kind_label=outbox_kind_label,
        outbox_status_label=outbox_status_label,
        reveal_allowed=reveal_allowed,
        role_label=role_label,
        static_url=static_url,
        secret_label=secret_label,
        sms_settings=SmsApiSettings.of,
        sms_text=shown_text,
        reminder_reason=reminder_reason,
        icon=icon,
    )
    app.jinja_env.filters.update(
        datetime=fmt_datetime,
        date=fmt_date,
        time=fmt_time,
        points=fmt_points,
        yesno=yesno,
        fromiso=fromiso,
        web_address=web_address,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
