"""What several features' forms share: the branch choice, the layout of a form's fields."""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.extensions import db
from app.models import Branch


def optional_int(value):
    """A select's value as int, None for the empty choice (and for anything malformed)."""
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


def branch_options() -> list[tuple[str, str]]:
    """Every branch as (id, "number name"), by number: for selects and list filters."""
    rows = db.session.execute(
        sa.select(Branch.id, Branch.number, Branch.name).order_by(Branch.number)
    )
    return [(str(r.id), f"{r.number} {r.name}") for r in rows]


class BranchField(SelectField):
    """A branch select; `blank` is the label of the empty choice (None: a branch must be chosen)."""

    def __init__(self, label=None, validators=None, blank=_l("— bitte wählen —"), **kwargs):
        # Choices are loaded when a form is made, so a new branch appears without a restart.
        super().__init__(
            label if label is not None else _l("Filiale"),
            validators,
            coerce=optional_int,
            choices=lambda: ([("", blank)] if blank is not None else []) + branch_options(),
            **kwargs,
        )


class Fieldset(NamedTuple):
    """A titled group of rows in a form's `layout` (see _macros/forms.html render_layout)."""

    legend: object
    rows: tuple
