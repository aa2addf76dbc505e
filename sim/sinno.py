"""A local SiNNO-App Service simulator speaking docs/sinno-api.md (v1): werkzeug WSGI, in-memory state."""

from __future__ import annotations

import json
import random
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from sim import faults
from sim.serving import SimulatorServer

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: typed from an SMS
REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
ERROR_TEXTS = {
    "internal_error": "Internal error",
    "unavailable": "The service is down for maintenance",
    "bad_gateway": "Bad gateway",
}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class SimConfig:
    """Start values: the accepted ClientID and companies, token lifetime, clock and randomness."""

    client_id: str = "winpro"
    companies: dict[str, str] = field(default_factory=lambda: {"4711": "Demo-Optik"})
    token_ttl: int = 86400
    code_ttl_days: int = 14
    # Customers become "active" this many seconds after registration (None: only via /_sim).
    auto_activate_after: float | None = None
    # The dashboard link; "{company_no}" is filled in; None: this simulator's /dashboard/<no>.
    dashboard_url: str | None = None
    seed: int | None = None
    clock: Callable[[], datetime] | None = None


@dataclass
class Faults:
    """Switches applied to the next protocol requests (`times`: how many, None: until cleared;
    `after`: how many requests are answered normally first)."""

    down: bool = False
    delay: float = 0.0
    status: int | None = None
    retry_after: int | None = None
    malformed: bool = False
    times: int | None = None
    after: int = 0
    # Every issued token runs out as the request arrives (it is answered 401 token_expired).
    token_expiry: bool = False

    def active(self) -> bool:
        """True when any switch is on."""
        return bool(self.down or self.delay or self.status or self.malformed or self.token_expiry)

    @classmethod
    def parse(cls, data: Any) -> Faults:
        """Validate a JSON fault request; raises ValueError with a readable reason."""
        data = faults.checked(
            data, ("down", "delay", "status", "retry_after", "malformed", "token_expiry")
        )
        delay = faults.delay_of(data)
        status = data.get("status")
        if status is not None and (
            isinstance(status, bool)
            or not isinstance(status, int)
            or status not in (429, 500, 502, 503, 504)
        ):
            raise ValueError("status must be 429, 500, 502, 503, 504 or null")
        retry_after = data.get("retry_after")
        if retry_after is not None and (
            isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
        ):
            raise ValueError("retry_after must be a number of seconds >= 0 or null")
        return cls(
            bool(data.get("down")),
            delay,
            status,
            retry_after,
            bool(data.get("malformed")),
            faults.times_of(data),
            faults.after_of(data),
            bool(data.get("token_expiry")),
        )


class ApiError(Exception):
    """An error answer of the contract: status, code, message, field."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}


class SimState(faults.FaultSwitches):
    """Companies, tokens, customers, chat messages, idempotency keys and faults, under one lock."""

    faults_class = Faults

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Back to the configured companies: no tokens, customers, messages or faults."""
        with self._lock:
            self.generation = getattr(self, "generation", 0) + 1
            self._rng = random.Random(self.config.seed)
            self.tokens: dict[str, dict[str, Any]] = {}
            self.logged_in: dict[str, bool] = {}
            self.shops: dict[str, list[dict[str, Any]]] = {}
            self.customers: dict[str, dict[str, Any]] = {}
            self.messages: list[dict[str, Any]] = []
            self.idempotency: dict[tuple[str, str, str], tuple[str, int, dict[str, Any]]] = {}
            self.requests: list[dict[str, Any]] = []
            self._faults = Faults()
            self._token_seq = 0
            self._customer_seq = 0

    def now(self) -> datetime:
        """The simulator's clock (fixed in the contract test)."""
        return (self.config.clock or _utcnow)()

    # ---- tokens -----------------------------------------------------------------------------
    def issue_token(self, company_no: str) -> dict[str, Any]:
        """A new session token for a company."""
        with self._lock:
            self._token_seq += 1
            token = f"tok_{company_no}_{self._token_seq:04d}_{self._rng.getrandbits(48):012x}"
            entry = {
                "company_no": company_no,
                "expires_at": self.now() + timedelta(seconds=self.config.token_ttl),
                "expired": False,
            }
            self.tokens[token] = entry
            self.logged_in[company_no] = True
            return {"token": token, **entry}

    def token_entry(self, token: str) -> dict[str, Any] | None:
        """The token's record (None when unknown)."""
        with self._lock:
            return self.tokens.get(token)

    def expire_tokens(self) -> int:
        """Let every issued token expire now (the "expired token" switch); how many."""
        with self._lock:
            for entry in self.tokens.values():
                entry["expired"] = True
            return len(self.tokens)

    def logout(self, company_no: str) -> int:
        """Invalidate every token of the company; the number of customers who lose the app."""
        with self._lock:
            for token in [t for t, e in self.tokens.items() if e["company_no"] == company_no]:
                del self.tokens[token]
            self.logged_in[company_no] = False
            return sum(
                1
                for c in self.customers.values()
                if c["company_no"] == company_no and c["state"] != "deactivated"
            )

    # ---- customers --------------------------------------------------------------------------
    def new_code(self) -> str:
        """An identification code like K7QF-3MZP."""
        chars = "".join(self._rng.choice(CODE_ALPHABET) for _ in range(8))
        return f"{chars[:4]}-{chars[4:]}"

    def add_customer(self, company_no: str, body: dict[str, Any]) -> dict[str, Any]:
        """Register (after the checks); raises ApiError 409 for a taken mobile or e-mail."""
        with self._lock:
            for other in self.customers.values():
                if other["company_no"] != company_no or other["state"] == "deactivated":
                    continue
                if other["mobile"] == body["mobile"]:
                    raise ApiError(
                        409,
                        "customer_exists",
                        "Another customer is registered with this mobile number",
                        "mobile",
                    )
                if other["email"].lower() == body["email"].lower():
                    raise ApiError(
                        409,
                        "customer_exists",
                        "Another customer is registered with this e-mail address",
                        "email",
                    )
            self._customer_seq += 1
            now = self.now()
            customer = {
                "customer_id": f"SC-{self._customer_seq:06d}",
                "company_no": company_no,
                "reference": body.get("reference") or "",
                "first_name": body["first_name"],
                "last_name": body["last_name"],
                "mobile": body["mobile"],
                "email": body["email"],
                "shop_id": body["shop_id"],
                "language": body.get("language") or "de",
                "state": "invited",
                "identification_code": self.new_code(),
                "code_expires_at": now + timedelta(days=self.config.code_ttl_days),
                "created_at": now,
                "first_login_at": None,
                "deactivated_at": None,
            }
            self.customers[customer["customer_id"]] = customer
            return customer

    def customer(self, customer_id: str, company_no: str | None = None) -> dict[str, Any] | None:
        """A customer (of that company, when given), after applying the auto-activation."""
        with self._lock:
            customer = self.customers.get(customer_id)
            if customer is None or (company_no and customer["company_no"] != company_no):
                return None
            after = self.config.auto_activate_after
            if (
                after is not None
                and customer["state"] == "invited"
                and self.now() >= customer["created_at"] + timedelta(seconds=after)
            ):
                self.app_login(customer_id)
            return customer

    def app_login(self, customer_id: str) -> dict[str, Any]:
        """The customer set up the app with the code: invited -> active (KeyError if unknown)."""
        with self._lock:
            customer = self.customers[customer_id]
            if customer["state"] == "invited":
                customer["state"] = "active"
                customer["first_login_at"] = self.now()
            return customer

    # ---- chat -------------------------------------------------------------------------------
    def add_message(
        self,
        customer: dict[str, Any],
        direction: str,
        text: str,
        in_reply_to: str | None = None,
        author: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Append a chat message (inbound from the app, or a reply)."""
        with self._lock:
            seq = len(self.messages) + 1
            message = {
                "seq": seq,
                "id": f"msg_{seq:06d}",
                "customer_id": customer["customer_id"],
                "company_no": customer["company_no"],
                "direction": direction,
                "text": text,
                "sent_at": self.now(),
                "read_at": None,
                "in_reply_to": in_reply_to,
                "author": author
                if author is not None
                else f"{customer['first_name']} {customer['last_name']}".strip(),
                "idempotency_key": idempotency_key,
            }
            self.messages.append(message)
            return message

    def post_as_customer(self, customer_id: str, text: str) -> dict[str, Any]:
        """A message written in the app by the customer (KeyError if unknown)."""
        return self.add_message(self.customers[customer_id], "in", text)

    def message(self, message_id: str, company_no: str) -> dict[str, Any] | None:
        """One message of the company."""
        with self._lock:
            return next(
                (
                    m
                    for m in self.messages
                    if m["id"] == message_id and m["company_no"] == company_no
                ),
                None,
            )

    # ---- faults and log ---------------------------------------------------------------------
    def log_request(self, entry: dict[str, Any]) -> None:
        """Append to the request log (the last 500)."""
        with self._lock:
            self.requests.append(entry)
            del self.requests[:-500]

    def public_customers(self) -> list[dict[str, Any]]:
        """Every registered customer, with the identification code (control API only)."""
        with self._lock:
            return [
                _public_customer(c, control=True)
                for c in (self.customer(cid) for cid in list(self.customers))
            ]

    def public_messages(self) -> list[dict[str, Any]]:
        """Every chat message with its idempotency key (control API only)."""
        with self._lock:
            return [
                {**_public_message(m), "idempotency_key": m["idempotency_key"]}
                for m in self.messages
            ]

    def snapshot(self) -> dict[str, Any]:
        """Everything but token values, for GET /_sim/state."""
        with self._lock:
            return {
                "companies": [
                    {
                        "company_no": no,
                        "name": name,
                        "logged_in": self.logged_in.get(no, False),
                        "tokens": sum(
                            1
                            for e in self.tokens.values()
                            if e["company_no"] == no and not e["expired"]
                        ),
                        "shops": self.shops.get(no, []),
                    }
                    for no, name in self.config.companies.items()
                ],
                "customers": self.public_customers(),
                "messages": self.public_messages(),
                "faults": asdict(self.faults),
                "requests": [dict(r) for r in self.requests],
            }


def _public_customer(customer: dict[str, Any], control: bool = False) -> dict[str, Any]:
    data = {
        "customer_id": customer["customer_id"],
        "reference": customer["reference"],
        "state": customer["state"],
        "shop_id": customer["shop_id"],
        "created_at": _iso(customer["created_at"]),
        "first_login_at": _iso(customer["first_login_at"]),
        "deactivated_at": _iso(customer["deactivated_at"]),
    }
    if control:
        data.update(
            company_no=customer["company_no"],
            first_name=customer["first_name"],
            last_name=customer["last_name"],
            mobile=customer["mobile"],
            email=customer["email"],
            language=customer["language"],
            identification_code=customer["identification_code"],
        )
    return data


def _public_message(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": message["id"],
        "customer_id": message["customer_id"],
        "direction": message["direction"],
        "text": message["text"],
        "sent_at": _iso(message["sent_at"]),
        "read_at": _iso(message["read_at"]),
        "in_reply_to": message["in_reply_to"],
        "author": message["author"],
    }


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def _error(err: ApiError) -> Response:
    return _json(
        {"error": {"code": err.code, "message": err.message, "field": err.field}},
        err.status,
        err.headers,
    )


class _Drop(ConnectionAbortedError):
    """Raised after shutting the socket down; werkzeug treats it as a dropped client."""


def _cursor_seq(cursor: str | None) -> int:
    if not cursor:
        return 0
    match = re.fullmatch(r"c_(\d{1,9})", cursor)
    if not match:
        raise ApiError(400, "invalid_request", "since must be a cursor from next_cursor", "since")
    return int(match.group(1))


class SimApp:
    """The WSGI application; `.state` is the shared SimState."""

    def __init__(self, config: SimConfig, state: SimState | None = None) -> None:
        self.config = config
        self.state = state or SimState(config)
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Response], bool]] = [
            ("POST", re.compile(r"/v1/auth/login"), self._login, False),
            ("GET", re.compile(r"/v1/auth/session"), self._session, True),
            ("POST", re.compile(r"/v1/auth/logout"), self._logout, True),
            ("POST", re.compile(r"/v1/customers"), self._register, True),
            ("GET", re.compile(r"/v1/customers/(?P<customer_id>[^/]+)"), self._get_customer, True),
            (
                "POST",
                re.compile(r"/v1/customers/(?P<customer_id>[^/]+)/deactivate"),
                self._deactivate,
                True,
            ),
            ("GET", re.compile(r"/v1/chat/messages"), self._list_messages, True),
            ("POST", re.compile(r"/v1/chat/messages"), self._post_reply, True),
            (
                "POST",
                re.compile(r"/v1/chat/messages/(?P<message_id>[^/]+)/read"),
                self._mark_read,
                True,
            ),
        ]
        self._control: list[tuple[str, re.Pattern[str], Callable[..., Response]]] = [
            ("GET", re.compile(r"/_sim/state"), lambda r: _json(self.state.snapshot())),
            ("POST", re.compile(r"/_sim/reset"), self._sim_reset),
            ("GET", re.compile(r"/_sim/faults"), lambda r: _json(asdict(self.state.faults))),
            ("POST", re.compile(r"/_sim/faults"), self._sim_faults),
            ("POST", re.compile(r"/_sim/expire-tokens"), self._sim_expire),
            ("GET", re.compile(r"/_sim/customers"), lambda r: _json(self.state.public_customers())),
            (
                "POST",
                re.compile(r"/_sim/customers/(?P<customer_id>[^/]+)/app-login"),
                self._sim_app_login,
            ),
            (
                "GET",
                re.compile(r"/_sim/chat/messages"),
                lambda r: _json(self.state.public_messages()),
            ),
            ("POST", re.compile(r"/_sim/chat/messages"), self._sim_post_message),
            ("GET", re.compile(r"/dashboard/(?P<company_no>[^/]+)"), self._dashboard),
            ("GET", re.compile(r"/app/(?P<company_no>[^/]+)"), self._app_page),
        ]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route one request; fault switches apply to the protocol paths only."""
        path = request.path.rstrip("/") or "/"
        for method, pattern, handler in self._control:
            match = pattern.fullmatch(path)
            if match and method == request.method:
                return handler(request, **match.groupdict())
        matched_path = False
        for method, pattern, handler, needs_token in self._routes:
            match = pattern.fullmatch(path)
            if not match:
                continue
            matched_path = True
            if method != request.method:
                continue
            return self._protocol(request, handler, needs_token, match.groupdict())
        if matched_path:
            return _error(ApiError(405, "not_found", "Method not allowed"))
        return _error(ApiError(404, "not_found", "No such endpoint"))

    def _protocol(
        self,
        request: Request,
        handler: Callable[..., Response],
        needs_token: bool,
        args: dict[str, str],
    ) -> Response:
        entry = {
            "at": _iso(_utcnow()),
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "auth": "bearer"
            if request.headers.get("Authorization", "")[:7].lower() == "bearer "
            else "none",
            "idempotency_key": request.headers.get("Idempotency-Key"),
            "user_agent": request.headers.get("User-Agent", ""),
        }
        fault = self.state.take_fault()
        entry["fault"] = asdict(fault) if fault is not None else None
        self.state.log_request(entry)
        if fault is not None:
            response = self._apply_fault(fault, request)
            if response is not None:
                return response
        try:
            company_no = self._authenticate(request) if needs_token else None
            return handler(request, company_no, **args) if needs_token else handler(request, **args)
        except ApiError as err:
            return _error(err)

    def _apply_fault(self, fault: Faults, request: Request) -> Response | None:
        if fault.token_expiry:
            self.state.expire_tokens()
        if fault.delay:
            time.sleep(fault.delay)
        if fault.down:
            request.get_data()
            sock = request.environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise _Drop("simulated outage")
        if fault.status == 429:
            seconds = 30 if fault.retry_after is None else fault.retry_after
            return _error(
                ApiError(
                    429,
                    "rate_limited",
                    f"Too many requests, retry after {seconds} seconds",
                    headers={"Retry-After": str(seconds)},
                )
            )
        if fault.status:
            code = {500: "internal_error", 503: "unavailable"}.get(fault.status, "bad_gateway")
            headers = (
                {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            )
            return _error(ApiError(fault.status, code, ERROR_TEXTS[code], headers=headers))
        if fault.malformed:
            return Response(
                "<html><body><h1>Wartungsarbeiten</h1></body></html>", mimetype="text/html"
            )
        return None

    def _authenticate(self, request: Request) -> str:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() != "bearer " or not header[7:].strip():
            raise ApiError(401, "token_missing", "Authorization: Bearer <token> is required")
        entry = self.state.token_entry(header[7:].strip())
        if entry is None:
            raise ApiError(401, "token_invalid", "Unknown or logged-out session token")
        if entry["expired"] or self.state.now() >= entry["expires_at"]:
            raise ApiError(401, "token_expired", "The session token has expired")
        return entry["company_no"]

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_request", "The body must be a JSON object")
        return body

    @staticmethod
    def _text_field(body: dict[str, Any], name: str, max_length: int, required: bool = True) -> str:
        value = body.get(name)
        if value is None and not required:
            return ""
        if (
            not isinstance(value, str)
            or (required and not value.strip())
            or len(value) > max_length
        ):
            raise ApiError(
                400,
                "invalid_request",
                f"{name} must be a text of 1 to {max_length} characters",
                name,
            )
        return value.strip()

    def _idempotent(
        self, request: Request, company_no: str, create: Callable[[dict], Response]
    ) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not 1 <= len(key) <= 64:
            raise ApiError(
                400,
                "invalid_request",
                "Idempotency-Key (1 to 64 characters) is required",
                "Idempotency-Key",
            )
        body = self._body(request)
        fingerprint = json.dumps(body, sort_keys=True)
        slot = (company_no, request.path, key)
        with self.state._lock:
            stored = self.state.idempotency.get(slot)
            if stored is not None:
                if stored[0] != fingerprint:
                    raise ApiError(
                        409,
                        "idempotency_key_reused",
                        "The Idempotency-Key was used with a different body",
                        "Idempotency-Key",
                    )
                return _json(stored[2], 200, {"Idempotent-Replayed": "true"})
            response = create(body)
            if response.status_code < 300:
                self.state.idempotency[slot] = (
                    fingerprint,
                    response.status_code,
                    response.get_json(),
                )
            return response

    # ---- protocol handlers ------------------------------------------------------------------
    def _login(self, request: Request) -> Response:
        body = self._body(request)
        client_id = body.get("client_id")
        company_no = body.get("company_no")
        if not isinstance(client_id, str) or not client_id:
            raise ApiError(400, "invalid_request", "client_id is required", "client_id")
        if not isinstance(company_no, str) or not company_no:
            raise ApiError(400, "invalid_request", "company_no is required", "company_no")
        shops = body.get("shops")
        if not isinstance(shops, list) or not shops:
            raise ApiError(400, "invalid_request", "At least one shop is required", "shops")
        for i, shop in enumerate(shops):
            if (
                not isinstance(shop, dict)
                or not isinstance(shop.get("shop_id"), str)
                or not shop["shop_id"]
            ):
                raise ApiError(
                    400, "invalid_request", "Every shop needs a shop_id", f"shops[{i}].shop_id"
                )
            if not isinstance(shop.get("email"), str) or not EMAIL.match(shop["email"]):
                raise ApiError(
                    400,
                    "invalid_request",
                    "Every shop needs an e-mail address",
                    f"shops[{i}].email",
                )
        if client_id != self.config.client_id or company_no not in self.config.companies:
            raise ApiError(
                401,
                "invalid_credentials",
                "Unknown client id or company number",
                "client_id" if client_id != self.config.client_id else "company_no",
            )
        issued = self.state.issue_token(company_no)
        with self.state._lock:
            self.state.shops[company_no] = [
                {"shop_id": s["shop_id"], "name": s.get("name") or "", "email": s["email"]}
                for s in shops
            ]
        template = self.config.dashboard_url or (request.host_url + "dashboard/{company_no}")
        return _json(
            {
                "token": issued["token"],
                "token_type": "Bearer",
                "expires_at": _iso(issued["expires_at"]),
                "expires_in": self.config.token_ttl,
                "company": {"company_no": company_no, "name": self.config.companies[company_no]},
                "dashboard_url": template.format(company_no=company_no),
            }
        )

    def _session(self, request: Request, company_no: str) -> Response:
        entry = self.state.token_entry(request.headers["Authorization"][7:].strip())
        customers = sum(
            1
            for c in self.state.customers.values()
            if c["company_no"] == company_no and c["state"] != "deactivated"
        )
        return _json(
            {
                "company_no": company_no,
                "expires_at": _iso(entry["expires_at"]),
                "customers": customers,
            }
        )

    def _logout(self, request: Request, company_no: str) -> Response:
        lost = self.state.logout(company_no)
        return _json({"logged_out": True, "customers_without_access": lost})

    def _register(self, request: Request, company_no: str) -> Response:
        def create(body: dict[str, Any]) -> Response:
            for name in ("first_name", "last_name"):
                self._text_field(body, name, 80)
            self._text_field(body, "reference", 40, required=False)
            mobile = body.get("mobile")
            if not isinstance(mobile, str) or not E164.match(mobile):
                raise ApiError(
                    400,
                    "invalid_request",
                    "mobile must be an E.164 number like +491711234567",
                    "mobile",
                )
            email = body.get("email")
            if not isinstance(email, str) or not EMAIL.match(email) or len(email) > 254:
                raise ApiError(400, "invalid_request", "email must be an e-mail address", "email")
            shop_id = body.get("shop_id")
            known = {s["shop_id"] for s in self.state.shops.get(company_no, [])}
            if not isinstance(shop_id, str) or shop_id not in known:
                raise ApiError(
                    400, "invalid_request", "shop_id must be one of the log-in's shops", "shop_id"
                )
            if body.get("language", "de") not in ("de", "en"):
                raise ApiError(400, "invalid_request", "language must be de or en", "language")
            customer = self.state.add_customer(company_no, body)
            return _json(
                {
                    "customer_id": customer["customer_id"],
                    "state": customer["state"],
                    "identification_code": customer["identification_code"],
                    "code_expires_at": _iso(customer["code_expires_at"]),
                    "created_at": _iso(customer["created_at"]),
                },
                201,
            )

        return self._idempotent(request, company_no, create)

    def _get_customer(self, request: Request, company_no: str, customer_id: str) -> Response:
        customer = self.state.customer(customer_id, company_no)
        if customer is None:
            raise ApiError(404, "customer_not_found", "No such customer")
        return _json(_public_customer(customer))

    def _deactivate(self, request: Request, company_no: str, customer_id: str) -> Response:
        with self.state._lock:
            customer = self.state.customer(customer_id, company_no)
            if customer is None:
                raise ApiError(404, "customer_not_found", "No such customer")
            if customer["state"] != "deactivated":
                customer["state"] = "deactivated"
                customer["deactivated_at"] = self.state.now()
            return _json(_public_customer(customer))

    def _list_messages(self, request: Request, company_no: str) -> Response:
        since = _cursor_seq(request.args.get("since"))
        raw_limit = request.args.get("limit", "50")
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 200:
            raise ApiError(400, "invalid_request", "limit must be 1 to 200", "limit")
        limit = int(raw_limit)
        with self.state._lock:
            newer = [m for m in self.state.messages if m["seq"] > since]
            # The cursor counts every company's messages: it only moves past this company's.
            own = [m for m in newer if m["company_no"] == company_no]
            page = own[:limit]
            last = page[-1]["seq"] if page else since
            return _json(
                {
                    "messages": [_public_message(m) for m in page],
                    "next_cursor": f"c_{last:06d}",
                    "has_more": len(own) > limit,
                }
            )

    def _post_reply(self, request: Request, company_no: str) -> Response:
        def create(body: dict[str, Any]) -> Response:
            customer_id = body.get("customer_id")
            text = self._text_field(body, "text", 2000)
            author = self._text_field(body, "author", 120, required=False)
            in_reply_to = body.get("in_reply_to")
            customer = (
                self.state.customer(customer_id, company_no)
                if isinstance(customer_id, str)
                else None
            )
            if customer is None:
                raise ApiError(404, "customer_not_found", "No such customer", "customer_id")
            if customer["state"] == "deactivated":
                raise ApiError(
                    409, "customer_deactivated", "The customer was deactivated", "customer_id"
                )
            if in_reply_to is not None and (
                not isinstance(in_reply_to, str)
                or self.state.message(in_reply_to, company_no) is None
            ):
                raise ApiError(404, "message_not_found", "No such message", "in_reply_to")
            message = self.state.add_message(
                customer, "out", text, in_reply_to, author, request.headers.get("Idempotency-Key")
            )
            return _json(_public_message(message), 201)

        return self._idempotent(request, company_no, create)

    def _mark_read(self, request: Request, company_no: str, message_id: str) -> Response:
        with self.state._lock:
            message = self.state.message(message_id, company_no)
            if message is None:
                raise ApiError(404, "message_not_found", "No such message")
            if message["read_at"] is None:
                message["read_at"] = self.state.now()
            return _json(_public_message(message))

    # ---- control API ------------------------------------------------------------------------
    def _sim_reset(self, request: Request) -> Response:
        self.state.reset()
        return _json(self.state.snapshot())

    def _sim_faults(self, request: Request) -> Response:
        data = request.get_json(silent=True) or {}
        try:
            if isinstance(data, dict) and data.pop("expire_tokens", False):
                self.state.expire_tokens()
            self.state.set_faults(Faults.parse(data))
        except ValueError as exc:
            return _json({"message": str(exc)}, 400)
        return _json(asdict(self.state.faults))

    def _sim_expire(self, request: Request) -> Response:
        return _json({"expired": self.state.expire_tokens()})

    def _sim_app_login(self, request: Request, customer_id: str) -> Response:
        try:
            return _json(_public_customer(self.state.app_login(customer_id), control=True))
        except KeyError:
            return _json({"message": "no such customer"}, 404)

    def _sim_post_message(self, request: Request) -> Response:
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not data["text"]:
            return _json({"message": 'expected {"customer_id": ..., "text": ...}'}, 400)
        try:
            message = self.state.post_as_customer(str(data.get("customer_id")), data["text"])
        except KeyError:
            return _json({"message": "no such customer"}, 404)
        return _json(_public_message(message), 201)

    def _dashboard(self, request: Request, company_no: str) -> Response:
        name = self.config.companies.get(company_no)
        if name is None:
            return Response("unknown company", status=404, mimetype="text/plain")
        html = (
            f"<!doctype html><title>SiNNO-App Dashboard</title><h1>SiNNO-App Dashboard "
            f"(Simulator)</h1><p>Firma {company_no}: personalisation (logo, colours) would "
            f"happen here.</p>"
        )
        return Response(html, mimetype="text/html")

    def _app_page(self, request: Request, company_no: str) -> Response:
        name = self.config.companies.get(company_no)
        if name is None:
            return Response("unknown company", status=404, mimetype="text/plain")
        return Response(
            f"<!doctype html><title>SiNNO-App</title><h1>SiNNO-App von {name}</h1>"
            "<p>Simulator: here the app store page would open.</p>",
            mimetype="text/html",
        )


def create_sim_app(config: SimConfig | None = None, state: SimState | None = None) -> SimApp:
    """Build the simulator WSGI app; its `.state` is shared with whoever passed it in."""
    return SimApp(config or SimConfig(), state)


class SimServer(SimulatorServer):
    """Runs the simulator on 127.0.0.1 in a background thread; usable as a context manager."""

    thread_name = "sinno-sim"

    config_class, state_class = SimConfig, SimState
    make_app = staticmethod(create_sim_app)

    @property
    def base_url(self) -> str:
        """The API's base URL (the interface's *Server*), e.g. http://127.0.0.1:53123/v1."""
        return self.url + "/v1"
