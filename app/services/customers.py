"""Customer rules shared by the pages, the demo seed and the reminders."""
from __future__ import annotations

from app.models import Customer


def search_text_for(customer: Customer) -> str:
    """What one customer search matches: name, customer number, mobile digits, e-mail."""
    digits = "".join(ch for ch in (customer.mobile or "") if ch.isdigit())
    parts = [customer.first_name, customer.last_name, customer.number or "", digits, customer.email or ""]
    return " | ".join(p.strip().lower() for p in parts if p)[:300]
