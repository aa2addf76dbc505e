"""Why an appointment got no automatic reminder: the reason codes the reminder engine writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.i18n import _l

REASONS: dict[str, str] = {
    "same_day": _l("Termin am selben Tag"),
    "group": _l("Gruppentermin"),
    "cancelled": _l("Termin storniert"),
    "no_show": _l("Termin geplatzt"),
    "done": _l("Termin erledigt"),
    "type_not_allowed": _l("Termintyp erlaubt keine automatische Benachrichtigung"),
    "no_mobile": _l("Keine SMS-fähige Mobilnummer"),
    "no_consent": _l("Keine Einwilligung zu SMS"),
    "branch_excluded": _l("Filiale vom Versand ausgenommen"),
    "recently_notified": _l("Kunde wurde kürzlich bereits benachrichtigt"),
    "no_interface": _l("Keine SMS-Schnittstelle für diese Filiale"),
    "quiet_hours": _l("Nachtruhe"),
    "past": _l("Termin liegt in der Vergangenheit"),
    "too_long": _l("Erinnerungstext zu lang für die SMS-Schnittstelle"),
}


def reason_text(code: str | None) -> str:
    """The reason in the reader's language; an unknown code is shown as it is."""
    if not code:
        return ""
    return str(REASONS.get(code, code))


def has_begun(starts_at: datetime, now: datetime) -> bool:
    """An appointment that has begun is never reminded (both naive UTC)."""
    return starts_at <= now


def reason_of(appointment: Any, now: datetime) -> str | None:
    """Why an appointment has no reminder: the planner's reason, or "past" once it has begun.

    The planner only looks at appointments shortly before they start, so one that began before it
    ever saw it (entered late, or the worker was stopped) has no stored reason; the same rule as
    the planner's gives it one, instead of "not checked yet" for ever.
    """
    if appointment.reminder_message_id is not None:
        return None
    if appointment.reminder_skip_reason:
        return appointment.reminder_skip_reason
    return "past" if has_begun(appointment.starts_at, now) else None
