"""One shape for the lists of records: list, new, create, edit, update, confirm delete, delete.

A feature describes its records once in a `CrudView` subclass (model, form, roles, templates, texts,
the service calls that save and delete, the "blocked by" rule) and registers it on its blueprint;
the seven routes and the generic templates `crud/*.html` are shared. Routes never change a record
themselves: `save` and `remove` call the feature's service.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm

from app.blueprints.auth.decorators import role_required
from app.blueprints.messages import describe_usages
from app.blueprints.paging import ListTable, page_arg
from app.extensions import db
from app.htmx import htmx_or_redirect, render
from app.models import Role
from app.services.organisation import Usage
from app.services.pagination import Slice, fetch_slice


class FieldError(Exception):
    """The service refused input the form had accepted (e.g. a race): shown at the field, 422."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class CrudView:
    """The seven routes of one kind of record; subclasses set the class attributes and hooks."""

    model: ClassVar[type]
    form_class: ClassVar[type[FlaskForm]]
    edit_form_class: ClassVar[type[FlaskForm] | None] = None  # when editing differs from creating
    roles: ClassVar[tuple[Role, ...]] = (Role.ADMIN,)
    # DOM ids (branch-form, branch-table, branch-7) and the URL argument (branch_id).
    name: ClassVar[str]
    # The list's table: its headings, empty text and row (`row`, `view`), extending crud/_table.html.
    table_template: ClassVar[str]
    endpoint_prefix: ClassVar[str] = ""  # "type_": type_new, type_edit, ...
    index_endpoint: ClassVar[str] = "index"
    # msgids marked with N_, translated when shown (%(name)s: the record): title, new, edit,
    # created, saved, deleted, delete_title, delete_question; in_use where `usages` is used.
    texts: ClassVar[dict[str, str]]
    scalars: ClassVar[bool] = True  # rows are records (True) or tuples (record, extra, ...)
    page_template: ClassVar[str] = "crud/index.html"
    form_template: ClassVar[str] = "crud/_form.html"

    def __init__(self, bp: Blueprint, prefix: str = "/", deletable: bool = True) -> None:
        self.blueprint = bp.name
        self.deletable = deletable
        arg, p = f"<int:{self.name}_id>", self.endpoint_prefix
        routes = (
            (prefix, self.index_endpoint, self.index, "GET"),
            (f"{prefix}new", f"{p}new", self.new, "GET"),
            (prefix, f"{p}create", self.create, "POST"),
            (f"{prefix}{arg}/edit", f"{p}edit", self.edit, "GET"),
            (f"{prefix}{arg}/edit", f"{p}update", self.update, "POST"),
            (f"{prefix}{arg}/delete", f"{p}confirm_delete", self.confirm_delete, "GET"),
            (f"{prefix}{arg}/delete", f"{p}delete", self.delete, "POST"),
        )
        for rule, endpoint, method, http in routes[: 5 + 2 * deletable]:
            bp.add_url_rule(rule, endpoint, self._view(method, endpoint), methods=[http])

    def _view(self, method, endpoint: str):
        """A view function for one route, declaring the view's roles (deny-by-default access)."""

        def view(**kwargs):
            return method(*kwargs.values())

        view.__name__ = endpoint
        view.__qualname__ = f"{type(self).__name__}.{endpoint}"
        view.__doc__ = method.__doc__
        return role_required(*self.roles)(view)

    # ---- what subclasses describe --------------------------------------------------------------

    def list_statement(self) -> sa.Select:
        """The list's query (ordered); the paginator adds LIMIT/OFFSET."""
        return sa.select(self.model)

    def list_context(self) -> dict[str, Any]:
        """What the list page and its table fragment show: one page of rows and the filter args."""
        return {"page": self.fetch(self.list_statement()), "list_args": {}}

    def fetch(self, stmt: sa.Select) -> Slice:
        """One page of `stmt` for the request's ?page=."""
        return fetch_slice(
            db.session, stmt, page_arg(), current_app.config["LIST_PAGE_SIZE"], scalars=self.scalars
        )

    def new_form(self) -> FlaskForm:
        """The empty form for a new record (subclasses preselect values)."""
        return self.form_class()

    def save(self, record: Any | None, form: FlaskForm) -> Any:
        """Create (record None) or update a record through the feature's service; may raise FieldError."""
        raise NotImplementedError

    def usages(self, record: Any) -> list[Usage]:
        """What still uses the record (workstations, interfaces, ...): it cannot be deleted then."""
        return []

    def blocked(self, record: Any) -> str | None:
        """Why the record cannot be deleted (shown in the dialog and on a refused delete), or None.

        By default the `usages`, named after the text `in_use` (%(name)s, %(what)s).
        """
        usages = self.usages(record)
        if not usages:
            return None
        return gettext(self.texts["in_use"], name=self.label(record), what=describe_usages(usages))

    def remove(self, record: Any) -> None:
        """Delete the record through the feature's service."""
        raise NotImplementedError

    def label(self, record: Any) -> str:
        """How texts name a record."""
        return record.name

    def done_url(self, record: Any) -> str:
        """Where a save leads."""
        return self.url("index")

    def cancel_url(self, record: Any | None) -> str:
        """Where "Abbrechen" and a refused delete lead."""
        return self.url("index")

    # ---- helpers for routes and templates -----------------------------------------------------

    def endpoint(self, verb: str) -> str:
        """The full endpoint name of one of the seven routes ("index", "edit", ...)."""
        return f"{self.blueprint}.{self.index_endpoint if verb == 'index' else self.endpoint_prefix + verb}"

    def search_arg(self) -> str:
        """The list's search text (?q=), trimmed, at most 100 characters."""
        return request.args.get("q", "").strip()[:100]

    @staticmethod
    def filter_args(**values: Any) -> dict[str, Any]:
        """The list's filters that are set, for the pager's and the table's links."""
        return {key: value for key, value in values.items() if value}

    def url(self, verb: str, record: Any | None = None, **args: Any) -> str:
        """The URL of one of the seven routes, for a record where the route needs one."""
        if record is not None:
            args[f"{self.name}_id"] = record.id
        return url_for(self.endpoint(verb), **args)

    def text(self, key: str, record: Any | None = None) -> str:
        """One of the view's texts in the reader's language, naming the record (escaped when shown)."""
        return gettext(self.texts[key], name=self.label(record) if record is not None else "")

    def load(self, record_id: int) -> Any:
        """The record or 404."""
        return db.get_or_404(self.model, record_id)

    def _edit_form(self, **kwargs: Any) -> FlaskForm:
        return (self.edit_form_class or self.form_class)(**kwargs)

    def _form_page(self, form: FlaskForm, record: Any | None, status: int = 200):
        return render(
            "crud/form.html", self.form_template, status=status, view=self, form=form, record=record
        )

    def _save(self, form: FlaskForm, record: Any | None, done: str):
        if not form.validate_on_submit():
            return self._form_page(form, record, 422)
        try:
            record = self.save(record, form)
        except FieldError as exc:
            db.session.rollback()
            form[exc.field].errors.append(exc.message)
            return self._form_page(form, record, 422)
        db.session.commit()
        flash(self.text(done, record), "success")
        return htmx_or_redirect(self.done_url(record))

    # ---- the seven routes -----------------------------------------------------------------------

    def list_table(self, args: dict[str, Any]) -> ListTable:
        """How the list's table is drawn, its pager keeping the filter `args`."""
        return ListTable(self.name, self.table_template, self.endpoint("index"), args)

    def index(self):
        """The list, page by page."""
        ctx = self.list_context()
        table = self.list_table(ctx["list_args"])
        return render(self.page_template, self.table_template, view=self, table=table, **ctx)

    def new(self):
        """The form for a new record."""
        return self._form_page(self.new_form(), None)

    def create(self):
        """Create a record (422 with the form on bad input)."""
        return self._save(self.form_class(), None, "created")

    def edit(self, record_id: int):
        """The form to edit a record."""
        record = self.load(record_id)
        return self._form_page(self._edit_form(obj=record, record=record), record)

    def update(self, record_id: int):
        """Save a record (422 with the form on bad input)."""
        record = self.load(record_id)
        return self._save(self._edit_form(record=record), record, "saved")

    def confirm_delete(self, record_id: int):
        """Ask before deleting; say right away when something still uses the record."""
        record = self.load(record_id)
        return render(
            "crud/delete.html",
            "_confirm_delete.html",
            title=self.text("delete_title"),
            question=self.text("delete_question", record),
            blocked=self.blocked(record),
            action=self.url("delete", record),
            cancel=self.cancel_url(record),
        )

    def delete(self, record_id: int):
        """Delete a record nothing uses any more; otherwise say what uses it."""
        record = self.load(record_id)
        blocked = self.blocked(record)
        if blocked:
            flash(blocked, "error")
            return htmx_or_redirect(self.cancel_url(record))
        name = self.label(record)
        self.remove(record)
        db.session.commit()
        flash(gettext(self.texts["deleted"], name=name), "success")
        return htmx_or_redirect(self.url("index"))
