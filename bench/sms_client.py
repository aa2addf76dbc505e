"""Benchmark: 2,000 SMS through the portal's SMSAPI client vs. the same calls on a bare requests.Session.

Run: .venv/bin/python bench/sms_client.py [--messages 2000]
The simulator runs in its own process; both loops send identical sms.do requests to it,
alternating in blocks so that drift affects both alike. Goal: the client costs at most 15% more.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.services.smsapi import SmsApiClient, SmsApiSettings  # noqa: E402
from bench._common import free_port, summary  # noqa: E402

TOKEN = "bench-token"
GOAL = 0.15


def start_simulator(port: int, points: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "sim.app",
            "sim",
            "smsapi",
            "--port",
            str(port),
            "--token",
            TOKEN,
            "--points",
            str(points),
        ],
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


def portal_loop(client: SmsApiClient, start: int, count: int) -> float:
    begin = time.perf_counter()
    for i in range(start, start + count):
        client.send_sms("48500100200", f"Terminerinnerung {i}", idx=str(i), check_idx=True)
    return time.perf_counter() - begin


def bare_loop(session: requests.Session, base: str, start: int, count: int) -> float:
    begin = time.perf_counter()
    for i in range(start, start + count):
        resp = session.post(
            base + "sms.do",
            data={
                "format": "json",
                "encoding": "utf-8",
                "to": "48500100200",
                "message": f"Terminerinnerung {i}",
                "idx": str(i),
                "check_idx": "1",
                "max_parts": "6",
            },
            timeout=(5, 15),
        )
        body = resp.json()
        assert body["list"][0]["id"]
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=summary(__doc__))
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--block", type=int, default=250)
    args = parser.parse_args()
    port = free_port()
    sim = start_simulator(port, points=args.messages * 2)
    base = f"http://127.0.0.1:{port}/"
    try:
        client = SmsApiClient(
            SmsApiSettings(service="custom", base_url=base, token=TOKEN, max_chars=918)
        )
        bare = requests.Session()
        bare.headers["Authorization"] = f"Bearer {TOKEN}"
        portal_loop(client, 10_000_000, 50)  # warm-up, both
        bare_loop(bare, base, 20_000_000, 50)
        t_portal = t_bare = 0.0
        for block in range(0, args.messages, args.block):
            n = min(args.block, args.messages - block)
            t_portal += portal_loop(client, block, n)
            t_bare += bare_loop(bare, base, 1_000_000 + block, n)
        state = requests.get(base + "_sim/state", timeout=5).json()
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    portal_rate, bare_rate = args.messages / t_portal, args.messages / t_bare
    overhead = t_portal / t_bare - 1
    print(f"SMS client benchmark: {args.messages:,} SMS each, simulator in its own process")
    print(f"  portal SmsApiClient : {portal_rate:8.0f} SMS/s")
    print(f"  bare requests loop  : {bare_rate:8.0f} SMS/s")
    print(
        f"  ratio (portal/bare) : {portal_rate / bare_rate:8.1%}   overhead {overhead:+.1%} (goal <= +{GOAL:.0%})"
    )
    print(f"  simulator recorded  : {state.get('message_count')} messages (both loops and warm-up)")
    print("RESULT:", "goal met" if overhead <= GOAL else "GOAL MISSED")


if __name__ == "__main__":
    main()
