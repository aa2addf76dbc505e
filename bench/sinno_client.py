"""Benchmark: 2,000 SiNNO requests through the portal's client vs. the same calls on a bare requests.Session.

Run: .venv/bin/python bench/sinno_client.py [--requests 2000]
The simulator runs in its own process; both loops send identical requests to it (half of them
"register a customer" with an idempotency key, half "list chat messages since a cursor"),
alternating in blocks so that drift affects both alike. Goal: the client costs at most 15% more.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.services.sinno import Shop, SinnoClient, SinnoSettings  # noqa: E402
from bench._common import free_port, summary  # noqa: E402

GOAL = 0.15
SHOPS = (Shop("01", "Stuttgart Mitte", "stuttgart@example.org"),)


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


def _customer(i: int) -> dict:
    return {
        "reference": f"K-{i}",
        "first_name": "Erika",
        "last_name": f"Muster {i}",
        "mobile": f"+4917{i:09d}",
        "email": f"kunde{i}@example.org",
        "shop_id": "01",
        "language": "de",
    }


def portal_loop(client: SinnoClient, start: int, count: int) -> float:
    begin = time.perf_counter()
    cursor = None
    for i in range(start, start + count):
        if i % 2:
            page = client.list_messages(since=cursor, limit=50)
            cursor = page.next_cursor
        else:
            reg = client.register_customer(**_customer(i), idempotency_key=str(uuid.uuid4()))
            assert reg.customer_id
    return time.perf_counter() - begin


def bare_loop(session: requests.Session, base: str, token: str, start: int, count: int) -> float:
    begin = time.perf_counter()
    cursor = None
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    for i in range(start, start + count):
        if i % 2:
            params = {"limit": "50", **({"since": cursor} if cursor else {})}
            body = session.get(
                base + "/chat/messages", params=params, headers=headers, timeout=(5, 15)
            ).json()
            cursor = body["next_cursor"]
        else:
            body = session.post(
                base + "/customers",
                json=_customer(i),
                timeout=(5, 15),
                headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
            ).json()
            assert body["customer_id"]
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=summary(__doc__))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--block", type=int, default=250)
    args = parser.parse_args()
    port = free_port()
    sim = start_simulator(port)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        client = SinnoClient(SinnoSettings(base_url=base, company_no="4711", shops=SHOPS))
        token = client.login().token
        bare = requests.Session()
        portal_loop(client, 10_000_000, 50)  # warm-up, both
        bare_loop(bare, base, token, 20_000_000, 50)
        t_portal = t_bare = 0.0
        for block in range(0, args.requests, args.block):
            n = min(args.block, args.requests - block)
            t_portal += portal_loop(client, block, n)
            t_bare += bare_loop(bare, base, token, 1_000_000 + block, n)
        state = requests.get(f"http://127.0.0.1:{port}/_sim/state", timeout=5).json()
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    portal_rate, bare_rate = args.requests / t_portal, args.requests / t_bare
    overhead = t_portal / t_bare - 1
    print(
        f"SiNNO client benchmark: {args.requests:,} requests each (register + list messages),"
        " simulator in its own process"
    )
    print(f"  portal SinnoClient  : {portal_rate:8.0f} req/s")
    print(f"  bare requests loop  : {bare_rate:8.0f} req/s")
    print(
        f"  ratio (portal/bare) : {portal_rate / bare_rate:8.1%}   overhead {overhead:+.1%}"
        f" (goal <= +{GOAL:.0%})"
    )
    print(
        f"  simulator recorded  : {len(state.get('customers', []))} customers (both loops and warm-up)"
    )
    print("RESULT:", "goal met" if overhead <= GOAL else "GOAL MISSED")


if __name__ == "__main__":
    main()
