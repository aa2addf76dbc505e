"""A local SMTP simulator on aiosmtpd: keeps what it received, lists it as JSON, injects faults.

The SMTP side is a real aiosmtpd server (EHLO, optional STARTTLS or implicit TLS, AUTH
PLAIN/LOGIN); a small werkzeug app next to it answers `GET /_sim/messages`, `POST /_sim/reset`
and `GET|POST /_sim/faults`. See docs/smtp-simulator.md.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import json
import logging
import socket
import ssl
import tempfile
import threading
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from werkzeug.wrappers import Request, Response

from sim import faults
from sim.serving import BackgroundServer

# aiosmtpd itself still sets the attribute it deprecates, on every successful AUTH.
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
logging.getLogger("mail.log").setLevel(logging.ERROR)

FAULT_KINDS = ("refuse", "temporary", "permanent", "auth")


@dataclass(frozen=True)
class SmtpSimConfig:
    """The simulated account; `username=None` accepts mail without log-in."""

    username: str | None = "demo"
    password: str = "demo-password"
    # "none", "starttls" (offered, not required) or "ssl" (implicit TLS on the port).
    security: str = "none"


@dataclass
class SmtpFaults:
    """Fault switches; each applies to the next `times` sessions/commands (None = until cleared),
    after `after` of them went through normally."""

    refuse: bool = False  # greet with 421 and hang up (the server takes no connections)
    temporary: bool = False  # 451 at RCPT TO: the mail is refused for now, try later
    permanent: bool = False  # 554 after DATA: the mail is refused for good
    auth: bool = False  # 535 to every AUTH, whatever the password
    times: int | None = None
    after: int = 0

    @classmethod
    def parse(cls, data: Any) -> SmtpFaults:
        """Validate a JSON fault request; raises ValueError with a readable reason."""
        data = faults.checked(data, FAULT_KINDS)
        return cls(
            *(bool(data.get(k)) for k in FAULT_KINDS),
            times=faults.times_of(data),
            after=faults.after_of(data),
        )


class SmtpSimState:
    """Received mails, log-ins and fault switches, guarded by one lock."""

    def __init__(self, config: SmtpSimConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every mail and clear the faults."""
        with self._lock:
            self._messages: list[dict[str, Any]] = []
            self._logins: list[dict[str, Any]] = []
            self._faults = SmtpFaults()

    @property
    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._messages]

    @property
    def logins(self) -> list[dict[str, Any]]:
        """Every AUTH attempt: user name and outcome (never the password)."""
        with self._lock:
            return [dict(m) for m in self._logins]

    @property
    def faults(self) -> SmtpFaults:
        with self._lock:
            return SmtpFaults(**asdict(self._faults))

    def set_faults(self, faults: SmtpFaults | None = None, **switches: Any) -> SmtpFaults:
        """Replace the fault switches (keyword form: set_faults(temporary=True, times=1))."""
        with self._lock:
            self._faults = faults or SmtpFaults(**switches)
            return self._faults

    def take_fault(self, kind: str) -> bool:
        """Whether the fault `kind` applies now; counts down `times`."""
        with self._lock:
            faults = self._faults
            if not getattr(faults, kind):
                return False
            if faults.after:  # this one still goes through
                faults.after -= 1
                return False
            if faults.times is not None:
                faults.times -= 1
                if faults.times <= 0:
                    self._faults = SmtpFaults()
            return True

    def log_login(self, username: str, ok: bool) -> None:
        with self._lock:
            self._logins.append({"username": username, "ok": ok})

    def store(self, envelope_from: str, rcpt_tos: list[str], raw: bytes, user: str | None) -> dict:
        """Keep one received mail, parsed for the JSON view."""
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text = html = None
        for part in msg.walk():
            if part.is_multipart():
                continue
            ctype = part.get_content_type()
            if ctype == "text/plain" and text is None:
                text = part.get_content()
            elif ctype == "text/html" and html is None:
                html = part.get_content()
        entry = {
            "mail_from": envelope_from,
            "rcpt_to": list(rcpt_tos),
            "from": str(msg.get("From", "")),
            "to": str(msg.get("To", "")),
            "subject": str(msg.get("Subject", "")),
            "language": str(msg.get("Content-Language", "")),
            "message_id": str(msg.get("Message-ID", "")),
            "content_type": msg.get_content_type(),
            "text": text,
            "html": html,
            "authenticated_as": user,
            "received_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "raw": raw.decode("utf-8", "replace"),
        }
        with self._lock:
            entry["id"] = len(self._messages) + 1
            self._messages.append(entry)
        return entry


class _Handler:
    """aiosmtpd hooks: faults at RCPT and DATA, storage of accepted mails."""

    def __init__(self, state: SmtpSimState) -> None:
        self.state = state

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.state.take_fault("temporary"):
            return "451 4.3.0 Temporary failure (simulator), try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.state.take_fault("permanent"):
            return "554 5.7.1 Message rejected (simulator)"
        user = (
            session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword)
            else None
        )
        entry = self.state.store(envelope.mail_from, envelope.rcpt_tos, envelope.content, user)
        return f"250 2.0.0 OK queued as sim-{entry['id']}"


class _SimSMTP(SMTP):
    """aiosmtpd's server, which can refuse a connection at the greeting."""

    def __init__(self, handler, *, sim_state: SmtpSimState, **kwargs):
        super().__init__(handler, **kwargs)
        self._sim_state = sim_state

    async def _handle_client(self):
        if self._sim_state.take_fault("refuse"):
            await self.push("421 4.3.2 Service not available (simulator)")
            self.transport.close()
            return
        await super()._handle_client()


class _Controller(Controller):
    def __init__(self, state: SmtpSimState, tls: ssl.SSLContext | None, **kwargs) -> None:
        self._state, self._tls = state, tls
        super().__init__(_Handler(state), **kwargs)

    def factory(self):
        config = self._state.config
        return _SimSMTP(
            self.handler,
            sim_state=self._state,
            hostname="smtp-sim.local",
            authenticator=self._authenticate,
            auth_require_tls=False,
            auth_required=False,
            decode_data=False,
            tls_context=self._tls if config.security == "starttls" else None,
        )

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        config = self._state.config
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        username = auth_data.login.decode("utf-8", "replace")
        # The auth fault counts once per connection (a client tries several mechanisms).
        failing = getattr(session, "sim_auth_fault", None)
        if failing is None:
            failing = session.sim_auth_fault = self._state.take_fault("auth")
        ok = (
            not failing
            and config.username is not None
            and username == config.username
            and auth_data.password.decode("utf-8", "replace") == config.password
        )
        self._state.log_login(username, ok)
        # handled=False: aiosmtpd answers 535 itself (handled=True would leave the client waiting).
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def _trigger_server(self):
        # The readiness probe must speak TLS on an implicit-TLS port, and must not count as a
        # session for the fault switches (they are set after start anyway).
        if self.ssl_context is not None:
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            with (
                socket.create_connection((self.hostname, self.port), 1.0) as sock,
                ctx.wrap_socket(sock) as tls,
            ):
                tls.recv(1024)
            return
        super()._trigger_server()


def self_signed_context() -> tuple[ssl.SSLContext, bytes]:
    """A server TLS context for 127.0.0.1/localhost and its certificate (PEM) for clients to trust."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.NamedTemporaryFile() as cf, tempfile.NamedTemporaryFile() as kf:
        cf.write(cert_pem), kf.write(key_pem)
        cf.flush(), kf.flush()
        ctx.load_cert_chain(cf.name, kf.name)
    return ctx, cert_pem


def _json(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, indent=1), status, mimetype="application/json"
    )


class SmtpSimControlApp:
    """The JSON control side: what was received, reset, fault switches."""

    def __init__(self, state: SmtpSimState) -> None:
        self.state = state

    def __call__(self, environ, start_response):
        request = Request(environ)
        path, method = request.path.rstrip("/") or "/", request.method
        if path == "/_sim/messages" and method == "GET":
            resp = _json(self.state.messages)
        elif path == "/_sim/logins" and method == "GET":
            resp = _json(self.state.logins)
        elif path == "/_sim/reset" and method == "POST":
            self.state.reset()
            resp = _json({"messages": 0})
        elif path == "/_sim/faults" and method in ("GET", "POST"):
            resp = None
            if method == "POST":
                try:
                    self.state.set_faults(SmtpFaults.parse(request.get_json(silent=True) or {}))
                except ValueError as exc:
                    resp = _json({"message": str(exc)}, 400)
            resp = resp or _json(asdict(self.state.faults))
        else:
            resp = _json({"message": "not found"}, 404)
        return resp(environ, start_response)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class SmtpSimServer:
    """The SMTP server and its JSON control app, each in a background thread."""

    config: SmtpSimConfig = field(default_factory=SmtpSimConfig)
    host: str = "127.0.0.1"
    port: int = 0
    http_port: int = 0
    quiet: bool = True

    def __post_init__(self) -> None:
        self.state = SmtpSimState(self.config)
        self.cert_pem: bytes | None = None
        self._controller: _Controller | None = None
        self._http: BackgroundServer | None = None

    def client_tls_context(self) -> ssl.SSLContext | None:
        """A client context that trusts this simulator's certificate (None without TLS)."""
        if self.cert_pem is None:
            return None
        return ssl.create_default_context(cadata=self.cert_pem.decode())

    @property
    def http_url(self) -> str:
        """Base URL of the JSON control app, e.g. http://127.0.0.1:8028."""
        assert self._http is not None, "SmtpSimServer is not running"
        return self._http.url

    def start(self) -> SmtpSimServer:
        """Listen (0 = a free port) and serve both sides in daemon threads."""
        tls = None
        if self.config.security in ("starttls", "ssl"):
            tls, self.cert_pem = self_signed_context()
        self.port = self.port or _free_port(self.host)
        self._controller = _Controller(
            self.state,
            tls,
            hostname=self.host,
            port=self.port,
            ssl_context=tls if self.config.security == "ssl" else None,
        )
        self._controller.start()
        self._http = BackgroundServer(
            SmtpSimControlApp(self.state),
            host=self.host,
            port=self.http_port,
            quiet=self.quiet,
            name="smtp-sim-http",
        ).start()
        return self

    def stop(self) -> None:
        """Stop both sides and release the ports."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._http is not None:
            self._http.stop()
            self._http = None

    def __enter__(self) -> SmtpSimServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
