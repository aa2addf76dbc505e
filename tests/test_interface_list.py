"""The list "Schnittstellen suchen": search, filter, sort, pagination, query count, URL state."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Interface
from tests.factories import make_branch, make_interface, make_workstation


def _names(html: str) -> list[str]:
    return re.findall(r'hx-target="#interface-detail" hx-push-url="true">([^<]+)</a>', html)


@pytest.fixture
def sample(app):
    stuttgart = make_branch(number="01", name="Stuttgart")
    ulm = make_branch(number="02", name="Ulm")
    ws = make_workstation(ulm, name="ULM-EMPFANG")
    make_interface("smsapi", name="SMS Zentrale", server_side=True, client_side=True)
    make_interface(
        "smsapi",
        name="SMS Ulm Empfang",
        branch_id=ulm.id,
        workstation_id=ws.id,
        server_side=False,
        client_side=True,
    )
    make_interface(
        "sinno_app",
        name="App Stuttgart",
        branch_id=stuttgart.id,
        server_side=True,
        start_date=date.today() + timedelta(days=10),
    )
    make_interface(
        "sinno_chat", name="Chat", server_side=True, last_error="Gateway nicht erreichbar"
    )
    db.session.commit()


def test_page_shows_all_columns(app, portal, sample):
    portal.login("helpdesk")
    html = portal.get("/interfaces/").get_data(as_text=True)
    for header in (
        "Gruppe",
        "Name",
        "Filiale",
        "Rechner",
        "Serverseitig",
        "Clientseitig",
        "Start",
        "Status",
    ):
        assert f">{header}" in html
    assert "Mit Arbeitsplatzeinstellungen" in html
    assert "02 Ulm" in html and "ULM-EMPFANG" in html
    assert "geplant ab" in html and "Fehler" in html and "aktiv" in html


def _cells(html: str, interface_id: int) -> list[str]:
    """The text of each cell of one list row, tags removed, in column order."""
    row = re.search(rf'<tr id="interface-{interface_id}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def test_each_value_shows_in_its_own_column(app, portal, sample):
    """The row macro places the route's row values by position: each lands under its heading."""
    start = date.today() + timedelta(days=10)
    ulm = db.session.scalar(sa.select(Interface).where(Interface.name == "SMS Ulm Empfang"))
    planned = db.session.scalar(sa.select(Interface).where(Interface.name == "App Stuttgart"))
    failing = db.session.scalar(sa.select(Interface).where(Interface.name == "Chat"))
    failing.protected = True
    db.session.commit()
    portal.login("helpdesk")
    html = portal.get("/interfaces/").get_data(as_text=True)
    assert _cells(html, ulm.id) == [
        "SMS", "SMS Ulm Empfang SMSAPI / HQsms", "02 Ulm", "ULM-EMPFANG", "", "ja", "01.01.2020",
        "aktiv",
    ]  # fmt: skip
    assert _cells(html, planned.id) == [
        "App", "App Stuttgart SiNNO-App Service", "01 Stuttgart", "", "ja", "",
        start.strftime("%d.%m.%Y"), "geplant ab " + start.strftime("%d.%m.%Y"),
    ]  # fmt: skip
    assert _cells(html, failing.id) == [
        "App", "Chat Geschützt SiNNO-Chat", "", "", "ja", "", "01.01.2020", "Fehler",
    ]  # fmt: skip
    assert f'<a href="/interfaces/{ulm.id}" hx-get="/interfaces/{ulm.id}"' in html
    assert 'class="badge badge-error" title="Gateway nicht erreichbar">' in html


def test_search_returns_fragment_and_matches_name_group_type_branch(app, portal, sample):
    portal.login("admin")
    for q, expected in [
        ("zentrale", {"SMS Zentrale"}),
        ("app", {"App Stuttgart", "Chat"}),
        ("stutt", {"App Stuttgart"}),
        ("ulm", {"SMS Ulm Empfang"}),
        ("stuttgart", {"App Stuttgart"}),
        ("smsapi", {"SMS Zentrale", "SMS Ulm Empfang"}),
        ("sinno-chat", {"Chat"}),
        ("sms ulm", {"SMS Ulm Empfang"}),
        ("ulm, sms", {"SMS Ulm Empfang"}),  # commas separate words, as in every list
        ("nothing-like-this", set()),
    ]:
        resp = portal.get(f"/interfaces/?q={q}", htmx=True)
        body = resp.get_data(as_text=True)
        assert "<html" not in body and 'id="interface-table"' in body
        assert set(_names(body)) == expected, q
        assert "HX-Request" in resp.headers["Vary"]
    assert "Keine Schnittstellen gefunden." in portal.get("/interfaces/?q=zzz", htmx=True).get_data(
        as_text=True
    )


def test_search_treats_like_wildcards_literally(app, portal, sample):
    portal.login("admin")
    assert _names(portal.get("/interfaces/?q=%25", htmx=True).get_data(as_text=True)) == []
    assert _names(portal.get("/interfaces/?q=_", htmx=True).get_data(as_text=True)) == []


def test_search_finds_typed_wildcards_backslashes_and_umlauts_as_written(app, portal):
    """A typed %, _ or \\ matches itself (and nothing else), upper-case umlauts find lower-case
    ones: the terms are lower-cased in Python like the stored search text, whatever the database
    (SQLite's LIKE folds ASCII only, PostgreSQL's none)."""
    for name in (
        "Aktion 50% Rabatt",
        "Kasse 10",
        "Kasse_2 Süd",
        "Kasse 2 Nord",
        r"Pfad C:\Temp",
        "Pfad C:Temp",
    ):
        make_interface("smsapi", name=name)
    db.session.commit()
    portal.login("admin")
    for q, expected in [
        ("0%25", {"Aktion 50% Rabatt"}),  # as a wildcard, "0%" would find "Kasse 10" too
        ("e_2", {"Kasse_2 Süd"}),  # as a wildcard, "_" would find "Kasse 2 Nord" too
        ("c:%5Ctemp", {r"Pfad C:\Temp"}),  # a backslash is no escape character
        ("SÜD", {"Kasse_2 Süd"}),
        ("süd+kasse_", {"Kasse_2 Süd"}),
        ("sud", set()),  # no folding of accents
    ]:
        html = portal.get(f"/interfaces/?q={q}", htmx=True).get_data(as_text=True)
        assert set(_names(html)) == expected, q


def test_bookmarked_search_renders_full_page_with_state(app, portal, sample):
    portal.login("admin")
    html = portal.get("/interfaces/?q=ulm&ws=1&sort=name&dir=desc").get_data(as_text=True)
    assert "<html" in html and 'value="ulm"' in html and 'id="interface-ws" checked' in html
    assert _names(html) == ["SMS Ulm Empfang"]
    # a history restore (back button after a cache miss) gets the whole page, not the fragment
    restore = portal.get(
        "/interfaces/?q=ulm", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.get_data(as_text=True)


def test_workstation_filter(app, portal, sample):
    portal.login("admin")
    assert _names(portal.get("/interfaces/?ws=1", htmx=True).get_data(as_text=True)) == [
        "SMS Ulm Empfang"
    ]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("group", ["App Stuttgart", "Chat", "SMS Ulm Empfang", "SMS Zentrale"]),
        ("name", ["App Stuttgart", "Chat", "SMS Ulm Empfang", "SMS Zentrale"]),
        ("workstation", None),
        ("branch", None),
        ("server", ["SMS Ulm Empfang", "App Stuttgart", "Chat", "SMS Zentrale"]),
        ("client", ["App Stuttgart", "Chat", "SMS Ulm Empfang", "SMS Zentrale"]),
        ("start", ["Chat", "SMS Ulm Empfang", "SMS Zentrale", "App Stuttgart"]),
        ("status", ["SMS Ulm Empfang", "SMS Zentrale", "App Stuttgart", "Chat"]),
    ],
)
def test_sort_by_each_column(app, portal, sample, sort, expected):
    portal.login("admin")
    asc = _names(portal.get(f"/interfaces/?sort={sort}", htmx=True).get_data(as_text=True))
    desc = _names(
        portal.get(f"/interfaces/?sort={sort}&dir=desc", htmx=True).get_data(as_text=True)
    )
    assert sorted(asc) == sorted(desc) and len(asc) == 4
    if expected is not None:
        assert asc == expected
    if sort == "branch":
        # rows of branch 01 before 02 (NULLs are placed by the database, consistently)
        assert asc.index("App Stuttgart") < asc.index("SMS Ulm Empfang")
        assert desc.index("App Stuttgart") > desc.index("SMS Ulm Empfang")


def test_sort_links_toggle_direction_and_keep_search(app, portal, sample):
    portal.login("admin")
    html = portal.get("/interfaces/?q=sms&sort=name", htmx=True).get_data(as_text=True)
    assert 'href="/interfaces/?q=sms&amp;sort=name&amp;dir=desc"' in html
    assert 'aria-sort="ascending"' in html


def test_pagination(app, portal):
    for i in range(120):
        make_interface("smsapi", name=f"SMS {i:03d}")
    db.session.commit()
    portal.login("admin")
    first = portal.get("/interfaces/?sort=name", htmx=True).get_data(as_text=True)
    assert _names(first)[0] == "SMS 000" and len(_names(first)) == 50
    assert "Einträge 1–50" in first and 'rel="next"' in first and 'rel="prev"' not in first
    third = portal.get("/interfaces/?sort=name&page=3", htmx=True).get_data(as_text=True)
    assert _names(third) == [f"SMS {i:03d}" for i in range(100, 120)]
    assert "Einträge 101–120" in third and 'rel="next"' not in third and 'rel="prev"' in third
    assert _names(portal.get("/interfaces/?page=abc", htmx=True).get_data(as_text=True))


def _all_pages(portal, url: str) -> list[str]:
    names, page = [], 1
    while True:
        html = portal.get(f"{url}&page={page}", htmx=True).get_data(as_text=True)
        names += _names(html)
        if 'rel="next"' not in html:
            return names
        page += 1


@pytest.mark.parametrize(
    "sort, direction", [("group", "asc"), ("name", "desc"), ("branch", "asc"), ("status", "desc")]
)
def test_search_pages_hold_exactly_the_matches_in_list_order(app, portal, sort, direction):
    """A search picks each page's rows first and reads them after: across its pages it shows every
    match once, in the list's order, and nothing else."""
    nord = make_branch(number="07", name="Nordstadt")
    for i in range(130):
        make_interface(
            "smsapi" if i % 2 else "sinno_app",
            name=f"{'Kasse' if i % 3 == 0 else 'Empfang'} {i % 40:02d}",  # equal names too
            branch_id=nord.id if i % 4 == 0 else None,
            start_date=date.today() + timedelta(days=5) if i % 5 == 0 else date(2020, 1, 1),
            last_error="Zeitüberschreitung" if i % 7 == 0 else None,
        )
    db.session.commit()
    portal.login("admin")
    order = f"/interfaces/?sort={sort}&dir={direction}"
    everything = _all_pages(portal, order)
    assert len(everything) == 130
    found = _all_pages(portal, order + "&q=empfang")
    assert found == [name for name in everything if name.startswith("Empfang")]
    assert len(found) == 86
    # several terms must all match, wherever they are (here: the name and the branch)
    both = _all_pages(portal, order + "&q=nordstadt+empf")
    assert 0 < len(both) < len(found) and set(both) <= set(found)


def test_one_query_per_page_whatever_the_size(app, portal):
    branch = make_branch()
    ws = make_workstation(branch)
    for i in range(60):
        make_interface(
            "smsapi",
            name=f"SMS {i}",
            branch_id=branch.id if i % 2 else None,
            workstation_id=ws.id if i % 3 == 0 else None,
            client_side=True,
            server_side=False,
        )
    db.session.commit()
    portal.login("admin")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        for url in (
            "/interfaces/",
            "/interfaces/?q=sms",
            "/interfaces/?sort=branch&dir=desc&page=2",
            "/interfaces/?ws=1&sort=status",
        ):
            statements.clear()
            resp = portal.get(url, htmx=True)
            assert resp.status_code == 200
            # the session's user, and the page's rows: nothing per row, no count over all rows
            assert len(statements) <= 3, statements
            assert not any("count(" in s.lower() for s in statements)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_list_refresh_keeps_search_and_sort_and_shows_changes(app, portal, sample):
    # The table re-fetches itself when an interface is saved (the "interface-saved" event); what it
    # fetches is the same search, sort and page, with the saved changes.
    portal.login("admin")
    html = portal.get("/interfaces/?q=sms&sort=name&dir=desc").get_data(as_text=True)
    refresh = (
        re.search(
            r'<div id="interface-table" hx-get="([^"]+)" hx-trigger="interface-saved from:body"',
            html,
        )
        .group(1)
        .replace("&amp;", "&")
    )
    interface = db.session.scalar(sa.select(Interface).where(Interface.name == "SMS Zentrale"))
    interface.name = "SMS Zentrale Neu"
    make_interface("smsapi", name="SMS Archiv", server_side=True)
    make_interface("sinno_chat", name="Chat Neu", server_side=True)
    db.session.commit()
    body = portal.get(refresh, htmx=True).get_data(as_text=True)
    assert "<html" not in body
    assert _names(body) == ["SMS Zentrale Neu", "SMS Ulm Empfang", "SMS Archiv"]


def test_sorting_by_status_follows_status_of(app, portal):
    # status_of decides what a row says; status_order is the same rule in SQL for sorting. Every
    # combination of start date and last error must land in the order of the status it shows.
    from app.services.interfaces import status_of

    today = date.today()
    cases = {
        "past-ok": (today - timedelta(days=1), None),
        "none-ok": (None, None),
        "today-ok": (today, None),
        "future-ok": (today + timedelta(days=1), None),
        "future-error": (today + timedelta(days=5), "Fehler X"),
        "past-error": (today - timedelta(days=5), "Y"),
        "none-error": (None, "Z"),
    }
    for name, (start, error) in cases.items():
        make_interface("smsapi", name=name, server_side=True, start_date=start, last_error=error)
    db.session.commit()
    portal.login("helpdesk")
    shown = _names(portal.get("/interfaces/?sort=status", htmx=True).get_data(as_text=True))
    rank = {"active": 0, "planned": 1, "error": 2}
    keys = [status_of(*cases[name], today).key for name in shown]
    assert [rank[k] for k in keys] == sorted(rank[k] for k in keys), list(
        zip(shown, keys, strict=True)
    )
    assert status_of(*cases["future-error"], today).key == "planned"


def test_row_shows_each_cell(app, portal, sample):
    # One row as the table renders it per row (interfaces/_row.html): link, lock, type, ticks,
    # start date and status, in the reader's language; texts shared by all rows made once a page.
    chat = db.session.scalar(sa.select(Interface).where(Interface.name == "Chat"))
    chat.protected = True
    db.session.commit()
    portal.login("helpdesk")
    html = portal.get("/interfaces/", htmx=True).get_data(as_text=True)
    row = re.search(rf'<tr id="interface-{chat.id}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert len(cells) == 8
    assert f'href="/interfaces/{chat.id}" hx-get="/interfaces/{chat.id}"' in cells[1]
    assert 'class="icon icon-lock" role="img" aria-label="Geschützt"' in cells[1]
    assert "icon-check" in cells[4] and cells[5] == ""
    assert cells[6] == "01.01.2020"
    assert 'title="Gateway nicht erreichbar">Fehler</span>' in cells[7]
    portal.post("/language", data={"lang": "en", "next": "/interfaces/"})
    html = portal.get("/interfaces/", htmx=True).get_data(as_text=True)
    row = re.search(rf'<tr id="interface-{chat.id}">(.*?)</tr>', html, re.S).group(1)
    assert 'aria-label="Protected"' in row and ">error</span>" in row and "Jan 1, 2020" in row


def test_row_shows_a_group_or_type_without_a_name_as_stored(app, portal):
    odd = make_interface("smsapi", name="Altbestand")
    db.session.flush()
    db.session.execute(
        sa.update(Interface).where(Interface.id == odd.id).values(group="Alt", type_key="legacy")
    )
    db.session.commit()
    portal.login("helpdesk")
    html = portal.get("/interfaces/", htmx=True).get_data(as_text=True)
    row = re.search(rf'<tr id="interface-{odd.id}">(.*?)</tr>', html, re.S).group(1)
    assert row.startswith("<td>Alt</td>") and '<small class="muted">legacy</small>' in row


def test_url_prefix_refuses_urls_that_go_on_after_the_value(app):
    from app.template_helpers import url_prefix

    with app.test_request_context():
        assert url_prefix("interfaces.show", "interface_id") == "/interfaces/"
        with pytest.raises(ValueError):
            url_prefix("interfaces.history", "interface_id")
