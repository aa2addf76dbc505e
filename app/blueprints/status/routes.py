"""Status board routes: the board and its self-refresh, one interface's status and history,
"Verbindung prüfen", "Alle prüfen" with its progress, "Diagnose herunterladen".

Nothing here shows or changes a secret or sends anything: helpdesk may use all of it.
"""

from __future__ import annotations

import json
import threading
import time
from functools import partial
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from flask import Response, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.actions import outcome_page, require_form
from app.blueprints.auth.decorators import role_required
from app.blueprints.interfaces.history import action_labels, history_page
from app.blueprints.paging import page_arg
from app.blueprints.status import bp
from app.blueprints.status.texts import (
    RowTexts,
    StateTexts,
    banner_lines,
    column_labels,
    row_views,
    state_labels,
)
from app.extensions import db, secret_box
from app.htmx import htmx_or_redirect, is_htmx, push_url, render, trigger, wants_fragment
from app.models import Branch, CheckRun, Interface, Role
from app.request_guard import int_arg
from app.services import (
    alerts,
    checks,
    diagnostics,
    interface_types,
    status_board,
    usage,
)
from app.services.clock import local_today
from app.services.gateway import Timeouts
from app.services.interfaces import status_of

STAFF = (Role.ADMIN, Role.HELPDESK)


def today():
    """Today in the portal's time zone."""
    return local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _board_query() -> status_board.BoardQuery:
    args = request.args.to_dict()
    state = args.get("state", "")
    group = args.get("group", "")
    branch_id = int_arg("branch")  # a number out of range is a 400, as in every list
    page = page_arg()
    return status_board.BoardQuery(
        state=state if state in status_board.STATES else "",
        group=group if group in interface_types.GROUPS else "",
        branch_id=branch_id,
        page=page,
        per_page=current_app.config["LIST_PAGE_SIZE"],
    )


def board_url(query: status_board.BoardQuery, **changes) -> str:
    """The board's URL for these filters, with some changed; empty filters and page 1 left out."""
    values = {
        "state": query.state,
        "group": query.group,
        "branch": query.branch_id,
        "page": query.page,
    }
    values.update(changes)
    if values["page"] == 1:
        values["page"] = None
    params = {key: value for key, value in values.items() if value not in (None, "")}
    base = url_for("status.index")
    return f"{base}?{urlencode(params)}" if params else base


@bp.get("/")
@role_required(*STAFF)
def index():
    """The board: one row per interface, failing first; filters in the URL; refreshes itself."""
    query = _board_query()
    page = status_board.board_page(db.session, query, today())
    ctx = dict(
        page=page,
        query=query,
        board_url=board_url,
        page_url=partial(board_url, query),
        states=state_labels(),
        banner=banner_lines(alerts.banner(db.session)),
        checkable=set(checks.checkable_types()),
        check_label=_("Verbindung prüfen"),
        labels=column_labels(),
        views=row_views(page.items),
        status_base=url_for("status.index"),
        refresh_seconds=current_app.config["STATUS_REFRESH_SECONDS"],
    )
    if wants_fragment():
        resp = render("status/index.html", "status/_board.html", **ctx)
        canonical = board_url(query)
        if request.full_path.rstrip("?") != canonical:
            # The filter form sends empty fields too; the address bar shows the short URL.
            push_url(resp, canonical)
        return resp
    return render(
        "status/index.html",
        "status/_board.html",
        branches=_branch_options(),
        groups=_group_labels(),
        **ctx,
    )


BRANCH_OPTIONS_FOR = 60.0  # seconds


def _branch_options() -> list:
    """The branch filter's choices, kept a minute per process: the board is reloaded all day
    (every open one every 30 s) and a new branch may well take a minute to show up there."""
    cached = current_app.extensions.get("status_branch_options")
    now = time.monotonic()
    if cached is None or cached[0] < now:
        rows = db.session.execute(
            sa.select(Branch.id, Branch.number, Branch.name).order_by(Branch.number)
        ).all()
        cached = current_app.extensions["status_branch_options"] = (
            now + BRANCH_OPTIONS_FOR,
            [tuple(r) for r in rows],
        )
    return cached[1]


def _group_labels() -> dict[str, str]:
    return {g: interface_types.group_label(g) for g in interface_types.GROUPS}


def _interface_or_404(interface_id: int) -> Interface:
    return db.get_or_404(Interface, interface_id)


@bp.get("/<int:interface_id>")
@role_required(*STAFF)
def show(interface_id: int):
    """One interface's status, SMS chart, uses and history (read-only)."""
    interface = _interface_or_404(interface_id)
    day = today()
    itype = interface_types.get(interface.type_key)
    logged_in = (interface.state or {}).get("logged_in")
    state = status_board.state_of(
        interface.start_date,
        interface.last_error,
        interface.last_check_at,
        interface.last_success_at,
        logged_in if isinstance(logged_in, bool) else None,
        day,
    )
    chart = (
        status_board.sms_per_hour(db.session, interface.id) if interface.group == "SMS" else None
    )
    return render(
        "status/show.html",
        "status/_detail.html",
        interface=interface,
        itype=itype,
        state=state,
        state_text=StateTexts(),
        chart=chart,
        threshold=alerts.low_balance_threshold(interface),
        uses=usage.where_used(db.session, interface, day),
        checkable=checks.is_checkable(interface),
        history=history_page(db.session, interface.id),
        interface_id=interface.id,
        action_labels=action_labels(),
    )


@bp.post("/<int:interface_id>/check")
@role_required(*STAFF)
def check(interface_id: int):
    """ "Verbindung prüfen": a non-destructive check; the result in place and in the history."""
    interface = _interface_or_404(interface_id)
    require_form()
    if not checks.is_checkable(interface):
        abort(404)
    result = checks.check_one(
        db.session,
        secret_box(),
        interface,
        actor=current_user,
        timeouts=Timeouts.of_config(current_app.config),
        portal_url=current_app.config["PORTAL_URL"],
    )
    message = str(result.message)
    view = request.form.get("view")
    if not is_htmx():
        back = {
            "row": url_for("status.index"),
            "detail": url_for("interfaces.show", interface_id=interface.id),
        }.get(view, url_for("status.show", interface_id=interface.id))
        return outcome_page(back, message, ok=result.ok)
    if view == "detail":  # the interface's page: the outcome, its state out of band
        resp = render(
            "interfaces/show.html",
            "interfaces/_check_result.html",
            interface=interface,
            result=result,
            message=message,
            interface_status=status_of(interface.start_date, interface.last_error, today()),
        )
        return trigger(resp, {"interface-history": interface.id, "interface-saved": interface.id})
    if view == "row":  # the board's row, in place, with the outcome
        row = status_board.board_row(db.session, interface.id, today())
        return render(
            "status/index.html",
            "status/_row.html",
            view=RowTexts()(row),
            result=result,
            message=message,
            interface=interface,
            states=state_labels(),
            checkable=set(checks.checkable_types()),
            check_label=_("Verbindung prüfen"),
            status_base=url_for("status.index"),
        )
    resp = render(
        "status/show.html",
        "status/_check_result.html",
        interface=interface,
        result=result,
        message=message,
    )
    return trigger(resp, {"interface-history": interface.id})


def _run_in_background(app, run_id: int, actor_id: int | None) -> None:
    with app.app_context():
        from app.models import User

        actor = db.session.get(User, actor_id) if actor_id else None
        try:
            checks.execute_run(
                db.session,
                app.extensions["secret_box"],
                run_id,
                local_today(app.config["BABEL_DEFAULT_TIMEZONE"]),
                actor,
                Timeouts.of_config(app.config),
                app.config["STATUS_CHECK_CONCURRENCY"],
                app.config["PORTAL_URL"],
            )
        except Exception:
            current_app.logger.exception("Check run %s failed", run_id)
        finally:
            db.session.remove()


@bp.post("/check-all")
@role_required(*STAFF)
def check_all():
    """ "Alle prüfen": every active interface, concurrently; progress shows in place."""
    require_form()
    # One run at a time: a second click (or a second person) is shown the run under way.
    running, started = checks.start_run(db.session, today(), current_user)
    if started:
        worker = threading.Thread(
            target=_run_in_background,
            name=f"check-run-{running.id}",
            daemon=True,
            args=(
                current_app._get_current_object(),
                running.id,
                current_user.id,
            ),
        )
        worker.start()
    if not is_htmx():
        return htmx_or_redirect(url_for("status.run", run_id=running.id))
    return render("status/run.html", "status/_run.html", run=running)


@bp.get("/runs/<int:run_id>")
@role_required(*STAFF)
def run(run_id: int):
    """The progress of "Alle prüfen" (the fragment asks again every second until done)."""
    check_run = db.get_or_404(CheckRun, run_id)
    resp = render("status/run.html", "status/_run.html", run=check_run)
    if check_run.finished_at is not None and is_htmx():
        trigger(resp, {"status-refresh": run_id})
    return resp


@bp.get("/<int:interface_id>/diagnostics")
@role_required(*STAFF)
def download_diagnostics(interface_id: int):
    """ "Diagnose herunterladen": the redacted JSON document as a file."""
    interface = _interface_or_404(interface_id)
    doc = diagnostics.document(db.session, secret_box(), interface, today())
    body = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False)
    resp = Response(body, mimetype="application/json")
    # The file's name in the reader's language (RFC 6266: any language's letters).
    name = _("diagnose-schnittstelle-%(id)d.json", id=interface.id)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    resp.headers["Cache-Control"] = "no-store"
    return resp
