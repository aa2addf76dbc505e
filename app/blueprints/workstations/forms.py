"""The workstation form."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, ValidationError

from app.blueprints.fields import BranchField, RecordForm, code_field
from app.extensions import db
from app.models import Workstation
from app.services.interfaces import protected_on_workstation


class WorkstationForm(RecordForm):
    """A named computer of a branch."""

    name = code_field(
        _l("Rechnername"),
        r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        _l("Nur Buchstaben, Ziffern, Punkt, Binde- und Unterstrich."),
        max=64,
        description=_l("Der Computername, z. B. STR-EMPFANG."),
    )
    branch_id = BranchField(
        blank=None, validators=[DataRequired(message=_l("Bitte wählen Sie eine Filiale."))]
    )
    layout = (("name", "branch_id"),)

    def values(self) -> dict:
        """The cleaned values for the organisation service."""
        return {"name": self.name.data.strip().upper(), "branch_id": self.branch_id.data}

    def validate_name(self, field):
        if self.taken(Workstation, sa.func.upper(Workstation.name) == field.data.strip().upper()):
            raise ValidationError(_l("Einen Arbeitsplatz mit diesem Namen gibt es bereits."))

    def validate_branch_id(self, field):
        """Moving a computer moves its interfaces too, which protected ones do not allow."""
        ws = self.record
        if ws is None or field.data == ws.branch_id:
            return
        names = protected_on_workstation(db.session, ws.id)
        if names:
            raise ValidationError(
                _(
                    "Der Arbeitsplatz kann nicht in eine andere Filiale verschoben werden: seine "
                    "Schnittstellen ziehen mit um, und %(names)s ist geschützt. Heben Sie zuerst den "
                    "Schutz auf.",
                    names=", ".join(names),
                )
            )
