"""Why an appointment got no automatic reminder: the reason codes the reminder engine writes."""
from __future__ import annotations

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
