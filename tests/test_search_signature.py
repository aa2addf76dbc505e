"""The interface and customer searches: each term a substring of the search text, whatever the
signature (models.base.text_bits, signature_holds) lets them skip."""

from __future__ import annotations

import random
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.extensions import db
from app.models import Customer, Interface
from app.models.base import signature_holds, text_bits
from app.services import customers as customer_service
from app.services import interfaces as service
from tests.factories import make_branch, make_interface, make_workstation
from tests.test_organisation import VALID_BRANCH

# Letters that look alike to a careless signature: umlauts and their spellings, LIKE's wildcards
# and escape, case, spaces.
ALPHABET = "aäeoöuüßsSnN%_\\ -1"


@given(st.text(alphabet=ALPHABET + "xyzé", max_size=40), st.data())
def test_every_substring_has_a_subset_of_the_texts_bits(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    bits = text_bits(text[start:end])
    assert text_bits(text) & bits == bits


def _everything(query: str) -> list[int]:
    page = service.list_page(db.session, service.ListQuery(q=query, per_page=1000), date.today())
    return [row.id for row in page.items]


def _random_text(rnd: random.Random, longest: int) -> str:
    return "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(1, longest))).strip() or "a"


def _assert_exact_results(rnd: random.Random, model, order, search, queries: int) -> None:
    """`search(query)` (ids in the list's order) against every row's search text, for random
    queries of one or two terms: exactly the rows holding every term."""
    rows = db.session.execute(sa.select(model.id, model.search_text).order_by(*order)).all()
    tried = 0
    for _ in range(queries):
        terms = [
            "".join(rnd.choice(ALPHABET.replace(" ", "")) for _ in range(rnd.randint(1, 3)))
            for _ in range(rnd.randint(1, 2))
        ]
        query = " ".join(terms)
        wanted = [
            row.id for row in rows if all(term in row.search_text for term in query.lower().split())
        ]
        assert search(query) == wanted, query
        tried += bool(wanted) and len(wanted) < len(rows)
    assert tried > queries // 8  # many queries found some rows and missed others


def test_search_finds_exactly_the_texts_that_contain_every_term(app):
    """Random names over a small alphabet, random terms: the list shows exactly the interfaces
    whose search text holds each term, in the list's order (the signature only skips work)."""
    rnd = random.Random(7)
    for _ in range(300):
        make_interface("smsapi", name=_random_text(rnd, 12))
    db.session.commit()
    order = (Interface.group, Interface.name, Interface.id)
    _assert_exact_results(rnd, Interface, order, _everything, 150)


def test_renamed_branch_and_workstation_are_found_under_their_new_names(app, portal):
    branch = make_branch(number="03", name="Altstadt")
    ws = make_workstation(branch, name="PC-KASSE")
    kept = make_interface("smsapi", name="SMS Filiale", branch_id=branch.id)
    at_ws = make_interface("smsapi", name="SMS Platz", workstation_id=ws.id, branch_id=branch.id)
    db.session.commit()
    portal.login("admin")
    form = dict(VALID_BRANCH, number="03", code="F03", name="Neustadt")
    assert portal.post(f"/branches/{branch.id}/edit", form).status_code == 302
    resp = portal.post(
        f"/workstations/{ws.id}/edit", {"name": "PC-EMPFANG", "branch_id": str(branch.id)}
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Interface, kept.id).search_bits == text_bits(
        db.session.get(Interface, kept.id).search_text
    )
    assert set(_everything("neustadt")) == {kept.id, at_ws.id}
    assert _everything("altstadt") == []
    assert _everything("pc-empfang") == [at_ws.id]
    assert _everything("pc-kasse") == []


def test_customer_search_finds_exactly_the_customers_holding_every_term(app):
    rnd = random.Random(11)
    branch = make_branch()
    for i in range(200):
        db.session.add(
            Customer(
                first_name="Kim",
                last_name=_random_text(rnd, 10),
                number=f"K-{i}",
                branch_id=branch.id,
            )
        )
    db.session.flush()
    for customer in db.session.scalars(sa.select(Customer)):
        customer.search_text = customer_service.search_text_for(customer)
    db.session.commit()

    def search(query: str) -> list[int]:
        statement = customer_service.list_statement(query).with_only_columns(Customer.id)
        return list(db.session.scalars(statement))

    order = (Customer.last_name, Customer.first_name, Customer.id)
    _assert_exact_results(rnd, Customer, order, search, 100)


def test_the_signature_test_on_each_database():
    """SQLite tests the complement; PostgreSQL an inequality its planner can estimate (see
    signature_holds), and LIKE reads `(search_text || '')` (see search_subject)."""
    from sqlalchemy.dialects import postgresql, sqlite

    condition = signature_holds(Interface.search_bits, 6)
    assert str(condition.compile(dialect=sqlite.dialect())) == "(~interfaces.search_bits & ?) = 0"
    assert str(condition.compile(dialect=postgresql.dialect())) == (
        "(interfaces.search_bits & %(signature_holds_1)s::INTEGER)"
        " >= %(signature_holds_1)s::INTEGER"
    )
    # As a WHERE condition too: SQLite has no boolean type, and a boolean function would be
    # compared with 1 there (`... = 0 = 1`, one more step per index entry a search walks).
    where = str(sa.select(Interface.id).where(condition).compile(dialect=sqlite.dialect()))
    assert where.endswith("WHERE (~interfaces.search_bits & ?) = 0"), where


def _search_plan(portal, query: str, **settings) -> str:
    """PostgreSQL's plan for the interface list's search statement for `query`."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        resp = portal.get(f"/interfaces/?q={query}", htmx=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert resp.status_code == 200
    (statement, parameters), *_ = [(s, p) for s, p in seen if "LIKE" in s]
    with db.engine.connect() as conn:
        for name, value in settings.items():
            conn.exec_driver_sql(f"SET {name} = {value}")
        return "\n".join(
            row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        )


def test_postgresql_tests_every_signature_before_like_and_keeps_the_trigram_index(app, portal):
    """Each walked entry meets the integer test first; a rare term still goes through the
    trigram index, which is built on what LIKE reads."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner orders the conditions; SQLite keeps the written order")
    for i in range(40):
        make_interface("smsapi", name=f"Empfang Nord {i:02d}")
    db.session.commit()
    portal.login("admin")
    walk = _search_plan(portal, "empfang+nord", enable_bitmapscan="off")
    conditions = next(line for line in walk.splitlines() if "Filter:" in line)
    # One test for both terms' pairs (their union), then each term's LIKE.
    assert conditions.count("search_bits") == 1 and conditions.count("~~") == 2, walk
    assert conditions.index("search_bits") < conditions.index("~~"), walk
    rare = _search_plan(
        portal, "12345", enable_seqscan="off", enable_indexscan="off", enable_indexonlyscan="off"
    )
    assert "ix_interfaces_search_trgm" in rare, rare


def test_postgresql_reads_a_search_page_from_the_order_index_in_one_pass(app, portal):
    """PostgreSQL's default-order index holds every list column: a search reads its page in one
    pass, with no second look-up of the page's rows (a join the planner may turn into a hash
    over the whole table)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's index holds only the order and the search: it reads the rows after")
    for i in range(60):
        make_interface("smsapi", name=f"Empfang Nord {i:02d}" if i % 2 else f"Kasse {i:02d}")
    db.session.commit()
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    portal.login("admin")
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        resp = portal.get("/interfaces/?q=empfang+nord", htmx=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Empfang Nord 01" in page and "Empfang Nord 59" in page and "Kasse 00" not in page
    (statement, parameters), *_ = [(s, p) for s, p in seen if "LIKE" in s]
    with db.engine.connect() as conn:
        plan = "\n".join(
            row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        )
    assert "Join" not in plan and "Nested Loop" not in plan and "SubPlan" not in plan, plan
    assert plan.count("Scan") == 1, plan
