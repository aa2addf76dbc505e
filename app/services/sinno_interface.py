"""Anmelden / Abmelden of a SiNNO-App Service interface, and the client built from its settings.

The session token is stored encrypted like every secret (`interface_secrets`, field
"session_token"); `Interface.state` holds what the page shows (since when, by whom, the dashboard
link). Every attempt lands in the interface's history. Nothing here imports Flask.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import T_, Text
from app.models import Branch, Interface
from app.models.base import utcnow
from app.services.interfaces import read_secret, record_check, write_secret
from app.services.secrets import SecretBox, SecretError
from app.services.sinno import LoginResult, Shop, SinnoClient, SinnoError, SinnoSettings

log = logging.getLogger(__name__)

TYPE_KEY = "sinno_app"
TOKEN_FIELD = "session_token"
DEFAULT_TIMEOUTS = (5.0, 15.0)


def shop_id(branch: Branch) -> str:
    """The id a branch has at the service (its branch number)."""
    return branch.number


def branches_of(session: Session, interface: Interface) -> list[Branch]:
    """The branches the interface serves: its own, or every branch when it is not restricted."""
    if interface.branch_id is not None:
        return [interface.branch] if interface.branch else []
    if interface.workstation_id is not None and interface.workstation is not None:
        return [interface.workstation.branch]
    return list(session.scalars(sa.select(Branch).order_by(Branch.number)))


def branches_without_email(session: Session, interface: Interface) -> list[Branch]:
    """The prerequisite of Anmelden: every served branch's Geschäftsstelle has an e-mail address."""
    return [b for b in branches_of(session, interface) if not (b.email or "").strip()]


def is_logged_in(interface: Interface) -> bool:
    """Whether the interface holds a session (state says so and the token is stored)."""
    return bool((interface.state or {}).get("logged_in")) and any(
        s.field == TOKEN_FIELD for s in interface.secrets
    )


def settings_for(
    session: Session,
    box: SecretBox,
    interface: Interface,
    timeouts: tuple[float, float] | None = None,
) -> SinnoSettings:
    """Client settings of the interface, with its token decrypted (raises SecretError)."""
    token = read_secret(box, interface, TOKEN_FIELD)
    shops = tuple(
        Shop(shop_id(b), b.name, (b.email or "").strip()) for b in branches_of(session, interface)
    )
    return _client_settings(interface.settings or {}, token, timeouts, shops)


def _client_settings(
    s: dict, token: str | None, timeouts: tuple[float, float] | None, shops: tuple[Shop, ...] = ()
) -> SinnoSettings:
    """The client's settings from an interface's stored settings, its token and the timeouts."""
    connect, read = timeouts or DEFAULT_TIMEOUTS
    return SinnoSettings(
        base_url=s.get("server") or "",
        client_id=s.get("client_id") or "",
        company_no=s.get("company_no") or "",
        token=token,
        shops=shops,
        proxy_host=s.get("proxy_host") or None,
        proxy_port=s.get("proxy_port"),
        connect_timeout=connect,
        read_timeout=read,
    )


def _store_session(box: SecretBox, interface: Interface, result: LoginResult, **extra) -> None:
    write_secret(box, interface, TOKEN_FIELD, result.token)
    state = dict(interface.state or {})
    state.update(
        expires_at=result.expires_at.isoformat(),
        dashboard_url=result.dashboard_url,
        company_name=result.company_name,
        **extra,
    )
    interface.state = state


def client_for(
    session: Session,
    box: SecretBox,
    interface: Interface,
    timeouts: tuple[float, float] | None = None,
) -> SinnoClient:
    """A client for a logged-in interface; a renewed token is stored (the caller commits)."""

    def renewed(result: LoginResult) -> None:
        # Kept only while still logged in as stored now: an "Abmelden" committed since the
        # interface was read stays (the new token is forgotten and runs out). The empty write
        # takes the row (and SQLite's write lock) first, so the read sees that commit.
        session.execute(
            sa.update(Interface)
            .where(Interface.id == interface.id)
            .values(state=Interface.state)
            .execution_options(synchronize_session=False)
        )
        session.refresh(interface, ["state"])
        if not (interface.state or {}).get("logged_in"):
            log.info("SiNNO interface %s: logged out meanwhile, new token dropped", interface.id)
            return
        _store_session(box, interface, result, renewed_at=utcnow().isoformat())
        log.info("SiNNO interface %s: session token renewed", interface.id)

    return SinnoClient(settings_for(session, box, interface, timeouts), on_token=renewed)


@dataclass
class Outcome:
    """What Anmelden/Abmelden did: ok, or the message and the branches without e-mail."""

    ok: bool
    message: Text | str = ""
    missing_email: list[Branch] = field(default_factory=list)


def _done(
    session: Session,
    interface: Interface,
    action: str,
    actor,
    ok: bool,
    message: Text,
    missing: list[Branch] | None = None,
) -> Outcome:
    """Write the outcome to the interface's history, commit, and return it."""
    record_check(session, interface, action, actor, ok, message)
    session.commit()
    return Outcome(ok, message, missing or [])


def _secret_error() -> Text:
    return T_("Die gespeicherte Anmeldung der Schnittstelle kann nicht entschlüsselt werden.")


def login(
    session: Session,
    box: SecretBox,
    interface: Interface,
    actor,
    timeouts: tuple[float, float] | None = None,
) -> Outcome:
    """Check the prerequisite, log in, store the token encrypted, write the history (commits)."""
    missing = branches_without_email(session, interface)
    if missing:
        message = T_(
            "Anmeldung abgelehnt: an der Geschäftsstellenadresse dieser Filialen fehlt die "
            "E-Mail-Adresse: %(branches)s.",
            branches=", ".join(b.label for b in missing),
        )
        return _done(session, interface, "login", actor, False, message, missing)
    if not branches_of(session, interface):
        message = T_("Anmeldung abgelehnt: es ist noch keine Filiale angelegt.")
        return _done(session, interface, "login", actor, False, message)
    if not (interface.settings or {}).get("company_no"):
        message = T_("Bitte zuerst die Firmen-Nr. eintragen (Bearbeiten).")
        return _done(session, interface, "login", actor, False, message)
    try:
        settings = settings_for(session, box, interface, timeouts)
    except SecretError:
        settings = None
    if settings is None:
        # An old token under a lost key does not matter for a new log-in.
        write_secret(box, interface, TOKEN_FIELD, None)
        settings = settings_for(session, box, interface, timeouts)
    try:
        with SinnoClient(settings) as client:
            result = client.login()
    except SinnoError as exc:
        message = exc.text
        return _done(session, interface, "login", actor, False, message)
    _store_session(
        box,
        interface,
        result,
        logged_in=True,
        since=utcnow().isoformat(),
        by=getattr(actor, "display_name", "") or "",
        logged_out_at=None,
        logged_out_by=None,
    )
    message = T_(
        "Angemeldet bei %(company)s (Firmen-Nr. %(number)s).",
        company=result.company_name or "SiNNO",
        number=settings.company_no,
    )
    return _done(session, interface, "login", actor, True, message)


def logout(
    session: Session,
    box: SecretBox,
    interface: Interface,
    actor,
    timeouts: tuple[float, float] | None = None,
) -> Outcome:
    """Log out at the service; only then forget the token (commits). A refused log-out keeps it."""
    note = ""
    try:
        with client_for(session, box, interface, timeouts) as client:
            lost = client.logout()
        note = T_("%(count)d Kunden haben keinen Zugang mehr zur App.", count=lost)
    except SecretError:
        note = _secret_error()
    except SinnoError as exc:
        if exc.code not in ("token_invalid", "token_missing"):
            message = exc.text
            return _done(session, interface, "logout", actor, False, message)
        # The service no longer knows the session: it is over there already.
        note = T_("Der SiNNO-Dienst kannte die Anmeldung nicht mehr.")
    write_secret(box, interface, TOKEN_FIELD, None)
    state = dict(interface.state or {})
    state.update(
        logged_in=False,
        logged_out_at=utcnow().isoformat(),
        logged_out_by=getattr(actor, "display_name", "") or "",
        expires_at=None,
    )
    interface.state = state
    message = T_("Abgemeldet. %(note)s", note=note) if note else T_("Abgemeldet.")
    return _done(session, interface, "logout", actor, True, message)


def logged_in_interfaces(session: Session) -> list[Interface]:
    """Every logged-in SiNNO-App Service interface (one chat stream each, e.g. for chat sync)."""
    candidates = session.scalars(
        sa.select(Interface).where(Interface.type_key == TYPE_KEY).order_by(Interface.id)
    ).all()
    return [i for i in candidates if is_logged_in(i)]


def check_connection(target) -> dict:
    """ "Verbindung prüfen" without side effects: is the stored session still accepted?

    `target` carries `settings`, `state`, `secrets` (decrypted) and `timeouts` (the status board's
    CheckTarget); the answer has the keys of its CheckResult (ok, message, state).
    Never logs in or out and never returns the token.
    """
    token = (target.secrets or {}).get(TOKEN_FIELD)
    if not token or not (target.state or {}).get("logged_in"):
        return {"ok": True, "message": T_("Nicht angemeldet."), "state": {"logged_in": False}}
    settings = _client_settings(target.settings or {}, token, target.timeouts)
    try:
        with SinnoClient(settings) as client:
            info = client.session_info()
    except SinnoError as exc:
        if exc.code == "token_expired":  # renewed on the next real use
            return {
                "ok": True,
                "message": T_(
                    "Angemeldet; die Sitzung ist abgelaufen und wird beim nächsten Aufruf erneuert."
                ),
                "state": {"logged_in": True},
            }
        state = {"logged_in": False} if exc.code == "token_invalid" else {}
        # Language-neutral: rendered in the language of whoever reads the history.
        return {"ok": False, "message": exc.text, "state": state}
    return {
        "ok": True,
        "message": T_(
            "Angemeldet (Firmen-Nr. %(number)s, %(count)s Kunden).",
            number=str(info.get("company_no") or ""),
            count=int(info.get("customers") or 0),
        ),
        "state": {"logged_in": True},
    }
