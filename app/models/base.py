"""Shared column helpers for the models."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """The current moment as naive UTC, the form every timestamp column stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
