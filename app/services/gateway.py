"""What the gateway clients (SMSAPI, SiNNO, SMTP) share: the error shape and the HTTP session.

Each client keeps its own wording (its errors' texts name its gateway); this module holds the
mechanics: an error carrying a language-neutral `Text`, and a `requests.Session` that is always
called with timeouts, the proxy when one is set, and no redirects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from app.i18n import Text

USER_AGENT = "interface-portal/1.0"


class GatewayFault(Exception):
    """A gateway call failed; `.text` is safe to show (and store) and never holds a secret.

    `.text` is language-neutral (`app.i18n.Text`): it renders in the reader's language;
    ``str()`` is the German source text (for logs). `.kind` tells the caller what to do.
    """

    # The attributes repr() shows (never the text: it may name a host).
    repr_fields: tuple[str, ...] = ("kind", "code", "http_status")

    def __init__(
        self, kind: str, text: Text, *, code: Any = None, http_status: int | None = None
    ) -> None:
        super().__init__(text.source())
        self.kind = kind
        self.text = text
        self.code = code
        self.http_status = http_status

    @property
    def user_message(self) -> str:
        """The text in the current reader's language."""
        return str(self.text)

    def __str__(self) -> str:
        return self.text.source()

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.repr_fields)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self):
        # Picklable (e.g. across a process pool) although __init__ takes keyword arguments.
        return (_rebuild_fault, (self.__class__, self.__dict__.copy()))


def _rebuild_fault(cls: type[GatewayFault], state: dict[str, Any]) -> GatewayFault:
    err = cls.__new__(cls)
    Exception.__init__(err, state["text"].source())
    err.__dict__.update(state)
    return err


def display_host(url: str) -> str:
    """host[:port] of a URL for messages: never the user:password@ a custom URL could carry."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{host}:{parts.port}" if parts.port else host


def proxies(host: str | None, port: int | None) -> dict[str, str] | None:
    """requests' `proxies=` for an HTTP proxy; None without a host.

    Raises ValueError when the port is missing or out of range (the client words the error).
    """
    host = (host or "").strip()
    if not host:
        return None
    host = host.split("://", 1)[-1].rstrip("/")
    if host.count(":") >= 2 and not host.startswith("["):
        host = f"[{host}]"  # a bare IPv6 address
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ValueError("proxy port")
    url = f"http://{host}:{port}"
    return {"http": url, "https": url}


def json_body(resp: requests.Response) -> Any:
    """The parsed JSON body of an answer; None when it is empty or not JSON."""
    try:
        return json.loads(resp.content) if resp.content else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Timeouts:
    """(connect, read) seconds per protocol the portal speaks, for work that reaches several
    gateways (the connection checks); None: the client's default."""

    sms: tuple[float, float] | None = None
    sinno: tuple[float, float] | None = None
    smtp: tuple[float, float] | None = None

    @classmethod
    def of_config(cls, config: Mapping[str, Any]) -> Timeouts:
        """From the settings SMS_TIMEOUTS, SINNO_TIMEOUTS and SMTP_TIMEOUT (one value for both)."""
        return cls(config["SMS_TIMEOUTS"], config["SINNO_TIMEOUTS"], (config["SMTP_TIMEOUT"],) * 2)

    def of(self, protocol: str) -> tuple[float, float] | None:
        """The timeouts of the protocol an interface type names (`InterfaceType.protocol`)."""
        return getattr(self, protocol)


class HttpClient:
    """A `requests.Session` for one gateway: its own or one passed in, closed when it is its own.

    Every call passes the timeouts (connect, read), the proxy and `allow_redirects=False`.
    """

    def __init__(
        self,
        session: requests.Session | None,
        timeout: tuple[float, float],
        proxies: dict[str, str] | None,
    ) -> None:
        self._timeout = timeout
        self._proxies = proxies
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_session:
            self._session.close()

    def _http(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One HTTP request with the timeouts and the proxy (requests' exceptions pass through)."""
        return self._session.request(
            method,
            url,
            timeout=self._timeout,
            proxies=self._proxies,
            allow_redirects=False,
            **kwargs,
        )
