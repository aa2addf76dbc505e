"""Account rules shared by the admin pages and the CLI."""
from __future__ import annotations

MIN_PASSWORD_LENGTH = 10


class PasswordPolicyError(ValueError):
    """The password does not meet the policy; the message says why."""


def check_password_policy(password: str, username: str | None = None) -> None:
    """Refuse short passwords and the user name as password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if username and password.strip().lower() == username.strip().lower():
        raise PasswordPolicyError("The password must not be the user name.")
