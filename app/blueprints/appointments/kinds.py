"""Admin pages for appointment types and statuses (the shared CRUD view)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app.blueprints.appointments import bp
from app.blueprints.appointments.forms import (
    AppointmentStatusForm,
    AppointmentTypeForm,
    kind_choices,
)
from app.blueprints.crud import CrudView
from app.extensions import db
from app.i18n import N_
from app.models import AppointmentStatus, AppointmentType
from app.services import appointments as service


class _KindView(CrudView):
    """Types and statuses: a name, a few settings, and how many appointments use each."""

    scalars = False
    page_template = "appointments/kinds.html"
    cannot_delete: str  # "Der Termintyp %(name)s kann nicht gelöscht werden."

    def list_statement(self):
        return sa.select(self.model, service.usage_column(self.model)).order_by(*self.order)

    def save(self, record, form):
        return service.save_kind(db.session, record or self.model(), form.values())

    def blocked(self, record):
        count = service.usage(db.session, record)
        if not count:
            return None
        return (
            _(self.cannot_delete, name=record.name)
            + " "
            + ngettext(
                "Er wird noch von %(num)d Termin verwendet.",
                "Er wird noch von %(num)d Terminen verwendet.",
                count,
            )
        )

    def remove(self, record):
        service.delete_kind(db.session, record)


class TypeView(_KindView):
    """Appointment types ("Termintypen")."""

    model, form_class, name = AppointmentType, AppointmentTypeForm, "type"
    table_template = "appointments/_type_table.html"
    endpoint_prefix, index_endpoint, order = (
        "type_",
        "types",
        (AppointmentType.name, AppointmentType.id),
    )
    cannot_delete = N_("Der Termintyp %(name)s kann nicht gelöscht werden.")
    texts = dict(
        title=N_("Termintypen"),
        new=N_("Neuer Termintyp"),
        edit=N_("Termintyp %(name)s bearbeiten"),
        created=N_("Termintyp %(name)s wurde angelegt."),
        saved=N_("Termintyp %(name)s wurde gespeichert."),
        deleted=N_("Termintyp %(name)s wurde gelöscht."),
        delete_title=N_("Termintyp löschen"),
        delete_question=N_("Soll der Termintyp %(name)s gelöscht werden?"),
    )


class StatusView(_KindView):
    """Appointment statuses and what each means for reminders."""

    model, form_class, name = AppointmentStatus, AppointmentStatusForm, "status"
    table_template = "appointments/_status_table.html"
    endpoint_prefix, index_endpoint, order = "status_", "statuses", (AppointmentStatus.id,)
    cannot_delete = N_("Der Status %(name)s kann nicht gelöscht werden.")
    texts = dict(
        title=N_("Terminstatus"),
        new=N_("Neuer Status"),
        edit=N_("Status %(name)s bearbeiten"),
        created=N_("Status %(name)s wurde angelegt."),
        saved=N_("Status %(name)s wurde gespeichert."),
        deleted=N_("Status %(name)s wurde gelöscht."),
        delete_title=N_("Status löschen"),
        delete_question=N_("Soll der Status %(name)s gelöscht werden?"),
    )

    def list_context(self):
        return dict(super().list_context(), kinds=dict(kind_choices()))


TypeView(bp, "/types/")
StatusView(bp, "/statuses/")
