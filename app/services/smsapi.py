"""SMSAPI / HQsms HTTP client: send an SMS, read the balance, check the credentials.

The protocol's codes, errors and hosts are in `app.services.smsapi_protocol`.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests import exceptions as rexc
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from app.i18n import N_, T_, Text
from app.services import gateway, phone, sms_length
from app.services.smsapi_protocol import (  # noqa: F401  (re-exported: the client's public API)
    ERROR_MESSAGES,
    KINDS,
    SERVICE_HOSTS,
    SERVICES,
    GatewayError,
    error_kind,
    error_message,
)

logger = logging.getLogger(__name__)

USER_AGENT = gateway.USER_AGENT


@dataclass(frozen=True)
class SmsApiSettings:
    """What the client needs to reach one account; secrets stay out of repr()."""

    service: str = "smsapi_pl"
    base_url: str | None = None
    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None
    country_code: str = phone.DEFAULT_COUNTRY_CODE
    max_chars: int | None = None
    proxy_host: str | None = None
    proxy_port: int | None = None
    connect_timeout: float = 5
    read_timeout: float = 15

    @classmethod
    def of(
        cls,
        interface: Any,
        *,
        token: str | None = None,
        password: str | None = None,
        timeouts: tuple[float, float] | None = None,
        **overrides: Any,
    ) -> SmsApiSettings:
        """An SMSAPI interface's stored settings, typed, with the defaults for what is not set.

        The secrets are passed in decrypted (see `services.sms_clients.settings_for`); without them the
        result still tells the country code, "Max. Zeichen" and the rest. `timeouts` are
        (connect, read) seconds; None keeps the defaults.
        """
        s = interface.settings or {}
        if timeouts:
            overrides.update(connect_timeout=timeouts[0], read_timeout=timeouts[1])
        return cls(
            service=s.get("service") or "smsapi_pl",
            base_url=s.get("base_url") or None,
            token=token,
            username=s.get("username") or None,
            password=password,
            sender=s.get("sender") or None,
            country_code=s.get("country_code") or phone.DEFAULT_COUNTRY_CODE,
            max_chars=int(s.get("max_chars") or sms_length.DEFAULT_MAX_CHARS),
            proxy_host=s.get("proxy_host") or None,
            proxy_port=s.get("proxy_port"),
            **overrides,
        )

    @staticmethod
    def credential(settings: Mapping[str, Any]) -> str:
        """The secret an interface logs in with: "password" in password mode, else "token"."""
        return "password" if settings.get("auth_mode") == "password" else "token"

    def max_parts_for(self, text: str) -> int | None:
        """The gateway's `max_parts` for a text under this "Max. Zeichen" (None: no limit set)."""
        if not self.max_chars:
            return None
        return sms_length.max_parts_for(self.max_chars, sms_length.encoding_for(text))

    @property
    def auth_mode(self) -> str:
        """Either "token" (a token is set; it wins) or "password"."""
        return "token" if (self.token or "").strip() else "password"


@dataclass(frozen=True)
class SendResult:
    """The gateway's answer for one recipient."""

    message_id: str
    number: str
    submitted_number: str | None
    parts: int
    points: float
    status: str | None
    idx: str | None
    date_sent: int | None = None


@dataclass(frozen=True)
class Balance:
    """Account credit; `points` is None when a profile reports none (e.g. postpaid)."""

    points: float | None
    source: str
    pro_count: int | None = None
    eco_count: int | None = None
    mms_count: int | None = None
    vms_gsm_count: int | None = None
    vms_land_count: int | None = None
    payment_type: str | None = None
    username: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def _config_error(message: str, kind: str = "other") -> GatewayError:
    return GatewayError(kind, Text(message))


def _resolve_hosts(settings: SmsApiSettings, hosts: Sequence[str] | None) -> tuple[str, ...]:
    if hosts:
        chosen = tuple(hosts)
    elif settings.service == "custom":
        chosen = (settings.base_url or "",)
    elif settings.service in SERVICE_HOSTS:
        chosen = SERVICE_HOSTS[settings.service]
    else:
        raise _config_error(
            N_("Unbekannter SMS-Dienst: SMSAPI.pl, SMSAPI.com, HQsms oder eigene URL wählen.")
        )
    result = []
    for url in chosen:
        url = (url or "").strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _config_error(
                N_(
                    "Die Basis-URL des SMS-Gateways ist ungültig (erwartet z. B."
                    " https://api.smsapi.pl/)."
                )
            )
        result.append(url if url.endswith("/") else url + "/")
    return tuple(result)


def _proxies(settings: SmsApiSettings) -> dict[str, str] | None:
    try:
        return gateway.proxies(settings.proxy_host, _to_int(settings.proxy_port))
    except ValueError:
        raise _config_error(
            N_("Für den Proxy fehlt ein gültiger Port (1–65535)."), "proxy"
        ) from None


def _never_sent(exc: rexc.RequestException) -> bool:
    """True when the request failed before any byte reached the server (safe to resend)."""
    if isinstance(exc, (rexc.ConnectTimeout, rexc.SSLError)):
        return True
    inner = exc.args[0] if exc.args else None
    return isinstance(inner, MaxRetryError) and isinstance(inner.reason, ConnectTimeoutError)


def _to_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = _to_float(value)
    return int(number) if number is not None and number.is_integer() else None


def _api_code(body: Any) -> int | None:
    """The legacy numeric `error` of a JSON body; REST bodies carry a string instead."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, bool) or error in (None, 0, "0", ""):
        return None
    return _to_int(error)


class SmsApiClient(gateway.HttpClient):
    """Talks to one SMSAPI/HQsms account; build it once per interface and reuse it."""

    def __init__(
        self,
        settings: SmsApiSettings,
        session: requests.Session | None = None,
        *,
        hosts: Sequence[str] | None = None,
    ) -> None:
        self.settings = settings
        self._hosts = _resolve_hosts(settings, hosts)
        self._display = {base: gateway.display_host(base) for base in self._hosts}
        timeout = (float(settings.connect_timeout), float(settings.read_timeout))
        super().__init__(session, timeout, _proxies(settings))

        token = (settings.token or "").strip()
        username = (settings.username or "").strip()
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        auth_params: dict[str, str] = {}
        secrets: list[str] = []
        if token:
            self.auth_mode = "token"
            self._headers["Authorization"] = f"Bearer {token}"
            secrets.append(token)
        elif username and settings.password:
            self.auth_mode = "password"
            digest = hashlib.md5(settings.password.encode("utf-8")).hexdigest()
            auth_params = {"username": username, "password": digest}
            secrets += [settings.password, digest]
        else:
            raise _config_error(
                N_(
                    "Für das SMS-Gateway ist weder ein Schlüsseltoken noch"
                    " Benutzername und Passwort hinterlegt."
                ),
                "auth",
            )
        self._secrets = tuple(s for s in secrets if len(s) >= 4)
        self._send_params = {"format": "json", "encoding": "utf-8", **auth_params}
        sender = (settings.sender or "").strip()
        if sender:
            self._send_params["from"] = sender
        self._balance_params = {"credits": "1", "details": "1", "format": "json", **auth_params}

    def __repr__(self) -> str:
        return (
            f"SmsApiClient(service={self.settings.service!r}, auth={self.auth_mode!r},"
            f" host={self._display[self._hosts[0]]!r})"
        )

    @property
    def hosts(self) -> tuple[str, ...]:
        """The base URLs in the order they are tried."""
        return self._hosts

    def send_sms(
        self,
        to_digits: str,
        message: str,
        *,
        idx: str | None = None,
        check_idx: bool = False,
        test: bool = False,
        max_parts: int | None = None,
    ) -> SendResult:
        """Send one SMS (POST sms.do); `test=True` lets the gateway validate without sending."""
        data = dict(self._send_params)
        data["to"] = to_digits
        data["message"] = message
        if idx is not None:
            data["idx"] = idx
            if check_idx:
                data["check_idx"] = "1"
        if test:
            data["test"] = "1"
        if max_parts is None:
            max_parts = self.settings.max_parts_for(message)
        if max_parts is not None:
            data["max_parts"] = str(max_parts)
        body = self._request("POST", "sms.do", data=data, resendable=False)
        items = body.get("list") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise self._malformed("sms.do")
        item = items[0]
        code = _api_code(item)
        if code is not None:
            raise self._logged(GatewayError.from_code(code, http_status=200), "sms.do")
        points = _to_float(item.get("points"))
        message_id = item.get("id")
        if not message_id or points is None:
            raise self._malformed("sms.do")
        parts = _to_int(item.get("parts")) or _to_int(body.get("parts"))
        idx_back = item.get("idx")
        return SendResult(
            message_id=str(message_id),
            number=str(item.get("number") or to_digits),
            submitted_number=item.get("submitted_number"),
            parts=parts or sms_length.count(message).parts,
            points=points,
            status=item.get("status"),
            idx=None if idx_back is None else str(idx_back),
            date_sent=_to_int(item.get("date_sent")),
        )

    def balance(self) -> Balance:
        """Read the credit: GET profile with a token, user.do with user name and password."""
        if self.auth_mode == "token":
            body = self._request("GET", "profile")
            if not isinstance(body, dict) or not body.keys() & {"points", "id", "username"}:
                raise self._malformed("profile")
            points = _to_float(body["points"]) if "points" in body else None
            if "points" in body and points is None:
                raise self._malformed("profile")
            return Balance(
                points=points,
                source="profile",
                payment_type=body.get("payment_type"),
                username=body.get("username"),
                raw=body,
            )
        # POST keeps the MD5 out of URLs, which urllib3 logs at DEBUG and proxies may record.
        body = self._request("POST", "user.do", data=self._balance_params)
        points = _to_float(body.get("points")) if isinstance(body, dict) else None
        if points is None:
            raise self._malformed("user.do")
        return Balance(
            points=points,
            source="user.do",
            pro_count=_to_int(body.get("proCount")),
            eco_count=_to_int(body.get("ecoCount")),
            mms_count=_to_int(body.get("mmsCount")),
            vms_gsm_count=_to_int(body.get("vmsGsmCount")),
            vms_land_count=_to_int(body.get("vmsLandCount")),
            raw=body,
        )

    def ping(self) -> bool:
        """True when the gateway accepts the credentials (token: GET ping; else a balance read)."""
        try:
            if self.auth_mode != "token":
                self.balance()
                return True
            body = self._request("GET", "ping")
        except GatewayError as exc:
            if exc.kind == "auth":
                return False
            raise
        if not isinstance(body, dict) or "authorized" not in body:
            raise self._malformed("ping")
        return body["authorized"] is True

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        resendable: bool = True,
    ) -> Any:
        """One call with backup-host failover; returns the parsed JSON body or raises."""
        tried: list[str] = []
        for attempt, base in enumerate(self._hosts):
            host = self._display[base]
            tried.append(host)
            started = time.perf_counter()
            try:
                resp = self._http(
                    method, base + path, params=params, data=data, headers=self._headers
                )
            except rexc.RequestException as exc:
                elapsed = (time.perf_counter() - started) * 1000
                err = self._transport_error(exc, tried, sending=not resendable)
                logger.warning(
                    "SMSAPI %s %s/%s failed: %s (%s) after %.0f ms",
                    method,
                    host,
                    path,
                    err.kind,
                    type(exc).__name__,
                    elapsed,
                )
                retry = (
                    attempt + 1 < len(self._hosts)
                    and isinstance(exc, rexc.ConnectionError)
                    and not isinstance(exc, rexc.ProxyError)
                    and (resendable or _never_sent(exc))
                )
                if retry:
                    continue
                # `from None`: the requests exception text holds the URL and its query string.
                raise err from None
            except (ValueError, UnicodeError):
                # e.g. a host name that IDNA cannot encode; requests raises these unwrapped.
                logger.warning("SMSAPI %s %s/%s failed: invalid address", method, host, path)
                raise _config_error(
                    N_(
                        "Die Adresse des SMS-Gateways oder des Proxys ist ungültig:"
                        " Einstellungen prüfen."
                    )
                ) from None
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "SMSAPI %s %s/%s -> %s in %.0f ms",
                    method,
                    host,
                    path,
                    resp.status_code,
                    (time.perf_counter() - started) * 1000,
                )
            return self._parse(resp, host, path)
        raise AssertionError("no host configured")  # _resolve_hosts guarantees one

    def _parse(self, resp: requests.Response, host: str, path: str) -> Any:
        status = resp.status_code
        body = gateway.json_body(resp)
        code = _api_code(body)
        if status >= 500:
            err = GatewayError(
                "server",
                T_(
                    "Das SMS-Gateway %(host)s meldet einen Serverfehler (HTTP %(status)d). Bitte"
                    " später erneut versuchen.",
                    host=host,
                    status=status,
                ),
                code=code,
                http_status=status,
            )
        elif code is not None:
            err = GatewayError.from_code(
                code,
                http_status=status,
                detail=self._detail(body),
                invalid_numbers=self._invalid_numbers(body),
            )
        elif status >= 300:
            err = self._http_error(status, host, body)
        elif body is None:
            raise self._malformed(path, status)
        else:
            return body
        raise self._logged(err, path)

    def _http_error(self, status: int, host: str, body: Any) -> GatewayError:
        detail = self._detail(body)
        if status in (401, 403):
            return GatewayError(
                "auth",
                T_(
                    "Die Anmeldung beim SMS-Gateway ist fehlgeschlagen (HTTP %(status)d):"
                    " Schlüsseltoken, seine Berechtigungen oder Dienst prüfen"
                    " (SMSAPI.pl vs. SMSAPI.com).",
                    status=status,
                ),
                http_status=status,
                detail=detail,
            )
        if status == 407:
            return GatewayError(
                "proxy",
                T_(
                    "Der Proxy verlangt eine Anmeldung (HTTP 407); das wird nicht unterstützt:"
                    " einen Proxy ohne Anmeldung eintragen."
                ),
                http_status=status,
            )
        if status < 400:
            return GatewayError(
                "other",
                T_(
                    "Das SMS-Gateway %(host)s leitet die Anfrage um (HTTP %(status)d): Basis-URL"
                    " prüfen (z. B. https:// statt http://).",
                    host=host,
                    status=status,
                ),
                http_status=status,
            )
        if status == 404:
            return GatewayError(
                "other",
                T_(
                    "Das SMS-Gateway %(host)s kennt diese Adresse nicht (HTTP 404): Basis-URL und"
                    " Dienst prüfen.",
                    host=host,
                ),
                http_status=status,
                detail=detail,
            )
        return GatewayError(
            "other",
            T_("Das SMS-Gateway hat die Anfrage abgelehnt (HTTP %(status)d).", status=status),
            http_status=status,
            detail=detail,
        )

    def _transport_error(
        self, exc: rexc.RequestException, tried: list[str], *, sending: bool
    ) -> GatewayError:
        hosts = ", ".join(tried)
        if isinstance(exc, rexc.ProxyError):
            proxy = self._proxies["https"].split("://", 1)[1] if self._proxies else "?"
            return GatewayError(
                "proxy",
                T_(
                    "Der Proxy %(proxy)s ist nicht erreichbar oder hat die Verbindung abgelehnt:"
                    " Proxy-Server und Port prüfen.",
                    proxy=proxy,
                ),
            )
        if isinstance(exc, rexc.ConnectTimeout):
            return GatewayError(
                "timeout",
                T_(
                    "Das SMS-Gateway (%(hosts)s) war nicht innerhalb von %(seconds)s s erreichbar:"
                    " Netzwerk, Firewall und Proxy-Einstellungen prüfen.",
                    hosts=hosts,
                    seconds=self._timeout[0],
                ),
            )
        if isinstance(exc, rexc.Timeout):
            return GatewayError(
                "timeout",
                T_(
                    "Das SMS-Gateway (%(hosts)s) hat nicht innerhalb von %(seconds)s s geantwortet."
                    " Die SMS wurde möglicherweise trotzdem versendet – vor einem neuen Versuch den"
                    " Versandbericht im SMSAPI-Kundenkonto prüfen.",
                    hosts=hosts,
                    seconds=self._timeout[1],
                )
                if sending
                else T_(
                    "Das SMS-Gateway (%(hosts)s) hat nicht innerhalb von %(seconds)s s geantwortet."
                    " Bitte später erneut versuchen.",
                    hosts=hosts,
                    seconds=self._timeout[1],
                ),
                maybe_sent=sending,
            )
        if isinstance(exc, rexc.SSLError):
            return GatewayError(
                "connection",
                T_(
                    "Die sichere Verbindung (TLS) zum SMS-Gateway (%(hosts)s) ist fehlgeschlagen:"
                    " Zertifikat, Systemzeit oder einen TLS-prüfenden Proxy prüfen.",
                    hosts=hosts,
                ),
            )
        if isinstance(exc, (rexc.InvalidURL, rexc.MissingSchema, rexc.InvalidSchema)):
            return _config_error(N_("Die Adresse des SMS-Gateways ist ungültig: Basis-URL prüfen."))
        if _never_sent(exc):
            return GatewayError(
                "connection",
                T_(
                    "Keine Verbindung zum SMS-Gateway (%(hosts)s): Netzwerk, Firewall und"
                    " Proxy-Einstellungen prüfen.",
                    hosts=hosts,
                ),
            )
        return GatewayError(
            "connection",
            T_(
                "Die Verbindung zum SMS-Gateway (%(hosts)s) wurde ohne Antwort abgebrochen. Die SMS"
                " wurde möglicherweise trotzdem versendet – vor einem neuen Versuch den"
                " Versandbericht im SMSAPI-Kundenkonto prüfen.",
                hosts=hosts,
            )
            if sending
            else T_(
                "Die Verbindung zum SMS-Gateway (%(hosts)s) wurde ohne Antwort abgebrochen. Bitte"
                " später erneut versuchen.",
                hosts=hosts,
            ),
            maybe_sent=sending,
        )

    def _malformed(self, path: str, status: int = 200) -> GatewayError:
        return self._logged(
            GatewayError(
                "malformed",
                T_(
                    "Das SMS-Gateway hat eine unerwartete Antwort geliefert (HTTP %(status)d):"
                    " Basis-URL und Dienst prüfen.",
                    status=status,
                ),
                http_status=status,
            ),
            path,
        )

    def _logged(self, err: GatewayError, path: str) -> GatewayError:
        logger.warning(
            "SMSAPI %s failed: kind=%s code=%s http=%s", path, err.kind, err.code, err.http_status
        )
        return err

    def _detail(self, body: Any) -> str | None:
        """The gateway's own message, cut short and with any secret of ours masked."""
        if not isinstance(body, dict) or not isinstance(body.get("message"), str):
            return None
        text = body["message"][:200]
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    @staticmethod
    def _invalid_numbers(body: Any) -> list[dict[str, Any]]:
        items = body.get("invalid_numbers") if isinstance(body, dict) else None
        if not isinstance(items, list):
            return []
        return [
            {k: item.get(k) for k in ("number", "submitted_number", "message")}
            for item in items
            if isinstance(item, dict)
        ]
