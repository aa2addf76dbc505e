"""SiNNO-App Service client (docs/sinno-api.md, v1): log-in/out, customers, chat.

The only module that knows the service's wire format. It takes its settings as arguments (no Flask),
owns a `requests.Session`, always passes timeouts (and the proxy when one is set), and turns every
failure into one `SinnoError` whose `.text` (language-neutral, `app.i18n.Text`) never holds a secret.
An expired session token is renewed once, transparently (`on_token` is told the new one).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

import requests
from requests import exceptions as rexc

from app.i18n import N_, T_, Text
from app.services import gateway
from app.services.gateway import GatewayFault

log = logging.getLogger(__name__)

USER_AGENT = gateway.USER_AGENT
API_VERSION = "v1"

# Error codes of the contract in plain words (German source texts; every code of the document).
ERROR_MESSAGES: dict[str, str] = {
    "invalid_request": N_("Der SiNNO-Dienst hat die Angaben abgelehnt."),
    "invalid_credentials": N_(
        "Der SiNNO-Dienst kennt diese ClientID oder Firmen-Nr. nicht: bitte die"
        " Zugangsdaten der Schnittstelle prüfen."
    ),
    "token_missing": N_(
        "Die Schnittstelle ist beim SiNNO-Dienst nicht angemeldet: bitte zuerst anmelden."
    ),
    "token_invalid": N_(
        "Die Anmeldung beim SiNNO-Dienst gilt nicht mehr (abgemeldet): bitte die"
        " Schnittstelle neu anmelden."
    ),
    "token_expired": N_(
        "Die Anmeldung beim SiNNO-Dienst ist abgelaufen und konnte nicht erneuert"
        " werden: bitte die Schnittstelle neu anmelden."
    ),
    "not_found": N_("Der SiNNO-Dienst kennt diese Adresse nicht: bitte die Server-Adresse prüfen."),
    "customer_not_found": N_("Der SiNNO-Dienst kennt diesen Kunden nicht (mehr)."),
    "message_not_found": N_("Der SiNNO-Dienst kennt diese Chat-Nachricht nicht."),
    "customer_exists": N_(
        "Beim SiNNO-Dienst ist bereits ein anderer Kunde mit dieser Mobilnummer oder"
        " E-Mail-Adresse registriert."
    ),
    "customer_deactivated": N_("Der Kunde ist in der SiNNO-App deaktiviert."),
    "idempotency_key_reused": N_(
        "Der SiNNO-Dienst hat einen doppelten Auftrag mit anderem Inhalt abgelehnt."
    ),
    "rate_limited": N_("Der SiNNO-Dienst ist gerade ausgelastet."),
    "internal_error": N_(
        "Der SiNNO-Dienst meldet einen internen Fehler. Bitte später erneut versuchen."
    ),
    "unavailable": N_(
        "Der SiNNO-Dienst ist wegen Wartung nicht erreichbar. Bitte später erneut versuchen."
    ),
}
# "invalid_request" naming its field: whole sentences, so that each language can word them.
_INVALID_FIELD: dict[str, str] = {
    "mobile": N_(
        "Der SiNNO-Dienst hat die Angaben abgelehnt: Mobilnummer fehlt oder ist ungültig."
    ),
    "email": N_(
        "Der SiNNO-Dienst hat die Angaben abgelehnt: E-Mail-Adresse fehlt oder ist ungültig."
    ),
    "first_name": N_(
        "Der SiNNO-Dienst hat die Angaben abgelehnt: Vorname fehlt oder ist ungültig."
    ),
    "last_name": N_(
        "Der SiNNO-Dienst hat die Angaben abgelehnt: Nachname fehlt oder ist ungültig."
    ),
    "shop_id": N_("Der SiNNO-Dienst hat die Angaben abgelehnt: Filiale fehlt oder ist ungültig."),
    "text": N_("Der SiNNO-Dienst hat die Angaben abgelehnt: Text fehlt oder ist ungültig."),
    "company_no": N_(
        "Der SiNNO-Dienst hat die Angaben abgelehnt: Firmen-Nr. fehlt oder ist ungültig."
    ),
    "client_id": N_(
        "Der SiNNO-Dienst hat die Angaben abgelehnt: ClientID fehlt oder ist ungültig."
    ),
    "shops[]": N_(
        "Der SiNNO-Dienst hat die Angaben abgelehnt: E-Mail-Adresse einer Filiale fehlt oder ist"
        " ungültig."
    ),
}
_INVALID_OTHER_FIELD = N_(
    "Der SiNNO-Dienst hat die Angaben abgelehnt: %(field)s fehlt oder ist ungültig."
)
_CUSTOMER_EXISTS: dict[str, str] = {
    "mobile": N_(
        "Beim SiNNO-Dienst ist bereits ein anderer Kunde mit dieser Mobilnummer registriert."
    ),
    "email": N_(
        "Beim SiNNO-Dienst ist bereits ein anderer Kunde mit dieser E-Mail-Adresse registriert."
    ),
}
# Kinds: what the caller does with an error.
AUTH, CONFIG, REJECTED, BUSY, TRANSPORT, SERVER, MALFORMED = (
    "auth",
    "config",
    "rejected",
    "busy",
    "transport",
    "server",
    "malformed",
)
PASSING_KINDS = frozenset({BUSY, TRANSPORT, SERVER, MALFORMED})
_KIND_BY_CODE = {
    "invalid_credentials": CONFIG,
    "not_found": CONFIG,
    "token_missing": AUTH,
    "token_invalid": AUTH,
    "token_expired": AUTH,
    "rate_limited": BUSY,
    "internal_error": SERVER,
    "unavailable": SERVER,
}


class SinnoError(GatewayFault):
    """A SiNNO call failed; `.text` is safe to show (and store) and never holds a secret or token."""

    def __init__(
        self,
        kind: str,
        text: Text,
        *,
        code: str | None = None,
        http_status: int | None = None,
        field: str | None = None,
        retry_after: int | None = None,
        maybe_done: bool = False,
    ) -> None:
        super().__init__(kind, text, code=code, http_status=http_status)
        self.field = field
        self.retry_after = retry_after
        # True when the request may have reached the service (read timeout, dropped answer).
        self.maybe_done = maybe_done

    @property
    def passing(self) -> bool:
        """A fault that goes away by itself (busy, outage, timeout): worth retrying later."""
        return self.kind in PASSING_KINDS

    @classmethod
    def from_code(
        cls, code: str, http_status: int, field: str | None = None, retry_after: int | None = None
    ) -> SinnoError:
        """The error for a contract error code, in plain words (unknown codes by HTTP status)."""
        if code in ERROR_MESSAGES:
            text = Text(ERROR_MESSAGES[code])
            kind = _KIND_BY_CODE.get(code, REJECTED)
        elif http_status >= 500:
            text = Text(ERROR_MESSAGES["internal_error"])
            kind = SERVER
        else:
            text = T_(
                "Der SiNNO-Dienst hat den Auftrag abgelehnt (HTTP %(status)d).", status=http_status
            )
            kind = REJECTED
        if code == "invalid_request" and field:
            key = "shops[]" if field.startswith("shops[") else field
            text = (
                Text(_INVALID_FIELD[key])
                if key in _INVALID_FIELD
                else Text(_INVALID_OTHER_FIELD, {"field": field})
            )
        if code == "customer_exists" and field in _CUSTOMER_EXISTS:
            text = Text(_CUSTOMER_EXISTS[field])
        if retry_after is not None:
            text = T_(
                "%(error)s Bitte in %(seconds)d Sekunden erneut versuchen.",
                error=text,
                seconds=retry_after,
            )
        elif code == "rate_limited":
            text = T_("%(error)s Bitte später erneut versuchen.", error=text)
        return cls(
            kind, text, code=code, http_status=http_status, field=field, retry_after=retry_after
        )


@dataclass(frozen=True)
class SinnoSettings:
    """What the client needs: server, ClientID, Firmen-Nr., the token if logged in; no secret in repr()."""

    base_url: str = "https://winpro.api.ipro.de/v1"
    client_id: str = "winpro"
    company_no: str = ""
    token: str | None = field(default=None, repr=False)
    shops: tuple[Shop, ...] = ()
    proxy_host: str | None = None
    proxy_port: int | None = None
    connect_timeout: float = 5
    read_timeout: float = 15


@dataclass(frozen=True)
class Shop:
    """A branch as the service knows it (log-in needs each one's e-mail address)."""

    shop_id: str
    name: str
    email: str


@dataclass(frozen=True)
class LoginResult:
    """A fresh session: the token (never shown), its expiry, the company, the dashboard link."""

    token: str = field(repr=False)
    expires_at: datetime
    company_name: str
    dashboard_url: str | None


@dataclass(frozen=True)
class Registration:
    """A registered customer; the identification code only travels on to the SMS."""

    customer_id: str
    state: str
    identification_code: str = field(repr=False)
    code_expires_at: datetime | None
    replayed: bool = False


@dataclass(frozen=True)
class RemoteCustomer:
    """A customer's state at the service."""

    customer_id: str
    state: str
    first_login_at: datetime | None
    deactivated_at: datetime | None


class ChatMessage(NamedTuple):
    """One chat message; `direction` "in" (from the app) or "out" (a reply).

    A named tuple, not a frozen dataclass: a sync parses thousands of them, and a tuple is built
    in a third of the time (no `object.__setattr__` per field).
    """

    id: str
    customer_id: str
    direction: str
    text: str
    sent_at: datetime
    read_at: datetime | None
    in_reply_to: str | None
    author: str


@dataclass(frozen=True)
class MessagePage:
    """A page of the chat after a cursor; pass `next_cursor` as `since` next time."""

    messages: list[ChatMessage]
    next_cursor: str
    has_more: bool


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("not a time")
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def web_address(value: Any) -> str | None:
    """A link from an answer, when it is an http(s) address (it becomes an href on the page)."""
    if not isinstance(value, str):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _base(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or parts.password
    ):
        raise SinnoError(CONFIG, T_("Die Server-Adresse der SiNNO-Schnittstelle ist ungültig."))
    return url


def _proxies(settings: SinnoSettings) -> dict[str, str] | None:
    try:
        return gateway.proxies(settings.proxy_host, settings.proxy_port)
    except ValueError:
        raise SinnoError(CONFIG, T_("Für den Proxy fehlt ein gültiger Port (1–65535).")) from None


class SinnoClient(gateway.HttpClient):
    """Talks to the SiNNO-App Service for one interface; build it once and reuse it."""

    def __init__(
        self,
        settings: SinnoSettings,
        session: requests.Session | None = None,
        *,
        on_token: Callable[[LoginResult], None] | None = None,
    ) -> None:
        self.settings = settings
        self._base = _base(settings.base_url)
        self._host = gateway.display_host(self._base)
        timeout = (float(settings.connect_timeout), float(settings.read_timeout))
        super().__init__(session, timeout, _proxies(settings))
        self._token = settings.token
        self._on_token = on_token
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}

    def __repr__(self) -> str:
        return f"SinnoClient(host={self._host!r}, company_no={self.settings.company_no!r})"

    # ---- authentication ---------------------------------------------------------------------
    def login(self) -> LoginResult:
        """Log in with ClientID and Firmen-Nr.; the client keeps the token for its next calls."""
        body = self._call(
            "POST",
            "auth/login",
            json_body={
                "client_id": self.settings.client_id,
                "company_no": self.settings.company_no,
                "shops": [
                    {"shop_id": s.shop_id, "name": s.name, "email": s.email}
                    for s in self.settings.shops
                ],
            },
            auth=False,
        )
        try:
            token = body["token"]
            if not isinstance(token, str) or not token:
                raise ValueError("no token")
            result = LoginResult(
                token=token,
                expires_at=_time(body["expires_at"]),
                company_name=str((body.get("company") or {}).get("name") or ""),
                dashboard_url=web_address(body.get("dashboard_url")),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise self._malformed("auth/login") from None
        self._token = result.token
        return result

    def session_info(self) -> dict[str, Any]:
        """Check the token without side effects (`GET auth/session`)."""
        body = self._call("GET", "auth/session", renew=False)
        if "expires_at" not in body:
            raise self._malformed("auth/session")
        return body

    def logout(self) -> int:
        """Log out: every token of the company ends; how many customers lost the app."""
        body = self._call("POST", "auth/logout")  # an expired token is renewed, then ended
        if body.get("logged_out") is not True:
            raise self._malformed("auth/logout")
        self._token = None
        return int(body.get("customers_without_access") or 0)

    # ---- customers --------------------------------------------------------------------------
    def register_customer(
        self,
        *,
        reference: str,
        first_name: str,
        last_name: str,
        mobile: str,
        email: str,
        shop_id: str,
        language: str,
        idempotency_key: str,
    ) -> Registration:
        """Register a customer (`mobile` in E.164); the same key never registers twice."""
        body, replayed = self._call(
            "POST",
            "customers",
            json_body={
                "reference": reference,
                "first_name": first_name,
                "last_name": last_name,
                "mobile": mobile,
                "email": email,
                "shop_id": shop_id,
                "language": language,
            },
            idempotency_key=idempotency_key,
            with_replayed=True,
        )
        try:
            code = body["identification_code"]
            if not isinstance(code, str) or not code or not isinstance(body["customer_id"], str):
                raise ValueError("missing")
            return Registration(
                customer_id=body["customer_id"],
                state=str(body["state"]),
                identification_code=code,
                code_expires_at=_time(body.get("code_expires_at")),
                replayed=replayed,
            )
        except (KeyError, TypeError, ValueError):
            raise self._malformed("customers") from None

    def customer(self, customer_id: str) -> RemoteCustomer:
        """A customer's state at the service (invited, active, deactivated)."""
        return self._remote_customer(self._call("GET", f"customers/{customer_id}"), "customers")

    def deactivate_customer(self, customer_id: str) -> RemoteCustomer:
        """Deactivate a customer (doing it again is harmless)."""
        return self._remote_customer(
            self._call("POST", f"customers/{customer_id}/deactivate"), "customers/deactivate"
        )

    # ---- chat -------------------------------------------------------------------------------
    def list_messages(
        self, since: str | None = None, limit: int = 50, *, renew: bool = True
    ) -> MessagePage:
        """Chat messages after the cursor, oldest first (`has_more`: ask again at once).

        `renew=False`: an expired token is not renewed here but raised (`token_expired`), for a
        caller on another thread that must not run the renewal's callback.
        """
        params = {"limit": str(limit)}
        if since:
            params["since"] = since
        body = self._call("GET", "chat/messages", params=params, renew=renew)
        try:
            messages = [self._message(item) for item in body["messages"]]
            cursor = body["next_cursor"]
            if not isinstance(cursor, str) or not isinstance(body["has_more"], bool):
                raise ValueError("cursor")
            return MessagePage(messages, cursor, body["has_more"])
        except (KeyError, TypeError, ValueError):
            raise self._malformed("chat/messages") from None

    def post_reply(
        self,
        customer_id: str,
        text: str,
        *,
        idempotency_key: str,
        in_reply_to: str | None = None,
        author: str = "",
    ) -> ChatMessage:
        """Send a reply to a customer's app; the same key never posts twice."""
        body = self._call(
            "POST",
            "chat/messages",
            json_body={
                "customer_id": customer_id,
                "text": text,
                "in_reply_to": in_reply_to,
                "author": author,
            },
            idempotency_key=idempotency_key,
        )
        return self._checked_message(body, "chat/messages")

    def mark_read(self, message_id: str) -> ChatMessage:
        """Mark a customer's message read (again: keeps the first time)."""
        return self._checked_message(
            self._call("POST", f"chat/messages/{message_id}/read"), "chat/messages/read"
        )

    # ---- plumbing ---------------------------------------------------------------------------
    def _remote_customer(self, body: Any, path: str) -> RemoteCustomer:
        try:
            return RemoteCustomer(
                customer_id=str(body["customer_id"]),
                state=str(body["state"]),
                first_login_at=_time(body.get("first_login_at")),
                deactivated_at=_time(body.get("deactivated_at")),
            )
        except (KeyError, TypeError, ValueError):
            raise self._malformed(path) from None

    def _checked_message(self, body: Any, path: str) -> ChatMessage:
        try:
            return self._message(body)
        except (KeyError, TypeError, ValueError):
            raise self._malformed(path) from None

    @staticmethod
    def _message(item: Mapping[str, Any]) -> ChatMessage:
        if item["direction"] not in ("in", "out") or not isinstance(item["id"], str):
            raise ValueError("direction")
        sent_at = _time(item["sent_at"])
        if sent_at is None:
            raise ValueError("sent_at")
        return ChatMessage(  # positional: the fields in their order (cheaper than keywords)
            item["id"],
            str(item["customer_id"]),
            item["direction"],
            str(item["text"]),
            sent_at,
            _time(item.get("read_at")),
            item.get("in_reply_to"),
            str(item.get("author") or ""),
        )

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        idempotency_key: str | None = None,
        auth: bool = True,
        renew: bool = True,
        with_replayed: bool = False,
    ) -> Any:
        """One call; an expired token is renewed once and the call repeated."""
        try:
            resp = self._send(method, path, params, json_body, idempotency_key, auth)
        except SinnoError as exc:
            if not (auth and renew and exc.code == "token_expired"):
                raise
            log.info("SiNNO %s: session token expired, logging in again", path)
            result = self.login()
            if self._on_token is not None:
                self._on_token(result)
            resp = self._send(method, path, params, json_body, idempotency_key, auth)
        body = resp.json_body
        if with_replayed:
            return body, resp.replayed
        return body

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json_body: Any,
        idempotency_key: str | None,
        auth: bool,
    ) -> _Answer:
        headers = dict(self._headers)
        if auth:
            if not self._token:
                raise SinnoError.from_code("token_missing", 401)
            headers["Authorization"] = f"Bearer {self._token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        started = time.perf_counter()
        try:
            resp = self._http(
                method,
                f"{self._base}/{path}",
                params=params,
                data=None if json_body is None else json.dumps(json_body),
                headers={**headers, "Content-Type": "application/json"}
                if json_body is not None
                else headers,
            )
        except rexc.RequestException as exc:
            err = self._transport_error(exc, creates=method == "POST")
            # The exception's text could carry the URL; only its type goes to the log.
            log.warning(
                "SiNNO %s %s failed: %s (%s) after %.0f ms",
                method,
                path.split("/")[0],
                err.kind,
                type(exc).__name__,
                (time.perf_counter() - started) * 1000,
            )
            raise err from None
        except (ValueError, UnicodeError):
            raise SinnoError(
                CONFIG, T_("Die Server- oder Proxy-Adresse der SiNNO-Schnittstelle ist ungültig.")
            ) from None
        return self._parse(resp, path)

    def _parse(self, resp: requests.Response, path: str) -> _Answer:
        status = resp.status_code
        body = gateway.json_body(resp)
        if status < 300 and isinstance(body, dict):
            return _Answer(body, resp.headers.get("Idempotent-Replayed") == "true")
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and isinstance(error.get("code"), str) and status >= 400:
            retry_after = _retry_after(resp.headers.get("Retry-After"))
            field = error.get("field") if isinstance(error.get("field"), str) else None
            err = SinnoError.from_code(error["code"], status, field, retry_after)
        elif status >= 500 or status == 429:
            err = SinnoError.from_code(
                "rate_limited" if status == 429 else "internal_error",
                status,
                retry_after=_retry_after(resp.headers.get("Retry-After")),
            )
        elif 300 <= status < 400:
            err = SinnoError(
                CONFIG,
                T_(
                    "Der SiNNO-Dienst leitet die Anfrage um (HTTP %(status)d): Server-Adresse"
                    " prüfen.",
                    status=status,
                ),
                http_status=status,
            )
        else:
            err = self._malformed(path, status)
        log.warning(
            "SiNNO %s failed: kind=%s code=%s http=%s",
            path.split("/")[0],
            err.kind,
            err.code,
            err.http_status,
        )
        raise err

    def _malformed(self, path: str, status: int = 200) -> SinnoError:
        log.warning("SiNNO %s: unexpected answer (HTTP %s)", path.split("/")[0], status)
        return SinnoError(
            MALFORMED,
            T_(
                "Der SiNNO-Dienst hat eine unerwartete Antwort geliefert (HTTP %(status)d)."
                " Bitte später erneut versuchen.",
                status=status,
            ),
            http_status=status,
        )

    def _transport_error(self, exc: rexc.RequestException, creates: bool) -> SinnoError:
        host = self._host
        if isinstance(exc, rexc.ProxyError):
            return SinnoError(
                TRANSPORT,
                T_(
                    "Der Proxy ist nicht erreichbar oder hat die Verbindung abgelehnt:"
                    " Proxy-Server und Port prüfen."
                ),
            )
        if isinstance(exc, rexc.ConnectTimeout):
            return SinnoError(
                TRANSPORT,
                T_(
                    "Der SiNNO-Dienst (%(host)s) war nicht innerhalb von %(seconds)s s erreichbar:"
                    " Netzwerk, Firewall und Proxy prüfen.",
                    host=host,
                    seconds=self._timeout[0],
                ),
            )
        if isinstance(exc, rexc.Timeout):
            return SinnoError(
                TRANSPORT,
                T_(
                    "Der SiNNO-Dienst (%(host)s) hat nicht innerhalb von %(seconds)s s geantwortet."
                    " Der Auftrag wurde möglicherweise trotzdem ausgeführt; eine Wiederholung ist"
                    " unschädlich.",
                    host=host,
                    seconds=self._timeout[1],
                )
                if creates
                else T_(
                    "Der SiNNO-Dienst (%(host)s) hat nicht innerhalb von %(seconds)s s geantwortet."
                    " Bitte später erneut versuchen.",
                    host=host,
                    seconds=self._timeout[1],
                ),
                maybe_done=creates,
            )
        if isinstance(exc, rexc.SSLError):
            return SinnoError(
                TRANSPORT,
                T_(
                    "Die sichere Verbindung (TLS) zum SiNNO-Dienst (%(host)s) ist fehlgeschlagen:"
                    " Zertifikat, Systemzeit oder Proxy prüfen.",
                    host=host,
                ),
            )
        if isinstance(exc, (rexc.InvalidURL, rexc.MissingSchema, rexc.InvalidSchema)):
            return SinnoError(
                CONFIG, T_("Die Server-Adresse der SiNNO-Schnittstelle ist ungültig.")
            )
        text = str(exc)
        if (
            "Connection refused" in text
            or "NewConnectionError" in text
            or "Name or service" in text
        ):
            return SinnoError(
                TRANSPORT,
                T_(
                    "Keine Verbindung zum SiNNO-Dienst (%(host)s): Netzwerk, Firewall und Proxy"
                    " prüfen.",
                    host=host,
                ),
            )
        return SinnoError(
            TRANSPORT,
            T_(
                "Die Verbindung zum SiNNO-Dienst (%(host)s) wurde ohne Antwort abgebrochen."
                " Der Auftrag wurde möglicherweise trotzdem ausgeführt; eine Wiederholung ist"
                " unschädlich.",
                host=host,
            )
            if creates
            else T_(
                "Die Verbindung zum SiNNO-Dienst (%(host)s) wurde ohne Antwort abgebrochen."
                " Bitte später erneut versuchen.",
                host=host,
            ),
            maybe_done=creates,
        )


@dataclass(frozen=True)
class _Answer:
    json_body: dict[str, Any]
    replayed: bool


def _retry_after(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return min(int(value.strip()), 86400)


def app_link(base_url: str, company_no: str, customer_id: str) -> str:
    """The app's set-up link for the printed sheet (docs/sinno-api.md, "Set-up link")."""
    parts = urlsplit((base_url or "").strip())
    origin = f"{parts.scheme or 'https'}://{parts.netloc or 'winpro.api.ipro.de'}"
    return f"{origin}/app/{quote(company_no, safe='')}?customer={quote(customer_id, safe='')}"
