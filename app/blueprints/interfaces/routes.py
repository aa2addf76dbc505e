"""Interface pages: the searchable list, configuration forms, protection, deletion, history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple
from urllib.parse import quote_plus

import sqlalchemy as sa
from flask import abort, current_app, flash, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.auth.decorators import role_required
from app.blueprints.interfaces import bp
from app.blueprints.interfaces.forms import DeleteForm, make_form
from app.blueprints.interfaces.history import action_labels, history_page
from app.blueprints.paging import page_arg
from app.extensions import db, secret_box
from app.htmx import htmx_or_redirect, render, trigger, wants_fragment
from app.models import Interface, InterfaceEvent, Role, Workstation
from app.request_guard import int_arg
from app.services import checks, interface_types, usage
from app.services import interfaces as service
from app.services.clock import local_today
from app.services.interface_types import CLIENT
from app.services.pagination import fetch_slice
from app.template_helpers import date_formatter, url_prefix


def today():
    """Today in the portal's time zone."""
    return local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _list_query(aliases: tuple[tuple[str, str], ...] = ()) -> service.ListQuery:
    # A plain dict: a MultiDict raises and catches an exception for every parameter not given.
    args = request.args.to_dict()
    sort = args.get("sort", "group")
    return service.ListQuery(
        q=args.get("q", "").strip()[:100],
        aliases=aliases,
        with_workstation=args.get("ws") == "1",
        sort=sort if sort in service.SORTS else "group",
        desc=args.get("dir") == "desc",
        page=page_arg(),
        per_page=current_app.config["LIST_PAGE_SIZE"],
    )


class ListLinks:
    """The list's URLs for one query, with sorting or page changed; defaults are left out.

    A page links to itself about a dozen times (sort headers, paging, refresh); each URL is
    assembled from its few parts, as url_for and urlencode per link cost more than a row.
    """

    def __init__(self, query: service.ListQuery, base: str) -> None:
        self.query = query
        self.base = base
        fixed = []
        if query.q:
            fixed.append("q=" + quote_plus(query.q))
        if query.with_workstation:
            fixed.append("ws=1")
        self._fixed = fixed

    def __call__(
        self, *, sort: str | None = None, desc: bool | None = None, page: int | None = None
    ) -> str:
        query = self.query
        sort = query.sort if sort is None else sort
        desc = query.desc if desc is None else desc
        page = query.page if page is None else page
        parts = list(self._fixed)
        if sort != "group" or desc:
            parts.append("sort=" + quote_plus(sort))
        if desc:
            parts.append("dir=desc")
        if page != 1:
            parts.append(f"page={page}")
        return f"{self.base}?{'&'.join(parts)}" if parts else self.base

    def sort_headers(self) -> list[tuple[str, str]]:
        """(key, URL) per column: a header sorts by its column, ascending; the active column's
        header reverses the order."""
        query = self.query
        return [
            (key, self(sort=key, page=1, desc=key == query.sort and not query.desc))
            for key in service.SORTS
        ]


class _Names(dict):
    """Names by key; a key without one shows as itself (`names[key]` in a template is a plain
    lookup, where `names.get(key, key)` is a call through the template context per row)."""

    def __missing__(self, key: str) -> str:
        return key


@dataclass(frozen=True)
class _ListLabels:
    """The list's group and type names in one language, and the search aliases they imply."""

    groups: dict[str, str]
    types: dict[str, str]
    # Group and type names as the reader sees them -> as stored (see ListQuery.aliases).
    aliases: tuple[tuple[str, str], ...]


def _list_labels() -> _ListLabels:
    """The request language's labels, translated once per language and app (not per request)."""
    cache = current_app.extensions.setdefault("interface_list_labels", {})
    locale = str(get_locale())
    labels = cache.get(locale)
    if labels is None:
        names = [(interface_types.group_label(g), g) for g in interface_types.GROUPS]
        names += [(t.display_label, t.label) for t in interface_types.all_types()]
        labels = cache[locale] = _ListLabels(
            groups=_Names({g: interface_types.group_label(g) for g in interface_types.GROUPS}),
            types=_Names(interface_types.display_labels()),
            aliases=tuple(
                (shown.lower(), stored.lower())
                for shown, stored in names
                if shown.lower() != stored.lower()
            ),
        )
    return labels


class ListRow(NamedTuple):
    """One row of the interface list as interfaces/_row.html shows it: the stored row with its
    link, names, dates and status (services.interfaces.status_of) resolved here, in one pass in
    Python; the template only places them. Resolving them in the template (a call through the
    template context per value) took 0.2 ms of a 50-row page, two thirds of what placing the
    markup takes. The macro unpacks the fields in this order: a new column is added here and
    there together (tests/test_interface_list.py checks each value lands under its heading)."""

    id: int
    url: str
    group: str
    name: str
    protected: bool
    type: str
    branch: str
    workstation: str
    server_side: bool
    client_side: bool
    start: str
    status: str
    since: str  # the start date of a planned interface
    error: str | None


def _list_rows(rows: Sequence, labels: _ListLabels, day: date) -> list[ListRow]:
    """The page's rows (services.interfaces.LIST_COLUMNS tuples) as the template shows them."""
    show = url_prefix("interfaces.show", "interface_id")
    text = date_formatter()
    groups, types = labels.groups, labels.types
    status_of = service.status_of
    shown = []
    for id_, type_key, group, name, branch, ws, server, client, start, protected, error in rows:
        status, since, error = status_of(start, error, day)
        shown.append(
            ListRow(
                id_,
                f"{show}{id_}",
                groups[group],
                name,
                protected,
                types[type_key],
                branch,
                ws,
                server,
                client,
                text(start),
                status,
                text(since),
                error,
            )
        )
    return shown


@bp.get("/")
@role_required(Role.ADMIN, Role.HELPDESK)
def index():
    """Schnittstellen suchen: search as you type, filter, sort, page."""
    labels = _list_labels()
    query = _list_query(labels.aliases)
    day = today()
    links = ListLinks(query, url_for("interfaces.index"))
    page = service.list_page(
        db.session, query, day, current_app.extensions.setdefault("interface_list_statements", {})
    )
    return render(
        "interfaces/index.html",
        "interfaces/_table.html",
        page=page,
        rows=_list_rows(page.items, labels, day),
        query=query,
        list_url=links,
    )


@bp.get("/new")
@role_required(Role.ADMIN)
def choose_type():
    """Step 1 of creating an interface: choose its type."""
    ws = _workstation_arg()
    return render(
        "interfaces/choose_type.html",
        "interfaces/_choose_type.html",
        types=_types_for(ws),
        workstation=ws,
    )


def _types_for(ws: Workstation | None) -> list:
    """The types that can be created here: on a workstation only client-side ones."""
    types = interface_types.all_types()
    return [t for t in types if t.allows(CLIENT)] if ws is not None else types


def _workstation_arg() -> Workstation | None:
    ws_id = int_arg("workstation_id")
    return db.get_or_404(Workstation, ws_id) if ws_id else None


def _itype_or_404(type_key: str):
    itype = interface_types.get(type_key)
    if itype is None:
        abort(404)
    return itype


def _form_page(form, itype, workstation: Workstation | None, interface: Interface | None = None):
    """A configuration form (a new or an existing interface) as page or fragment: 200 when
    asked for, 422 when a post is refused."""
    return render(
        "interfaces/form.html",
        "interfaces/_form.html",
        status=422 if request.method == "POST" else 200,
        form=form,
        interface=interface,
        itype=itype,
        workstation=workstation,
        secrets_set=service.secrets_set(interface) if interface else set(),
    )


@bp.route("/new/<type_key>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create(type_key: str):
    """Step 2: the type's form; saving creates the interface."""
    itype = _itype_or_404(type_key)
    ws = _workstation_arg()
    if itype not in _types_for(ws):
        abort(404)
    form = make_form(itype, workstation=ws)
    if not form.validate_on_submit():
        return _form_page(form, itype, ws)
    interface = service.create(db.session, itype, form.to_data(), secret_box(), current_user)
    db.session.commit()
    flash(_("Schnittstelle %(name)s wurde angelegt.", name=interface.name), "success")
    return htmx_or_redirect(url_for("interfaces.show", interface_id=interface.id))


def _interface_or_404(interface_id: int) -> Interface:
    return db.get_or_404(Interface, interface_id)


@bp.get("/<int:interface_id>")
@role_required(Role.ADMIN, Role.HELPDESK)
def show(interface_id: int):
    """An interface's configuration, status, actions and history."""
    return _detail(_interface_or_404(interface_id))


def _detail(interface: Interface, fragment: str = "interfaces/_detail.html"):
    itype = interface_types.get(interface.type_key)
    form = make_form(itype, interface=interface) if itype else None
    day = today()
    return render(
        "interfaces/show.html",
        fragment,
        interface=interface,
        itype=itype,
        form=form,
        history=history_page(db.session, interface.id),
        interface_id=interface.id,
        action_labels=action_labels(),
        today=day,
        interface_status=service.status_of(interface.start_date, interface.last_error, day),
        secrets_set=service.secrets_set(interface),
        uses=usage.where_used(db.session, interface, day),
        checkable=checks.is_checkable(interface),
    )


def saved_in_place(interface: Interface):
    """A change made on the interface's page: htmx swaps the detail in place (the message out of
    band) and `interface-saved` refreshes the list around it; without htmx the page loads again."""
    if not wants_fragment():
        return htmx_or_redirect(url_for("interfaces.show", interface_id=interface.id))
    return trigger(
        _detail(interface, "interfaces/_detail_saved.html"), {"interface-saved": interface.id}
    )


@bp.get("/<int:interface_id>/history")
@role_required(Role.ADMIN, Role.HELPDESK)
def history(interface_id: int):
    """An interface's history, page by page; it stays readable after the interface's deletion."""
    interface = db.session.get(Interface, interface_id)
    history = history_page(db.session, interface_id, page_arg())
    if interface is None and not history.items:
        abort(404)
    name = interface.name if interface else history.items[0].event.interface_name
    return render(
        "interfaces/history.html",
        "interfaces/_history.html",
        interface=interface,
        interface_id=interface_id,
        name=name,
        history=history,
        action_labels=action_labels(),
    )


@bp.get("/deleted")
@role_required(Role.ADMIN, Role.HELPDESK)
def deleted():
    """Deleted interfaces, newest first, each leading to its history."""
    page = fetch_slice(
        db.session,
        sa.select(InterfaceEvent)
        .where(InterfaceEvent.action == "deleted")
        .order_by(InterfaceEvent.at.desc(), InterfaceEvent.id.desc()),
        page_arg(),
        current_app.config["LIST_PAGE_SIZE"],
    )
    return render(
        "interfaces/deleted.html",
        "interfaces/_deleted_table.html",
        page=page,
        type_labels=interface_types.display_labels(),
    )


@bp.route("/<int:interface_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(interface_id: int):
    """Change an interface's configuration (not while it is protected)."""
    interface = _interface_or_404(interface_id)
    itype = interface_types.get(interface.type_key) or abort(404)
    ws = db.session.get(Workstation, interface.workstation_id) if interface.workstation_id else None
    form = make_form(itype, interface=interface, workstation=ws)
    if interface.protected:
        form.form_errors.append(
            _("Die Schnittstelle ist geschützt. Heben Sie zuerst den Schutz auf, um sie zu ändern.")
        )
        return _form_page(form, itype, ws, interface)
    if not form.validate_on_submit():
        return _form_page(form, itype, ws, interface)
    changes = service.update(
        db.session, interface, itype, form.to_data(), secret_box(), current_user
    )
    db.session.commit()
    flash(
        _("Schnittstelle %(name)s wurde gespeichert.", name=interface.name)
        if changes
        else _("Es gab keine Änderungen."),
        "success",
    )
    return htmx_or_redirect(url_for("interfaces.show", interface_id=interface.id))


@bp.post("/<int:interface_id>/protect")
@role_required(Role.ADMIN)
def protect(interface_id: int):
    """Protect an interface against changes and deletion."""
    return _set_protected(_interface_or_404(interface_id), True)


@bp.post("/<int:interface_id>/unprotect")
@role_required(Role.ADMIN)
def unprotect(interface_id: int):
    """Remove the protection so the interface can be changed again."""
    return _set_protected(_interface_or_404(interface_id), False)


def _set_protected(interface: Interface, protected: bool):
    if DeleteForm().validate_on_submit() and service.set_protected(
        db.session, interface, protected, current_user
    ):
        db.session.commit()
        flash(
            _("Die Schnittstelle %(name)s ist jetzt geschützt.", name=interface.name)
            if protected
            else _("Der Schutz der Schnittstelle %(name)s wurde aufgehoben.", name=interface.name),
            "success",
        )
    return saved_in_place(interface)


def _uses_warning(interface: Interface) -> str | None:
    """What stops working when the interface goes (the delete dialog repeats the page's list)."""
    uses = usage.where_used(db.session, interface, today())
    return " ".join([_("Wird verwendet:"), *(u.text for u in uses)]) if uses else None


def _delete_dialog(interface: Interface, status: int = 200):
    return render(
        "crud/delete.html",
        "_confirm_delete.html",
        status=status,
        title=_("Schnittstelle löschen"),
        question=_(
            "Soll die Schnittstelle %(name)s gelöscht werden? Ihr Verlauf bleibt erhalten.",
            name=interface.name,
        ),
        blocked=_(
            "Die Schnittstelle ist geschützt und kann erst nach Aufheben des Schutzes "
            "gelöscht werden."
        )
        if interface.protected
        else None,
        warning=_uses_warning(interface),
        action=url_for("interfaces.delete", interface_id=interface.id),
        cancel=url_for("interfaces.show", interface_id=interface.id),
    )


@bp.get("/<int:interface_id>/delete")
@role_required(Role.ADMIN)
def confirm_delete(interface_id: int):
    """Ask before deleting; say right away if the interface is protected."""
    return _delete_dialog(_interface_or_404(interface_id))


@bp.post("/<int:interface_id>/delete")
@role_required(Role.ADMIN)
def delete(interface_id: int):
    """Delete an unprotected interface; a protected one is refused with 422 and stays."""
    interface = _interface_or_404(interface_id)
    if interface.protected:
        return _delete_dialog(interface, status=422)
    name = interface.name
    service.delete(db.session, interface, current_user)
    db.session.commit()
    flash(_("Schnittstelle %(name)s wurde gelöscht.", name=name), "success")
    return htmx_or_redirect(url_for("interfaces.index"))
