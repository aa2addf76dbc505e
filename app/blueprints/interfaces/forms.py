"""Interface forms: the common fields, composed with each type's own settings form."""

from __future__ import annotations

from datetime import datetime, time
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, StringField, TextAreaField, TimeField
from wtforms.validators import Length, Optional

from app.blueprints.fields import BranchField, Required
from app.blueprints.interfaces.history import label_of
from app.extensions import db
from app.models import Branch, Interface, InterfaceEvent, Workstation
from app.services import interface_types
from app.services import interfaces as service
from app.services.interface_types import CLIENT, SERVER, InterfaceType


class InterfaceForm(FlaskForm):
    """Fields every interface has (SPEC §2)."""

    name = StringField(_l("Name"), validators=[Required(), Length(max=120)])
    branch_id = BranchField(
        blank=_l("— alle Filialen —"),
        description=_l("Leer = jede Filiale darf die Schnittstelle nutzen."),
    )
    server_side = BooleanField(_l("Serverseitig"))
    client_side = BooleanField(_l("Clientseitig"))
    start_date = DateField(
        _l("Start"),
        validators=[Optional()],
        description=_l(
            "Leer = sofort einsatzbereit. Vor dem Datum nutzt niemand die Schnittstelle."
        ),
    )
    protected = BooleanField(
        _l("Geschützt"),
        description=_l(
            "Geschützte Schnittstellen können erst nach Aufheben des Schutzes geändert oder gelöscht "
            "werden."
        ),
    )

    # What the editor loaded (see edit_token): a save on top of someone else's change is stopped once.
    edit_token = HiddenField()

    itype: InterfaceType  # set on the composed class
    interface: Interface | None = None
    workstation: Workstation | None = None

    def validate(self, extra_validators=None) -> bool:
        """Field validators, then the common rules (the service's), then the type's own rules.

        Fields the chosen settings hide (a token in password mode, the base URL of a listed
        service) are emptied, not checked: nobody can see or correct them, and they are not stored.
        """
        super().validate(extra_validators)
        itype = self.itype
        self._check_edit_token()
        for name, (controller, value) in itype.show_when.items():
            if self[controller].data != value:
                self[name].data = None
                self[name].errors = []
        for name, message in service.rule_violations(
            db.session, itype, self.to_data(), self.interface
        ):
            self[name].errors.append(message)
        if itype.validate is not None:
            itype.validate(self, self.interface)
        return not (self.form_errors or any(field.errors for field in self))

    def _check_edit_token(self) -> None:
        """Stop a save when someone else changed the interface after this form was loaded, and
        say who changed which fields.

        The form then carries the current token: saving again knowingly overwrites that change.
        """
        if self.interface is None or not self.edit_token.data:
            return
        current = edit_token(self.interface)
        if self.edit_token.data == current:
            return
        who = self.interface.updated_by.display_name if self.interface.updated_by else _("jemand")
        self.form_errors.append(
            _(
                "%(name)s hat die Schnittstelle geändert (%(fields)s), nachdem Sie das Formular "
                "geöffnet haben. Nichts wurde gespeichert. Speichern Sie erneut, um diese Änderung mit "
                "Ihren Eingaben zu überschreiben.",
                name=who,
                fields=", ".join(changed_since(self.interface, self.edit_token.data)) or "—",
            )
        )
        self.edit_token.data = current

    def to_data(self) -> service.InterfaceData:
        """The submitted values for the service; an empty start date stays empty ("sofort")."""
        itype = self.itype
        ws = self.workstation
        return service.InterfaceData(
            name=(self.name.data or "").strip(),
            branch_id=ws.branch_id if ws is not None else self.branch_id.data,
            workstation_id=ws.id if ws is not None else None,
            server_side=bool(self.server_side.data),
            client_side=bool(self.client_side.data),
            start_date=self.start_date.data,
            protected=bool(self.protected.data),
            settings=settings_to_json(self),
            secrets={n: (self[n].data or "").strip() or None for n in itype.secret_names},
        )


@cache
def form_class(itype: InterfaceType) -> type[InterfaceForm]:
    """The common form plus the type's settings form, as one class (built once per type)."""
    return type(
        f"{itype.settings_form.__name__}Composed",
        (InterfaceForm, itype.settings_form),
        {"itype": itype},
    )


def settings_to_json(form: InterfaceForm) -> dict:
    """The type's settings from the form, as JSON values (times as "HH:MM")."""
    out = {}
    for name in form.itype.setting_names:
        value = form[name].data
        out[name] = value.strftime("%H:%M") if isinstance(value, time) else value
    return out


def _settings_from_json(itype: InterfaceType, settings: dict) -> dict:
    """Stored settings as the form's fields expect them (times back to datetime.time)."""
    out = dict(settings)
    for name in _time_fields(itype):
        if isinstance(out.get(name), str):
            try:
                out[name] = datetime.strptime(out[name], "%H:%M").time()
            except ValueError:
                out[name] = None
    return out


@cache
def _time_fields(itype: InterfaceType) -> dict:
    form = itype.settings_form()
    return {name: f for name, f in form._fields.items() if isinstance(f, TimeField)}


def edit_token(interface: Interface) -> str:
    """Changes whenever the interface is saved, protected or unprotected."""
    return (interface.updated_at or interface.created_at).isoformat()


def changed_since(interface: Interface, token: str) -> list[str]:
    """The labels of the fields changed after the state `token` stands for (from the history)."""
    try:
        since = datetime.fromisoformat(token)
    except ValueError:
        return []
    events = db.session.scalars(
        sa.select(InterfaceEvent)
        .where(
            InterfaceEvent.interface_id == interface.id,
            InterfaceEvent.at > since,
            InterfaceEvent.action.in_(("updated", "protected", "unprotected")),
        )
        .order_by(InterfaceEvent.id)
    )
    itype = interface_types.get(interface.type_key)
    labels: list[str] = []
    for event in events:
        names = (
            [c.get("field", "") for c in event.changes or []]
            if event.action == "updated"
            else ["protected"]
        )
        for name in names:
            label = label_of(name, itype)
            if label not in labels:
                labels.append(label)
    return labels


def make_form(
    itype: InterfaceType, interface: Interface | None = None, workstation: Workstation | None = None
) -> InterfaceForm:
    """Build the form for a new or an existing interface; a POST binds the submitted data."""
    data = _settings_from_json(itype, itype.defaults)
    if interface is not None:
        data.update(_settings_from_json(itype, interface.settings or {}))
        data.update(
            name=interface.name,
            branch_id=interface.branch_id,
            server_side=interface.server_side,
            client_side=interface.client_side,
            start_date=interface.start_date,
            protected=interface.protected,
            edit_token=edit_token(interface),
        )
    elif workstation is not None:
        data.update(branch_id=workstation.branch_id, client_side=True)
    else:  # a new interface starts with the usages its type is normally set up with
        data.update(
            server_side=SERVER in itype.preselected_usages,
            client_side=CLIENT in itype.preselected_usages,
        )
    form = form_class(itype)(data=data)
    form.interface = interface
    form.workstation = workstation
    if "excluded_branches" in itype.setting_names:
        form.branch_codes = set(db.session.scalars(sa.select(Branch.code)))
    return form


class DeleteForm(FlaskForm):
    """CSRF only."""


class TextStepForm(FlaskForm):
    """Step 1: the test text."""

    text = TextAreaField(render_kw={"rows": 4, "autofocus": True})


class NumberStepForm(FlaskForm):
    """Step 2: the mobile number (the text travels along)."""

    text = HiddenField()
    number = StringField(render_kw={"autocomplete": "off", "inputmode": "tel", "autofocus": True})
