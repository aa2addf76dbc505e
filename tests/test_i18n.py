"""Every German text of the interface has an English translation."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "_l": None, "N_": None, "gettext": None, "lazy_gettext": None,
            "ngettext": (1, 2)}
METHODS = [("app/**.py", "python"), ("sim/**.py", "python"), ("app/templates/**.html", "jinja2")]


def _source_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("app", "sim"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
                ROOT / folder, method_map=[(p.split("/", 1)[1], m) for p, m in METHODS if p.startswith(folder)],
                keywords=KEYWORDS):
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
