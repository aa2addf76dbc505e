"""Benchmark: the chat inbox's first page with 5,000 threads / 100,000 messages vs. a bare Flask route.

Run: .venv/bin/python bench/chat_inbox.py [--threads 5000] [--messages 100000] [--seconds 3]
     [--database-url URL]
Under gunicorn, as bench/interfaces_list.py: requests/s of /chat/ (and a search) next to the bare
route returning a string of the same size, alternating round by round; the ratio (goal: the first
page at least 10% of the bare route) and the SQL statements per page (goal: at most 3).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from datetime import datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_env, gunicorn, load, summary, temp_sqlite_url
from bench.interfaces_list import _csrf

GOALS = {"first page": 0.10, "search": 0.0}
USER, PASSWORD = "bench-employee", "bench-password-1"
FIRST = ("Erika", "Hans", "Fatma", "Piotr", "Alex", "Ingrid", "Max", "Anna", "Jürgen", "Sabine")
LAST = (
    "Mustermann",
    "Schneider",
    "Yilmaz",
    "Nowak",
    "Becker",
    "Wagner",
    "Müller",
    "Schmidt",
    "Weber",
)


def fill(database_url: str, threads: int, messages: int) -> None:
    """Migrate a fresh database; threads and messages in bulk (as the sync would have stored them)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.config import TestConfig
    from app.extensions import db
    from app.models import ChatMessage, ChatThread, User

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    app = create_app(config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        user = User(username=USER, role="employee", full_name="Bench")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        start = datetime(2026, 1, 1)
        per_thread = max(1, messages // threads)
        rows = []
        for t in range(threads):
            name = f"{FIRST[t % len(FIRST)]} {LAST[t % len(LAST)]} {t}"
            rows.append(
                dict(
                    id=t + 1,
                    service_customer_id=f"SC-{t:06d}",
                    customer_name=name,
                    search_text=f"{name.lower()} k-{t}",
                    last_message_at=start + timedelta(minutes=t),
                    last_preview="Wann kann ich meine Hörgeräte abholen?",
                    unread_count=t % 3,
                    created_at=start,
                )
            )
        db.session.execute(sa.insert(ChatThread), rows)
        batch, seq = [], 0
        for t in range(threads):
            for m in range(per_thread):
                seq += 1
                batch.append(
                    dict(
                        thread_id=t + 1,
                        service_message_id=f"msg_{seq:07d}",
                        direction="in",
                        body="Wann kann ich meine Hörgeräte abholen?",
                        author_name="",
                        sent_at=start + timedelta(minutes=t, seconds=m),
                        created_at=start,
                        read_at=None if m >= per_thread - t % 3 else start,
                        attempts=0,
                    )
                )
                if len(batch) >= 5000:
                    db.session.execute(sa.insert(ChatMessage), batch)
                    batch = []
        if batch:
            db.session.execute(sa.insert(ChatMessage), batch)
        db.session.commit()
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            if db.engine.dialect.name == "postgresql":
                conn.exec_driver_sql("VACUUM ANALYZE")
            else:
                conn.exec_driver_sql("ANALYZE")
        db.engine.dispose()


def count_queries(database_url: str, urls: dict[str, str]) -> dict[str, int]:
    """SQL statements per page, counted in-process; each request in its own app context."""
    from app import create_app
    from app.config import TestConfig
    from app.extensions import db

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.WTF_CSRF_ENABLED = False
    app = create_app(config)
    client = app.test_client()
    client.post("/login", data={"username": USER, "password": PASSWORD})
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    counts = {}
    for label, url in urls.items():
        statements.clear()
        assert client.get(url).status_code == 200
        counts[label] = len(statements)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=summary(__doc__))
    parser.add_argument("--threads", type=int, default=5_000)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    folder = None
    database_url = args.database_url
    if not database_url:
        database_url, folder = temp_sqlite_url()
    print(
        f"Filling {args.threads:,} threads / {args.messages:,} messages into "
        f"{database_url.split('@')[-1]} ...",
        flush=True,
    )
    fill(database_url, args.threads, args.messages)
    env = bench_env(database_url)
    urls = {"first page": "/chat/", "search": "/chat/?q=erika%20muster"}
    queries = count_queries(database_url, urls)
    rates: dict[str, list[float]] = {label: [] for label in (*urls, "bare")}
    sizes = {}
    with gunicorn("wsgi:app", env, args.workers) as base:
        session = requests.Session()
        session.post(
            base + "/login",
            data={"username": USER, "password": PASSWORD, "csrf_token": _csrf(session, base)},
        )
        for label, path in urls.items():
            resp = session.get(base + path)
            assert resp.status_code == 200 and "chat-threads" in resp.text, resp.status_code
            sizes[label] = len(resp.content)
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        bare_env = dict(env, BARE_BODY_SIZE=str(sizes["first page"]))
        with gunicorn("bench.bare_app:app", bare_env, args.workers) as bare_base:
            for path in urls.values():  # warm-up
                load(base + path, 1, cookie)
            load(bare_base + "/", 1)
            for _ in range(args.rounds):
                rates["bare"].append(load(bare_base + "/", args.seconds))
                for label, path in urls.items():
                    rates[label].append(load(base + path, args.seconds, cookie))
    bare = statistics.median(rates["bare"])
    print(
        f"\nChat inbox, {args.threads:,} threads / {args.messages:,} messages, gunicorn -w {args.workers}, "
        f"{'wrk' if shutil.which('wrk') else 'python client'}, {args.rounds} rounds of {args.seconds:.0f}s, medians"
    )
    print(
        f"{'page':<12}{'req/s':>10}{'bare req/s':>12}{'ratio':>8}{'goal':>7}{'bytes':>9}{'SQL':>5}"
    )
    ok = True
    for label in urls:
        ratio = statistics.median([p / b for p, b in zip(rates[label], rates["bare"], strict=True)])
        ok &= ratio >= GOALS[label] and queries[label] <= 3
        print(
            f"{label:<12}{statistics.median(rates[label]):>10.0f}{bare:>12.0f}{ratio:>8.1%}"
            f"{(f'{GOALS[label]:.0%}' if GOALS[label] else '—'):>7}{sizes[label]:>9}{queries[label]:>5}"
        )
    print("SQL statements per page (goal <= 3):", queries)
    print("RESULT:", "all goals met" if ok else "GOAL MISSED")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PORTAL_ENV", "production")
    main()
