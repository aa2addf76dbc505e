"""Admin pages for user accounts."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import User
from tests.factories import make_branch, make_user, make_workstation


def _user(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def test_list_shows_users_and_searches(app, portal):
    portal.login("admin")
    make_user(username="zoe", full_name="Zoe Zander")
    make_user(username="karl", full_name="Karl Klein")
    html = portal.get("/users/").get_data(as_text=True)
    assert "zoe" in html and "karl" in html and "<html" in html
    frag = portal.get("/users/?q=zand", htmx=True)
    body = frag.get_data(as_text=True)
    assert "<html" not in body and "zoe" in body and "karl" not in body
    assert "HX-Request" in frag.headers["Vary"]


def test_create_user(app, portal):
    portal.login("admin")
    branch = make_branch()
    resp = portal.post(
        "/users/",
        {
            "username": "neu",
            "full_name": "Neu Nutzer",
            "email": "neu@example.org",
            "role": "employee",
            "branch_id": str(branch.id),
            "workstation_id": "",
            "password": "a-long-password",
            "confirm": "a-long-password",
        },
    )
    assert resp.status_code == 302
    user = _user("neu")
    assert user.role == "employee" and user.branch_id == branch.id
    assert user.check_password("a-long-password")
    assert "Benutzer neu wurde angelegt." in portal.get("/users/").get_data(as_text=True)


def test_create_user_via_htmx_redirects_with_header(app, portal):
    portal.login("admin")
    resp = portal.post(
        "/users/",
        {
            "username": "neu2",
            "role": "helpdesk",
            "password": "a-long-password",
            "confirm": "a-long-password",
            "branch_id": "",
            "workstation_id": "",
        },
        htmx=True,
    )
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == "/users/"


def test_create_user_bad_input_is_422_and_saves_nothing(app, portal):
    portal.login("admin")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    cases = [
        ({"username": "with space"}, "Nur Buchstaben"),
        ({"password": "short", "confirm": "short"}, "mindestens 10 Zeichen"),
        ({"confirm": "something-else"}, "stimmen nicht überein"),
        ({"email": "not-an-email"}, "gültige E-Mail-Adresse"),
        ({"username": "admin-user"}, "bereits vergeben"),
        ({"role": "superuser"}, "Keine gültige Auswahl"),
        ({"username": ""}, "Bitte füllen Sie „Benutzername“ aus."),
        ({"role": ""}, "Bitte wählen Sie „Rolle“ aus."),
    ]
    for override, message in cases:
        data = {
            "username": "valid",
            "role": "employee",
            "password": "a-long-password",
            "confirm": "a-long-password",
            "branch_id": "",
            "workstation_id": "",
        }
        data.update(override)
        resp = portal.post("/users/", data, htmx=True)
        assert resp.status_code == 422, override
        body = resp.get_data(as_text=True)
        assert message in body, (override, body[:2000])
        assert "<html" not in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_a_missing_field_is_named_in_english_too(app, portal):
    portal.login("admin")
    portal.post("/language", {"lang": "en", "next": "/"})
    body = portal.post("/users/", {"username": "", "role": ""}, htmx=True).get_data(as_text=True)
    assert "Please fill in “User name”." in body and "Please choose “Role”." in body
    assert "This field is required" not in body


def test_workstation_must_belong_to_branch(app, portal):
    portal.login("admin")
    b1, b2 = make_branch(), make_branch()
    ws = make_workstation(b2)
    resp = portal.post(
        "/users/",
        {
            "username": "w",
            "role": "employee",
            "password": "a-long-password",
            "confirm": "a-long-password",
            "branch_id": str(b1.id),
            "workstation_id": str(ws.id),
        },
    )
    assert resp.status_code == 422
    assert "gehört nicht zur gewählten Filiale" in resp.get_data(as_text=True)


def test_edit_and_deactivate_user(app, portal):
    portal.login("admin")
    user = make_user(username="edit-me", role="employee")
    resp = portal.post(
        f"/users/{user.id}/edit",
        {
            "full_name": "Neuer Name",
            "email": "",
            "role": "helpdesk",
            "branch_id": "",
            "workstation_id": "",
        },
    )
    assert resp.status_code == 302
    user = _user("edit-me")
    assert user.full_name == "Neuer Name" and user.role == "helpdesk" and not user.is_active_account
    resp = portal.post(f"/users/{user.id}/active", {"active": "1"})
    assert _user("edit-me").is_active_account


def test_admin_cannot_lock_themselves_out(app, portal):
    admin = portal.login("admin")
    resp = portal.post(
        f"/users/{admin.id}/edit",
        {
            "full_name": "",
            "email": "",
            "role": "employee",
            "branch_id": "",
            "workstation_id": "",
            "active": "y",
        },
    )
    assert resp.status_code == 422
    assert "eigene Rolle" in resp.get_data(as_text=True)
    portal.post(f"/users/{admin.id}/active", {"active": "0"})
    assert _user(admin.username).is_active_account


def test_another_admin_can_be_deactivated_while_one_remains(app, portal):
    portal.login("admin")
    other = make_user(role="admin", username="second")
    portal.post(f"/users/{other.id}/active", {"active": "0"})
    assert not _user("second").is_active_account


def test_deactivation_sent_twice_stays_a_deactivation(app, portal):
    """The form names the state it wants: sending it again (double click, reload) changes
    nothing, and a value other than 0 or 1 is refused."""
    portal.login("admin")
    other = make_user(role="employee", username="twice")
    dialog = portal.get(f"/users/{other.id}/deactivate", htmx=True).get_data(as_text=True)
    assert 'name="active" value="0"' in dialog
    portal.post(f"/users/{other.id}/active", {"active": "0"})
    resp = portal.post(f"/users/{other.id}/active", {"active": "0"})
    assert not _user("twice").is_active_account
    page = portal.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Benutzer twice ist bereits deaktiviert." in page
    assert portal.post(f"/users/{other.id}/active", {"active": "yes"}).status_code == 400
    assert portal.post(f"/users/{other.id}/active").status_code == 400
    assert not _user("twice").is_active_account
    portal.post(f"/users/{other.id}/active", {"active": "1"})
    assert _user("twice").is_active_account


def test_last_active_admin_rule(app):
    from app.extensions import db
    from app.services.users import would_remove_last_admin

    only = make_user(role="admin", username="only")
    assert would_remove_last_admin(db.session, only, "helpdesk", True)
    assert would_remove_last_admin(db.session, only, "admin", False)
    assert not would_remove_last_admin(db.session, only, "admin", True)
    make_user(role="admin", username="another")
    assert not would_remove_last_admin(db.session, only, "helpdesk", True)


def test_set_password(app, portal):
    portal.login("admin")
    user = make_user(username="pw", password="old-password-1")
    resp = portal.post(f"/users/{user.id}/password", {"password": "new-password-1", "confirm": "x"})
    assert resp.status_code == 422
    assert _user("pw").check_password("old-password-1")
    resp = portal.post(
        f"/users/{user.id}/password", {"password": "new-password-1", "confirm": "new-password-1"}
    )
    assert resp.status_code == 302
    assert _user("pw").check_password("new-password-1")


def test_unknown_user_is_404(app, portal):
    portal.login("admin")
    assert portal.get("/users/9999/edit").status_code == 404


def test_role_select_names_the_roles_as_the_list_does(app, portal):
    portal.login("admin")
    html = portal.get("/users/new").get_data(as_text=True)
    for value, label in (
        ("admin", "Administrator"),
        ("employee", "Mitarbeiter"),
        ("helpdesk", "Helpdesk"),
    ):
        assert f'<option value="{value}">{label}</option>' in html


def test_deactivation_is_confirmed_first(app, portal):
    """Deactivating logs the person out at once: the list asks in a dialog (a page without
    JavaScript) that names the account, and only the dialog's form deactivates."""
    admin = portal.login("admin")
    other = make_user(role="employee", username="anna")
    listing = portal.get("/users/").get_data(as_text=True)
    assert f'href="/users/{other.id}/deactivate"' in listing
    assert 'aria-label="Benutzer anna deaktivieren"' in listing
    assert f'hx-get="/users/{other.id}/deactivate" hx-target="#dialog"' in listing
    dialog = portal.get(f"/users/{other.id}/deactivate", htmx=True).get_data(as_text=True)
    assert dialog.lstrip().startswith('<dialog open id="confirm-dialog"') and "<html" not in dialog
    assert "Soll das Konto anna deaktiviert werden?" in dialog
    assert f'action="/users/{other.id}/active"' in dialog and ">Deaktivieren</button>" in dialog
    assert _user("anna").is_active_account  # asking changed nothing
    # The edit form's checkbox deactivates too: it says what unticking it does.
    edit = portal.get(f"/users/{other.id}/edit").get_data(as_text=True)
    assert "wer angemeldet ist, wird beim Speichern abgemeldet" in edit
    page = portal.get(f"/users/{other.id}/deactivate").get_data(as_text=True)
    assert "<html" in page and 'id="confirm-dialog"' in page  # the whole page without htmx
    portal.post(f"/users/{other.id}/active", {"active": "0"})
    assert not _user("anna").is_active_account
    listing = portal.get("/users/").get_data(as_text=True)
    assert f'/users/{other.id}/deactivate"' not in listing  # now it offers "Aktivieren"
    again = portal.get(f"/users/{other.id}/deactivate", htmx=True).get_data(as_text=True)
    assert "Benutzer anna ist bereits deaktiviert." in again and "confirm-form" not in again
    own = portal.get(f"/users/{admin.id}/deactivate", htmx=True).get_data(as_text=True)
    assert "Sie können Ihr eigenes Konto nicht deaktivieren." in own and "confirm-form" not in own
