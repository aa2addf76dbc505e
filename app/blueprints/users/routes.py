"""Admin pages: list, create, edit, deactivate accounts and set passwords."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.auth.decorators import role_required
from app.blueprints.users import bp
from app.blueprints.users.forms import PasswordSetForm, UserCreateForm, UserEditForm
from app.extensions import db
from app.htmx import htmx_or_redirect, render
from app.models import Role, User
from app.request_guard import page_arg


def _would_remove_last_admin(user: User, new_role: str, new_active: bool) -> bool:
    """True when the change would leave the chain without an active administrator."""
    if user.role != Role.ADMIN.value or not user.is_active_account:
        return False
    if new_role == Role.ADMIN.value and new_active:
        return False
    others = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.role == Role.ADMIN.value, User.is_active_account, User.id != user.id))
    return others == 0


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """List accounts, searchable by name."""
    q = request.args.get("q", "").strip()[:100]
    stmt = sa.select(User).options(sa.orm.selectinload(User.branch)).order_by(User.username)
    if q:
        # A typed % or _ matches itself, as in the other lists.
        like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.username).like(like, escape="\\"),
                                 sa.func.lower(User.full_name).like(like, escape="\\")))
    page = db.paginate(stmt, page=page_arg(), per_page=50, error_out=False)
    return render("users/index.html", "users/_table.html", page=page, q=q)


@bp.get("/new")
@role_required(Role.ADMIN)
def new():
    """The form for a new account."""
    return render("users/form.html", "users/_form.html", form=UserCreateForm(), user=None)


@bp.post("/")
@role_required(Role.ADMIN)
def create():
    """Create an account."""
    form = UserCreateForm()
    if not form.validate_on_submit():
        return render("users/form.html", "users/_form.html", status=422, form=form, user=None)
    user = User(username=form.username.data.strip(), full_name=form.full_name.data or "",
                email=form.email.data or None, role=form.role.data,
                branch_id=form.branch_id.data, workstation_id=form.workstation_id.data)
    user.set_password(form.password.data)
    db.session.add(user)
    db.session.commit()
    flash(_("Benutzer %(name)s wurde angelegt.", name=user.username), "success")
    return htmx_or_redirect(url_for("users.index"))


@bp.get("/<int:user_id>/edit")
@role_required(Role.ADMIN)
def edit(user_id: int):
    """The form to edit an account."""
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user, user=user)
    form.active.data = user.is_active_account
    return render("users/form.html", "users/_form.html", form=form, user=user)


@bp.post("/<int:user_id>/edit")
@role_required(Role.ADMIN)
def update(user_id: int):
    """Save an account."""
    user = db.get_or_404(User, user_id)
    form = UserEditForm(user=user)
    ok = form.validate_on_submit()
    if ok and user.id == current_user.id and (form.role.data != user.role or not form.active.data):
        form.role.errors.append(_("Sie können Ihre eigene Rolle nicht ändern und Ihr eigenes Konto "
                                  "nicht deaktivieren."))
        ok = False
    if ok and _would_remove_last_admin(user, form.role.data, form.active.data):
        form.role.errors.append(_("Das ist der letzte aktive Administrator; es muss mindestens "
                                  "einen geben."))
        ok = False
    if not ok:
        return render("users/form.html", "users/_form.html", status=422, form=form, user=user)
    if user.is_active_account and not form.active.data:
        user.session_version += 1  # end the user's open sessions
    user.full_name = form.full_name.data or ""
    user.email = form.email.data or None
    user.role = form.role.data
    user.branch_id = form.branch_id.data
    user.workstation_id = form.workstation_id.data
    user.is_active_account = form.active.data
    db.session.commit()
    flash(_("Benutzer %(name)s wurde gespeichert.", name=user.username), "success")
    return htmx_or_redirect(url_for("users.index"))


@bp.post("/<int:user_id>/active")
@role_required(Role.ADMIN)
def toggle_active(user_id: int):
    """Deactivate or reactivate an account."""
    user = db.get_or_404(User, user_id)
    activate = not user.is_active_account
    if user.id == current_user.id:
        flash(_("Sie können Ihr eigenes Konto nicht deaktivieren."), "error")
    elif not activate and _would_remove_last_admin(user, user.role, False):
        flash(_("Das ist der letzte aktive Administrator; es muss mindestens einen geben."), "error")
    else:
        user.is_active_account = activate
        if not activate:
            user.session_version += 1
        db.session.commit()
        flash(_("Benutzer %(name)s wurde aktiviert.", name=user.username) if activate else
              _("Benutzer %(name)s wurde deaktiviert.", name=user.username), "success")
    return htmx_or_redirect(url_for("users.index"))


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def password(user_id: int):
    """Set a new password for an account."""
    user = db.get_or_404(User, user_id)
    form = PasswordSetForm(username=user.username)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render("users/password.html", "users/_password_form.html", status=422,
                          form=form, user=user)
        user.set_password(form.password.data)
        db.session.commit()
        flash(_("Das Passwort von %(name)s wurde geändert.", name=user.username), "success")
        return htmx_or_redirect(url_for("users.index"))
    return render("users/password.html", "users/_password_form.html", form=form, user=user)
