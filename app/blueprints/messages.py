"""Texts that several blueprints show."""

from __future__ import annotations

from flask_babel import ngettext

from app.services.organisation import Usage


def describe_usages(usages: list[Usage]) -> str:
    """'3 Arbeitsplätze (A, B, C), 1 Schnittstelle (SMS)' in the user's language."""
    labels = {
        "workstations": lambda n: ngettext("%(num)d Arbeitsplatz", "%(num)d Arbeitsplätze", n),
        "interfaces": lambda n: ngettext("%(num)d Schnittstelle", "%(num)d Schnittstellen", n),
        "users": lambda n: ngettext("%(num)d Benutzer", "%(num)d Benutzer", n),
    }
    parts = []
    for usage in usages:
        names = ", ".join(usage.names) + (", …" if usage.count > len(usage.names) else "")
        parts.append(f"{labels[usage.kind](usage.count)} ({names})")
    return "; ".join(parts)
