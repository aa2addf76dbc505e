"""A local SMSAPI / HQsms simulator: a small werkzeug WSGI app with in-memory, thread-safe state."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import Authorization
from werkzeug.wrappers import Request, Response

from sim import faults
from sim.serving import SimulatorServer

# GSM 03.38 default alphabet and extension table; kept separate from app.services.sms_length
# on purpose, so the simulator cross-checks the client's counter instead of echoing it.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXT = frozenset("^{}[]~\\|€\f")
_NORMALIZE_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "Ø": "O", "ø": "o"})

# Prices in points per message kind, only used for the *Count fields of user.do.
_PRICE_ECO, _PRICE_MMS, _PRICE_VMS_GSM, _PRICE_VMS_LAND = 0.07, 0.30, 0.20, 0.14

ERROR_TEXTS = {
    11: "Message too long or there is no message or parameter nounicode is set and special"
    " characters are used",
    12: "Message has more parts than defined in max_parts parameter",
    13: "No correct phone numbers",
    14: "Wrong sender name",
    20: "Invalid number of IDX parameters",
    27: "Too long IDX parameter",
    53: "Not unique idx parameter, message with the same idx has been already sent",
    101: "Authorization failed",
    102: "Invalid username or password",
    103: "Insufficient credits on your account",
    1001: "Invalid action",
}
_REST_UNAUTHORIZED = {
    "message": "Authorization failed",
    "error": "invalid_token",
    "developer_description": None,
    "errors": None,
}
_SECRET_PARAMS = ("password", "access_token")


def md5_hex(text: str) -> str:
    """MD5 hex digest, as the legacy API expects passwords."""
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def sms_units(text: str) -> tuple[str, int, int]:
    """(encoding, units, parts) of a text: GSM-7 160/153, else UCS-2 70/67 in UTF-16 units."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXT for ch in text):
        encoding, single, per_part = "GSM-7", 160, 153
        weights = [2 if ch in _GSM_EXT else 1 for ch in text]
    else:
        encoding, single, per_part = "UCS-2", 70, 67
        weights = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    units = sum(weights)
    if units <= single:
        return encoding, units, 1 if units else 0
    parts, used = 1, 0
    for weight in weights:  # an escape pair or a surrogate pair never straddles two parts
        if used + weight > per_part:
            parts, used = parts + 1, 0
        used += weight
    return encoding, units, parts


def _normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_NORMALIZE_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass
class SimConfig:
    """Start values of the simulated account and pricing."""

    token: str = "demo-token"
    username: str = "demo"
    password: str = "demo-password"
    points: float = 100.0
    senders: tuple[str, ...] = ("Test", "Filiale")
    points_per_part: float = 0.16
    # A PL account prefixes 9-digit national numbers with 48 (None: keep numbers as sent).
    default_prefix: str | None = "48"
    max_parts: int = 10


@dataclass
class SimAccount:
    """One simulated customer account."""

    username: str
    password: str
    token: str | None
    points: float
    senders: tuple[str, ...]
    used_idx: set[str] = field(default_factory=set)

    def public(self) -> dict[str, Any]:
        """The account without its secrets."""
        return {
            "username": self.username,
            "points": round(self.points, 4),
            "senders": list(self.senders),
            "has_token": bool(self.token),
            "used_idx": sorted(self.used_idx),
        }


@dataclass
class Faults:
    """Failure switches applied to the next protocol requests."""

    delay: float = 0.0
    status: int | None = None
    malformed: bool = False
    drop: bool = False
    times: int | None = None
    after: int = 0  # requests answered normally before the switches apply

    def active(self) -> bool:
        """True when any switch is on."""
        return bool(self.delay or self.status or self.malformed or self.drop)

    @classmethod
    def parse(cls, data: Any) -> Faults:
        """Validate a JSON fault request; raises ValueError with a readable reason."""
        data = faults.checked(data, ("delay", "status", "malformed", "drop"))
        delay = faults.delay_of(data)
        status = data.get("status")
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599
        ):
            raise ValueError("status must be an HTTP error status (400-599) or null")
        times = faults.times_of(data)
        return cls(
            delay,
            status,
            bool(data.get("malformed")),
            bool(data.get("drop")),
            times,
            faults.after_of(data),
        )


class SimState(faults.FaultSwitches):
    """Accounts, received messages, request log and fault switches, guarded by one lock."""

    faults_class = Faults

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Back to the configured account, no messages, no faults."""
        with self._lock:
            cfg = self.config
            # Requests still in flight (e.g. sleeping in a delay fault) must not write into
            # the fresh state; they compare their generation before recording.
            self.generation = getattr(self, "generation", 0) + 1
            self._accounts: dict[str, SimAccount] = {}
            self._messages: list[dict[str, Any]] = []
            self._requests: list[dict[str, Any]] = []
            self._faults = Faults()
            self.add_account(cfg.username, cfg.password, cfg.token, cfg.points, cfg.senders)

    def add_account(
        self,
        username: str,
        password: str,
        token: str | None = None,
        points: float = 100.0,
        senders: Iterable[str] = ("Test",),
    ) -> SimAccount:
        """Add (or replace) an account."""
        account = SimAccount(username, password, token, float(points), tuple(senders))
        with self._lock:
            self._accounts[username] = account
        return account

    def account(self, username: str) -> SimAccount:
        """The account with that user name (KeyError if none)."""
        with self._lock:
            return self._accounts[username]

    def by_token(self, token: str) -> SimAccount | None:
        """The account owning an OAuth token."""
        with self._lock:
            return next((a for a in self._accounts.values() if a.token and a.token == token), None)

    def by_login(self, username: str, password_md5: str) -> SimAccount | None:
        """The account for a user name and the MD5 hex of its password."""
        with self._lock:
            account = self._accounts.get(username)
        if account and md5_hex(account.password) == (password_md5 or "").strip().lower():
            return account
        return None

    def set_points(self, username: str, points: float) -> None:
        """Set an account's balance."""
        with self._lock:
            self._accounts[username].points = float(points)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """A copy of every recorded (non-test) message, oldest first."""
        with self._lock:
            return [dict(m) for m in self._messages]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """A copy of the protocol request log (the last 500)."""
        with self._lock:
            return [dict(r) for r in self._requests]

    def log_request(self, entry: dict[str, Any]) -> None:
        """Append to the request log."""
        with self._lock:
            self._requests.append(entry)
            del self._requests[:-500]

    def commit_send(
        self,
        account: SimAccount,
        items: list[dict[str, Any]],
        cost: float,
        *,
        check_idx: bool,
        test: bool,
        generation: int | None = None,
    ) -> int | None:
        """Check idx and credit, then charge and record atomically; an error code or None."""
        with self._lock:
            if generation is not None and generation != self.generation:
                return None
            idx_values = {i["idx"] for i in items if i.get("idx") is not None}
            if check_idx and idx_values & account.used_idx:
                return 53
            if cost > account.points + 1e-9:
                return 103
            if test:
                return None
            account.points = round(account.points - cost, 4)
            account.used_idx |= idx_values
            self._messages.extend(items)
            return None

    def snapshot(self) -> dict[str, Any]:
        """Everything but secrets, for GET /_sim/state."""
        with self._lock:
            return {
                "accounts": [a.public() for a in self._accounts.values()],
                "message_count": len(self._messages),
                "faults": asdict(self._faults),
                "requests": [dict(r) for r in self._requests],
            }


class _Drop(ConnectionAbortedError):
    """Raised after shutting the socket down; werkzeug's server treats it as a dropped client."""


@dataclass
class _Auth:
    account: SimAccount | None
    kind: str
    error: int | None


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _text(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/plain")


def _flatten(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        # Mirrors the official clients: recipients join with ",", idx values with "|".
        return ("|" if key == "idx" else ",").join(str(v) for v in value)
    return str(value)


class SimApp:
    """The WSGI application; `.state` is the shared SimState."""

    def __init__(self, config: SimConfig, state: SimState | None = None) -> None:
        self.config = config
        self.state = state or SimState(config)
        self._protocol: dict[str, tuple[tuple[str, ...], Callable[..., Response]]] = {
            "/sms.do": (("GET", "POST"), self._sms_do),
            "/api/sms.do": (("GET", "POST"), self._sms_do),
            "/user.do": (("GET", "POST"), self._user_do),
            "/api/user.do": (("GET", "POST"), self._user_do),
            "/profile": (("GET",), self._profile),
            "/ping": (("GET",), self._ping),
        }
        self._control: dict[str, tuple[tuple[str, ...], Callable[..., Response]]] = {
            "/_sim/messages": (("GET",), self._sim_messages),
            "/_sim/reset": (("POST",), self._sim_reset),
            "/_sim/faults": (("GET", "POST"), self._sim_faults),
            "/_sim/state": (("GET",), self._sim_state),
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route one request, applying the fault switches to protocol endpoints."""
        path = request.path.rstrip("/") or "/"
        if path in self._control:
            methods, handler = self._control[path]
            if request.method not in methods:
                return _json({"message": "Method not allowed"}, 405)
            return handler(request)
        if path not in self._protocol:
            return _json(
                {
                    "message": "Not found",
                    "error": "not_found",
                    "developer_description": None,
                    "errors": None,
                },
                404,
            )
        methods, handler = self._protocol[path]
        if request.method not in methods:
            return _json(
                {
                    "message": "Method not allowed",
                    "error": "method_not_allowed",
                    "developer_description": None,
                    "errors": None,
                },
                405,
            )
        params = self._params(request)
        request.environ["sim.generation"] = self.state.generation
        entry = {
            "at": datetime.now(UTC).isoformat(),
            "method": request.method,
            "path": path,
            "content_type": request.mimetype,
            "user_agent": request.headers.get("User-Agent", ""),
            "auth": self._auth_kind(request, params),
            "params": {k: ("***" if k in _SECRET_PARAMS else v) for k, v in params.items()},
        }
        fault = self.state.take_fault()
        entry["fault"] = asdict(fault) if fault is not None else None
        self.state.log_request(entry)
        if fault is not None:
            response = self._apply_fault(fault, request)
            if response is not None:
                return response
        return handler(request, params)

    def _apply_fault(self, fault: Faults, request: Request) -> Response | None:
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            request.get_data()  # drain the body (if unread) so the close is a FIN, not a reset
            sock = request.environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise _Drop("simulated connection drop")
        if fault.status:
            body = f"<html><body><h1>{fault.status} Simulated failure</h1></body></html>"
            return Response(body, status=fault.status, mimetype="text/html")
        if fault.malformed:
            return Response("<html><body>Gateway maintenance</body></html>", mimetype="text/html")
        return None

    @staticmethod
    def _params(request: Request) -> dict[str, str]:
        params = dict(request.args.items())
        if request.is_json:
            body = request.get_json(silent=True)
            items = body.items() if isinstance(body, dict) else ()
        else:
            items = request.form.items()
        for key, value in items:
            flat = _flatten(key, value)
            if flat is not None:
                params[key] = flat
        return params

    @staticmethod
    def _basic(request: Request) -> Authorization | None:
        auth = request.authorization
        return auth if auth is not None and auth.type == "basic" else None

    def _bearer(self, request: Request, params: dict[str, str]) -> str | None:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            return header[7:].strip()
        return params.get("access_token") or None

    def _auth_kind(self, request: Request, params: dict[str, str]) -> str:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            return "bearer"
        if params.get("access_token"):
            return "access_token"
        if self._basic(request):
            return "basic"
        if "username" in params or "password" in params:
            return "params"
        return "none"

    def _legacy_auth(self, request: Request, params: dict[str, str]) -> _Auth:
        """Bearer token, access_token, HTTP Basic (user:md5) or username+password(md5) params."""
        kind = self._auth_kind(request, params)
        if kind in ("bearer", "access_token"):
            account = self.state.by_token(self._bearer(request, params) or "")
            return _Auth(account, kind, None if account else 101)
        if kind == "basic":
            basic = self._basic(request)
            account = self.state.by_login(basic.username or "", basic.password or "")
            return _Auth(account, kind, None if account else 102)
        if kind == "params":
            if not params.get("username") or not params.get("password"):
                return _Auth(None, kind, 101)
            account = self.state.by_login(params["username"], params["password"])
            return _Auth(account, kind, None if account else 102)
        return _Auth(None, kind, 101)

    @staticmethod
    def _legacy_error(code: int, json_mode: bool, **extra: Any) -> Response:
        if not json_mode:
            return _text(f"ERROR:{code}")
        return _json({"error": code, "message": ERROR_TEXTS.get(code, "Error"), **extra})

    def _number(self, raw: str) -> str | None:
        digits = raw.strip()
        if digits.startswith("+"):
            digits = digits[1:]
        if not digits.isascii() or not digits.isdigit() or not 9 <= len(digits) <= 15:
            return None
        if len(digits) == 9 and self.config.default_prefix:
            return self.config.default_prefix + digits
        return digits

    def _sms_do(self, request: Request, params: dict[str, str]) -> Response:
        json_mode = params.get("format") == "json"
        auth = self._legacy_auth(request, params)
        if auth.error:
            return self._legacy_error(auth.error, json_mode)
        account = auth.account
        message = params.get("message", "")
        if params.get("normalize") == "1":
            message = _normalize(message)
        if not message:
            return self._legacy_error(11, json_mode)

        submitted = [n.strip() for n in params.get("to", "").split(",") if n.strip()]
        valid: list[tuple[str, str]] = []
        invalid: list[dict[str, str]] = []
        for raw in submitted:
            number = self._number(raw)
            if number is None:
                invalid.append(
                    {
                        "number": raw.lstrip("+"),
                        "submitted_number": raw,
                        "message": "Invalid phone number",
                    }
                )
            else:
                valid.append((number, raw))
        if not valid:
            return self._legacy_error(13, json_mode, invalid_numbers=invalid)

        sender = params.get("from", "")
        if sender and sender not in account.senders:
            return self._legacy_error(14, json_mode)

        encoding, _units, parts = sms_units(message)
        if params.get("nounicode") == "1" and encoding != "GSM-7":
            return self._legacy_error(11, json_mode)
        if parts > self.config.max_parts:
            return self._legacy_error(11, json_mode)
        max_parts = params.get("max_parts", "").strip()
        max_parts_value = int(max_parts) if max_parts.isdigit() else None
        if max_parts_value is not None and parts > max_parts_value:
            return self._legacy_error(12, json_mode)

        idx_values = params["idx"].split("|") if params.get("idx") else []
        if any(len(v) > 255 for v in idx_values):
            return self._legacy_error(27, json_mode)
        if idx_values and len(idx_values) != len(valid):
            return self._legacy_error(20, json_mode)

        test = params.get("test") == "1"
        points = round(parts * self.config.points_per_part, 4)
        now = time.time()
        received_at = datetime.fromtimestamp(now, UTC).isoformat()
        items = []
        records = []
        for i, (number, raw) in enumerate(valid):
            msg_id = uuid.uuid4().hex[:24]
            idx = idx_values[i] if idx_values else None
            items.append(
                {
                    "id": msg_id,
                    "points": points,
                    "number": number,
                    "date_sent": int(now),
                    "submitted_number": raw,
                    "status": "QUEUE",
                    "error": None,
                    "idx": idx,
                    "parts": parts,
                }
            )
            records.append(
                {
                    "id": msg_id,
                    "to": number,
                    "submitted_number": raw,
                    "message": message,
                    "from": sender or None,
                    "parts": parts,
                    "idx": idx,
                    "auth": auth.kind,
                    "username": account.username,
                    "encoding": params.get("encoding"),
                    "sms_encoding": encoding,
                    "max_parts": max_parts_value,
                    "received_at": received_at,
                    "points": points,
                }
            )
        error = self.state.commit_send(
            account,
            records,
            points * len(valid),
            check_idx=params.get("check_idx") == "1",
            test=test,
            generation=request.environ.get("sim.generation"),
        )
        if error:
            return self._legacy_error(error, json_mode)
        if not json_mode:
            return _text(";".join(f"OK:{i['id']}:{i['points']}" for i in items))
        body: dict[str, Any] = {"count": len(items), "list": items}
        if params.get("details") == "1":
            body.update(message=message, length=len(message), parts=parts)
        if invalid:
            body["invalid_numbers"] = invalid
        return _json(body)

    def _user_do(self, request: Request, params: dict[str, str]) -> Response:
        json_mode = params.get("format") == "json"
        auth = self._legacy_auth(request, params)
        if auth.error:
            return self._legacy_error(auth.error, json_mode)
        if params.get("credits") != "1":
            return self._legacy_error(1001, json_mode)
        points = round(auth.account.points, 4)
        if not json_mode:
            return _text(f"Points: {points:.4f}")
        return _json(
            {
                "points": points,
                "proCount": int(points / self.config.points_per_part),
                "ecoCount": int(points / _PRICE_ECO),
                "mmsCount": int(points / _PRICE_MMS),
                "vmsGsmCount": int(points / _PRICE_VMS_GSM),
                "vmsLandCount": int(points / _PRICE_VMS_LAND),
            }
        )

    def _profile(self, request: Request, params: dict[str, str]) -> Response:
        account = self.state.by_token(self._bearer(request, params) or "")
        if account is None:
            return _json(_REST_UNAUTHORIZED, 401)
        return _json(
            {
                "id": md5_hex(account.username)[:24],
                "name": account.username.title(),
                "email": f"{account.username}@example.invalid",
                "username": account.username,
                "phone_number": "48500000000",
                "payment_type": "prepaid",
                "user_type": "native",
                "points": f"{account.points:.4f}",
            }
        )

    def _ping(self, request: Request, params: dict[str, str]) -> Response:
        account = self.state.by_token(self._bearer(request, params) or "")
        return _json({"authorized": account is not None, "unavailable": []})

    def _sim_messages(self, request: Request) -> Response:
        return _json(self.state.messages)

    def _sim_reset(self, request: Request) -> Response:
        self.state.reset()
        return _json(self.state.snapshot())

    def _sim_faults(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                self.state.set_faults(Faults.parse(request.get_json(silent=True) or {}))
            except ValueError as exc:
                return _json({"message": str(exc)}, 400)
        return _json(asdict(self.state.faults))

    def _sim_state(self, request: Request) -> Response:
        return _json(self.state.snapshot())


def create_sim_app(config: SimConfig | None = None, state: SimState | None = None) -> SimApp:
    """Build the simulator WSGI app; its `.state` is shared with whoever passed it in."""
    return SimApp(config or SimConfig(), state)


class SimServer(SimulatorServer):
    """Runs the simulator on 127.0.0.1 in a background thread; usable as a context manager."""

    thread_name = "smsapi-sim"

    config_class, state_class = SimConfig, SimState
    make_app = staticmethod(create_sim_app)
