"""Admin pages: list, create, edit and delete branches."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, url_for
from flask_babel import gettext as _

from app.blueprints.auth.decorators import role_required
from app.blueprints.branches import bp
from app.blueprints.branches.forms import BranchForm
from app.blueprints.messages import describe_usages
from app.extensions import db
from app.htmx import htmx_or_redirect, render
from app.models import Branch, Role, Workstation
from app.services.addresses import normalise_phone
from app.services.organisation import branch_usages


def _apply(form: BranchForm, branch: Branch) -> None:
    branch.number = form.number.data.strip()
    branch.code = form.code.data.strip().upper()
    branch.name = form.name.data.strip()
    branch.street = form.street.data.strip()
    branch.postcode = form.postcode.data.strip().upper()
    branch.city = form.city.data.strip()
    branch.country = form.country.data
    branch.phone = normalise_phone(form.phone.data, form.country.data) if form.phone.data else None
    branch.email = (form.email.data or "").strip().lower() or None


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """List the branches with their workstation counts."""
    ws_count = (sa.select(sa.func.count()).select_from(Workstation)
                .where(Workstation.branch_id == Branch.id).scalar_subquery())
    rows = db.session.execute(sa.select(Branch, ws_count).order_by(Branch.number)).all()
    return render("branches/index.html", "branches/_table.html", rows=rows)


@bp.get("/new")
@role_required(Role.ADMIN)
def new():
    """The form for a new branch."""
    return render("branches/form.html", "branches/_form.html", form=BranchForm(), branch=None)


@bp.post("/")
@role_required(Role.ADMIN)
def create():
    """Create a branch."""
    form = BranchForm()
    if not form.validate_on_submit():
        return render("branches/form.html", "branches/_form.html", status=422, form=form, branch=None)
    branch = Branch()
    _apply(form, branch)
    db.session.add(branch)
    db.session.commit()
    flash(_("Filiale %(name)s wurde angelegt.", name=branch.label), "success")
    return htmx_or_redirect(url_for("branches.index"))


@bp.get("/<int:branch_id>/edit")
@role_required(Role.ADMIN)
def edit(branch_id: int):
    """The form to edit a branch."""
    branch = db.get_or_404(Branch, branch_id)
    return render("branches/form.html", "branches/_form.html", form=BranchForm(obj=branch, branch=branch),
                  branch=branch)


@bp.post("/<int:branch_id>/edit")
@role_required(Role.ADMIN)
def update(branch_id: int):
    """Save a branch."""
    branch = db.get_or_404(Branch, branch_id)
    form = BranchForm(branch=branch)
    if not form.validate_on_submit():
        return render("branches/form.html", "branches/_form.html", status=422, form=form, branch=branch)
    _apply(form, branch)
    from app.services.interfaces import refresh_search_text_for_branch

    refresh_search_text_for_branch(db.session, branch.id)
    db.session.commit()
    flash(_("Filiale %(name)s wurde gespeichert.", name=branch.label), "success")
    return htmx_or_redirect(url_for("branches.index"))


@bp.get("/<int:branch_id>/delete")
@role_required(Role.ADMIN)
def confirm_delete(branch_id: int):
    """Ask before deleting; say right away if the branch is still in use."""
    branch = db.get_or_404(Branch, branch_id)
    usages = branch_usages(db.session, branch)
    return render("branches/delete.html", "_confirm_delete.html",
                  title=_("Filiale löschen"),
                  question=_("Soll die Filiale %(name)s gelöscht werden?", name=branch.label),
                  blocked=_("Die Filiale wird noch verwendet: %(what)s.", what=describe_usages(usages))
                  if usages else None,
                  action=url_for("branches.delete", branch_id=branch.id),
                  cancel=url_for("branches.index"))


@bp.post("/<int:branch_id>/delete")
@role_required(Role.ADMIN)
def delete(branch_id: int):
    """Delete a branch that nothing uses any more."""
    branch = db.get_or_404(Branch, branch_id)
    usages = branch_usages(db.session, branch)
    if usages:
        flash(_("Die Filiale %(name)s kann nicht gelöscht werden. Sie wird noch verwendet: %(what)s.",
                name=branch.label, what=describe_usages(usages)), "error")
        return htmx_or_redirect(url_for("branches.index"))
    db.session.delete(branch)
    db.session.commit()
    flash(_("Filiale %(name)s wurde gelöscht.", name=branch.label), "success")
    return htmx_or_redirect(url_for("branches.index"))
