"""Customer pages: the searchable list, create, edit and delete (the shared CRUD view), and show."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import ngettext
from flask_login import current_user

from app.blueprints.auth.decorators import role_required
from app.blueprints.crud import CrudView
from app.blueprints.customers import bp
from app.blueprints.customers.forms import CustomerForm
from app.blueprints.fields import branch_options
from app.extensions import db
from app.htmx import render, wants_fragment
from app.i18n import N_
from app.models import Customer, Role
from app.models.base import utcnow
from app.request_guard import int_arg
from app.services import customers as service


class CustomerView(CrudView):
    """Customers, searched as you type and filtered by branch; each row offers "SMS senden"."""

    model, form_class, name, table_template = (
        Customer,
        CustomerForm,
        "customer",
        "customers/_table.html",
    )
    roles = (Role.EMPLOYEE, Role.ADMIN)
    page_template = "customers/index.html"
    texts = dict(
        title=N_("Kunden"),
        new=N_("Neuer Kunde"),
        edit=N_("Kunde %(name)s bearbeiten"),
        created=N_("Kunde %(name)s wurde angelegt."),
        saved=N_("Kunde %(name)s wurde gespeichert."),
        deleted=N_("Kunde %(name)s wurde gelöscht."),
        delete_title=N_("Kunden löschen"),
        delete_question=N_("Soll der Kunde %(name)s gelöscht werden?"),
    )

    def list_context(self):
        q, branch_id = self.search_arg(), int_arg("branch")
        app_state = request.args.get("app")
        app_state = app_state if app_state in service.SINNO_STATUSES else None
        ctx = dict(
            page=self.fetch(service.list_statement(q, branch_id, app_state)),
            q=q,
            branch_id=branch_id,
            list_args=self.filter_args(q=q, branch=branch_id, app=app_state),
            app_state=app_state,
        )
        if not wants_fragment():  # the filter selects are only on the page, not in the table
            ctx["branches"] = branch_options()
            ctx["app_states"] = [(key, str(label)) for key, label in service.SINNO_STATUSES.items()]
        return ctx

    def new_form(self):
        return CustomerForm(branch_id=current_user.branch_id)

    def save(self, record, form):
        return service.save(db.session, record or Customer(), form.values())

    def blocked(self, record):
        count = service.appointment_count(db.session, record.id)
        if not count:
            return None
        return ngettext(
            "Der Kunde %(name)s hat noch %(num)d Termin und kann nicht gelöscht werden.",
            "Der Kunde %(name)s hat noch %(num)d Termine und kann nicht gelöscht werden.",
            count,
            name=record.full_name,
        )

    def remove(self, record):
        service.delete(db.session, record)

    def label(self, record):
        return record.full_name

    def done_url(self, record):
        return url_for("customers.show", customer_id=record.id)

    def cancel_url(self, record):
        return self.done_url(record) if record is not None else self.url("index")


CustomerView(bp)


@bp.get("/<int:customer_id>")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def show(customer_id: int):
    """A customer with their appointments and the latest SMS sent to them."""
    customer = db.get_or_404(Customer, customer_id)
    upcoming, past = service.appointments_of(db.session, customer.id, utcnow())
    messages = service.last_messages(db.session, customer.id)
    return render(
        "customers/show.html",
        "customers/_detail.html",
        customer=customer,
        upcoming=upcoming,
        past=past,
        messages=messages,
        sinno_status=service.sinno_status_label(customer.sinno_status),
    )
