"""Translation markers for code without Flask (services, interface types).

The web app plugs Flask-Babel's gettext in at start-up; elsewhere (worker, CLI without a request)
the German source text is used as is. `pybabel extract` picks up `_` and `_l` like in the views.
"""
from __future__ import annotations

from typing import Callable

from babel.support import LazyProxy

_translate: Callable[[str], str] = lambda message: message  # noqa: E731
_language: Callable[[], str] = lambda: "de"  # noqa: E731


def set_translator(translate: Callable[[str], str], language: Callable[[], str]) -> None:
    """Install the translation and current-language functions (done by create_app)."""
    global _translate, _language
    _translate = translate
    _language = language


def current_language() -> str:
    """"de" or "en": the language of the person the text is for."""
    return _language()


def _translate_pair(german: str, english: str) -> str:
    """Pick one of two ready-made texts (e.g. a gateway's messages) by the current language."""
    return english if current_language() == "en" else german


def _(message: str, **values: object) -> str:
    """Translate now, then fill in %(name)s placeholders."""
    text = _translate(message)
    return text % values if values else text


def N_(message: str) -> str:
    """Mark a text for translation without translating it (it is stored or searched in German)."""
    return message


def _l(message: str, **values: object) -> LazyProxy:
    """Translate when the text is shown (for labels and messages defined at import time)."""
    return LazyProxy(_, message, enable_cache=False, **values)


def translator_for(language: str) -> Callable[..., str]:
    """`_` for one given language, e.g. for an e-mail in its recipient's language (no Flask)."""
    if not (language or "").startswith("en"):
        return lambda message, **values: message % values if values else message
    catalogue = _catalogue("en")

    def translate(message: str, **values: object) -> str:
        text = catalogue.ugettext(message)
        return text % values if values else text

    return translate


_CATALOGUES: dict = {}


def _catalogue(language: str):
    """The compiled catalogue of a language, loaded once."""
    import os

    from babel.support import Translations

    if language not in _CATALOGUES:
        directory = os.path.join(os.path.dirname(__file__), "translations")
        _CATALOGUES[language] = Translations.load(directory, [language], domain="messages")
    return _CATALOGUES[language]
