"""Customer activation in the SiNNO-App: dialogs, the state fragment that polls, the set-up sheet."""

from __future__ import annotations

import segno
from flask import abort, current_app, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.blueprints.actions import outcome_page, require_form
from app.blueprints.auth.decorators import role_required
from app.blueprints.sinno import bp
from app.extensions import db, secret_box
from app.htmx import fragment_or_redirect, is_htmx, no_content, render
from app.models import Customer, Interface, Role
from app.services import sinno_customers as service
from app.services.clock import local_today
from app.services.sinno import app_link


def _today():
    return local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _customer(customer_id: int) -> Customer:
    return db.get_or_404(Customer, customer_id)


def _show_url(customer: Customer) -> str:
    return url_for("customers.show", customer_id=customer.id)


def _dialog(step: str, customer: Customer, status: int = 200, **ctx):
    """The activate or deactivate dialog (a page of its own without JavaScript)."""
    return render(
        f"customers/sinno_{step}.html",
        f"customers/_sinno_{step}_dialog.html",
        status=status,
        customer=customer,
        **ctx,
    )


def _done(customer: Customer):
    # dialog-close last: it empties the dialog, and an event fired on a detached form goes nowhere.
    return no_content({"sinno-customer": customer.id, "dialog-close": None})


@bp.get("/customers/<int:customer_id>")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def state(customer_id: int):
    """The customer's SiNNO-App state; polled in place while the worker is setting it up."""
    customer = _customer(customer_id)
    return fragment_or_redirect("customers/_sinno.html", _show_url(customer), customer=customer)


@bp.get("/customers/<int:customer_id>/activate")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def confirm_activate(customer_id: int):
    """The confirmation dialog, or the reasons why the activation cannot start."""
    customer = _customer(customer_id)
    problems = service.activation_problems(db.session, customer, _today())
    return _dialog("activate", customer, problems=problems)


@bp.post("/customers/<int:customer_id>/activate")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def activate(customer_id: int):
    """Start the activation: the worker registers the customer (state "wird eingerichtet")."""
    customer = _customer(customer_id)
    require_form()
    problems = service.request_activation(db.session, customer, _today())
    if not is_htmx():
        if problems:
            return outcome_page(_show_url(customer), *(p.message for p in problems), ok=False)
        return outcome_page(
            _show_url(customer),
            _(
                "Die SiNNO-App wird für %(name)s eingerichtet; das kann einige Minuten dauern.",
                name=customer.full_name,
            ),
        )
    if problems:
        return _dialog("activate", customer, status=422, problems=problems)
    return _done(customer)


@bp.get("/customers/<int:customer_id>/deactivate")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def confirm_deactivate(customer_id: int):
    """Ask before deactivating."""
    return _dialog("deactivate", _customer(customer_id), error=None)


@bp.post("/customers/<int:customer_id>/deactivate")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def deactivate(customer_id: int):
    """Deactivate at the service, then here; a fault keeps everything as it was."""
    customer = _customer(customer_id)
    require_form()
    error = service.deactivate(
        db.session, secret_box(), customer, current_user, current_app.config["SINNO_TIMEOUTS"]
    )
    if not is_htmx():
        return outcome_page(
            _show_url(customer),
            error or _("%(name)s wurde in der SiNNO-App deaktiviert.", name=customer.full_name),
            ok=not error,
        )
    if error:
        return _dialog("deactivate", customer, error=error)
    return _done(customer)


@bp.get("/customers/<int:customer_id>/sheet")
@role_required(Role.EMPLOYEE, Role.ADMIN)
def sheet(customer_id: int):
    """The printable set-up sheet: app, shop, a QR code made here, what to do with the SMS code."""
    customer = _customer(customer_id)
    if customer.sinno_status not in (service.INVITED, service.ACTIVE):
        abort(404)
    interface = (
        db.session.get(Interface, customer.sinno_interface_id)
        if customer.sinno_interface_id
        else None
    )
    settings = interface.settings if interface else {}
    link = app_link(
        settings.get("server") or "",
        settings.get("company_no") or "",
        customer.sinno_customer_id or "",
    )
    qr = segno.make(link, error="m")
    svg = Markup(qr.svg_inline(scale=5, title=_("QR-Code zur SiNNO-App")))
    return render(
        "customers/sinno_sheet.html",
        "customers/sinno_sheet.html",
        customer=customer,
        link=link,
        qr_svg=svg,
        app_name=service.APP_NAME,
    )
