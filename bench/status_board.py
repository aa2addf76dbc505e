"""Benchmark: the status board with 50,000 interfaces and their history, and "Alle prüfen".

Run: .venv/bin/python bench/status_board.py [--rows 50000] [--seconds 3] [--database-url URL]
1. The board's first page (and its 30-second self-refresh fragment) under gunicorn against a bare
   Flask route returning as many bytes, alternating round by round: goal >= 10%, <= 3 SQL
   statements per page (counted in-process, the session user's query included).
2. "Alle prüfen" over 200 SMS interfaces against the simulator answering after 200 ms: goal
   under 10x the time of a single check (the checks run in a bounded pool, not one by one).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    ROOT,
    bench_env,
    free_port,
    gunicorn,
    load,
    logged_in,
    summary,
    temp_sqlite_url,
)
from bench.interfaces_list import _csrf, fill

PAGE_GOAL = 0.10
CHECK_ALL_GOAL = 10.0
SIM_DELAY = 0.2
CHECK_ALL_INTERFACES = 200


def add_status_history(database_url: str) -> None:
    """Checks, their history, SMS of the last week and a few incidents for the filled interfaces."""
    from app import create_app
    from app.config import TestConfig
    from app.extensions import db
    from app.models import Interface, InterfaceEvent, SmsMessage, StatusIncident
    from app.models.base import utcnow

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    app = create_app(config)
    rnd = random.Random(7)
    now = utcnow()
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Interface.id,
                Interface.name,
                Interface.type_key,
                Interface.group,
                Interface.last_error,
            )
        ).all()
        updates, events, messages = [], [], []
        for id_, name, type_key, group, last_error in rows:
            checked = now - timedelta(minutes=rnd.randint(1, 15))
            if id_ % 13 != 0:  # every 13th was never checked
                updates.append(
                    {
                        "id": id_,
                        "last_check_at": checked,
                        "last_success_at": None if last_error else checked,
                        "last_error_at": checked if last_error else None,
                        "balance_points": rnd.randint(0, 500) if group == "SMS" else None,
                        "settings": {"low_balance": 50} if group == "SMS" else {},
                    }
                )
            for n in range(2):
                events.append(
                    {
                        "interface_id": id_,
                        "interface_name": name,
                        "type_key": type_key,
                        "at": checked - timedelta(minutes=15 * n),
                        "actor_name": "",
                        "action": "check",
                        "ok": not (last_error and n == 0),
                        "changes": [],
                        "message": "Verbindung in Ordnung.",
                    }
                )
            if group == "SMS" and id_ % 5 == 0:
                for n in range(6):
                    at = now - timedelta(hours=rnd.randint(0, 7 * 24))
                    failed = n == 5
                    messages.append(
                        {
                            "kind": "reminder",
                            "status": "failed" if failed else "sent",
                            "interface_id": id_,
                            "to_number": "491711234567",
                            "text": "Erinnerung",
                            "parts": 1,
                            "created_at": at,
                            "claimed_at": at,
                            "sent_at": None if failed else at,
                            "attempts": 1,
                        }
                    )
        db.session.execute(sa.update(Interface), updates)
        for start in range(0, len(events), 10_000):
            db.session.execute(sa.insert(InterfaceEvent), events[start : start + 10_000])
        for start in range(0, len(messages), 10_000):
            db.session.execute(sa.insert(SmsMessage), messages[start : start + 10_000])
        db.session.add_all(
            StatusIncident(
                interface_id=id_,
                interface_name=name,
                kind="check",
                message="Zeitüberschreitung",
                opened_at=now,
            )
            for id_, name, _t, _g, last_error in rows[:5000]
            if last_error
        )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(
            f"  {len(updates):,} checked, {len(events):,} history entries, {len(messages):,} SMS",
            flush=True,
        )


def bench_board(database_url: str, seconds: float, rounds: int, workers: int) -> bool:
    env = bench_env(database_url)
    urls = {"first page": "/status/", "refresh": "/status/?group=SMS"}
    queries = {
        "first page": _count_statements(database_url, urls["first page"]),
        "refresh": _count_statements(database_url, urls["refresh"], htmx=True),
    }
    rates: dict[str, list[float]] = {label: [] for label in (*urls, "bare")}
    with gunicorn("wsgi:app", env, workers) as base:
        session = requests.Session()
        session.post(
            base + "/login",
            data={
                "username": "bench-admin",
                "password": "bench-password-1",
                "csrf_token": _csrf(session, base),
            },
        )
        resp = session.get(base + urls["first page"])
        assert resp.status_code == 200 and "status-table" in resp.text, resp.status_code
        size = len(resp.content)
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        with gunicorn("bench.bare_app:app", dict(env, BARE_BODY_SIZE=str(size)), workers) as bare:
            for path in urls.values():
                load(base + path, 1, cookie)
            load(bare + "/", 1)
            for _ in range(rounds):
                rates["bare"].append(load(bare + "/", seconds))
                for label, path in urls.items():
                    rates[label].append(load(base + path, seconds, cookie))
    bare_rate = statistics.median(rates["bare"])
    print(
        f"\nStatus board, gunicorn -w {workers}, {'wrk' if shutil.which('wrk') else 'python client'}, "
        f"{rounds} rounds of {seconds:.0f}s, medians; page {size:,} bytes"
    )
    print(f"{'page':<12}{'req/s':>10}{'bare req/s':>12}{'ratio':>8}{'goal':>7}{'SQL':>5}")
    ok = True
    for label in urls:
        ratio = statistics.median(p / b for p, b in zip(rates[label], rates["bare"], strict=True))
        ok &= ratio >= PAGE_GOAL and queries[label] <= 3
        print(
            f"{label:<12}{statistics.median(rates[label]):>10.0f}{bare_rate:>12.0f}{ratio:>8.1%}"
            f"{PAGE_GOAL:>7.0%}{queries[label]:>5}"
        )
    return ok


def _count_statements(database_url: str, url: str, htmx: bool = False) -> int:
    """SQL statements of one board request after a first one (the branch filter's choices are
    kept a minute per process), counted in-process; `htmx`: the self-refresh's fragment."""
    client, engine = logged_in(database_url)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    headers = {"HX-Request": "true"} if htmx else {}
    client.get(url, headers=headers)
    statements.clear()
    resp = client.get(url, headers=headers)
    assert resp.status_code == 200 and (b"<html" in resp.data) != htmx
    return len(statements)


def bench_check_all() -> bool:
    """200 SMS interfaces against a simulator that answers after 200 ms: all vs. one."""
    from flask_migrate import upgrade

    from app import create_app
    from app.config import TestConfig
    from app.extensions import db, secret_box
    from app.models import Interface
    from app.services import checks, interface_types
    from app.services.clock import local_today
    from app.services.interfaces import denormalise, write_secret
    from sim.smsapi import SimConfig

    url, folder = temp_sqlite_url()
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    app = create_app(config)
    itype = interface_types.get("smsapi")
    # The gateway runs in a process of its own, as a real one would (not sharing our GIL).
    with _simulator() as sim_url, app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        for i in range(CHECK_ALL_INTERFACES):
            interface = Interface(
                type_key="smsapi",
                group="SMS",
                name=f"SMS {i:03d}",
                server_side=True,
                client_side=False,
                state={},
                settings=dict(itype.defaults, service="custom", base_url=sim_url + "/"),
            )
            denormalise(db.session, interface, itype)
            db.session.add(interface)
            write_secret(secret_box(), interface, "token", SimConfig.token)
        db.session.commit()
        requests.post(
            sim_url + "/_sim/faults", json={"delay": SIM_DELAY}, timeout=5
        ).raise_for_status()
        interfaces = db.session.scalars(sa.select(Interface).order_by(Interface.id)).all()
        singles = []
        for interface in interfaces[:3]:
            start = time.perf_counter()
            checks.check_one(db.session, secret_box(), interface)
            singles.append(time.perf_counter() - start)
        single = statistics.median(singles)
        run, _started = checks.start_run(db.session, local_today("Europe/Berlin"))
        start = time.perf_counter()
        run = checks.execute_run(db.session, secret_box(), run.id, local_today("Europe/Berlin"))
        elapsed = time.perf_counter() - start
        failed = run.failed
        requests_seen = len(requests.get(sim_url + "/_sim/state", timeout=5).json()["requests"])
    shutil.rmtree(folder, ignore_errors=True)
    ratio = elapsed / single
    print(
        f'\n"Alle prüfen": {run.done} SMS interfaces, simulator delay {SIM_DELAY * 1000:.0f} ms, '
        f"{checks.DEFAULT_CONCURRENCY} at a time"
    )
    print(
        f"  one check {single * 1000:.0f} ms, all {elapsed:.2f} s = {ratio:.1f}x one check "
        f"(goal < {CHECK_ALL_GOAL:.0f}x); {failed} failed; {requests_seen} gateway requests"
    )
    return ratio < CHECK_ALL_GOAL and failed == 0 and run.done == CHECK_ALL_INTERFACES


@contextmanager
def _simulator():
    """`flask sim smsapi` on a free port, until the block ends."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "sim", "smsapi", "--port", str(port)],
        cwd=ROOT,
        env=dict(os.environ, PORTAL_ENV="testing"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(url + "/_sim/messages", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=summary(__doc__))
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--only", choices=("board", "check-all"))
    parser.add_argument(
        "--no-fill", action="store_true", help="measure --database-url as a previous run filled it"
    )
    args = parser.parse_args()
    ok = True
    if args.only != "check-all":
        folder = None
        database_url = args.database_url
        if not database_url:
            database_url, folder = temp_sqlite_url()
        if not (args.no_fill and args.database_url):
            print(
                f"Filling {args.rows:,} interfaces into {database_url.split('@')[-1]} ...",
                flush=True,
            )
            fill(database_url, args.rows)
            add_status_history(database_url)
        ok &= bench_board(database_url, args.seconds, args.rounds, args.workers)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    if args.only != "board":
        ok &= bench_check_all()
    print("RESULT:", "all goals met" if ok else "GOAL MISSED")


if __name__ == "__main__":
    os.environ.setdefault("PORTAL_ENV", "production")
    main()
