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
secrets_cli = AppGroup(
    "secrets", help="Encrypted secrets: rotate to the newest key, or check them."
)


@users_cli.command("create")
@click.option("--username", required=True, help="Log-in name.")
@click.option("--password", help="Password (prompted for when omitted).")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.EMPLOYEE.value,
    show_default=True,
    help="Role of the account.",
)
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


@users_cli.command("unlock")
@click.argument("username", required=False)
@click.option("--address", help="Also lift the blocks of this client address.")
def unlock_user(username: str | None, address: str | None) -> None:
    """Lift log-in blocks of a user name and/or an address, and the user's reveal lock."""
    from flask import current_app

    from app.services import login_throttle, reveal

    if not username and not address:
        raise click.UsageError("Give a user name, --address, or both.")
    digest = login_throttle.name_digest(current_app.secret_key, username) if username else None
    removed = login_throttle.unlock(db.session, digest, address)
    user = (
        db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == username.lower()))
        if username
        else None
    )
    if user is not None:
        removed += reveal.unlock(db.session, user.id)
    db.session.commit()
    who = " and ".join(
        x
        for x in (f"user {username!r}" if username else "", f"address {address}" if address else "")
        if x
    )
    click.echo(f"Unlocked {who} ({removed} counted failure(s) removed).")


@demo_cli.command("seed")
@click.option(
    "--sms-url",
    default="http://127.0.0.1:8025/",
    show_default=True,
    help="Base URL of the SMSAPI simulator the demo SMS interface talks to.",
)
@click.option(
    "--sinno-url",
    default="http://127.0.0.1:8026/v1",
    show_default=True,
    help="Base URL of the SiNNO-App Service simulator the demo SiNNO interface talks to.",
)
@click.option(
    "--smtp-port",
    default=8027,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port of the local SMTP simulator the demo e-mail interface sends through.",
)
def seed_demo(sms_url: str, sinno_url: str, smtp_port: int) -> None:
    """Create the demo chain (idempotent: running it twice changes nothing)."""
    from flask import current_app

    if current_app.config["ENV_NAME"] == "production":
        # Its log-ins and passwords are in the README.
        raise click.ClickException(
            "The demo's users have published passwords: not on a production database "
            "(run it with PORTAL_ENV=development)."
        )
    from app.extensions import secret_box
    from app.services.demo import seed

    report = seed(
        db.session,
        secret_box(),
        current_app.config["BABEL_DEFAULT_TIMEZONE"],
        sms_url=sms_url,
        sinno_url=sinno_url,
        smtp_port=smtp_port,
    )
    db.session.commit()
    click.echo(report)


def _secret_rows():
    from app.models import InterfaceSecret

    return db.session.scalars(
        sa.select(InterfaceSecret).order_by(InterfaceSecret.interface_id, InterfaceSecret.field)
    ).all()


def _secret_label(row) -> str:
    return f"interface {row.interface_id} ({row.interface.name}) field {row.field}"


def _report(report, verb: str) -> None:
    for name in report.rotated:
        click.echo(f"{verb}: {name}")
    for name in report.failed:
        click.echo(f"CANNOT DECRYPT: {name} (none of the configured keys fits)", err=True)
    click.echo(
        f"{len(report.rotated)} {verb.lower()}, {len(report.current)} already on the newest "
        f"key, {len(report.failed)} undecryptable."
    )


@secrets_cli.command("rotate")
def rotate_secrets() -> None:
    """Re-encrypt every stored secret with the newest key (the first of FERNET_KEYS)."""
    _rotate(dry_run=False)


@secrets_cli.command("check")
def check_secrets() -> None:
    """Report which secrets are not yet on the newest key or cannot be decrypted; change nothing."""
    _rotate(dry_run=True)


def _rotate(dry_run: bool) -> None:
    """Rotate (or, dry, only look at) every secret; report; exit 1 when one cannot be read."""
    from app.extensions import secret_box
    from app.services.secrets import rotate_all

    report = rotate_all(secret_box(), _secret_rows(), _secret_label, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    _report(report, "Needs rotation" if dry_run else "Rotated")
    if report.failed:
        raise SystemExit(1)


@secrets_cli.command("generate-key")
def generate_key() -> None:
    """Print a new Fernet key to put first in FERNET_KEYS."""
    from app.services.secrets import generate_key as new_key

    click.echo(new_key())


@click.command("worker")
@click.option(
    "--once",
    is_flag=True,
    help="Run one pass (reminders, SMS and e-mail outboxes, SiNNO registrations and chat, "
    "interface checks, alerts) and exit.",
)
@click.option(
    "--poll",
    default=5.0,
    show_default=True,
    type=float,
    help="Seconds between passes when running continuously.",
)
def worker_command(once: bool, poll: float) -> None:
    """Run the background jobs: hourly reminders, SMS delivery and retries, interface checks."""
    import logging

    from flask import current_app

    from app.extensions import secret_box
    from app.services.worker import Worker

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from datetime import timedelta

    worker = Worker(
        db.session,
        secret_box(),
        current_app.config["BABEL_DEFAULT_TIMEZONE"],
        timeouts=current_app.config["SMS_TIMEOUTS"],
        sinno_timeouts=current_app.config["SINNO_TIMEOUTS"],
        check_interval=timedelta(minutes=current_app.config["STATUS_CHECK_INTERVAL_MINUTES"]),
        check_concurrency=current_app.config["STATUS_CHECK_CONCURRENCY"],
        smtp_timeout=current_app.config["SMTP_TIMEOUT"],
        portal_url=current_app.config["PORTAL_URL"],
        chat_sync_seconds=current_app.config["CHAT_SYNC_SECONDS"],
    )
    worker.install_signal_handlers()
    if once:
        import time

        started = time.perf_counter()
        result = worker.run_once()
        worker.pool.close()
        click.echo(
            f"{result['planned']} reminder(s) planned, {result['sent']} SMS sent, "
            f"{result.get('mails', 0)} e-mail(s) sent, "
            f"{result.get('checked', 0)} interface(s) checked"
            + (f" ({result['note']})" if result["note"] else "")
            + f" in {time.perf_counter() - started:.2f} s."
        )
    else:
        worker.run_forever(poll)


sinno_cli = AppGroup("sinno", help="SiNNO-App Service interfaces.")


@sinno_cli.command("login")
@click.argument("name")
@click.option("--as-user", default="admin", show_default=True, help="Who the history names.")
def sinno_login(name: str, as_user: str) -> None:
    """Log a SiNNO-App Service interface in, unless its stored session is still accepted."""
    import sqlalchemy as sa
    from flask import current_app

    from app.extensions import secret_box
    from app.models import Interface, User
    from app.services import sinno_interface
    from app.services.sinno import SinnoError

    interface = db.session.scalar(
        sa.select(Interface).where(
            Interface.name == name, Interface.type_key == sinno_interface.TYPE_KEY
        )
    )
    if interface is None:
        raise click.ClickException(f"No SiNNO-App Service interface named {name!r}.")
    timeouts = current_app.config["SINNO_TIMEOUTS"]
    if sinno_interface.is_logged_in(interface):
        try:
            with sinno_interface.client_for(
                db.session, secret_box(), interface, timeouts
            ) as client:
                client.session_info()
            click.echo(f"{name}: already logged in.")
            return
        except SinnoError:
            pass  # e.g. a restarted simulator forgot the session: log in again
    actor = db.session.scalar(sa.select(User).where(User.username == as_user))
    outcome = sinno_interface.login(db.session, secret_box(), interface, actor, timeouts)
    click.echo(f"{name}: {outcome.message}")
    if not outcome.ok:
        raise SystemExit(1)


chat_cli = AppGroup("chat", help="SiNNO-Chat.")


@chat_cli.command("demo")
def chat_demo() -> None:
    """Let the demo customers write in a fresh SiNNO simulator (unread chats for the demo)."""
    from flask import current_app

    from app.extensions import secret_box
    from app.services import chat_demo as demo_chats
    from app.services.sinno import SinnoError

    try:
        click.echo(demo_chats.seed(db.session, secret_box(), current_app.config["SINNO_TIMEOUTS"]))
    except (SinnoError, OSError) as exc:
        raise click.ClickException(f"Demo chats not created: {exc}") from None


def init_app(app: Flask) -> None:
    """Attach the command groups."""
    app.cli.add_command(chat_cli)
    app.cli.add_command(sinno_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(secrets_cli)
    app.cli.add_command(worker_command)
    try:
        from sim.cli import sim_cli
    except ImportError:  # the simulators ship with the project; only a broken checkout lacks them
        return
    app.cli.add_command(sim_cli)
