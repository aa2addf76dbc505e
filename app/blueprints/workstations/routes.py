"""Admin pages: list, create, edit and delete workstations."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.auth.decorators import role_required
from app.blueprints.messages import describe_usages
from app.blueprints.workstations import bp
from app.blueprints.workstations.forms import WorkstationForm
from app.extensions import db
from app.htmx import htmx_or_redirect, render
from app.models import Branch, Interface, Role, Workstation
from app.services import interface_types
from app.services.interfaces import (ProtectedError, follow_workstation,
                                     refresh_search_text_for_workstation)
from app.services.organisation import workstation_usages


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """List the workstations by branch."""
    rows = db.session.scalars(
        sa.select(Workstation).join(Branch).options(sa.orm.contains_eager(Workstation.branch))
        .order_by(Branch.number, Workstation.name)).all()
    return render("workstations/index.html", "workstations/_table.html", workstations=rows)


@bp.get("/new")
@role_required(Role.ADMIN)
def new():
    """The form for a new workstation."""
    return render("workstations/form.html", "workstations/_form.html", form=WorkstationForm(),
                  workstation=None)


@bp.post("/")
@role_required(Role.ADMIN)
def create():
    """Create a workstation."""
    form = WorkstationForm()
    if not form.validate_on_submit():
        return render("workstations/form.html", "workstations/_form.html", status=422, form=form,
                      workstation=None)
    ws = Workstation(name=form.name.data.strip().upper(), branch_id=form.branch_id.data)
    db.session.add(ws)
    db.session.commit()
    flash(_("Arbeitsplatz %(name)s wurde angelegt.", name=ws.name), "success")
    return htmx_or_redirect(url_for("workstations.index"))


@bp.get("/<int:workstation_id>/edit")
@role_required(Role.ADMIN)
def edit(workstation_id: int):
    """The form to edit a workstation."""
    ws = db.get_or_404(Workstation, workstation_id)
    return render("workstations/form.html", "workstations/_form.html",
                  form=WorkstationForm(obj=ws, workstation=ws), workstation=ws)


@bp.post("/<int:workstation_id>/edit")
@role_required(Role.ADMIN)
def update(workstation_id: int):
    """Save a workstation."""
    ws = db.get_or_404(Workstation, workstation_id)
    form = WorkstationForm(workstation=ws)
    if not form.validate_on_submit():
        return render("workstations/form.html", "workstations/_form.html", status=422, form=form,
                      workstation=ws)
    ws.name = form.name.data.strip().upper()
    ws.branch_id = form.branch_id.data
    try:
        follow_workstation(db.session, ws, current_user)
    except ProtectedError:  # protected by someone else since the form's check
        db.session.rollback()
        form.branch_id.errors.append(_("Eine Schnittstelle dieses Arbeitsplatzes wurde eben "
                                       "geschützt. Heben Sie zuerst den Schutz auf."))
        return render("workstations/form.html", "workstations/_form.html", status=422, form=form,
                      workstation=ws)
    refresh_search_text_for_workstation(db.session, ws.id)
    db.session.commit()
    flash(_("Arbeitsplatz %(name)s wurde gespeichert.", name=ws.name), "success")
    return htmx_or_redirect(url_for("workstations.index"))


@bp.get("/<int:workstation_id>/delete")
@role_required(Role.ADMIN)
def confirm_delete(workstation_id: int):
    """Ask before deleting; say right away if the workstation is still in use."""
    ws = db.get_or_404(Workstation, workstation_id)
    usages = workstation_usages(db.session, ws)
    return render("workstations/delete.html", "_confirm_delete.html",
                  title=_("Arbeitsplatz löschen"),
                  question=_("Soll der Arbeitsplatz %(name)s gelöscht werden?", name=ws.name),
                  blocked=_("Der Arbeitsplatz wird noch verwendet: %(what)s.",
                            what=describe_usages(usages)) if usages else None,
                  action=url_for("workstations.delete", workstation_id=ws.id),
                  cancel=url_for("workstations.index"))


@bp.post("/<int:workstation_id>/delete")
@role_required(Role.ADMIN)
def delete(workstation_id: int):
    """Delete a workstation that nothing uses any more."""
    ws = db.get_or_404(Workstation, workstation_id)
    usages = workstation_usages(db.session, ws)
    if usages:
        flash(_("Der Arbeitsplatz %(name)s kann nicht gelöscht werden. Er wird noch verwendet: "
                "%(what)s.", name=ws.name, what=describe_usages(usages)), "error")
        return htmx_or_redirect(url_for("workstations.index"))
    db.session.delete(ws)
    db.session.commit()
    flash(_("Arbeitsplatz %(name)s wurde gelöscht.", name=ws.name), "success")
    return htmx_or_redirect(url_for("workstations.index"))


@bp.get("/<int:workstation_id>/settings")
@role_required(Role.ADMIN)
def settings(workstation_id: int):
    """Arbeitsplatzeinstellungen: the interfaces configured for this computer only."""
    ws = db.get_or_404(Workstation, workstation_id)
    interfaces = db.session.scalars(
        sa.select(Interface).where(Interface.workstation_id == ws.id).order_by(Interface.group,
                                                                               Interface.name)).all()
    return render("workstations/settings.html", "workstations/_settings.html", workstation=ws,
                  interfaces=interfaces, type_labels=interface_types.display_labels())
