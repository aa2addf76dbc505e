"""Translation for code without Flask (services, interface types), and texts stored language-neutral.

The web app plugs Flask-Babel's gettext in at start-up; elsewhere (worker, CLI without a request)
the German source text is used as is. `pybabel extract` picks up `_`, `_l`, `N_`, `T_`, `ngettext`
and `TN_` (the last two with a plural form).

A text that is stored (a history entry, an outbox error, an interface's last error) is written as
a `Text`: its German source text (the catalogue's key) and its parameters, never a translation. It
is rendered when read, in the reader's language; a new language needs only a catalogue.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from babel.numbers import format_decimal
from babel.support import LazyProxy

_translate: Callable[[str], str] = lambda message: message  # noqa: E731
_language: Callable[[], str] = lambda: "de"  # noqa: E731
# German's rule (and English's): the singular for exactly one.
_translate_plural: Callable[[str, str, int], str] = lambda one, many, n: one if n == 1 else many  # noqa: E731


def catalogue_gettext(language: str, message: str) -> str:
    """`message` looked up in the compiled catalogue of `language` (no Flask; the source text
    when the language has no catalogue or the catalogue no entry)."""
    return _catalogue(language).ugettext(message)


def catalogue_ngettext(language: str, singular: str, plural: str, n: int) -> str:
    """The form of `singular`/`plural` for `n` in the compiled catalogue of `language`."""
    return _catalogue(language).ungettext(singular, plural, n)


_translate_in: Callable[[str, str], str] = catalogue_gettext
_translate_plural_in: Callable[[str, str, str, int], str] = catalogue_ngettext


def set_translator(
    translate: Callable[[str], str],
    language: Callable[[], str],
    translate_in: Callable[[str, str], str] | None = None,
    translate_plural: Callable[[str, str, int], str] | None = None,
    translate_plural_in: Callable[[str, str, str, int], str] | None = None,
) -> None:
    """Install the translation functions (done by create_app): for the current reader, and for
    a given language (`translate_in(language, message)`, e.g. for a customer's SMS or a test);
    the plural ones take the singular, the plural and the number."""
    global _translate, _language, _translate_in, _translate_plural, _translate_plural_in
    _translate = translate
    _language = language
    if translate_in is not None:
        _translate_in = translate_in
    if translate_plural is not None:
        _translate_plural = translate_plural
    if translate_plural_in is not None:
        _translate_plural_in = translate_plural_in


def current_language() -> str:
    """ "de" or "en": the language of the person the text is for."""
    return _language()


def _(message: str, **values: object) -> str:
    """Translate now, then fill in %(name)s placeholders."""
    text = _translate(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, num: int, **values: object) -> str:
    """The form for `num`, translated now; %(num)d and the other placeholders filled in."""
    return _translate_plural(singular, plural, num) % {"num": num, **values}


def N_(message: str) -> str:
    """Mark a text for translation without translating it (it is stored or searched in German)."""
    return message


def _l(message: str, **values: object) -> LazyProxy:
    """Translate when the text is shown (for labels and messages defined at import time)."""
    return LazyProxy(_, message, enable_cache=False, **values)


class Text:
    """A text kept language-neutral: the German source text (its catalogue key) and parameters.

    Parameters are plain JSON values or other Texts. ``str()`` renders it for the current reader;
    Jinja does the same, and escapes the result like any other value. A text with a `plural`
    form picks its form by the number in the parameter named `count` (`TN_`).
    """

    __slots__ = ("count", "message", "params", "plural")

    def __init__(
        self,
        message: str,
        params: dict[str, Any] | None = None,
        plural: str | None = None,
        count: str | None = None,
    ) -> None:
        self.message = message
        self.params = params or {}
        self.plural = plural
        self.count = count

    def _template(self, language: str | None) -> str:
        if self.plural is None:
            if language is None:
                return _translate(self.message)
            return _translate_in(language, self.message)
        n = self.params[self.count]
        if language is None:
            return _translate_plural(self.message, self.plural, n)
        return _translate_plural_in(language, self.message, self.plural, n)

    def render(self, language: str | None = None) -> str:
        """The text in `language`, or in the current reader's language."""
        template = self._template(language)
        if not self.params:
            return template
        lang = language or current_language()
        return template % {name: render_param(value, lang) for name, value in self.params.items()}

    def source(self) -> str:
        """The German source text, untranslated (for logs and exception messages)."""
        template = self.message
        if self.plural is not None and self.params[self.count] != 1:
            template = self.plural
        if not self.params:
            return template
        return template % {
            k: v.source() if isinstance(v, Text) else render_param(v, "de")
            for k, v in self.params.items()
        }

    def __str__(self) -> str:
        return self.render()

    def __bool__(self) -> bool:
        return bool(self.message)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (
            self.message,
            self.params,
            self.plural,
            self.count,
        ) == (other.message, other.params, other.plural, other.count)

    def __hash__(self) -> int:
        return hash(self.message)

    def __repr__(self) -> str:
        if self.plural is None:
            return f"Text({self.message!r}, {self.params!r})"
        return f"Text({self.message!r}, {self.params!r}, {self.plural!r}, {self.count!r})"

    def to_data(self) -> dict[str, Any]:
        """A JSON-ready form: {"t": source text, "p": parameters}, with a plural form
        "pl" and the name of its number's parameter "c"."""
        data: dict[str, Any] = {"t": self.message}
        if self.plural is not None:
            data["pl"], data["c"] = self.plural, self.count
        if self.params:
            data["p"] = {
                k: v.to_data() if isinstance(v, Text) else v for k, v in self.params.items()
            }
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Text:
        """The inverse of `to_data`."""
        params = {
            k: cls.from_data(v) if isinstance(v, dict) and "t" in v else v
            for k, v in (data.get("p") or {}).items()
        }
        return cls(data["t"], params, data.get("pl"), data.get("c"))

    def dumps(self) -> str:
        """As stored in a text column."""
        return json.dumps(self.to_data(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, stored: str | None) -> Text | str | None:
        """A stored value: a Text when written as one, else the plain text an older row holds."""
        if not stored or not stored.startswith('{"t":'):
            return stored
        try:
            return cls.from_data(json.loads(stored))
        except (ValueError, KeyError, TypeError):
            return stored


POINTS_FORMAT = "#,##0.00"  # SMS credits: 99.973,76 / 99,973.76


def points_param(value: float) -> dict[str, Any]:
    """SMS credits as a Text parameter: kept as a number, shown with two decimals in the
    reader's notation (as the `points` template filter shows them)."""
    return {"n": float(value), "f": POINTS_FORMAT}


def render_param(value: Any, language: str) -> Any:
    """One Text parameter in `language`: a Text rendered, a number in the reader's notation."""
    if isinstance(value, Text):
        return value.render(language)
    if isinstance(value, dict) and "n" in value:
        return format_decimal(value["n"], format=value.get("f"), locale=language)
    if isinstance(value, float):
        # Decimals in the reader's notation: 0,16 / 0.16.
        return format_decimal(value, locale=language)
    return value


def T_(message: str, **params: Any) -> Text:
    """A text to store: rendered later, in the reader's language (see `Text`)."""
    return Text(message, params)


def TN_(singular: str, plural: str, count: str, **params: Any) -> Text:
    """A text to store with a plural form, chosen by the number in the parameter `count` when it
    is rendered (in the reader's language, whose plural rule may differ)."""
    if count not in params:
        raise ValueError(f"TN_ needs the parameter {count!r}")
    return Text(singular, params, plural, count)


def render_in(language: str, value: Text | str | None) -> str:
    """A stored value (Text or older plain text) in a given language."""
    if isinstance(value, Text):
        return value.render(language)
    return value or ""


def translator_for(language: str) -> Callable[..., str]:
    """`_` for one given language, e.g. for an e-mail in its recipient's language.

    The same lookup as `Text.render(language)` (`translate_in` of `set_translator`).
    """

    def translate(message: str, **values: object) -> str:
        text = _translate_in(language or "de", message)
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
