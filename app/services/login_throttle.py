"""The log-in policy: brute force stays expensive, and a stranger cannot lock others out.

Three sliding windows (see README, "Log-in policy"), all counted by `app.services.limiter`:
- user name and address together: `max_failures` in the window blocks that pair only;
- one user name from anywhere: `per_user` failures block it, except on a known device (a
  browser this account logged in from before);
- one address for any user name: `per_address` failures block it, except on a known device.
Each attempt is counted before the password is checked (so parallel guesses cannot all pass
the check first) and taken back when the password is right.
User names are only stored as a keyed hash: a password typed into the name field is never kept.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import LimiterHit
from app.services import limiter


@dataclass(frozen=True)
class Policy:
    """The numbers of the log-in policy (from the app's settings)."""

    max_failures: int = 5
    per_user: int = 20
    per_address: int = 50
    window_seconds: int = 15 * 60

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_seconds)


def name_digest(secret: str | bytes, username: str) -> str:
    """A keyed, non-reversible stand-in for a typed user name (16 hex digits)."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, username.strip().lower().encode(), hashlib.sha256).hexdigest()[:16]


def _keys(
    digest: str, remote_addr: str, known_device: bool, policy: Policy
) -> dict[str, limiter.Rule]:
    rules = {f"login:pair:{digest}:{remote_addr}": limiter.Rule(policy.max_failures, policy.window)}
    if not known_device:
        rules[f"login:user:{digest}"] = limiter.Rule(policy.per_user, policy.window)
        rules[f"login:addr:{remote_addr}"] = limiter.Rule(policy.per_address, policy.window)
    return rules


def begin(
    session: Session, digest: str, remote_addr: str, known_device: bool, policy: Policy
) -> limiter.Verdict:
    """Count this attempt as a failure unless a window is full (commits, releasing the lock)."""
    verdict = limiter.hit(session, _keys(digest, remote_addr[:45], known_device, policy))
    session.commit()
    return verdict


def succeeded(
    session: Session, verdict: limiter.Verdict, digest: str, remote_addr: str, policy: Policy
) -> None:
    """The password was right: take this attempt back, forget the pair's failures, prune old hits."""
    limiter.undo(session, verdict.hits.values())
    limiter.clear(session, keys=[f"login:pair:{digest}:{remote_addr[:45]}"])
    limiter.prune(session, older_than=max(policy.window, timedelta(hours=1)))


def unlock(session: Session, digest: str | None = None, remote_addr: str | None = None) -> int:
    """Lift every log-in block of a user name and/or an address (admin CLI); rows removed."""
    removed = 0
    if digest:
        removed += limiter.clear(
            session, keys=[f"login:user:{digest}"], prefix=f"login:pair:{digest}:"
        )
    if remote_addr:
        removed += limiter.clear(session, keys=[f"login:addr:{remote_addr}"])
        if not digest:
            # Pairs end with the address; there are few rows in any window.
            removed += (
                session.execute(
                    sa.delete(LimiterHit).where(
                        LimiterHit.key.startswith("login:pair:", autoescape=True),
                        LimiterHit.key.endswith(f":{remote_addr}", autoescape=True),
                    )
                ).rowcount
                or 0
            )
    return removed
