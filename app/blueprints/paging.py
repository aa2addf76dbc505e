"""What every paged list's route shares: the one `?page=` parser and the table description that
the generic `crud/_table.html` draws (a list's own table template, the pager's route and filters)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import request

from app.services.pagination import clamp_page


def page_arg() -> int:
    """The ?page= number: 1 when missing or malformed, clamped to the paginator's range."""
    return clamp_page(request.args.get("page", 1))


@dataclass(frozen=True)
class ListTable:
    """A paged list drawn as a table, with a Slice as `page`, by `template`: the list's own
    template extending `crud/_table.html`, with its headings, its empty text and its row.

    DOM ids: `<name>-table` (the element that the pager and the filters swap) and
    `<name>-empty` (the row shown when nothing matches).
    """

    name: str
    template: str
    endpoint: str  # the list's route: the pager's links
    args: Mapping[str, Any] = field(default_factory=dict)  # the filters the links keep

    @property
    def target(self) -> str:
        """The CSS selector of the swapped element (pager links, filter forms)."""
        return f"#{self.name}-table"
