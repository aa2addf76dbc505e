"""The status board's texts for its reader: rows, banner lines, states and times, each made once
per page in Python so that the templates only place them (a board shows fifty rows; per-cell
translation and date formatting in the template were most of its time, see bench/status_board.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import (
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
)
from flask import current_app
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _

from app.i18n import N_
from app.services import alerts, interface_types, status_board
from app.template_helpers import fmt_date, fmt_points, fromiso


class ShortTimes:
    """Board timestamps as `|datetime("short")` writes them (template_helpers.fmt_datetime: the
    medium date, the short time), with the locale's patterns looked up once per page: a board
    shows about a hundred of them, and Flask-Babel's per-value lookups were a third of the
    page's time (bench/status_board.py)."""

    def __init__(self) -> None:
        locale = get_locale()
        self.locale = locale
        self.tz = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        self.date = parse_pattern(get_date_format("medium", locale).pattern)
        self.time = parse_pattern(get_time_format("short", locale).pattern)
        self.joined = get_datetime_format("medium", locale)
        self.seen: dict[datetime, str] = {}

    def __call__(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        minute = value.replace(second=0, microsecond=0)  # the short style shows minutes
        text = self.seen.get(minute)
        if text is None:
            local = minute.replace(tzinfo=UTC).astimezone(self.tz)
            text = self.seen[minute] = self.joined.replace(
                "{1}", self.date.apply(local, self.locale)
            ).replace("{0}", self.time.apply(local, self.locale))
        return text


BADGES = {"error": "error", "planned": "planned", "active": "active", "logged_in": "active"}


class StateTexts:
    """A state's badge text and colour, translated once per page (planned ones once per date)."""

    def __init__(self) -> None:
        self.labels = state_labels()
        self.planned: dict = {}

    def __call__(self, state: status_board.BoardState) -> str:
        if state.key != "planned":
            return self.labels[state.key]
        text = self.planned.get(state.start_date)
        if text is None:
            text = self.planned[state.start_date] = _(
                "geplant ab %(date)s", date=fmt_date(state.start_date)
            )
        return text

    @staticmethod
    def badge(state: status_board.BoardState) -> str:
        return BADGES.get(state.key, "inactive")


class Kinds:
    """A row's second line: group, type, branch, workstation in the reader's language."""

    def __init__(self) -> None:
        self.groups = {g: interface_types.group_label(g) for g in interface_types.GROUPS}
        self.types = interface_types.display_labels()

    def __call__(self, row: status_board.BoardRow) -> str:
        parts = [self.groups.get(row.group, row.group), self.types.get(row.type_key, row.type_key)]
        return " · ".join(parts + [p for p in (row.branch_label, row.workstation_label) if p])


@dataclass(frozen=True)
class RowView:
    """A board row with its texts made for the reader (the template only places them)."""

    row: status_board.BoardRow
    kind: str
    badge: str
    state: str
    success: str
    error_at: str
    balance: str
    sync: str
    low_title: str = ""


class RowTexts:
    """Turns board rows into RowViews, translating and formatting once per page where it can."""

    def __init__(self) -> None:
        self.when, self.kinds, self.states = ShortTimes(), Kinds(), StateTexts()

    def __call__(self, row: status_board.BoardRow) -> RowView:
        when = self.when
        low = (
            _("unter der Warnschwelle %(points)s", points=fmt_points(row.low_balance))
            if row.balance_low
            else ""
        )
        return RowView(
            row=row,
            kind=self.kinds(row),
            badge=self.states.badge(row.state),
            state=self.states(row.state),
            success=when(row.last_success_at),
            error_at=when(row.last_error_at) if row.last_error else "",
            balance=fmt_points(row.balance),
            sync=when(fromiso(row.last_sync_at)) if row.last_sync_at else "—",
            low_title=low,
        )


# The board's names as msgids, translated per request by the functions below.
COLUMNS = {  # also each cell's label on phones
    "name": N_("Schnittstelle"),
    "state": N_("Status"),
    "success": N_("Zuletzt erfolgreich"),
    "error": N_("Letzter Fehler"),
    "balance": N_("Guthaben"),
    "sms": N_("SMS 24 h gesendet / fehlgeschlagen"),
    "sync": N_("Letzte Chat-Synchronisation"),
}
STATES = {
    "error": N_("Fehler"),
    "planned": N_("geplant"),
    "active": N_("aktiv"),
    "unchecked": N_("nicht geprüft"),
    "logged_in": N_("angemeldet"),
    "logged_out": N_("abgemeldet"),
}
ALERTS = {
    alerts.CHECK: N_("Verbindung gestört"),
    alerts.BALANCE: N_("Guthaben unter der Warnschwelle"),
    alerts.SMS: N_("SMS schlagen wiederholt fehl"),
}


def _translated(names: dict[str, str]) -> dict[str, str]:
    return {key: _(msgid) for key, msgid in names.items()}


def column_labels() -> dict[str, str]:
    """The board's column names in the reader's language."""
    return _translated(COLUMNS)


def state_labels() -> dict[str, str]:
    """The states in the reader's language."""
    labels = _translated(STATES)
    # Beside "aktiv" and "geplant" the noun names a state: English "error", not the heading "Error".
    labels["error"] = pgettext("Zustand", "Fehler")
    return labels


def alert_labels() -> dict[str, str]:
    """Alert kinds in the reader's language."""
    return _translated(ALERTS)


@dataclass(frozen=True)
class BannerLine:
    """One incident of the banner, in the reader's words."""

    kind: str
    label: str
    interface_id: int
    name: str
    recovered: bool
    text: str


def banner_lines(incidents) -> list[BannerLine]:
    """The banner's lines; each text pattern is translated once, then filled per incident."""
    labels, when = alert_labels(), ShortTimes()
    since, again = _("seit %(when)s"), _("wieder in Ordnung seit %(when)s")
    ended = _("%(alert)s (behoben)")  # a recovered line names what it was, not a current fault
    return [
        BannerLine(
            i.kind,
            ended % {"alert": labels.get(i.kind, i.kind)}
            if i.resolved_at
            else labels.get(i.kind, i.kind),
            i.interface_id,
            i.interface_name,
            i.resolved_at is not None,
            again % {"when": when(i.resolved_at)}
            if i.resolved_at
            else f"{since % {'when': when(i.opened_at)}}: {i.message}",
        )
        for i in incidents
    ]


def row_views(rows: list[status_board.BoardRow]) -> list[RowView]:
    texts = RowTexts()
    return [texts(row) for row in rows]
