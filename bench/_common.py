"""Shared benchmark plumbing: a throw-away portal database, gunicorn servers, a load generator."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def summary(doc: str) -> str:
    """A script's `--help` description: the first paragraph of its docstring, on one line."""
    return " ".join(doc.split("\n\n")[0].split())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local_app(database_url: str, **settings):
    """The portal in this process on `database_url` (the test settings, CSRF off for the test
    client), with `settings` on top: for a benchmark's fill and its in-process measurements."""
    from app import create_app
    from app.config import TestConfig

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.WTF_CSRF_ENABLED = False
    for name, value in settings.items():
        setattr(config, name, value)
    return create_app(config)


def logged_in(database_url: str, username: str = "bench-admin", password: str = "bench-password-1"):
    """A test client of the portal in this process (local_app), logged in, and the app's engine
    (to listen to the statements a page runs)."""
    from app.extensions import db

    app = local_app(database_url)
    client = app.test_client()
    client.post("/login", data={"username": username, "password": password})
    with app.app_context():
        return client, db.engine


def bench_env(database_url: str) -> dict[str, str]:
    """Production settings with throw-away secrets."""
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    env.update(
        PORTAL_ENV="production",
        DATABASE_URL=database_url,
        SECRET_KEY=os.urandom(16).hex(),
        FERNET_KEYS=Fernet.generate_key().decode(),
        PYTHONPATH=str(ROOT),
    )
    return env


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], workers: int = 2):
    """Run gunicorn in the background until the block ends."""
    port = free_port()
    proc = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            # A first request that imports and compiles can take over gunicorn's default 30 s on
            # a machine shared with test suites; a killed worker would end the run.
            "--timeout",
            "300",
            app_spec,
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(url + "/login", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def load(url: str, seconds: float, cookie: str | None = None, connections: int = 8) -> float:
    """Requests per second against one URL: wrk when installed, else a Python client."""
    if shutil.which("wrk"):
        cmd = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", url]
        if cookie:
            cmd[1:1] = ["-H", f"Cookie: {cookie}"]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        if "Non-2xx" in out:
            raise RuntimeError(f"non-2xx answers from {url}:\n{out}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return _python_load(url, seconds, cookie, connections)


def _python_load(url: str, seconds: float, cookie: str | None, connections: int) -> float:
    import concurrent.futures

    def worker() -> int:
        session = requests.Session()
        if cookie:
            session.headers["Cookie"] = cookie
        done, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            resp = session.get(url)
            if resp.status_code != 200:
                raise RuntimeError(f"{url} answered {resp.status_code}")
            done += 1
        return done

    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        start = time.perf_counter()
        total = sum(pool.map(lambda _: worker(), range(connections)))
    return total / (time.perf_counter() - start)


def temp_sqlite_url() -> tuple[str, Path]:
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    return f"sqlite:///{folder / 'bench.db'}", folder
