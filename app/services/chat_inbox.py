"""The SiNNO-Chat inbox: one page of threads, newest first, searched by customer; one statement.

The threads carry what the inbox shows (name, last message time and preview, unread count),
kept up to date by the sync (services/chat.py), so the page reads no messages.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import ChatThread, Customer
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


def search_text(name: str, number: str, service_customer_id: str) -> str:
    """What the inbox search matches of a thread: its customer's name and number, the service id."""
    parts = [name.lower(), number.lower(), service_customer_id.lower()]
    return " ".join(filter(None, parts))[:200]


def customer_changed(session: Session, customer: Customer) -> None:
    """A portal customer was renamed or renumbered: their threads show and are found so too.

    (The threads keep the name they were created with otherwise.) No commit.
    """
    if customer.id is None:
        return
    name = customer.full_name
    for thread in session.scalars(
        sa.select(ChatThread).where(ChatThread.customer_id == customer.id)
    ):
        thread.customer_name = name[:160]
        thread.search_text = search_text(name, customer.number or "", thread.service_customer_id)
