"""Customer pages: the searchable list, create, show, edit and delete."""
from __future__ import annotations

from flask import current_app, flash, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from app.blueprints.auth.decorators import role_required
from app.blueprints.customers import bp
from app.blueprints.customers.forms import CustomerForm, branch_choices
from app.extensions import db
from app.htmx import htmx_or_redirect, render, wants_fragment
from app.models import Customer, Role
from app.models.base import utcnow
from app.services import customers as service


def page_arg() -> int:
    """The ?page= number, 1 when missing or malformed."""
    try:
        return max(1, min(int(request.args.get("page", 1)), 100_000))
    except ValueError:
        return 1


def _list_args(q: str, branch_id: int | None, app_state: str | None = None, **changes) -> dict:
    """The list's URL parameters without empty values."""
    args = {"q": q or None, "branch": branch_id or None, "app": app_state or None}
    args.update(changes)
    return {k: v for k, v in args.items() if v}


@bp.get("/")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def index():
    """Search customers as you type, filter by branch; each row offers "SMS senden"."""
    q = request.args.get("q", "").strip()[:100]
    branch_id = request.args.get("branch", type=int)
    app_state = request.args.get("app") if request.args.get("app") in service.SINNO_STATUSES else None
    page = service.list_page(db.session, q, branch_id, page_arg(), current_app.config["LIST_PAGE_SIZE"],
                             app_state=app_state)
    ctx = dict(page=page, q=q, branch_id=branch_id, list_args=_list_args(q, branch_id, app_state),
               app_state=app_state)
    if not wants_fragment():  # the filter select is only on the page, not in the table fragment
        ctx["branches"] = branch_choices()[1:]
        ctx["app_states"] = [(key, str(label)) for key, label in service.SINNO_STATUSES.items()]
    return render("customers/index.html", "customers/_table.html", **ctx)


@bp.get("/new")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def new():
    """The form for a new customer (the employee's branch preselected)."""
    form = CustomerForm(branch_id=current_user.branch_id)
    return render("customers/form.html", "customers/_form.html", form=form, customer=None)


@bp.post("/")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def create():
    """Create a customer."""
    form = CustomerForm()
    if not form.validate_on_submit():
        return render("customers/form.html", "customers/_form.html", status=422, form=form, customer=None)
    customer = service.save(db.session, Customer(), form.values())
    db.session.commit()
    flash(_("Kunde %(name)s wurde angelegt.", name=customer.full_name), "success")
    return htmx_or_redirect(url_for("customers.show", customer_id=customer.id))


@bp.get("/<int:customer_id>")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def show(customer_id: int):
    """A customer with their appointments and the latest SMS sent to them."""
    customer = db.get_or_404(Customer, customer_id)
    upcoming, past = service.appointments_of(db.session, customer.id, utcnow())
    messages = service.last_messages(db.session, customer.id)
    return render("customers/show.html", "customers/_detail.html", customer=customer, upcoming=upcoming,
                  past=past, messages=messages, sinno_status=service.sinno_status_label(customer.sinno_status))


@bp.get("/<int:customer_id>/edit")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def edit(customer_id: int):
    """The form to edit a customer."""
    customer = db.get_or_404(Customer, customer_id)
    form = CustomerForm(obj=customer, customer=customer)
    return render("customers/form.html", "customers/_form.html", form=form, customer=customer)


@bp.post("/<int:customer_id>/edit")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def update(customer_id: int):
    """Save a customer."""
    customer = db.get_or_404(Customer, customer_id)
    form = CustomerForm(customer=customer)
    if not form.validate_on_submit():
        return render("customers/form.html", "customers/_form.html", status=422, form=form, customer=customer)
    service.save(db.session, customer, form.values())
    db.session.commit()
    flash(_("Kunde %(name)s wurde gespeichert.", name=customer.full_name), "success")
    return htmx_or_redirect(url_for("customers.show", customer_id=customer.id))


def _blocked(customer: Customer) -> str | None:
    """Why the customer cannot be deleted, or None."""
    count = service.appointment_count(db.session, customer.id)
    if not count:
        return None
    return ngettext("Der Kunde %(name)s hat noch %(num)d Termin und kann nicht gelöscht werden.",
                    "Der Kunde %(name)s hat noch %(num)d Termine und kann nicht gelöscht werden.",
                    count, name=customer.full_name)


@bp.get("/<int:customer_id>/delete")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def confirm_delete(customer_id: int):
    """Ask before deleting; say right away when the customer still has appointments."""
    customer = db.get_or_404(Customer, customer_id)
    return render("customers/delete.html", "_confirm_delete.html",
                  title=_("Kunden löschen"),
                  question=_("Soll der Kunde %(name)s gelöscht werden?", name=customer.full_name),
                  blocked=_blocked(customer),
                  action=url_for("customers.delete", customer_id=customer.id),
                  cancel=url_for("customers.show", customer_id=customer.id))


@bp.post("/<int:customer_id>/delete")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def delete(customer_id: int):
    """Delete a customer who has no appointments."""
    customer = db.get_or_404(Customer, customer_id)
    blocked = _blocked(customer)
    if blocked:
        flash(blocked, "error")
        return htmx_or_redirect(url_for("customers.show", customer_id=customer.id))
    name = customer.full_name
    service.delete(db.session, customer)
    db.session.commit()
    flash(_("Kunde %(name)s wurde gelöscht.", name=name), "success")
    return htmx_or_redirect(url_for("customers.index"))
