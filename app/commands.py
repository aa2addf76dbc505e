"""Command-line groups: `flask --app wsgi users|demo|secrets|sim ...`."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db
from app.models import Role, User

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demo data.")


@users_cli.command("create")
@click.option("--username", required=True, help="Log-in name.")
@click.option("--password", help="Password (prompted for when omitted).")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.EMPLOYEE.value,
              show_default=True, help="Role of the account.")
@click.option("--full-name", default="", help="Display name.")
def create_user(username: str, password: str | None, role: str, full_name: str) -> None:
    """Create a user account."""
    from app.services.users import PasswordPolicyError, check_password_policy

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == username.lower())):
        raise click.ClickException(f"A user named {username!r} already exists.")
    try:
        check_password_policy(password)
    except PasswordPolicyError as exc:
        raise click.ClickException(str(exc)) from None
    user = User(username=username, full_name=full_name, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} {username!r}.")


@demo_cli.command("seed")
def seed_demo() -> None:
    """Create the demo chain (idempotent: running it twice changes nothing)."""
    from app.services.demo import seed

    report = seed(db.session)
    db.session.commit()
    click.echo(report)


def init_app(app: Flask) -> None:
    """Attach the command groups."""
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    try:
        from sim.cli import sim_cli
    except ImportError:  # the simulators ship with the project; only a broken checkout lacks them
        return
    app.cli.add_command(sim_cli)
