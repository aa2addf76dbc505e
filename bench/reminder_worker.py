"""Benchmark: the worker sends 10,000 due reminders to the SMS simulator vs. a bare requests loop.

Run: .venv/bin/python bench/reminder_worker.py [--reminders 10000] [--database-url URL]
Puts 10,000 appointments due for a reminder in a fresh database, runs `flask --app wsgi worker
--once` (planning and sending, as in production) and, in the same run, 10,000 identical sms.do
calls through a bare requests.Session. Prints both rates, the ratio (goal: the worker costs at most
25% more) and the worker's peak memory.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import bench_env, free_port, summary, temp_sqlite_url  # noqa: E402
from bench.sms_client import TOKEN, start_simulator  # noqa: E402

GOAL = 0.25


def fill(database_url: str, sim_url: str, count: int, fernet_key: str) -> None:
    """A migrated database with the interfaces and `count` appointments due tomorrow morning."""
    from flask_migrate import upgrade

    from app import create_app
    from app.config import TestConfig
    from app.extensions import db, secret_box
    from app.models import (
        Appointment,
        AppointmentStatus,
        AppointmentType,
        Branch,
        Customer,
        Interface,
    )
    from app.services import interface_types
    from app.services.demo import simulator_sms_settings
    from app.services.interfaces import denormalise, write_secret

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.FERNET_KEYS = [fernet_key]
    app = create_app(config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=str(ROOT / "migrations"))
        branch = Branch(
            number="01",
            code="STR",
            name="Stuttgart",
            street="Königstraße 1",
            postcode="70173",
            city="Stuttgart",
            country="DE",
            phone="+49 711 2233440",
        )
        db.session.add(branch)
        db.session.flush()
        for key, name, settings in (
            (
                "smsapi",
                "SMS",
                simulator_sms_settings(sim_url),
            ),
            (
                "appointment_reminder",
                "Terminerinnerung",
                dict(
                    interface_types.get("appointment_reminder").defaults,
                    quiet_start="03:00",
                    quiet_end="03:01",
                ),
            ),
        ):
            itype = interface_types.get(key)
            interface = Interface(
                type_key=key,
                group=itype.group,
                name=name,
                server_side=True,
                settings=settings,
                state={},
            )
            denormalise(db.session, interface, itype)
            db.session.add(interface)
            if key == "smsapi":
                write_secret(secret_box(), interface, "token", TOKEN)
        kind = AppointmentType(name="Hörtest", allows_auto_notification=True)
        status = AppointmentStatus(name="Geplant", kind="open")
        db.session.add_all([kind, status])
        db.session.flush()
        db.session.execute(
            sa.insert(Customer),
            [
                {
                    "first_name": "Erika",
                    "last_name": f"Kunde{i}",
                    "salutation": "frau",
                    "language": "de",
                    "mobile": f"+49 171 {1000000 + i}",
                    "sms_consent": True,
                    "branch_id": branch.id,
                    "search_text": "",
                }
                for i in range(count)
            ],
        )
        ids = db.session.scalars(sa.select(Customer.id).order_by(Customer.id)).all()
        start = datetime.utcnow().replace(microsecond=0) + timedelta(hours=23)
        db.session.execute(
            sa.insert(Appointment),
            [
                {
                    "customer_id": cid,
                    "type_id": kind.id,
                    "status_id": status.id,
                    "branch_id": branch.id,
                    "starts_at": start + timedelta(seconds=i % 3000),
                    "duration_minutes": 30,
                    "is_group": False,
                    "note": "",
                }
                for i, cid in enumerate(ids)
            ],
        )
        db.session.commit()
        db.engine.dispose()


def run_worker(env: dict) -> tuple[float, int, int, float]:
    """Run `worker --once`; return its own timing, planned, sent, and peak RSS in MiB."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--once"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read()
    if status != 0:
        raise RuntimeError(f"worker failed: {proc.stderr.read()[-2000:]}")
    match = re.search(r"(\d+) reminder\(s\) planned, (\d+) SMS sent.* in ([\d.]+) s", out)
    return float(match.group(3)), int(match.group(1)), int(match.group(2)), usage.ru_maxrss / 1024


def bare_loop(base: str, count: int, first_idx: int) -> float:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    begin = time.perf_counter()
    for i in range(count):
        body = session.post(
            base + "sms.do",
            data={
                "format": "json",
                "encoding": "utf-8",
                "to": f"49171{1000000 + i}",
                "check_idx": "1",
                "idx": str(first_idx + i),
                "max_parts": "6",
                "message": "Sehr geehrte Frau Kunde, wir erinnern Sie an Ihren Termin am 24.11.2026 um 09:30 Uhr "
                "in unserer Filiale Stuttgart. Bei Verhinderung bitte absagen unter +49 711 2233440.",
            },
            timeout=(5, 15),
        ).json()
        assert body["list"][0]["id"]
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=summary(__doc__))
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    port = free_port()
    sim = start_simulator(port, points=args.reminders * 10)
    base = f"http://127.0.0.1:{port}/"
    folder = None
    database_url = args.database_url
    if not database_url:
        database_url, folder = temp_sqlite_url()
    try:
        env = bench_env(database_url)
        env["SMS_READ_TIMEOUT"] = "30"
        print(
            f"Putting {args.reminders:,} due reminders in place ({database_url.split('@')[-1]}) ...",
            flush=True,
        )
        fill(database_url, base, args.reminders, env["FERNET_KEYS"])
        # Half of the bare loop runs before the worker and half after it, so that a machine
        # that gets faster or slower during the run does not tilt the ratio.
        half = args.reminders // 2
        bare_before = bare_loop(base, half, 5_000_000)
        worker_seconds, planned, sent, rss = run_worker(env)
        bare_after = bare_loop(base, args.reminders - half, 6_000_000)
        bare_seconds = bare_before + bare_after
        received = requests.get(base + "_sim/state", timeout=5).json()["message_count"]
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    worker_rate, bare_rate = sent / worker_seconds, args.reminders / bare_seconds
    overhead = worker_seconds / sent * args.reminders / bare_seconds - 1
    print(f"Reminder worker benchmark: {args.reminders:,} reminders, simulator in its own process")
    print(
        f"  worker (plan + send) : {worker_rate:8.0f} SMS/s  ({planned} planned, {sent} sent, "
        f"{worker_seconds:.1f} s)"
    )
    print(
        f"  bare requests loop   : {bare_rate:8.0f} SMS/s  ({bare_seconds:.1f} s; "
        f"{half / bare_before:.0f} SMS/s before the worker, {(args.reminders - half) / bare_after:.0f} after)"
    )
    print(
        f"  ratio (worker/bare)  : {worker_rate / bare_rate:8.1%}   overhead {overhead:+.1%} "
        f"(goal <= +{GOAL:.0%})"
    )
    print(f"  worker peak memory   : {rss:8.1f} MiB")
    print(f"  simulator received   : {received} messages (worker + bare loop)")
    ok = sent == args.reminders and overhead <= GOAL
    print("RESULT:", "goal met" if ok else "GOAL MISSED")


if __name__ == "__main__":
    main()
