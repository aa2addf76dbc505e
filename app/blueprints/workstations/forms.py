"""The workstation form."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from app.extensions import db
from app.models import Branch, Workstation
from app.services.interfaces import protected_on_workstation


def _branch_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(sa.select(Branch.id, Branch.number, Branch.name).order_by(Branch.number))
    return [(r.id, f"{r.number} {r.name}") for r in rows]


class WorkstationForm(FlaskForm):
    """A named computer of a branch."""

    name = StringField(_l("Rechnername"), description=_l("Der Computername, z. B. STR-EMPFANG."),
                       validators=[DataRequired(), Length(max=64), Regexp(
                           r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                           message=_l("Nur Buchstaben, Ziffern, Punkt, Binde- und Unterstrich."))])
    branch_id = SelectField(_l("Filiale"), coerce=int, choices=_branch_choices,
                            validators=[DataRequired(message=_l("Bitte wählen Sie eine Filiale."))])

    def __init__(self, *args, workstation: Workstation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._workstation = workstation

    def validate_name(self, field):
        stmt = sa.select(Workstation.id).where(sa.func.upper(Workstation.name) == field.data.strip().upper())
        if self._workstation is not None:
            stmt = stmt.where(Workstation.id != self._workstation.id)
        if db.session.scalar(stmt) is not None:
            raise ValidationError(_l("Einen Arbeitsplatz mit diesem Namen gibt es bereits."))

    def validate_branch_id(self, field):
        """Moving a computer moves its interfaces too, which protected ones do not allow."""
        ws = self._workstation
        if ws is None or field.data == ws.branch_id:
            return
        names = protected_on_workstation(db.session, ws.id)
        if names:
            raise ValidationError(_(
                "Der Arbeitsplatz kann nicht in eine andere Filiale verschoben werden: seine "
                "Schnittstellen ziehen mit um, und %(names)s ist geschützt. Heben Sie zuerst den "
                "Schutz auf.", names=", ".join(names)))
