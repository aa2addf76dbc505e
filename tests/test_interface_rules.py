"""Which interface applies; secrets encryption, rotation and never leaking."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from app.extensions import db, secret_box
from app.models import Interface, InterfaceSecret
from app.services.interfaces import resolve
from app.services.secrets import SecretBox, SecretError
from tests.factories import make_branch, make_interface, make_workstation

TODAY = date(2026, 11, 22)


@pytest.fixture
def org(app):
    b1, b2 = make_branch(name="Eins"), make_branch(name="Zwei")
    ws1 = make_workstation(b1, name="EINS-PC")
    return b1, b2, ws1


def _name(found):
    return found.name if found else None


def test_workstation_before_branch_before_chain(app, org):
    b1, b2, ws1 = org
    make_interface(name="chain", client_side=True, server_side=False)
    make_interface(name="branch", branch_id=b1.id, client_side=True, server_side=False)
    make_interface(
        name="ws", branch_id=b1.id, workstation_id=ws1.id, client_side=True, server_side=False
    )
    assert _name(resolve(db.session, "SMS", "client", TODAY, b1.id, ws1.id)) == "ws"
    assert _name(resolve(db.session, "SMS", "client", TODAY, b1.id, None)) == "branch"
    assert _name(resolve(db.session, "SMS", "client", TODAY, b2.id, None)) == "chain"
    assert _name(resolve(db.session, "SMS", "client", TODAY, None, None)) == "chain"
    # another branch's workstation never picks up branch 1's interfaces
    other_ws = make_workstation(b2, name="ZWEI-PC")
    assert _name(resolve(db.session, "SMS", "client", TODAY, b2.id, other_ws.id)) == "chain"


def test_side_and_group_must_match(app, org):
    b1, _, _ = org
    make_interface(name="client only", client_side=True, server_side=False)
    make_interface("sinno_chat", name="chat", server_side=True)
    assert resolve(db.session, "SMS", "server", TODAY, b1.id) is None
    assert _name(resolve(db.session, "SMS", "client", TODAY, b1.id)) == "client only"
    assert _name(resolve(db.session, "App", "server", TODAY)) == "chat"
    with pytest.raises(ValueError):
        resolve(db.session, "SMS", "both", TODAY)


def test_start_date_must_have_come(app, org):
    b1, _, _ = org
    make_interface(name="old chain", server_side=True, start_date=TODAY - timedelta(days=100))
    make_interface(
        name="future branch",
        branch_id=b1.id,
        server_side=True,
        start_date=TODAY + timedelta(days=1),
    )
    assert _name(resolve(db.session, "SMS", "server", TODAY, b1.id)) == "old chain"
    assert (
        _name(resolve(db.session, "SMS", "server", TODAY + timedelta(days=1), b1.id))
        == "future branch"
    )


def test_scheduled_replacement_takes_over_on_its_date(app, org):
    make_interface(name="old", server_side=True, start_date=TODAY - timedelta(days=100))
    make_interface(name="new", server_side=True, start_date=TODAY + timedelta(days=7))
    assert _name(resolve(db.session, "SMS", "server", TODAY)) == "old"
    assert _name(resolve(db.session, "SMS", "server", TODAY + timedelta(days=7))) == "new"


# ---- secrets ---------------------------------------------------------------------------------


def test_secret_box_roundtrip_and_wrong_key():
    box = SecretBox([Fernet.generate_key().decode()])
    token = box.encrypt("pässwort")
    assert "pässwort" not in token and box.decrypt(token) == "pässwort"
    with pytest.raises(SecretError) as err:
        SecretBox([Fernet.generate_key().decode()]).decrypt(token)
    assert "pässwort" not in str(err.value)
    assert "key" not in repr(box).lower() or "1 key" in repr(box)


def test_rotate_command_reencrypts_and_reports_undecryptable(app, runner):
    old_key = app.config["FERNET_KEYS"][0]
    good = make_interface(name="good", secrets={"token": "token-one"})
    bad = make_interface(name="bad")
    db.session.add(
        InterfaceSecret(
            interface_id=bad.id,
            field="token",
            value_encrypted=SecretBox([Fernet.generate_key().decode()]).encrypt("x"),
        )
    )
    db.session.commit()
    new_key = Fernet.generate_key().decode()
    app.config["FERNET_KEYS"] = [new_key, old_key]
    app.extensions["secret_box"] = SecretBox([new_key, old_key])
    check = runner.invoke(args=["secrets", "check"])
    assert check.exit_code == 1
    assert f"Needs rotation: interface {good.id} (good) field token" in check.output
    assert f"CANNOT DECRYPT: interface {bad.id} (bad) field token" in check.output
    before = db.session.scalar(
        sa.select(InterfaceSecret.value_encrypted).where(InterfaceSecret.interface_id == good.id)
    )
    result = runner.invoke(args=["secrets", "rotate"])
    assert result.exit_code == 1  # reports the bad one, but did not stop at it
    assert "1 rotated, 0 already on the newest key, 1 undecryptable." in result.output
    db.session.expire_all()
    after = db.session.scalar(
        sa.select(InterfaceSecret.value_encrypted).where(InterfaceSecret.interface_id == good.id)
    )
    assert after != before
    assert SecretBox([new_key]).decrypt(after) == "token-one"  # the old key is no longer needed
    again = runner.invoke(args=["secrets", "check"])
    assert "0 needs rotation, 1 already on the newest key, 1 undecryptable." in again.output
    assert "token-one" not in result.output + check.output + again.output


def test_no_secret_in_any_page_the_database_or_the_log(app, portal, caplog, app_config):
    caplog.set_level(logging.DEBUG)
    portal.login("admin")
    secret_values = {"token": "TOKEN-Never-Shown-42", "password": "PASS-Never-Shown-42"}
    resp = portal.post(
        "/interfaces/new/smsapi",
        {
            "name": "Geheim",
            "branch_id": "",
            "server_side": "y",
            "client_side": "y",
            "start_date": "",
            "service": "smsapi_pl",
            "base_url": "",
            "auth_mode": "token",
            "username": "",
            "password": "",
            "token": secret_values["token"],
            "sender": "",
            "country_code": "+49",
            "max_chars": "1000",
            "proxy_host": "",
            "proxy_port": "",
        },
    )
    interface_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    portal.post(
        "/interfaces/new/smsapi",
        {
            "name": "Geheim2",
            "branch_id": "",
            "server_side": "y",
            "client_side": "",
            "start_date": "",
            "service": "smsapi_com",
            "base_url": "",
            "auth_mode": "password",
            "username": "u",
            "token": "",
            "password": secret_values["password"],
            "sender": "",
            "country_code": "+48",
            "max_chars": "160",
            "proxy_host": "",
            "proxy_port": "",
        },
    )
    # a failing save echoes the form back: still without the secret
    bad = portal.post(
        f"/interfaces/{interface_id}/edit", {"name": "", "token": "ANOTHER-Secret-99"}, htmx=True
    )
    assert bad.status_code == 422
    bad_new = portal.post(
        "/interfaces/new/smsapi",
        {"name": "", "server_side": "y", "auth_mode": "token", "token": "ANOTHER-Secret-99"},
    )
    assert bad_new.status_code == 422
    pages = [bad.get_data(as_text=True), bad_new.get_data(as_text=True)]
    # a workstation's own interface, and a deleted one whose history stays readable
    ws = make_workstation(name="PC-GEHEIM")
    db.session.commit()
    portal.post(
        f"/interfaces/new/smsapi?workstation_id={ws.id}",
        {
            "name": "Geheim3",
            "client_side": "y",
            "start_date": "",
            "service": "smsapi_pl",
            "auth_mode": "token",
            "token": secret_values["token"],
            "country_code": "+49",
            "max_chars": "1000",
        },
    )
    deleted_id = db.session.scalar(sa.select(Interface.id).where(Interface.name == "Geheim3"))
    assert portal.post(f"/interfaces/{deleted_id}/delete").status_code == 302
    for url in (
        "/interfaces/",
        f"/interfaces/{interface_id}",
        f"/interfaces/{interface_id}/edit",
        f"/interfaces/{interface_id + 1}",
        f"/interfaces/{interface_id + 1}/edit",
        "/",
        f"/interfaces/{interface_id}/history",
        f"/interfaces/{interface_id + 1}/history",
        f"/interfaces/{deleted_id}/history",
        "/interfaces/deleted",
        f"/workstations/{ws.id}/settings",
        "/audit/",
    ):
        for htmx in (False, True):
            resp = portal.get(url, htmx=htmx)
            assert resp.status_code == 200, url
            pages.append(resp.get_data(as_text=True))
    for value in (*secret_values.values(), "ANOTHER-Secret-99"):
        assert all(value not in page for page in pages), value
        assert value not in caplog.text
    # the database holds only ciphertext: look at every text column of every row
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).all():
            dump = repr(tuple(row))
            for value in secret_values.values():
                assert value not in dump, table.name
    if db.engine.dialect.name == "sqlite":
        path = app_config.SQLALCHEMY_DATABASE_URI.removeprefix("sqlite:///")
        db.session.commit()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
        with open(path, "rb") as f:
            raw = f.read()
        for value in secret_values.values():
            assert value.encode() not in raw
    assert (
        secret_box().decrypt(
            db.session.scalar(
                sa.select(InterfaceSecret.value_encrypted).where(
                    InterfaceSecret.interface_id == interface_id
                )
            )
        )
        == secret_values["token"]
    )
