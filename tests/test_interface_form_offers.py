"""The interface form offers only what the type can take, keeps an empty start empty and ticks a new
interface's usual usages (issue 17 items 6, 7, 8)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Interface, InterfaceEvent
from tests.factories import make_branch, make_workstation

SMS = {
    "name": "SMS Zentrale",
    "branch_id": "",
    "server_side": "y",
    "client_side": "y",
    "start_date": "",
    "service": "smsapi_pl",
    "base_url": "",
    "auth_mode": "token",
    "username": "",
    "password": "",
    "token": "tok-1",
    "sender": "Optik",
    "country_code": "+49",
    "max_chars": "1000",
    "proxy_host": "",
    "proxy_port": "",
}


def _checked(html: str, field_id: str) -> bool:
    tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', html)
    assert tag, f"no #{field_id} in the form"
    return " checked" in tag.group(0)


def test_reminder_form_offers_no_branch_select(app, portal):
    make_branch(name="Ulm")
    db.session.commit()
    portal.login("admin")
    html = portal.get("/interfaces/new/appointment_reminder").get_data(as_text=True)
    assert 'name="branch_id"' not in html and 'id="branch-fixed"' in html
    assert "gilt immer für die ganze Filialkette" in html


def test_workstation_interface_offers_no_server_side(app, portal):
    ws = make_workstation()
    db.session.commit()
    portal.login("admin")
    html = portal.get(f"/interfaces/new/smsapi?workstation_id={ws.id}").get_data(as_text=True)
    assert 'name="server_side"' not in html and _checked(html, "client_side")
    # Saved as offered: client side, at the workstation's branch.
    data = {k: v for k, v in SMS.items() if k not in ("server_side", "branch_id")}
    resp = portal.post(
        f"/interfaces/new/smsapi?workstation_id={ws.id}", dict(data, name="SMS Platz")
    )
    assert resp.status_code == 302
    interface = db.session.scalar(sa.select(Interface).where(Interface.name == "SMS Platz"))
    assert (interface.client_side, interface.server_side, interface.workstation_id) == (
        True,
        False,
        ws.id,
    )


def test_branch_select_says_why_both_usages_clear_it(app, portal):
    portal.login("admin")
    html = portal.get("/interfaces/new/smsapi").get_data(as_text=True)
    field = html.split('id="branch-field"', 1)[1].split("</div>", 1)[0]
    assert 'id="branch-cleared"' in field and "gilt die Schnittstelle für alle Filialen" in field


def test_empty_start_stays_empty(app, portal):
    portal.login("admin")
    assert portal.post("/interfaces/new/smsapi", SMS).status_code == 302
    interface = db.session.scalar(sa.select(Interface))
    assert interface.start_date is None
    # Saving again without a start records no "Start: — → <today>" change.
    resp = portal.post(
        f"/interfaces/{interface.id}/edit",
        dict(
            SMS,
            max_chars="900",
            token="",
            edit_token=(interface.updated_at or interface.created_at).isoformat(),
        ),
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Interface, interface.id).start_date is None
    changes = [
        c
        for e in db.session.scalars(
            sa.select(InterfaceEvent).where(InterfaceEvent.action == "updated")
        )
        for c in e.changes or []
    ]
    assert [c["field"] for c in changes] == ["max_chars"]


def test_new_sinno_app_interface_has_both_usages_ticked(app, portal):
    portal.login("admin")
    html = portal.get("/interfaces/new/sinno_app").get_data(as_text=True)
    assert _checked(html, "server_side") and _checked(html, "client_side")
    # An SMS interface is set up either way: nothing is ticked for the admin.
    sms = portal.get("/interfaces/new/smsapi").get_data(as_text=True)
    assert not _checked(sms, "server_side") and not _checked(sms, "client_side")
    # A server-only type ticks its only usage.
    assert _checked(portal.get("/interfaces/new/sinno_chat").get_data(as_text=True), "server_side")
