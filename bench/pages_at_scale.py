"""Benchmark: every GET page and the main htmx fragments on a chain-sized database, per role.

Run: .venv/bin/python bench/pages_at_scale.py [--database-url URL] [--keep PATH] [--no-fill]
     [--repeat 5] [--only SUBSTRING]
Fills a database with about 50,000 interfaces (bench/interfaces_list.py), their history and SMS
(bench/status_board.py), the demo chain with 50,000 customers and 200,000 appointments
(app/services/demo.py, its volume raised), then tops it up to 200 branches, 1,000 workstations,
500 users, 200,000 SMS in the outbox, 5,000 chat threads, 20,000 notifications of one employee
and 20,000 audit entries. Then, in-process with the test client, logged in as admin, employee and
helpdesk in turn, it requests every GET route of the URL map (path parameters filled with the
ids of the fullest rows: the interface with the longest history, the customer with the most
appointments, ...), the start page, and the htmx fragments (HX-Request: true) of the pages that
have one. It prints per route and role: the answer's status, the SQL statements (counted with a
`before_cursor_execute` listener, each request in its own app context as under gunicorn) and the
time of the best of --repeat requests; routes over 50 ms are flagged.
Default: a temporary SQLite file (kept in --keep to measure again with --no-fill); with
--database-url a PostgreSQL database (its schema is dropped and created again).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import local_app, summary, temp_sqlite_url
from bench.interfaces_list import fill as fill_interfaces
from bench.status_board import add_status_history

INTERFACES = 50_000
CUSTOMERS = 50_000
APPOINTMENTS = 200_000
SMS = 200_000
BRANCHES = 200
WORKSTATIONS = 1_000
USERS = 500
THREADS = 5_000
NOTIFICATIONS = 20_000
AUDIT = 20_000
SLOW_MS = 50.0
# Fixed keys: the fill encrypts the demo's secrets, the measuring app must read them.
FERNET_KEY = "Zm9yLXRoZS1wYWdlcy1hdC1zY2FsZS1iZW5jaC0wMDA="
# The demo's log-ins (app/services/demo.py DEMO_USERS), one per role.
LOGINS = {
    "admin": ("admin", "Demo-Admin-2026"),
    "employee": ("mitarbeiter", "Demo-Mitarbeiter-2026"),
    "helpdesk": ("helpdesk", "Demo-Helpdesk-2026"),
}
# Pages whose htmx request answers a fragment (list refreshes, searches, badges).
FRAGMENTS = (
    "/interfaces/",
    "/interfaces/?q=sms",
    "/status/",
    "/status/?group=SMS",
    "/customers/",
    "/customers/?q=müller",
    "/appointments/",
    "/outbox/",
    "/chat/",
    "/notifications/",
    "/audit/",
    "/users/",
    "/branches/",
    "/workstations/",
    "/interfaces/deleted",
)
# Searches and filters worth measuring beyond the bare list.
EXTRA = (
    "/customers/?q=müller",
    "/customers/?q=k-2",
    "/appointments/?q=müller",
    "/outbox/?status=failed",
    "/interfaces/?q=sms",
    "/status/?group=SMS",
    "/chat/?q=erika",
    "/appointments/customer-lookup?q=mül",
    "/sms/length?text=Hallo",
)


def _app(database_url: str):
    return local_app(database_url, FERNET_KEYS=[FERNET_KEY], TEMPLATES_STRICT=False)


def fill(database_url: str) -> None:
    """Everything a page can show, in the numbers of a large chain (see the module docstring)."""
    from app.services import demo

    started = time.perf_counter()
    print(f"Filling {INTERFACES:,} interfaces ...", flush=True)
    fill_interfaces(database_url, INTERFACES)
    print("  their history and SMS ...", flush=True)
    add_status_history(database_url)
    print(f"  the demo chain with {CUSTOMERS:,} customers, {APPOINTMENTS:,} appointments ...")
    demo.VOLUME_CUSTOMERS = CUSTOMERS
    demo.VOLUME_APPOINTMENTS = APPOINTMENTS
    demo.VOLUME_PAST_APPOINTMENTS = APPOINTMENTS // 10
    app = _app(database_url)
    from app.extensions import db, secret_box

    with app.app_context():
        demo.seed(db.session, secret_box(), app.config["BABEL_DEFAULT_TIMEZONE"])
        db.session.commit()
        _top_up(db.session)
        db.session.commit()
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql(
                "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
            )
        db.engine.dispose()
    print(f"  filled in {time.perf_counter() - started:.0f} s", flush=True)


def _insert(session, model, rows: list[dict], batch: int = 10_000) -> None:
    for start in range(0, len(rows), batch):
        session.execute(sa.insert(model), rows[start : start + batch])


def _top_up(session) -> None:
    """Branches, workstations, users, SMS, chat threads, notifications and audit entries in bulk."""
    from app.models import (
        Appointment,
        AuditEntry,
        Branch,
        ChatMessage,
        ChatThread,
        CheckRun,
        Customer,
        Interface,
        InterfaceEvent,
        Notification,
        SmsMessage,
        User,
        Workstation,
    )
    from app.models.base import utcnow

    rnd = random.Random(11)
    now = utcnow()
    have = session.scalar(sa.select(sa.func.count()).select_from(Branch))
    _insert(
        session,
        Branch,
        [
            dict(
                number=f"{i:03d}",
                code=f"B{i:03d}",
                name=f"Filiale {i}",
                street="Marktplatz 1",
                postcode="70173",
                city="Stuttgart",
                country="DE",
                email=f"filiale{i}@example.org",
            )
            for i in range(have + 1, BRANCHES + 1)
        ],
    )
    branch_ids = session.scalars(sa.select(Branch.id).order_by(Branch.id)).all()
    # The demo puts its volume into its three branches: spread it over the chain, so that a
    # branch's day holds a branch's appointments (about 30), not a chain's.
    spread = sa.case(
        *((sa.literal_column("id") % len(branch_ids) == n, b) for n, b in enumerate(branch_ids))
    )
    for model in (Customer, Appointment):
        session.execute(sa.update(model).values(branch_id=spread))
    have = session.scalar(sa.select(sa.func.count()).select_from(Workstation))
    _insert(
        session,
        Workstation,
        [
            dict(name=f"WS-{i:05d}", branch_id=branch_ids[i % len(branch_ids)])
            for i in range(have, WORKSTATIONS)
        ],
    )
    have = session.scalar(sa.select(sa.func.count()).select_from(User))
    password_hash = session.scalar(sa.select(User.password_hash).where(User.username == "admin"))
    roles = ("employee", "employee", "employee", "admin", "helpdesk")
    _insert(
        session,
        User,
        [
            dict(
                username=f"user{i:04d}",
                full_name=f"Mitarbeiter {i}",
                password_hash=password_hash,
                role=roles[i % len(roles)],
                branch_id=branch_ids[i % len(branch_ids)],
                email=f"user{i}@example.org",
            )
            for i in range(have, USERS)
        ],
    )
    users = dict(session.execute(sa.select(User.username, User.id)).all())
    customers = session.execute(
        sa.select(Customer.id, Customer.mobile, Customer.first_name, Customer.last_name)
        .order_by(Customer.id)
        .limit(CUSTOMERS)
    ).all()
    sms_interface = session.scalar(
        sa.select(sa.func.min(Interface.id)).where(Interface.type_key == "smsapi")
    )
    have = session.scalar(sa.select(sa.func.count()).select_from(SmsMessage))
    statuses = ("sent",) * 8 + ("failed", "queued")
    rows = []
    for i in range(have, SMS):
        customer = customers[i % len(customers)]
        at = now - timedelta(minutes=rnd.randint(0, 60 * 24 * 90))
        status = statuses[i % len(statuses)]
        rows.append(
            dict(
                kind=("customer", "reminder")[i % 2],
                status=status,
                interface_id=sms_interface,
                to_number=(customer.mobile or "491711234567").lstrip("+"),
                text="Ihr Termin morgen um 10:00 Uhr.",
                parts=1,
                customer_id=customer.id,
                created_by_id=users["mitarbeiter"] if i % 2 == 0 else None,
                created_at=at,
                claimed_at=at,
                sent_at=at if status == "sent" else None,
                attempts=1,
            )
        )
    _insert(session, SmsMessage, rows)
    # One interface with a long history (its history page must stay paged).
    first = session.execute(
        sa.select(InterfaceEvent.interface_id, InterfaceEvent.interface_name).limit(1)
    ).first()
    _insert(
        session,
        InterfaceEvent,
        [
            dict(
                interface_id=first.interface_id,
                interface_name=first.interface_name,
                at=now - timedelta(minutes=i),
                actor_name="Bench",
                action="check",
                ok=i % 10 != 0,
                changes=[],
                message="Verbindung in Ordnung.",
            )
            for i in range(5_000)
        ],
    )
    threads = [
        dict(
            service_customer_id=f"SC-{t:06d}",
            customer_id=customers[t].id,
            customer_name=f"{customers[t].first_name} {customers[t].last_name}",
            search_text=f"{customers[t].first_name} {customers[t].last_name} k-{t}".lower(),
            branch_id=branch_ids[t % len(branch_ids)],
            last_message_at=now - timedelta(minutes=t),
            last_preview="Wann kann ich meine Hörgeräte abholen?",
            unread_count=t % 3,
            created_at=now - timedelta(days=30),
        )
        for t in range(THREADS)
    ]
    _insert(session, ChatThread, threads)
    thread_ids = session.scalars(sa.select(ChatThread.id).order_by(ChatThread.id)).all()
    messages, seq = [], 0
    for n, thread_id in enumerate(thread_ids):
        count = 2_000 if n == 0 else 10  # one long conversation
        for m in range(count):
            seq += 1
            messages.append(
                dict(
                    thread_id=thread_id,
                    service_message_id=f"msg_{seq:08d}",
                    direction="in" if m % 3 else "out",
                    body="Wann kann ich meine Hörgeräte abholen?",
                    author_name="",
                    sent_at=now - timedelta(days=30) + timedelta(minutes=m),
                    created_at=now,
                    read_at=now,
                    status=None if m % 3 else "sent",
                    attempts=0,
                )
            )
    _insert(session, ChatMessage, messages)
    employee = users["mitarbeiter"]
    _insert(
        session,
        Notification,
        [
            dict(
                user_id=employee if i < NOTIFICATIONS else users["admin"],
                event="chat_unread",
                channel="message",
                params={
                    "customer": threads[i % THREADS]["customer_name"],
                    "preview": "Hallo",
                    "unread": 1,
                },
                count=1,
                thread_id=thread_ids[i % THREADS],
                created_at=now - timedelta(minutes=i),
                updated_at=now - timedelta(minutes=i),
                read_at=None if i % 4 else now,
            )
            for i in range(NOTIFICATIONS + 2_000)
        ],
    )
    session.add(
        CheckRun(started_at=now, finished_at=now, total=INTERFACES, done=INTERFACES, failed=900)
    )
    _insert(
        session,
        AuditEntry,
        [
            dict(
                at=now - timedelta(minutes=i),
                actor_id=users["admin"],
                actor_name="Anna Admin",
                action=("reveal", "reveal_failed", "option_on")[i % 3],
                interface_id=1 + i % INTERFACES,
                interface_name=f"Schnittstelle {i}",
                field="password",
                remote_addr="10.0.0.1",
                ok=i % 3 != 1,
            )
            for i in range(AUDIT)
        ],
    )


def _fullest(session, column, order=None):
    """The value of `column` with the most rows (the fullest parent), or the smallest one."""
    stmt = sa.select(column).group_by(column).order_by(sa.func.count().desc()).limit(1)
    return session.scalar(stmt.where(column.is_not(None)))


def path_values(session) -> dict[str, object]:
    """A real (and full) value for every path parameter of the URL map."""
    from app.models import (
        Appointment,
        AppointmentStatus,
        AppointmentType,
        Branch,
        ChatMessage,
        CheckRun,
        Customer,
        Interface,
        InterfaceEvent,
        User,
        Workstation,
    )

    smallest = lambda col: session.scalar(sa.select(sa.func.min(col)))  # noqa: E731
    sinno = session.scalar(sa.select(Interface.id).where(Interface.type_key == "sinno_app"))
    customer = session.scalar(
        sa.select(Customer.id).where(Customer.number.like("K-2%")).order_by(Customer.id).limit(1)
    )
    return {
        "appointment_id": smallest(Appointment.id),
        "status_id": _fullest(session, Appointment.status_id),
        "type_id": _fullest(session, Appointment.type_id),
        "branch_id": _fullest(session, Customer.branch_id),
        "customer_id": _fullest(session, Appointment.customer_id) or customer,
        "interface_id": _fullest(session, InterfaceEvent.interface_id),
        "sinno_interface_id": sinno,
        "thread_id": _fullest(session, ChatMessage.thread_id),
        "run_id": smallest(CheckRun.id),
        "user_id": session.scalar(sa.select(User.id).where(User.username == "mitarbeiter")),
        "workstation_id": _fullest(session, Interface.workstation_id) or smallest(Workstation.id),
        "type_key": "smsapi",
        "field": "token",
        "_unused": (AppointmentStatus, AppointmentType, Branch),
    }


def urls(app, values: dict) -> list[str]:
    """Every GET route of the URL map with real values, the extra searches, and the start page."""
    from app.models import Interface  # noqa: F401

    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        args = {}
        for arg in rule.arguments:
            key = arg
            if arg == "interface_id" and ("sinno" in rule.rule or "reveal" in rule.rule):
                key = "sinno_interface_id" if "sinno" in rule.rule else "interface_id"
            args[arg] = values.get(key)
        if any(v is None for v in args.values()):
            print(f"  (no value for {rule.rule}: skipped)")
            continue
        found.append(rule.build(args, append_unknown=False)[1])
    return found + [u for u in EXTRA if u not in found]


def measure(database_url: str, repeat: int, only: str | None) -> list[tuple]:
    """(role, url, htmx, status, statements, best ms) for every URL and role."""
    from app.extensions import db

    app = _app(database_url)
    with app.app_context():
        engine = db.engine
        values = path_values(db.session)
        targets = urls(app, values)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    results = []
    for role, (username, password) in LOGINS.items():
        client = app.test_client()
        resp = client.post("/login", data={"username": username, "password": password})
        assert resp.status_code in (302, 303), (role, resp.status_code)
        plan = [(u, False) for u in targets] + [(u, True) for u in FRAGMENTS]
        for url, htmx in plan:
            if only and only not in url:
                continue
            headers = {"HX-Request": "true"} if htmx else {}
            client.get(url, headers=headers)  # warm: template compiled, caches filled
            best, count, status = float("inf"), 0, 0
            for _ in range(repeat):
                statements.clear()
                start = time.perf_counter()
                resp = client.get(url, headers=headers)
                best = min(best, time.perf_counter() - start)
                count, status = len(statements), resp.status_code
            results.append((role, url, htmx, status, count, best * 1000, list(statements)))
            print(
                f"  {role:<9}{url[:60]:<61}{'hx' if htmx else '':<3}{status:>4}{count:>5}"
                f"{best * 1000:>9.1f} ms",
                file=sys.stderr,
                flush=True,
            )
    return results


def report(results: list[tuple], show_all: bool) -> None:
    print(f"\n{'role':<9}{'route':<58}{'hx':>3}{'status':>7}{'SQL':>5}{'ms':>9}")
    for role, url, htmx, status, count, ms, _ in sorted(results, key=lambda r: -r[5]):
        if not show_all and ms < 5 and count <= 3:
            continue
        flag = "  SLOW" if ms > SLOW_MS and status == 200 else ""
        print(
            f"{role:<9}{url[:57]:<58}{'x' if htmx else '':>3}{status:>7}{count:>5}{ms:>9.1f}{flag}"
        )
    slow = [r for r in results if r[5] > SLOW_MS and r[3] == 200]
    print(f"\n{len(results)} requests measured; {len(slow)} over {SLOW_MS:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=summary(__doc__))
    parser.add_argument("--database-url", help="PostgreSQL; default: a temporary SQLite file")
    parser.add_argument("--keep", help="SQLite: keep the database in this file")
    parser.add_argument("--no-fill", action="store_true", help="measure as a previous run filled")
    parser.add_argument("--repeat", type=int, default=5, help="requests per URL (the best counts)")
    parser.add_argument("--only", help="measure only URLs containing this")
    parser.add_argument("--all", action="store_true", help="list fast routes too")
    parser.add_argument("--sql", help="print the statements of URLs containing this")
    args = parser.parse_args()
    folder = None
    if args.database_url:
        database_url = args.database_url
    elif args.keep:
        database_url = f"sqlite:///{Path(args.keep).resolve()}"
    else:
        database_url, folder = temp_sqlite_url()
    if not args.no_fill:
        fill(database_url)
    results = measure(database_url, args.repeat, args.only)
    report(results, args.all)
    if args.sql:
        for role, url, htmx, _status, _count, _ms, sql in results:
            if args.sql in url:
                print(f"\n--- {role} {url} {'(htmx)' if htmx else ''}")
                for s in sql:
                    print("  ", " ".join(s.split())[:300])
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PORTAL_ENV", "production")
    main()
