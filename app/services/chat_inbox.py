"""The SiNNO-Chat inbox: one page of threads, newest first, searched by customer; one statement.

The threads carry what the inbox shows (name, last message time and preview, unread count),
kept up to date by the sync (services/chat.py), so the page reads no messages.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import ChatThread
from app.services.pagination import LIST_PAGE_SIZE, Slice, fetch_slice, like_terms

COLUMNS = (
    ChatThread.id,
    ChatThread.customer_name,
    ChatThread.customer_id,
    ChatThread.last_message_at,
    ChatThread.last_preview,
    ChatThread.unread_count,
)


def inbox(session: Session, q: str = "", page: int = 1, per_page: int = LIST_PAGE_SIZE) -> Slice:
    """Threads newest first (rows of COLUMNS), searched by customer name or number; the search
    text is the slice's filters."""
    stmt = sa.select(*COLUMNS)
    for term in like_terms(q or ""):
        stmt = stmt.where(ChatThread.search_text.like(f"%{term}%", escape="\\"))
    stmt = stmt.order_by(ChatThread.last_message_at.desc(), ChatThread.id.desc())
    return fetch_slice(session, stmt, page, per_page, scalars=False, filters=q or "")
