"""Benchmark: SiNNO-Chat sync of 10,000 customer messages vs. a bare fetch-and-insert loop.

Run: .venv/bin/python bench/chat_sync.py [--messages 10000] [--database-url URL]
The SiNNO simulator runs in its own process with 10,000 customer messages of 100 customers. In one
run, side by side: the portal's sync (`app.services.chat.sync`: pages of 200, idempotent insert,
threads refreshed, cursor stored per page) and a bare loop that fetches the same pages with a
requests.Session and inserts the rows with plain SQL. Prints both rates, the overhead (goal: at
most +25%) and the sync's peak Python memory for the first 10% and for all messages (flat: the
peak is per page, not per message). With --rounds N (default 3) both are timed N times, taking
turns, and the fastest run of each counts: on a shared machine a run of either can be slowed by
others, and taking turns exposes both to the same load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import free_port, summary, temp_sqlite_url  # noqa: E402

GOAL = 0.25
PAGE = 200


def start_simulator(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "sim.app", "sim", "sinno", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/_sim/state", timeout=1)
            return proc
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("simulator did not start")


def post_messages(base: str, token: str, count: int, customers: list[str], offset: int = 0) -> None:
    session = requests.Session()
    for i in range(count):
        session.post(
            f"{base}/_sim/chat/messages",
            timeout=10,
            json={
                "customer_id": customers[(offset + i) % len(customers)],
                "text": f"Guten Tag, wann kann ich meine Hörgeräte abholen? ({offset + i})",
            },
        ).raise_for_status()


def bare_loop(base: str, token: str, database_url: str) -> tuple[float, int]:
    """Fetch every page and insert its rows with plain SQL (no threads, no notifications)."""
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS bare_chat")
        conn.exec_driver_sql(
            "CREATE TABLE bare_chat (id VARCHAR(64) PRIMARY KEY, customer_id VARCHAR(64), "
            "direction VARCHAR(3), body TEXT, sent_at VARCHAR(40))"
        )
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    insert = sa.text(
        "INSERT INTO bare_chat (id, customer_id, direction, body, sent_at) "
        "VALUES (:id, :customer_id, :direction, :text, :sent_at)"
    )
    cursor, stored = None, 0
    begin = time.perf_counter()
    while True:
        params = {"limit": PAGE, **({"since": cursor} if cursor else {})}
        body = session.get(f"{base}/v1/chat/messages", params=params, timeout=(5, 15)).json()
        if body["messages"]:
            with engine.begin() as conn:
                conn.execute(insert, body["messages"])
            stored += len(body["messages"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    seconds = time.perf_counter() - begin
    engine.dispose()
    return seconds, stored


def empty_chat(db, thread, notification, interface) -> None:
    """Empty the chat's tables and forget the cursor, for a run from the first page.

    PostgreSQL: TRUNCATE, so the run starts on fresh tables as the bare loop's (dropped and
    created anew) does; a DELETE left the last run's dead rows and index entries behind.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("TRUNCATE chat_messages, chat_threads, notifications"))
    else:
        db.session.execute(sa.delete(thread))
        db.session.execute(sa.delete(notification))
    db.session.scalar(sa.select(interface).where(interface.type_key == "sinno_chat")).state = {}
    db.session.commit()


def profile_sync(db, chat, secret_box, thread, notification, interface, top: int) -> None:
    """cProfile one more sync of everything into empty tables; print the costliest functions."""
    import cProfile
    import pstats

    empty_chat(db, thread, notification, interface)
    profiler = cProfile.Profile()
    profiler.enable()
    while chat.sync(db.session, secret_box(), force=True, page_size=PAGE).stored:
        pass
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(
        r"app/services|sqlalchemy/(orm/session|engine/base)", top
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=summary(__doc__))
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each, taking turns")
    parser.add_argument(
        "--profile", type=int, default=0, help="print the N costliest functions of one more sync"
    )
    args = parser.parse_args()
    os.environ.setdefault("PORTAL_ENV", "production")
    port = free_port()
    sim = start_simulator(port)
    base = f"http://127.0.0.1:{port}"
    folder = None
    database_url = args.database_url
    if not database_url:
        database_url, folder = temp_sqlite_url()
    try:
        from flask_migrate import upgrade

        from app import create_app
        from app.config import TestConfig
        from app.extensions import db, secret_box
        from app.models import Branch, ChatMessage, ChatThread, Interface, Notification
        from app.services import chat, interface_types, sinno_interface
        from app.services.interfaces import denormalise

        config = TestConfig()
        config.SQLALCHEMY_DATABASE_URI = database_url
        app = create_app(config)
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade(directory=str(ROOT / "migrations"))
            db.session.add(
                Branch(
                    number="001",
                    code="B1",
                    name="Mitte",
                    street="x",
                    postcode="1",
                    city="x",
                    country="DE",
                    email="mitte@example.org",
                )
            )
            for key, settings in (
                (
                    "sinno_app",
                    {"server": base + "/v1", "client_id": "winpro", "company_no": "4711"},
                ),
                ("sinno_chat", {}),
            ):
                itype = interface_types.get(key)
                interface = Interface(
                    type_key=key,
                    group=itype.group,
                    name=key,
                    server_side=True,
                    client_side=False,
                    settings=settings,
                    state={},
                )
                denormalise(db.session, interface, itype)
                db.session.add(interface)
            db.session.commit()
            service = db.session.scalar(
                sa.select(Interface).where(Interface.type_key == "sinno_app")
            )
            assert sinno_interface.login(db.session, secret_box(), service, None).ok
            token = sinno_interface.read_secret(secret_box(), service, sinno_interface.TOKEN_FIELD)
            with chat.client_for(db.session, secret_box(), service) as client:
                customers = [
                    client.register_customer(
                        reference=f"K-{i}",
                        first_name="Kunde",
                        last_name=f"Nr. {i}",
                        mobile=f"+49171{i:07d}",
                        email=f"k{i}@example.org",
                        shop_id="001",
                        language="de",
                        idempotency_key=f"bench-{i}",
                    ).customer_id
                    for i in range(args.customers)
                ]
            tenth = args.messages // 10
            print(f"Posting {args.messages:,} customer messages to the simulator ...", flush=True)
            post_messages(base, token, tenth, customers)

            def run_sync(trace: bool) -> tuple[float, int, float]:
                if trace:
                    tracemalloc.start()
                begin = time.perf_counter()
                stored = 0
                while True:
                    report = chat.sync(db.session, secret_box(), force=True, page_size=PAGE)
                    stored += report.stored
                    if not report.stored:
                        break
                seconds = time.perf_counter() - begin
                peak = 0.0
                if trace:
                    peak = tracemalloc.get_traced_memory()[1] / 2**20
                    tracemalloc.stop()
                return seconds, stored, peak

            # Memory (traced, which slows Python down): the first tenth, then the rest.
            _s, first_stored, first_peak = run_sync(True)
            post_messages(base, token, args.messages - tenth, customers, offset=tenth)
            _s, rest_stored, rest_peak = run_sync(True)
            runs = []
            for _ in range(max(1, args.rounds)):
                # Time (untraced): everything again into empty tables, from the first cursor.
                empty_chat(db, ChatThread, Notification, Interface)
                sync_seconds, synced, _p = run_sync(False)
                count = db.session.scalar(sa.select(sa.func.count()).select_from(ChatMessage))
                db.session.commit()
                bare_seconds, bare_stored = bare_loop(base, token, database_url)
                runs.append((sync_seconds, bare_seconds))
            if args.profile:
                profile_sync(
                    db, chat, secret_box, ChatThread, Notification, Interface, args.profile
                )
            db.session.remove()
            db.engine.dispose()
        sync_seconds = min(sync for sync, _bare in runs)
        bare_seconds = min(bare for _sync, bare in runs)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    overhead = sync_seconds / bare_seconds - 1
    print(
        f"Chat sync benchmark: {args.messages:,} customer messages of {args.customers} customers, "
        f"pages of {PAGE}, simulator in its own process, {database_url.split(':')[0]}"
    )
    print(
        f"  portal sync          : {synced / sync_seconds:8.0f} messages/s  ({synced} stored, {sync_seconds:.1f} s)"
    )
    print(
        f"  bare fetch + insert  : {bare_stored / bare_seconds:8.0f} messages/s  ({bare_stored} stored, "
        f"{bare_seconds:.1f} s)"
    )
    print(f"  overhead             : {overhead:+8.1%}   (goal <= +{GOAL:.0%})")
    if len(runs) > 1:
        each = ", ".join(f"{sync / bare - 1:+.0%}" for sync, bare in runs)
        print(f"  (fastest of {len(runs)} runs each; the runs' own overheads: {each})")
    print(
        f"  peak memory (Python) : {first_peak:6.1f} MiB for {first_stored:,} messages, "
        f"{rest_peak:6.1f} MiB for {rest_stored:,} (flat: per page, not per message)"
    )
    ok = synced == count == args.messages and overhead <= GOAL and rest_peak <= first_peak * 1.5 + 1
    print("RESULT:", "goal met" if ok else "GOAL MISSED")


if __name__ == "__main__":
    main()
