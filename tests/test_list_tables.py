"""Each paged list's table (its own `<feature>/_table.html` on `crud/_table.html`): headings
over the cells, the empty row across all columns, page and htmx fragment, in the reader's language."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_user

LISTS = [
    (
        "/branches/",
        "branch",
        ["Nr.", "Kürzel", "Name", "Geschäftsstelle", "Telefon", "E-Mail", "Arbeitsplätze", ""],
        "Noch keine Filialen angelegt.",
    ),
    (
        "/workstations/",
        "workstation",
        ["Rechner", "Filiale", ""],
        "Noch keine Arbeitsplätze angelegt.",
    ),
    (
        "/customers/",
        "customer",
        ["Kunden-Nr.", "Name", "Mobil", "Filiale", "SMS-Einwilligung", ""],
        "Keine Kunden gefunden.",
    ),
    (
        "/appointments/types/",
        "type",
        ["Name", "Automatische Benachrichtigung", "Dauer", "Aktiv", "Termine", ""],
        "Noch keine Termintypen angelegt.",
    ),
    (
        "/appointments/statuses/",
        "status",
        ["Name", "Bedeutung", "Termine", ""],
        "Noch keine Status angelegt.",
    ),
    (
        "/outbox/",
        "outbox",
        ["Nr.", "Erstellt", "Art", "An", "Schnittstelle", "Status", "Versuche", "Details", ""],
        "Keine SMS in dieser Auswahl.",
    ),
    (
        "/audit/",
        "audit",
        ["Zeitpunkt", "Wer", "Ereignis", "Schnittstelle", "Feld", "Adresse", "Ergebnis"],
        "Keine Einträge in dieser Auswahl. Protokolliert werden das Anzeigen gespeicherter "
        "Passwörter und jede Änderung der Sicherheitseinstellung.",
    ),
]


def _table(html: str, name: str) -> str:
    start = html.index(f'<div id="{name}-table">')
    return html[start : html.index("</table>", start)]


def _headings(table: str) -> list[str]:
    return re.findall(r"<th>(.*?)</th>", table)


@pytest.mark.parametrize(("url", "name", "headings", "empty"), LISTS)
def test_empty_list_has_its_headings_and_the_empty_row_across_them(
    app, portal, url, name, headings, empty
):
    portal.login("admin")
    page = portal.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html
    table = _table(html, name)
    assert _headings(table) == headings
    assert f'<td colspan="{len(headings)}" class="muted" id="{name}-empty">{empty}</td>' in table
    fragment = portal.get(url, htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and fragment.lstrip().startswith(f'<div id="{name}-table">')
    assert _headings(_table(fragment, name)) == headings


def test_user_list_headings_over_its_cells_in_english(app, portal):
    make_user("admin", username="admin-en", locale="en")
    portal.login("admin", username="admin-en")
    table = _table(portal.get("/users/").get_data(as_text=True), "user")
    assert _headings(table) == ["User name", "Name", "Role", "Branch", "Status", "Last login", ""]
    row = re.search(r'<tr id="user-\d+">(.*?)</tr>', table, re.S).group(1)
    assert row.count("<td") == 7 and ">admin-en</a>" in row and "Administrator" in row
