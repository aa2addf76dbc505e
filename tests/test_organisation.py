"""Branches, workstations and the chain's settings."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Branch, Chain, Interface, Workstation
from tests.factories import make_branch, make_user, make_workstation

VALID_BRANCH = {
    "number": "7",
    "code": "ulm",
    "name": "Ulm",
    "street": "Hirschstraße 1",
    "postcode": "89073",
    "city": "Ulm",
    "country": "DE",
    "phone": "0731 123456",
    "email": "Ulm@Example.org",
}


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_create_branch_normalises_fields(app, portal):
    portal.login("admin")
    resp = portal.post("/branches/", VALID_BRANCH)
    assert resp.status_code == 302
    branch = db.session.scalar(sa.select(Branch))
    assert (
        branch.code == "ULM"
        and branch.phone == "+49 731 123456"
        and branch.email == "ulm@example.org"
    )
    html = portal.get("/branches/").get_data(as_text=True)
    assert "Hirschstraße 1, 89073 Ulm" in html and "Filiale 7 Ulm wurde angelegt." in html


def test_branch_validation(app, portal):
    portal.login("admin")
    make_branch(number="1", code="STR")
    cases = [
        ({"number": "1"}, "Eine Filiale mit dieser Nummer gibt es bereits."),
        ({"code": "str"}, "Dieses Kürzel ist bereits vergeben."),
        ({"number": "A1"}, "nur aus Ziffern"),
        ({"postcode": "1234"}, "Die PLZ passt nicht zum Land (Beispiel: 70173)."),
        ({"country": "AT", "postcode": "12345"}, "Beispiel: 1010"),
        ({"phone": "12"}, "gültige Telefonnummer"),
        ({"email": "kaputt@"}, "gültige E-Mail-Adresse"),
        ({"name": ""}, "Bitte füllen Sie „Name“ aus."),
        ({"country": "XX"}, "Keine gültige Auswahl"),
    ]
    for override, message in cases:
        data = dict(VALID_BRANCH, **override)
        resp = portal.post("/branches/", data, htmx=True)
        assert resp.status_code == 422, override
        assert message in resp.get_data(as_text=True), override
    assert _count(Branch) == 1


def test_edit_branch(app, portal):
    portal.login("admin")
    branch = make_branch(number="5")
    resp = portal.post(
        f"/branches/{branch.id}/edit", dict(VALID_BRANCH, number="5", name="Ulm Nord")
    )
    assert resp.status_code == 302
    assert db.session.get(Branch, branch.id).name == "Ulm Nord"
    # its own number is not a duplicate of itself
    assert portal.get(f"/branches/{branch.id}/edit").status_code == 200


def test_delete_branch_in_use_is_refused_with_what_uses_it(app, portal):
    portal.login("admin")
    branch = make_branch(name="Mitte")
    make_workstation(branch, name="PC-MITTE")
    make_user(username="emil", branch_id=branch.id)
    confirm = portal.get(f"/branches/{branch.id}/delete", htmx=True).get_data(as_text=True)
    assert (
        "<html" not in confirm
        and "1 Arbeitsplatz (PC-MITTE)" in confirm
        and "1 Benutzer (emil)" in confirm
    )
    resp = portal.post(f"/branches/{branch.id}/delete")
    assert resp.status_code == 302
    assert "kann nicht gelöscht werden" in portal.get("/branches/").get_data(as_text=True)
    assert _count(Branch) == 1


def test_delete_unused_branch(app, portal):
    portal.login("admin")
    branch = make_branch()
    confirm = portal.get(f"/branches/{branch.id}/delete").get_data(as_text=True)
    assert "<html" in confirm and "Soll die Filiale" in confirm
    resp = portal.post(f"/branches/{branch.id}/delete", htmx=True)
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == "/branches/"
    assert _count(Branch) == 0


def test_workstations_crud(app, portal):
    portal.login("admin")
    branch = make_branch()
    resp = portal.post("/workstations/", {"name": "ulm-empfang", "branch_id": str(branch.id)})
    assert resp.status_code == 302
    ws = db.session.scalar(sa.select(Workstation))
    assert ws.name == "ULM-EMPFANG"
    resp = portal.post("/workstations/", {"name": "Ulm-Empfang", "branch_id": str(branch.id)})
    assert resp.status_code == 422 and "gibt es bereits" in resp.get_data(as_text=True)
    resp = portal.post("/workstations/", {"name": "bad name!", "branch_id": str(branch.id)})
    assert resp.status_code == 422
    resp = portal.post("/workstations/", {"name": "PC2", "branch_id": "999"})
    assert resp.status_code == 422
    assert _count(Workstation) == 1
    resp = portal.post(
        f"/workstations/{ws.id}/edit", {"name": "ULM-KASSE", "branch_id": str(branch.id)}
    )
    assert db.session.get(Workstation, ws.id).name == "ULM-KASSE"
    portal.post(f"/workstations/{ws.id}/delete")
    assert _count(Workstation) == 0


def test_workstation_in_use_by_interface_cannot_be_deleted(app, portal):
    portal.login("admin")
    ws = make_workstation(name="PC-SMS")
    db.session.add(
        Interface(
            type_key="smsapi",
            group="SMS",
            name="SMS am Empfang",
            workstation_id=ws.id,
            client_side=True,
            settings={},
            state={},
        )
    )
    db.session.commit()
    resp = portal.get(f"/workstations/{ws.id}/delete", htmx=True)
    assert "1 Schnittstelle (SMS am Empfang)" in resp.get_data(as_text=True)
    portal.post(f"/workstations/{ws.id}/delete")
    assert _count(Workstation) == 1


def test_chain_settings(app, portal):
    portal.login("admin")
    html = portal.get("/chain/").get_data(as_text=True)
    assert "Administratoren dürfen gesetzte Passwörter einsehen" in html
    assert Chain.get().admins_may_view_passwords is False  # off by default
    resp = portal.post("/chain/", {"name": "Optik Müller"})
    assert resp.status_code == 302 and Chain.get().name == "Optik Müller"
    assert portal.post("/chain/", {"name": ""}, htmx=True).status_code == 422


def test_security_option_needs_own_password(app, portal):
    portal.login("admin")
    resp = portal.post(
        "/chain/security",
        {"admins_may_view_passwords": "y", "current_password": "wrong"},
        htmx=True,
    )
    assert resp.status_code == 422 and "Das Passwort ist falsch." in resp.get_data(as_text=True)
    assert Chain.get().admins_may_view_passwords is False
    resp = portal.post(
        "/chain/security", {"admins_may_view_passwords": "y", "current_password": "correct-horse-1"}
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert Chain.get().admins_may_view_passwords is True
