"""Admin pages: list, create, edit and delete branches (the shared CRUD view)."""

from __future__ import annotations

import sqlalchemy as sa

from app.blueprints.branches import bp
from app.blueprints.branches.forms import BranchForm
from app.blueprints.crud import CrudView
from app.extensions import db
from app.i18n import N_
from app.models import Branch, Workstation
from app.services import organisation


class BranchView(CrudView):
    """Branches with their business office and workstation counts."""

    model, form_class, name, scalars = Branch, BranchForm, "branch", False
    table_template = "branches/_table.html"
    texts = dict(
        title=N_("Filialen"),
        new=N_("Neue Filiale"),
        edit=N_("Filiale %(name)s bearbeiten"),
        created=N_("Filiale %(name)s wurde angelegt."),
        saved=N_("Filiale %(name)s wurde gespeichert."),
        deleted=N_("Filiale %(name)s wurde gelöscht."),
        delete_title=N_("Filiale löschen"),
        delete_question=N_("Soll die Filiale %(name)s gelöscht werden?"),
        in_use=N_(
            "Die Filiale %(name)s kann nicht gelöscht werden. Sie wird noch verwendet: %(what)s."
        ),
    )

    def list_statement(self):
        ws_count = (
            sa.select(sa.func.count())
            .select_from(Workstation)
            .where(Workstation.branch_id == Branch.id)
            .scalar_subquery()
        )
        return sa.select(Branch, ws_count).order_by(Branch.number, Branch.id)

    def save(self, record, form):
        return organisation.save_branch(db.session, record or Branch(), form.values())

    def usages(self, record):
        return organisation.branch_usages(db.session, record)

    def remove(self, record):
        organisation.delete(db.session, record)

    def label(self, record):
        return record.label


BranchView(bp)
