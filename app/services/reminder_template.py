"""The reminder message template: its placeholders, validation and rendering."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")

DEFAULT_TEMPLATE = (
    "${kunde/briefanredename}, wir erinnern Sie an Ihren Termin am ${/termin/startdatum} "
    "um ${/termin/startzeit} Uhr in unserer Filiale ${filiale/name}. Bei Verhinderung "
    "bitte absagen unter ${filiale/telefon}."
)

# placeholder -> description (German, shown in the form's help)
PLACEHOLDERS = {
    "kunde/briefanredename": "Briefanrede mit Namen, z. B. „Sehr geehrte Frau Mustermann“",
    "kunde/vorname": "Vorname des Kunden",
    "kunde/nachname": "Nachname des Kunden",
    "/termin/startdatum": "Datum des Termins, z. B. 24.11.2026",
    "/termin/startzeit": "Uhrzeit des Termins, z. B. 09:30",
    "/termin/typ": "Termintyp, z. B. Hörtest",
    "filiale/name": "Name der Filiale",
    "filiale/telefon": "Telefonnummer der Filiale",
}


@dataclass(frozen=True)
class ReminderContext:
    """What a reminder can say about one appointment."""

    salutation: str  # "herr", "frau", "divers", ""
    first_name: str
    last_name: str
    language: str
    starts_at_utc: datetime
    type_name: str
    branch_name: str
    branch_phone: str


def unknown_placeholders(template: str) -> list[str]:
    """Placeholders the template uses that do not exist (validation)."""
    return sorted(
        {name for name in PLACEHOLDER.findall(template or "") if name not in PLACEHOLDERS}
    )


def letter_salutation(ctx: ReminderContext) -> str:
    """The formal salutation with name, in the template's language (German: one template per chain)."""
    if ctx.salutation == "frau":
        return f"Sehr geehrte Frau {ctx.last_name}"
    if ctx.salutation == "herr":
        return f"Sehr geehrter Herr {ctx.last_name}"
    return f"Guten Tag {ctx.first_name} {ctx.last_name}".strip()


def render(template: str, ctx: ReminderContext, tz_name: str) -> str:
    """Fill the placeholders for one appointment (times in the portal's time zone)."""
    local = ctx.starts_at_utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(tz_name))
    values = {
        "kunde/briefanredename": letter_salutation(ctx),
        "kunde/vorname": ctx.first_name,
        "kunde/nachname": ctx.last_name,
        "/termin/startdatum": local.strftime("%d.%m.%Y"),
        "/termin/startzeit": local.strftime("%H:%M"),
        "/termin/typ": ctx.type_name,
        "filiale/name": ctx.branch_name,
        "filiale/telefon": ctx.branch_phone,
    }
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def sample(today: date, tz_name: str) -> ReminderContext:
    """A sample appointment for the preview, two days ahead at 10:30 local time (never a past date)."""
    local = datetime.combine(today + timedelta(days=2), time(10, 30), tzinfo=ZoneInfo(tz_name))
    return ReminderContext(
        salutation="frau",
        first_name="Erika",
        last_name="Mustermann",
        language="de",
        starts_at_utc=local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None),
        type_name="Hörtest",
        branch_name="Stuttgart Mitte",
        branch_phone="+49 711 2233440",
    )
