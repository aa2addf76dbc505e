"""Shared helpers for the models: columns, indexes, and the dialect's INSERT."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.ext.compiler import compiles

from app.i18n import Text


def utcnow() -> datetime:
    """The current moment as naive UTC, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def text_bits(text: str) -> int:
    """A 63-bit signature of a search text: one bit per pair of adjacent characters (hashed).

    Each pair of a substring is a pair of the text, so `text_bits(text) & bits == bits` holds,
    with `bits = text_bits(term)`, for every text that contains the term. A search compares that
    integer before it runs LIKE: most texts that lack a term fail the cheap test, and LIKE reads
    the few that pass. crc32, not hash(): the bits are stored and must not change between runs.
    """
    bits = 0
    for i in range(len(text) - 1):
        bits |= 1 << (zlib.crc32(text[i : i + 2].encode()) % 63)
    return bits


def text_bits_all(texts) -> int:
    """The bits a search text must hold to contain every one of `texts` (their union)."""
    bits = 0
    for text in texts:
        bits |= text_bits(text)
    return bits


class SearchSignature:
    """A model's `search_bits`: text_bits(search_text), kept in step whenever the text is set.

    A search walks an index holding (order, search_bits, search_text) and tests
    `signature_holds(search_bits, text_bits(term))` before LIKE (`search_like`).
    """

    search_bits: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0, server_default="0")

    @so.validates("search_text")
    def _keep_search_bits(self, _key: str, text: str | None) -> str | None:
        self.search_bits = text_bits(text or "")
        return text


class signature_holds(sa.sql.functions.GenericFunction):
    """`signature_holds(search_bits, bits)`: every bit of `bits` is set in the column.

    SQLite: `(~search_bits & bits) = 0`. PostgreSQL: `(search_bits & bits) >= bits`, the same
    test (the masked value reaches `bits` only when it holds all of them) in a form its planner
    can estimate: for `=` on a bitwise expression it assumes 0.5 % of the rows and would leave
    the order's index for the trigram index and sort every match (49 ms instead of 7 ms for two
    common terms at 500,000 interfaces); for `>=` it assumes a third.
    Either way one integer step per index entry spares LIKE most entries (see `search_subject`).
    """

    type = sa.Boolean()
    inherit_cache = True
    # A comparison already: without this, SQLite (no native boolean) got `(...) = 0 = 1`, one
    # more step per index entry a search walks (~8 % of the search's time at 500,000 rows).
    _is_implicitly_boolean = True


@compiles(signature_holds)
def _signature_holds(element, compiler, **kw) -> str:
    column, bits = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(~{column} & {bits}) = 0"


@compiles(signature_holds, "postgresql")
def _signature_holds_postgresql(element, compiler, **kw) -> str:
    column, bits = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({column} & {bits}) >= {bits}"


class search_subject(sa.sql.functions.GenericFunction):
    """What a search's LIKE reads: the search text; on PostgreSQL `(search_text || '')`.

    PostgreSQL runs a row's conditions cheapest first, counting operators: a bare LIKE (one)
    would run before the signature test (two) on every entry a search walks. As two operators,
    LIKE keeps its place after the test (equal costs keep the written order): 500,000
    interfaces, "empfang nord", 2.9 -> 1.4 ms. The trigram index is built on the same
    expression, so a rare term still finds its few rows through it (models.interface).
    """

    type = sa.String()
    inherit_cache = True


@compiles(search_subject)
def _search_subject(element, compiler, **kw) -> str:
    return compiler.process(element.clauses.clauses[0], **kw)


@compiles(search_subject, "postgresql")
def _search_subject_postgresql(element, compiler, **kw) -> str:
    return f"({compiler.process(element.clauses.clauses[0], **kw)} || '')"


def search_like(text_column, pattern) -> sa.ColumnElement[bool]:
    """LIKE `pattern` (escape "\\") on the search text, as a search reads it (`search_subject`)."""
    return search_subject(text_column).like(pattern, escape="\\")


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> sa.Index:
    """An index over only the rows matching `where`, on SQLite and PostgreSQL alike."""
    condition = sa.text(where)
    return sa.Index(
        name, *columns, unique=unique, sqlite_where=condition, postgresql_where=condition
    )


def dialect_insert(session: so.Session, table):
    """The INSERT of the session's database (SQLite or PostgreSQL): both have ON CONFLICT."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


class StoredText(sa.types.TypeDecorator):
    """A text column holding an `app.i18n.Text` (language-neutral) or, in older rows, plain text.

    A Text is kept as compact JSON and read back as a Text, which renders in the reader's
    language; plain strings are stored and read as they are. Over-long values are shortened
    to fit the column (a Text by shortening its longest parameter).
    """

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        limit = self.impl.length
        if not isinstance(value, Text):
            text = str(value)
            return text[:limit] if limit else text
        stored = value.dumps()
        while limit and len(stored) > limit:
            value = _shortened(value, len(stored) - limit)
            if value is None:
                return str(stored)[:limit]
            stored = value.dumps()
        return stored

    def process_result_value(self, value, dialect):
        # An older row's plain text is read as a Text too: shown as stored, or translated when it
        # is a catalogue text (e.g. "Demo-Daten").
        loaded = Text.loads(value)
        return Text(loaded) if isinstance(loaded, str) and loaded else loaded


# The states of a row a worker claims and retries: queued -> sending -> sent / failed.
QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"


class RetriedMixin:
    """The columns of a row a worker claims and retries: attempts, the next try, the claim, the
    last error (outboxes and chat replies)."""

    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime | None]
    claimed_at: so.Mapped[datetime | None]
    error: so.Mapped[Text | str | None] = so.mapped_column(StoredText(500))


def _shortened(text: Text, excess: int) -> Text | None:
    """The Text with its longest string parameter cut by `excess` characters (None if none is)."""
    strings = [(len(v), k) for k, v in text.params.items() if isinstance(v, str) and len(v) > 1]
    if not strings:
        return None
    length, key = max(strings)
    params = dict(text.params)
    params[key] = params[key][: max(0, length - excess - 1)] + "…"
    return Text(text.message, params, text.plural, text.count)
