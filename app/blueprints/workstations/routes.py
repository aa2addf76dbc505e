"""Admin pages: list, create, edit and delete workstations (the shared CRUD view), and their settings."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.auth.decorators import role_required
from app.blueprints.crud import CrudView, FieldError
from app.blueprints.workstations import bp
from app.blueprints.workstations.forms import WorkstationForm
from app.extensions import db
from app.htmx import render
from app.i18n import N_
from app.models import Branch, Interface, Role, Workstation
from app.services import interface_types, organisation
from app.services.interfaces import ProtectedError


class WorkstationView(CrudView):
    """Workstations by branch."""

    model, form_class, name = Workstation, WorkstationForm, "workstation"
    table_template = "workstations/_table.html"
    texts = dict(
        title=N_("Arbeitsplätze"),
        new=N_("Neuer Arbeitsplatz"),
        edit=N_("Arbeitsplatz %(name)s bearbeiten"),
        created=N_("Arbeitsplatz %(name)s wurde angelegt."),
        saved=N_("Arbeitsplatz %(name)s wurde gespeichert."),
        deleted=N_("Arbeitsplatz %(name)s wurde gelöscht."),
        delete_title=N_("Arbeitsplatz löschen"),
        delete_question=N_("Soll der Arbeitsplatz %(name)s gelöscht werden?"),
        in_use=N_(
            "Der Arbeitsplatz %(name)s kann nicht gelöscht werden. "
            "Er wird noch verwendet: %(what)s."
        ),
    )

    def list_statement(self):
        return (
            sa.select(Workstation)
            .join(Branch)
            .options(sa.orm.contains_eager(Workstation.branch))
            .order_by(Branch.number, Workstation.name, Workstation.id)
        )

    def save(self, record, form):
        try:
            return organisation.save_workstation(
                db.session, record or Workstation(), form.values(), current_user
            )
        except ProtectedError:  # protected by someone else since the form's check
            raise FieldError(
                "branch_id",
                _(
                    "Eine Schnittstelle dieses Arbeitsplatzes wurde eben "
                    "geschützt. Heben Sie zuerst den Schutz auf."
                ),
            ) from None

    def usages(self, record):
        return organisation.workstation_usages(db.session, record)

    def remove(self, record):
        organisation.delete(db.session, record)


WorkstationView(bp)


@bp.get("/<int:workstation_id>/settings")
@role_required(Role.ADMIN)
def settings(workstation_id: int):
    """Arbeitsplatzeinstellungen: the interfaces configured for this computer only."""
    ws = db.get_or_404(Workstation, workstation_id)
    interfaces = db.session.scalars(
        sa.select(Interface)
        .where(Interface.workstation_id == ws.id)
        .order_by(Interface.group, Interface.name)
    ).all()
    return render(
        "workstations/settings.html",
        "workstations/_settings.html",
        workstation=ws,
        interfaces=interfaces,
        type_labels=interface_types.display_labels(),
    )
