"""The demo's interfaces talk to the simulators on the ports scripts/dev.sh was given
(SIM_PORT, SINNO_PORT, SMTP_PORT)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import Interface
from app.services.demo import DEMO_MAIL_NAME, DEMO_SINNO_NAME, DEMO_SMS_NAME

ROOT = Path(__file__).resolve().parents[1]


def _settings(name: str) -> dict:
    db.session.expire_all()
    return db.session.scalar(sa.select(Interface).where(Interface.name == name)).settings


def _base_url() -> str:
    return _settings(DEMO_SMS_NAME)["base_url"]


def test_demo_sms_interface_follows_the_simulator_port(app, runner):
    first = runner.invoke(args=["demo", "seed", "--sms-url", "http://127.0.0.1:8131/"])
    assert first.exit_code == 0, first.output
    assert _base_url() == "http://127.0.0.1:8131/"
    again = runner.invoke(args=["demo", "seed", "--sms-url", "http://127.0.0.1:8132/"])
    assert again.exit_code == 0 and _base_url() == "http://127.0.0.1:8132/"
    # The status board's two example SMS interfaces talk to the same simulator.
    examples = db.session.scalars(
        sa.select(Interface).where(Interface.type_key == "smsapi", Interface.name != DEMO_SMS_NAME)
    ).all()
    assert len(examples) == 2
    assert {i.settings["base_url"] for i in examples} == {"http://127.0.0.1:8132/"}


def test_demo_sinno_and_mail_interfaces_follow_their_simulator_ports(app, runner):
    def seed(sinno_port: int, smtp_port: int):
        result = runner.invoke(
            args=[
                "demo",
                "seed",
                "--sinno-url",
                f"http://127.0.0.1:{sinno_port}/v1",
                "--smtp-port",
                str(smtp_port),
            ]
        )
        assert result.exit_code == 0, result.output

    seed(8136, 8137)
    assert _settings(DEMO_SINNO_NAME)["server"] == "http://127.0.0.1:8136/v1"
    assert _settings(DEMO_MAIL_NAME)["port"] == 8137
    seed(8146, 8147)  # dev.sh started again with other ports: the demo follows
    assert _settings(DEMO_SINNO_NAME)["server"] == "http://127.0.0.1:8146/v1"
    assert _settings(DEMO_MAIL_NAME)["port"] == 8147
    assert _settings(DEMO_MAIL_NAME)["host"] == "127.0.0.1"


def test_demo_seed_refuses_a_port_out_of_range(app, runner):
    result = runner.invoke(args=["demo", "seed", "--smtp-port", "70000"])
    assert result.exit_code != 0 and "70000" in result.output
    assert db.session.scalar(sa.select(Interface).where(Interface.name == DEMO_MAIL_NAME)) is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, deadline: float) -> int:
    """The status of a GET once something answers on the URL's port (until the deadline)."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return resp.status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_dev_script_serves_on_port_and_sim_port(tmp_path):
    """`PORT=… SIM_PORT=… bash scripts/dev.sh`: the portal and the simulator listen where asked."""
    port, sim_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PORTAL_"))}
    env.update(PORT=str(port), SIM_PORT=str(sim_port), PORTAL_INSTANCE_DIR=str(tmp_path))
    proc = subprocess.Popen(
        ["bash", "scripts/dev.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120  # migrations and the 9,000-row demo seed come first
        assert _get(f"http://127.0.0.1:{port}/login", deadline) == 200
        assert _get(f"http://127.0.0.1:{sim_port}/_sim/state", deadline) == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=30)[0].decode()
    assert f"http://127.0.0.1:{port}/" in output and f"on port {sim_port}" in output
