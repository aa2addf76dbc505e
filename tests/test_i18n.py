"""Every German text of the interface has an English translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "_l": None,
    "N_": None,
    "T_": None,
    "TN_": (1, 2),
    "gettext": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
}
METHODS = [("app/**.py", "python"), ("sim/**.py", "python"), ("app/templates/**.html", "jinja2")]


def _source_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("app", "sim"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder,
            method_map=[(p.split("/", 1)[1], m) for p, m in METHODS if p.startswith(folder)],
            keywords=KEYWORDS,
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _key(value):
    """Plural entries come as lists or tuples depending on the reader."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _catalog():
    with open(ROOT / "app/translations/en/LC_MESSAGES/messages.po", "rb") as f:
        return read_po(f)


def test_every_source_text_is_in_the_english_catalog():
    catalog = _catalog()
    missing = sorted(m for m in _source_messages() if m not in catalog)
    assert missing == [], "run scripts/i18n.sh and translate: " + repr(missing[:20])


def test_every_catalog_entry_is_translated():
    untranslated = []
    for message in _catalog():
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            untranslated.append(message.id)
    assert untranslated == []


def test_compiled_catalog_is_current():
    from babel.messages.mofile import read_mo

    with open(ROOT / "app/translations/en/LC_MESSAGES/messages.mo", "rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    source = {_key(m.id): _key(m.string) for m in _catalog() if m.id}
    assert compiled == source, "run scripts/i18n.sh compile"


# ---- stored texts: written language-neutral, read in the reader's language ----------------------

import re  # noqa: E402
from datetime import datetime  # noqa: E402

import pytest  # noqa: E402

# German that must not reach an English page: texts stored by background work and gateways.
GERMAN_LEFTOVERS = (
    "Teil,",
    "Teile,",
    "Teil(e)",
    "eingeplant",
    "(s)",
    "übersprungen",
    "Punkte",
    "Guthaben",
    "gesendet",
    "Demo-Daten",
    "Altsystem",
    "(Fehler ",
    "Nachrichten-ID",
    "Bitte ",
    "versuchen",
    "Schlüsseltoken",
    "Anmeldung",
    "Automatische Prüfung",
)


def _visible_text(html: str) -> str:
    """What a reader sees: the page without tags, scripts and attribute values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _assert_english(html: str, where: str) -> None:
    text = _visible_text(html)
    found = [word for word in GERMAN_LEFTOVERS if word in text]
    assert not found, f"German on the English {where}: {found}: " + " | ".join(
        text[max(0, text.find(w) - 80) : text.find(w) + 80] for w in found
    )


@pytest.fixture
def app_config(app_config):
    app_config.SMS_TIMEOUTS = (2.0, 2.0)
    return app_config


@pytest.fixture
def stored_rows(app, smsapi_sim):
    """History, outbox and audit rows written the way the worker, the gateway and services write them."""
    from app.extensions import db, secret_box
    from app.models import InterfaceEvent
    from app.services import reminders, reveal, sms
    from app.services.worker import Worker
    from tests.factories import make_interface, make_user
    from tests.test_reminders import NOW, TZ, World

    world = World(smsapi_sim.url)
    due = world.appointment(datetime(2026, 11, 23, 9, 0))
    same_day = world.appointment(datetime(2026, 11, 22, 15, 0))
    db.session.commit()
    report = reminders.plan(db.session, TZ, now=NOW, force=True)
    assert report.planned == 1 and sum(report.skipped.values()) == 1
    Worker(db.session, secret_box(), TZ, timeouts=(2.0, 2.0), clock=lambda: NOW).run_once()
    assert not isinstance(sms.check_balance(db.session, secret_box(), world.sms), Exception)
    sms.send_now(
        db.session, secret_box(), world.sms, sms.prepare(world.sms, "0171 2345678", "Test"), "test"
    )
    broken = make_interface(
        "smsapi",
        name="SMS kaputt",
        settings=dict(world.sms.settings),
        secrets={"token": "wrong-token"},
    )
    db.session.commit()
    sms.send_now(
        db.session, secret_box(), broken, sms.prepare(broken, "0171 2345678", "Test"), "test"
    )
    # Rows written before texts were stored language-neutral hold plain German.
    db.session.add(
        InterfaceEvent(
            interface_id=world.sms.id,
            interface_name="SMS",
            type_key="smsapi",
            action="created",
            message="Demo-Daten",
        )
    )
    admin = make_user("admin", username="admin-en", locale="en")
    reveal.audit(db.session, "reveal", admin, "127.0.0.1", interface=world.sms, field="token")
    db.session.commit()
    return world, broken, due, same_day


def test_stored_texts_read_in_english(app, portal, stored_rows):
    """Issue 17 item 5: history details, outbox errors, skip reasons, the legacy "Demo-Daten", the
    service choice and the audit's field all read in English for an English reader."""
    world, broken, due, same_day = stored_rows
    portal.login("admin", username="admin-en")
    pages = {
        "history": f"/interfaces/{world.sms.id}/history",
        "reminder history": f"/interfaces/{world.reminder.id}/history",
        "failing interface": f"/interfaces/{broken.id}",
        "outbox": "/outbox/?status=",
        "audit log": "/audit/",
        "edit form": f"/interfaces/{world.sms.id}/edit",
        "skipped appointment": f"/appointments/{same_day.id}",
        "interface list": "/interfaces/",
    }
    html = {}
    for where, url in pages.items():
        resp = portal.get(url)
        assert resp.status_code == 200, (where, resp.status_code)
        html[where] = resp.get_data(as_text=True)
        _assert_english(html[where], where)
    assert "Balance: 99.84 credits" in html["history"]
    assert re.search(
        r"SMS sent to \+491712345678: 1 part, 0\.16 credits, message ID", html["history"]
    )
    assert "Demo data" in html["history"]
    # The worker's scheduled check signs the history in the reader's language.
    assert re.search(r"<td>\s*Automatic check\s*</td>", html["history"])
    assert "1 reminder planned, 1 appointment skipped." in html["reminder history"]
    assert "(error 101)" in html["failing interface"] and "(error 101)" in html["outbox"]
    assert "HQsms (ssl.hqsms.com, legacy system)" in html["edit form"]
    assert ">API token<" in html["audit log"] and ">token<" not in html["audit log"]
    assert "Appointment on the same day" in html["skipped appointment"]


def test_stored_texts_read_in_german(app, portal, stored_rows):
    """The same rows read in German for a German reader (the texts were stored untranslated)."""
    world, broken, _due, _same_day = stored_rows
    portal.login("admin")
    history = portal.get(f"/interfaces/{world.sms.id}/history").get_data(as_text=True)
    assert "Guthaben: 99,84 Punkte" in history and "Demo-Daten" in history
    assert re.search(r"<td>\s*Automatische Prüfung\s*</td>", history)
    assert re.search(r"SMS an \+491712345678 gesendet: 1 Teil, 0,16 Punkte", history)
    failing = portal.get(f"/interfaces/{broken.id}").get_data(as_text=True)
    assert "(Fehler 101)" in failing


def test_a_stored_text_is_language_neutral(app, stored_rows):
    """What the database holds is the source text and its parameters, not a translation."""
    import sqlalchemy as sa

    from app.extensions import db

    world, broken, _due, _same_day = stored_rows
    raw = db.session.execute(
        sa.text(
            "SELECT message FROM interface_events WHERE interface_id = :i AND action = 'balance'"
        ),
        {"i": world.sms.id},
    ).scalar_one()
    assert raw.startswith('{"t":"Guthaben: %(points)s Punkte"') and '"points":{"n":99.84' in raw
    error = db.session.execute(
        sa.text("SELECT error FROM sms_messages WHERE interface_id = :i"), {"i": broken.id}
    ).scalar_one()
    assert "(Fehler 101)" in error and "error 101" not in error


def test_a_new_language_needs_only_a_catalogue(app):
    """Text renders through whatever catalogue the language has: no Python table per language."""
    from app.i18n import T_, Text

    text = T_("Guthaben: %(points)s Punkte", points=2.5)
    assert (
        text.render("en") == "Balance: 2.5 credits" and text.render("de") == "Guthaben: 2,5 Punkte"
    )
    # A language without a catalogue falls back to the source text, with its own number format.
    assert text.render("fr") == "Guthaben: 2,5 Punkte"
    assert Text.loads(text.dumps()) == text


@pytest.mark.parametrize(
    ("n", "de", "en"),
    [
        (
            1,
            "SMS an +49171 gesendet: 1 Teil, 0,16 Punkte, Nachrichten-ID X1.",
            "SMS sent to +49171: 1 part, 0.16 credits, message ID X1.",
        ),
        (
            3,
            "SMS an +49171 gesendet: 3 Teile, 0,16 Punkte, Nachrichten-ID X1.",
            "SMS sent to +49171: 3 parts, 0.16 credits, message ID X1.",
        ),
    ],
)
def test_a_stored_text_picks_its_plural_form_in_the_readers_language(app, n, de, en):
    """A stored text with a plural form keeps both forms and the number's name; each reader gets
    the form their language's catalogue picks."""
    from app.i18n import TN_, Text

    text = TN_(
        "SMS an +%(number)s gesendet: %(parts)d Teil, %(points)s Punkte, Nachrichten-ID %(id)s.",
        "SMS an +%(number)s gesendet: %(parts)d Teile, %(points)s Punkte, Nachrichten-ID %(id)s.",
        "parts",
        number="49171",
        parts=n,
        points=0.16,
        id="X1",
    )
    stored = Text.loads(text.dumps())
    assert stored == text and stored.source() == de
    assert stored.render("de") == de and stored.render("en") == en
    with pytest.raises(ValueError):
        TN_("%(n)d Teil", "%(n)d Teile", "count", n=1)


def test_texts_stored_before_the_plural_forms_still_read_in_english(app, portal):
    """Rows written with "Teil(e)" keep their English translation."""
    from app.extensions import db
    from app.i18n import T_
    from app.models import InterfaceEvent
    from tests.factories import make_interface, make_user

    interface = make_interface("smsapi", name="SMS")
    make_user("admin", username="admin-en", locale="en")
    db.session.add(
        InterfaceEvent(
            interface_id=interface.id,
            interface_name="SMS",
            type_key="smsapi",
            action="sms_sent",
            message=T_(
                "SMS an +%(number)s gesendet: %(parts)d Teil(e), %(points)s Punkte, "
                "Nachrichten-ID %(id)s.",
                number="491712345678",
                parts=2,
                points=0.32,
                id="X1",
            ),
        )
    )
    db.session.commit()
    portal.login("admin", username="admin-en")
    html = portal.get(f"/interfaces/{interface.id}/history").get_data(as_text=True)
    assert "SMS sent to +491712345678: 2 part(s), 0.32 credits, message ID X1." in html


def test_credits_in_a_stored_text_show_two_decimals_in_the_readers_notation(app):
    """SMS credits kept in a stored text read like the `points` filter shows them, per reader."""
    from app.i18n import T_, Text, points_param

    text = Text.loads(T_("Guthaben: %(points)s Punkte", points=points_param(1234.5)).dumps())
    assert text.render("de") == "Guthaben: 1.234,50 Punkte"
    assert text.render("en") == "Balance: 1,234.50 credits"


def test_an_over_long_stored_text_is_shortened_in_its_longest_parameter(app):
    """A text column keeps a Text within its length: the longest parameter is cut, the text stays
    translatable; plain text from older code is cut as before."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.i18n import T_, Text
    from app.models import Interface
    from tests.factories import make_interface

    interface = make_interface(name="SMS")
    interface.last_error = T_(
        "Das SMS-Gateway (%(hosts)s) hat nicht innerhalb von %(seconds)s s "
        "geantwortet. Bitte später erneut versuchen.",
        hosts="h" * 700,
        seconds=2.5,
    )
    db.session.commit()
    raw = db.session.execute(sa.text("SELECT last_error FROM interfaces")).scalar_one()
    assert len(raw) <= 500 and raw.startswith('{"t":')
    db.session.expire_all()
    stored = db.session.get(Interface, interface.id).last_error
    assert (
        isinstance(stored, Text)
        and stored.params["hosts"].endswith("…")
        and stored.params["seconds"] == 2.5
    )
    assert stored.render("en").startswith("The SMS gateway (hhh") and "2.5 s" in stored.render("en")
    interface = db.session.get(Interface, interface.id)
    interface.last_error = "x" * 600
    db.session.commit()
    assert len(db.session.execute(sa.text("SELECT last_error FROM interfaces")).scalar_one()) == 500
