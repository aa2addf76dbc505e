"""Accounts: the password policy, saving, (de)activating, the list's search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.models import Role, User
from app.models.base import utcnow
from app.services import limiter
from app.services.pagination import like_terms

MIN_PASSWORD_LENGTH = 10
# Wrong current passwords in the own password change: as many as the reveal allows.
CURRENT_PASSWORD_RULE = limiter.Rule(5, timedelta(minutes=15))


class PasswordPolicyError(ValueError):
    """The password does not meet the policy; the message says why."""


def check_password_policy(password: str, username: str | None = None) -> None:
    """Refuse short passwords and the user name as password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
        )
    if username and password.strip().lower() == username.strip().lower():
        raise PasswordPolicyError("The password must not be the user name.")


def list_statement(q: str = "") -> sa.Select:
    """Accounts by user name with their branch, matching every word of `q` in user name or name."""
    stmt = sa.select(User).options(selectinload(User.branch)).order_by(User.username, User.id)
    for term in like_terms(q):
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(User.username).like(f"%{term}%", escape="\\"),
                sa.func.lower(User.full_name).like(f"%{term}%", escape="\\"),
            )
        )
    return stmt


def would_remove_last_admin(session: Session, user: User, new_role: str, new_active: bool) -> bool:
    """True when the change would leave the chain without an active administrator."""
    if user.role != Role.ADMIN.value or not user.is_active_account:
        return False
    if new_role == Role.ADMIN.value and new_active:
        return False
    others = session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN.value, User.is_active_account, User.id != user.id)
    )
    return others == 0


def save(session: Session, user: User, values: dict[str, Any]) -> User:
    """Create or change an account (a new one with its first password); deactivating one ends its
    open sessions."""
    password = values.pop("password", None)
    active = values.pop("is_active_account", user.is_active_account if user.id else True)
    for name, value in values.items():
        setattr(user, name, value)
    set_active(user, active)
    if password is not None:
        user.set_password(password)
    if user.id is None:
        session.add(user)
    session.flush()
    return user


def set_active(user: User, active: bool) -> None:
    """Activate or deactivate an account; deactivating ends its open sessions."""
    if user.is_active_account and not active:
        user.session_version = (user.session_version or 0) + 1
    user.is_active_account = active


def update_profile(user: User, values: dict[str, Any]) -> None:
    """What users change about themselves: display name, e-mail, mobile number, language."""
    user.full_name = values["full_name"]
    user.email = values["email"]
    user.mobile = values["mobile"]
    user.locale = values["locale"]


def set_password(user: User, password: str) -> None:
    """Give an account a new password (which ends its open sessions)."""
    user.set_password(password)


@dataclass(frozen=True)
class CurrentPassword:
    """The check of the own current password: right, or wrong; `locked_until` when refused."""

    ok: bool
    locked_until: datetime | None = None


def check_current_password(
    session: Session, user: User, password: str | None, now: datetime | None = None
) -> CurrentPassword:
    """The own current password before a change, at most 5 wrong ones in 15 minutes (commits).

    Counted before the check and taken back when it was right, as the log-in and the reveal do:
    a taken-over session cannot guess the password (and so lock the owner out) without limit.
    """
    now = now or utcnow()
    key = f"password-change:user:{user.id}"
    verdict = limiter.hit(session, {key: CURRENT_PASSWORD_RULE}, now)
    session.commit()
    if not verdict.allowed:
        return CurrentPassword(False, verdict.until)
    if not password or not user.check_password(password):
        return CurrentPassword(False)
    limiter.undo(session, [verdict.hits[key]])
    session.commit()
    return CurrentPassword(True)
