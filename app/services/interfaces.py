"""Interfaces: the list and the status it shows; the service's public names, from its modules.

The service is split by responsibility (each module names its part); callers may import from
here or from the module itself:

- `interface_rules`    the common rules (InterfaceData, rule_violations, check)
- `interface_saving`   create, update, delete, protect, follow a moved workstation
- `interface_history`  history entries and gateway outcomes (record_event, record_check)
- `interface_secrets`  encrypted secret fields
- `interface_search`   the list's copies (search text, branch and workstation names)
- `interface_resolve`  which interface applies
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Interface
from app.models.base import search_like, signature_holds, text_bits, text_bits_all
from app.models.interface import IDENTITY_COLUMNS
from app.services.interface_history import (  # noqa: F401
    COMMON_LABELS,
    Actor,
    change_of,
    record_check,
    record_event,
    stored_value,
)
from app.services.interface_resolve import resolve  # noqa: F401
from app.services.interface_rules import (  # noqa: F401
    InterfaceData,
    RuleViolation,
    check,
    rule_violations,
)
from app.services.interface_saving import (  # noqa: F401
    ProtectedError,
    create,
    delete,
    follow_workstation,
    protected_on_workstation,
    set_protected,
    update,
)
from app.services.interface_search import (  # noqa: F401
    denormalise,
    refresh_search_text,
    refresh_search_text_for_branch,
    refresh_search_text_for_workstation,
    search_text_for,
)
from app.services.interface_secrets import (  # noqa: F401
    holds_secret,
    read_secret,
    secrets_set,
    write_secret,
)
from app.services.pagination import Slice, like_escape, search_terms


class Status(NamedTuple):
    """What the list's status column says (a named tuple: made for every row of a list page,
    where a frozen dataclass's checked attribute setting cost more than the rule)."""

    key: str  # "active" | "planned" | "error"
    start_date: date | None = None
    error: str | None = None


ACTIVE = Status("active")


def status_of(start_date: date | None, last_error: str | None, today: date) -> Status:
    """Planned before its start date; failing while its last check failed; otherwise active."""
    if start_date is not None and start_date > today:
        return Status("planned", start_date)
    if last_error:
        return Status("error", None, last_error)
    return ACTIVE


def status_order(today) -> sa.ColumnElement[int]:
    """status_of as SQL, for sorting the list by status: active (0), planned (1), failing (2).

    `today` is a date or a bound parameter. tests/test_interface_list.py checks both agree.
    """
    return sa.case(
        (Interface.start_date > today, 1), (Interface.last_error.is_not(None), 2), else_=0
    )


SORTS = {
    "group": Interface.group,
    "name": Interface.name,
    "branch": Interface.branch_label,
    "workstation": Interface.workstation_label,
    "server": Interface.server_side,
    "client": Interface.client_side,
    "start": Interface.start_date,
    "status": None,  # built per request: depends on today
}

LIST_COLUMNS = (
    *IDENTITY_COLUMNS,
    Interface.server_side,
    Interface.client_side,
    Interface.start_date,
    Interface.protected,
    Interface.last_error,
)


@dataclass(frozen=True)
class ListQuery:
    """What the list shows: search text, filter, sort, page."""

    q: str = ""
    # Group and type names as the reader sees them -> as stored (German, lower case): a search
    # for "appointments" also finds the group "Termine". Empty for German readers.
    aliases: tuple[tuple[str, str], ...] = ()
    with_workstation: bool = False
    sort: str = "group"
    desc: bool = False
    page: int = 1
    per_page: int = 50


def _signature(key: str) -> sa.ColumnElement[bool]:
    """The search signature holds the bits bound as bits<key> (see models.base.signature_holds)."""
    return signature_holds(Interface.search_bits, sa.bindparam(f"bits{key}", type_=sa.BigInteger))


def _like(key: str) -> sa.ColumnElement[bool]:
    """The search text holds the LIKE pattern bound as term<key>."""
    return search_like(Interface.search_text, sa.bindparam(f"term{key}"))


def _list_statement(
    sort: str, desc: bool, with_workstation: bool, terms: tuple[int, ...], covered: bool = False
) -> sa.Select:
    """The list's SELECT for one shape of query; values come as bound parameters.

    `terms` holds, per search term, how many stored names it also stands for (see ListQuery.aliases).
    A statement object memoizes its cache key, so a reused one skips building and hashing.
    A search first picks the page's ids, then reads those rows: in the default order the ids
    come from the index alone (group, name, id, search signature and text), so the rows that do
    not match are never read from the table. `covered`: the order's index also holds every list
    column (PostgreSQL's INCLUDE, see models.interface.LIST_INCLUDE), so the search reads its
    rows from the index in one pass; a second pass would cost PostgreSQL a hash join over the
    whole table (5,000 interfaces: 4 ms instead of 1 ms) or a lookup per row.
    """
    key = SORTS.get(sort, Interface.group)
    if key is None:  # status: planned after active, failing last
        key = status_order(sa.bindparam("today", type_=sa.Date))
    if desc:
        order = [key.desc(), Interface.name.desc(), Interface.id.desc()]
    else:
        order = [key.asc(), Interface.name.asc(), Interface.id.asc()]
    if sort == "name":
        order.pop(1)
    # LIKE, measured against the alternatives per index entry walked (500,000 interfaces): on
    # SQLite 3.40 instr() costs ~20 % more, GLOB or LIKE without ESCAPE ~5 % less (any function
    # on the text costs more than the index step itself); on PostgreSQL strpos() saves ~20 % but
    # cannot use the trigram index a rare term needs (0.6 ms instead of 210 ms for "12345").
    # One signature test before any LIKE: each term's pairs must all be there, so together the
    # terms' bits (bound as "bits", their union) must be; an entry that lacks one costs no LIKE.
    # A term with alternatives (ListQuery.aliases) tests each alternative's bits, then its LIKE.
    likes, either = [], []
    for i, alternatives in enumerate(terms):
        if alternatives:
            alternative = (
                sa.and_(_signature(f"{i}_{j}"), _like(f"{i}_{j}")) for j in range(1 + alternatives)
            )
            either.append(sa.or_(*alternative))
        else:
            likes.append(_like(f"{i}_0"))
    conditions = [_signature(""), *likes, *either] if likes else either
    if with_workstation:
        conditions.append(Interface.workstation_id.is_not(None))
    limit, offset = sa.bindparam("limit"), sa.bindparam("offset")
    if not terms or covered:
        return (
            sa.select(*LIST_COLUMNS).where(*conditions).order_by(*order).limit(limit).offset(offset)
        )
    ids = (
        sa.select(Interface.id)
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
        .correlate(None)
    )
    return sa.select(*LIST_COLUMNS).where(Interface.id.in_(ids)).order_by(*order)


def list_page(
    session: Session, query: ListQuery, today: date, statements: dict | None = None
) -> Slice:
    """One page of the interface list in a single statement: no join, no count, an index per sort.

    `statements` keeps the statements built per shape of query (the caller's cache, e.g. one per
    app): a statement object memoizes its cache key, so a reused one skips building and hashing.
    """
    terms = search_terms(query.q)  # the words every list searches for (commas separate too)
    patterns = [
        [term, *(stored for shown, stored in query.aliases if term in shown and term not in stored)]
        for term in terms
    ]
    sort = query.sort if query.sort in SORTS else "group"
    covered = sort == "group" and session.get_bind().dialect.name == "postgresql"
    shape = (sort, query.desc, query.with_workstation, tuple(len(p) - 1 for p in patterns), covered)
    stmt = statements.get(shape) if statements is not None else None
    if stmt is None:
        stmt = _list_statement(*shape)
        if statements is not None and len(statements) < 256:
            statements[shape] = stmt
    params: dict[str, Any] = {}
    for i, texts in enumerate(patterns):
        for j, text in enumerate(texts):
            params[f"term{i}_{j}"] = f"%{like_escape(text)}%"
            if len(texts) > 1:
                params[f"bits{i}_{j}"] = text_bits(text)
    single = [texts[0] for texts in patterns if len(texts) == 1]
    if single:  # one signature test for them all (see _list_statement)
        params["bits"] = text_bits_all(single)
    params.update(limit=query.per_page + 1, offset=(query.page - 1) * query.per_page)
    if sort == "status":
        params["today"] = today
    rows = session.connection().execute(stmt, params).all()
    return Slice.of(rows, query.page, query.per_page)
