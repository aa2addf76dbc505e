"""What every list shares: one paginator (a slice fetched with LIMIT n+1, no count query) and
search words escaped for LIKE."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

MAX_PAGE = 100_000  # page numbers are clamped to 1..MAX_PAGE (an OFFSET beyond is never useful)
LIST_PAGE_SIZE = 50  # every list's page (Config.LIST_PAGE_SIZE; services take it as default)


def clamp_page(value: Any) -> int:
    """A page number from user input: 1 when missing or malformed, clamped to 1..MAX_PAGE."""
    try:
        page = int(value)
    except (TypeError, ValueError):
        return 1
    return max(1, min(page, MAX_PAGE))


@dataclass(frozen=True)
class Slice:
    """One page of a list, fetched with LIMIT n+1: it knows whether more follow, never the total.

    `filters` carries what the list was asked for (its search words or filter values) when the
    page is rendered from the slice alone, e.g. for the pager's links and a refresh of itself.
    """

    items: list[Any]
    page: int
    per_page: int
    has_next: bool
    filters: Any = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def first(self) -> int:
        """The position of the first entry shown (1-based), 0 when the page is empty."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        """The position of the last entry shown, 0 when the page is empty."""
        return self.first + len(self.items) - 1 if self.items else 0

    @classmethod
    def of(cls, rows: list[Any], page: int, per_page: int, filters: Any = None) -> Slice:
        """A slice from the (up to per_page + 1) rows fetched for `page`."""
        return cls(
            items=list(rows[:per_page]),
            page=page,
            per_page=per_page,
            has_next=len(rows) > per_page,
            filters=filters,
        )


def window(page: int, per_page: int) -> dict[str, int]:
    """LIMIT and OFFSET of one page, one row more than shown (whether more follow)."""
    return {"limit": per_page + 1, "offset": (clamp_page(page) - 1) * per_page}


def fetch_slice(
    session: Session,
    stmt: sa.Select,
    page: int,
    per_page: int = LIST_PAGE_SIZE,
    scalars: bool = True,
    filters: Any = None,
) -> Slice:
    """Run `stmt` for one page in a single query (no count over all rows)."""
    page = clamp_page(page)
    bounds = window(page, per_page)
    result = session.execute(stmt.limit(bounds["limit"]).offset(bounds["offset"]))
    rows = list(result.unique().scalars() if scalars else result.unique().all())
    return Slice.of(rows, page, per_page, filters)


def like_escape(text: str) -> str:
    """`text` for a LIKE pattern with escape "\\": a typed % or _ matches itself."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_terms(q: str, limit: int = 5) -> list[str]:
    """The search words of `q`: lower case, split at spaces and commas ("Albrecht, Bernd" as a
    list shows a name), at most `limit`, each at most 100 characters (SQLite refuses LIKE
    patterns over 50 kB)."""
    return [t[:100] for t in q.lower().replace(",", " ").split()[:limit]]


def like_terms(q: str, limit: int = 5) -> list[str]:
    """The search words of `q` (see `search_terms`), escaped for LIKE."""
    return [like_escape(t) for t in search_terms(q, limit)]
