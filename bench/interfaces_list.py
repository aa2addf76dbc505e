"""Benchmark: the interface list with 50,000 interfaces against a bare Flask route, under gunicorn.

Run: .venv/bin/python bench/interfaces_list.py [--rows 50000] [--seconds 5] [--database-url URL]
Prints requests/s for the first page, a search and a sort next to the bare route returning a
string of the same size, the ratios against the goals, and the SQL statements per page.
"""
from __future__ import annotations

import argparse
import os
import statistics
import random
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_env, gunicorn, load, temp_sqlite_url  # noqa: E402

# The goals; the sort has none and is reported for information.
GOALS = {"first page": 0.15, "search": 0.08, "sort": 0.0}
WORDS = ("SMS", "Zentrale", "Empfang", "Anpassung", "Optik", "Hörakustik", "Kasse", "Backoffice",
         "Filiale", "Versand", "Termin", "Werkstatt", "Service", "Info", "Nord", "Süd", "Ost", "West")


def fill(database_url: str, rows: int) -> None:
    """Migrate a fresh database and fill it with branches, workstations and interfaces."""
    from flask_migrate import upgrade

    from app import create_app
    from app.config import TestConfig
    from app.extensions import db
    from app.models import Branch, Interface, User, Workstation
    from app.services import interface_types
    from app.services.interfaces import search_text_for

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    app = create_app(config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        rnd = random.Random(42)
        branches = [Branch(number=f"{i:02d}", code=f"F{i:02d}", name=f"Filiale {WORDS[i % len(WORDS)]} {i}",
                           street="Hauptstraße 1", postcode="70173", city="Stuttgart", country="DE")
                    for i in range(1, 41)]
        db.session.add_all(branches)
        db.session.flush()
        workstations = [Workstation(name=f"PC-{i:04d}", branch_id=branches[i % 40].id) for i in range(200)]
        db.session.add_all(workstations)
        admin = User(username="bench-admin", role="admin", full_name="Bench")
        admin.set_password("bench-password-1")
        db.session.add(admin)
        db.session.flush()
        types = interface_types.all_types()
        today = date.today()
        batch = []
        for i in range(rows):
            itype = types[i % len(types)]
            ws = workstations[i % 200] if i % 7 == 0 else None
            branch = branches[(i // 3) % 40] if ws is None and i % 3 == 0 else (
                next(b for b in branches if b.id == ws.branch_id) if ws else None)
            name = f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {i}"
            batch.append(dict(
                type_key=itype.key, group=itype.group, name=name,
                branch_id=branch.id if branch else None, workstation_id=ws.id if ws else None,
                server_side=i % 2 == 0, client_side=i % 2 == 1 or ws is not None,
                start_date=today + timedelta(days=(i % 60) - 40), protected=i % 11 == 0,
                settings=dict(itype.defaults), state={},
                search_text=search_text_for(name, itype.group, itype.label, branch.name if branch else None,
                                            branch.number if branch else None, ws.name if ws else None),
                branch_label=branch.label if branch else "", workstation_label=ws.name if ws else "",
                last_error="Zeitüberschreitung" if i % 50 == 0 else None,
            ))
            if len(batch) == 5000:
                db.session.execute(sa.insert(Interface), batch)
                batch.clear()
        if batch:
            db.session.execute(sa.insert(Interface), batch)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: statistics, and the visibility map
            # that lets index-only scans skip the table.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE interfaces"))
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")


def count_queries(database_url: str, urls: dict[str, str]) -> dict[str, int]:
    """SQL statements per page, counted in-process on the filled database."""
    from app import create_app
    from app.config import TestConfig
    from app.extensions import db

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.WTF_CSRF_ENABLED = False
    app = create_app(config)
    client = app.test_client()
    client.post("/login", data={"username": "bench-admin", "password": "bench-password-1"})
    counts = {}
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    # Each request in its own app context, as under gunicorn: an app context held open around
    # the requests would keep the loaded user in `g` and hide its query.
    for label, url in urls.items():
        statements.clear()
        assert client.get(url).status_code == 200
        counts[label] = len(statements)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()

    folder = None
    database_url = args.database_url
    if not database_url:
        database_url, folder = temp_sqlite_url()
    print(f"Filling {args.rows:,} interfaces into {database_url.split('@')[-1]} ...", flush=True)
    fill(database_url, args.rows)
    env = bench_env(database_url)
    urls = {"first page": "/interfaces/", "search": "/interfaces/?q=empfang%20nord",
            "sort": "/interfaces/?sort=branch&dir=desc&page=3"}
    queries = count_queries(database_url, urls)
    rates: dict[str, list[float]] = {label: [] for label in (*urls, "bare")}
    sizes = {}
    with gunicorn("wsgi:app", env, args.workers) as base:
        session = requests.Session()
        session.post(base + "/login", data={"username": "bench-admin", "password": "bench-password-1",
                                            "csrf_token": _csrf(session, base)})
        for label, path in urls.items():
            resp = session.get(base + path)
            assert resp.status_code == 200 and "interface-table" in resp.text, resp.status_code
            sizes[label] = len(resp.content)
        # The cookie as a browser holds it after its first page (the log-in leaves no CSRF
        # secret in the session; the first page adds one and sends the cookie anew).
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        bare_env = dict(env, BARE_BODY_SIZE=str(sizes["first page"]))
        with gunicorn("bench.bare_app:app", bare_env, args.workers) as bare_base:
            # Both servers run side by side; measuring them in alternation, round after round,
            # keeps drift on a shared machine out of the ratios (medians are reported).
            for path in urls.values():  # warm-up
                load(base + path, 1, cookie)
            load(bare_base + "/", 1)
            for _ in range(args.rounds):
                rates["bare"].append(load(bare_base + "/", args.seconds))
                for label, path in urls.items():
                    rates[label].append(load(base + path, args.seconds, cookie))

    bare = statistics.median(rates["bare"])
    print(f"\nInterface list, {args.rows:,} rows, gunicorn -w {args.workers}, "
          f"{'wrk' if shutil.which('wrk') else 'python client'}, {args.rounds} rounds of "
          f"{args.seconds:.0f}s each, medians")
    print(f"{'page':<12}{'req/s':>10}{'bare req/s':>12}{'ratio':>8}{'goal':>7}{'bytes':>9}{'SQL':>5}")
    ok = True
    for label in urls:
        ratios = [page / bare_rate for page, bare_rate in zip(rates[label], rates["bare"], strict=True)]
        ratio = statistics.median(ratios)
        ok &= ratio >= GOALS[label] and queries[label] <= 3
        print(f"{label:<12}{statistics.median(rates[label]):>10.0f}{bare:>12.0f}{ratio:>8.1%}"
              f"{(f'{GOALS[label]:.0%}' if GOALS[label] else '—'):>7}{sizes[label]:>9}{queries[label]:>5}")
    print("SQL statements per page (goal <= 3):", queries)
    print("RESULT:", "all goals met" if ok else "GOAL MISSED")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def _csrf(session: requests.Session, base: str) -> str:
    import re

    html = session.get(base + "/login").text
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


if __name__ == "__main__":
    os.environ.setdefault("PORTAL_ENV", "production")
    main()
