"""Admin pages: list, create and edit accounts (the shared CRUD view), deactivate, set passwords."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.auth.decorators import role_required
from app.blueprints.crud import CrudView
from app.blueprints.users import bp
from app.blueprints.users.forms import PasswordSetForm, UserCreateForm, UserEditForm
from app.extensions import db
from app.htmx import htmx_or_redirect, render
from app.i18n import N_
from app.models import Role, User
from app.services import users as service


class UserView(CrudView):
    """Accounts, searchable by name; accounts are deactivated, never deleted."""

    model, form_class, name, table_template = User, UserCreateForm, "user", "users/_table.html"
    page_template, edit_form_class = "users/index.html", UserEditForm
    texts = dict(
        title=N_("Benutzer"),
        new=N_("Neuer Benutzer"),
        edit=N_("Benutzer %(name)s bearbeiten"),
        created=N_("Benutzer %(name)s wurde angelegt."),
        saved=N_("Benutzer %(name)s wurde gespeichert."),
    )

    def list_context(self):
        q = self.search_arg()
        return {
            "page": self.fetch(service.list_statement(q)),
            "q": q,
            "list_args": self.filter_args(q=q),
        }

    def save(self, record, form):
        return service.save(db.session, record or User(), form.values())

    def label(self, record):
        return record.username


UserView(bp, deletable=False)


def _deactivation_blocked(user: User) -> str | None:
    """Why an account cannot be deactivated, or None."""
    if user.id == current_user.id:
        return _("Sie können Ihr eigenes Konto nicht deaktivieren.")
    if service.would_remove_last_admin(db.session, user, user.role, False):
        return _("Das ist der letzte aktive Administrator; es muss mindestens einen geben.")
    return None


@bp.get("/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def confirm_deactivate(user_id: int):
    """Ask before deactivating an account (its sessions end at once); say right away when it
    cannot be."""
    user = db.get_or_404(User, user_id)
    return render(
        "crud/delete.html",
        "_confirm_delete.html",
        title=_("Benutzer deaktivieren"),
        question=_(
            "Soll das Konto %(name)s deaktiviert werden? Wer damit angemeldet ist, wird sofort "
            "abgemeldet. Anmelden kann man sich damit erst wieder, wenn ein Administrator es "
            "wieder aktiviert.",
            name=user.username,
        ),
        blocked=_deactivation_blocked(user)
        or (
            _("Benutzer %(name)s ist bereits deaktiviert.", name=user.username)
            if not user.is_active_account
            else None
        ),
        action=url_for("users.toggle_active", user_id=user.id),
        fields={"active": "0"},
        confirm_label=_("Deaktivieren"),
        cancel=url_for("users.index"),
    )


@bp.post("/<int:user_id>/active")
@role_required(Role.ADMIN)
def toggle_active(user_id: int):
    """Deactivate (active=0) or reactivate (active=1) an account. The form names the state it
    wants, so a form sent twice (a double click, a reload) cannot undo itself."""
    user = db.get_or_404(User, user_id)
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        abort(400)
    activate = wanted == "1"
    if activate == user.is_active_account:
        flash(
            _("Benutzer %(name)s ist bereits aktiv.", name=user.username)
            if activate
            else _("Benutzer %(name)s ist bereits deaktiviert.", name=user.username),
            "info",
        )
    elif not activate and (blocked := _deactivation_blocked(user)):
        flash(blocked, "error")
    else:
        service.set_active(user, activate)
        db.session.commit()
        flash(
            _("Benutzer %(name)s wurde aktiviert.", name=user.username)
            if activate
            else _("Benutzer %(name)s wurde deaktiviert.", name=user.username),
            "success",
        )
    return htmx_or_redirect(url_for("users.index"))


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def password(user_id: int):
    """Set a new password for an account."""
    user = db.get_or_404(User, user_id)
    form = PasswordSetForm(username=user.username)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render(
                "users/password.html", "users/_password_form.html", status=422, form=form, user=user
            )
        service.set_password(user, form.password.data)
        db.session.commit()
        flash(_("Das Passwort von %(name)s wurde geändert.", name=user.username), "success")
        return htmx_or_redirect(url_for("users.index"))
    return render("users/password.html", "users/_password_form.html", form=form, user=user)
