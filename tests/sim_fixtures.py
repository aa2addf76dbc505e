"""Pytest fixtures running the SMSAPI and SiNNO simulators in-process (a plugin: tests.sim_fixtures)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from sim.sinno import SimConfig as SinnoConfig
from sim.sinno import SimServer as SinnoServer
from sim.smsapi import SimConfig, SimServer

SIM_TOKEN = SimConfig.token
SIM_USERNAME = SimConfig.username
SIM_PASSWORD = SimConfig.password


@pytest.fixture(scope="session")
def smsapi_sim_server() -> Iterator[SimServer]:
    """One simulator per test session (per xdist worker); use `smsapi_sim` in tests."""
    with SimServer(SimConfig()) as server:
        yield server


@pytest.fixture
def smsapi_sim(smsapi_sim_server: SimServer) -> Iterator[SimServer]:
    """The running simulator with fresh state: demo account, 100 points, no messages or faults."""
    smsapi_sim_server.state.reset()
    yield smsapi_sim_server
    smsapi_sim_server.state.reset()


@pytest.fixture
def smsapi_sim_isolated() -> Iterator[SimServer]:
    """A simulator of its own on a new port, for tests that leave requests in flight.

    A client that gives up early (read timeout shorter than a delay fault) leaves the request
    running in the server; on the shared server it could land in the next test's request log.
    """
    with SimServer(SimConfig()) as server:
        yield server


@pytest.fixture
def closed_port_url() -> str:
    """An http://127.0.0.1:<port> URL where nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def sinno_sim_server() -> Iterator[SinnoServer]:
    """One SiNNO-App Service simulator per test session (per xdist worker); use `sinno_sim`."""
    with SinnoServer(SinnoConfig()) as server:
        yield server


@pytest.fixture
def sinno_sim(sinno_sim_server: SinnoServer) -> Iterator[SinnoServer]:
    """The running SiNNO simulator with fresh state: company 4711, no tokens, customers or faults."""
    sinno_sim_server.state.reset()
    yield sinno_sim_server
    sinno_sim_server.state.reset()


@pytest.fixture
def sinno_sim_isolated() -> Iterator[SinnoServer]:
    """A SiNNO simulator of its own, for tests that leave a (delayed) request in flight."""
    with SinnoServer(SinnoConfig()) as server:
        yield server


# ---- SMTP (sim/smtp.py) ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp_sim_server():
    """One SMTP simulator per test session (per xdist worker); use `smtp_sim` in tests."""
    from sim.smtp import SmtpSimConfig, SmtpSimServer

    with SmtpSimServer(SmtpSimConfig()) as server:
        yield server


@pytest.fixture
def smtp_sim(smtp_sim_server):
    """The running SMTP simulator with fresh state: account demo/demo-password, no mails, no faults."""
    smtp_sim_server.state.reset()
    yield smtp_sim_server
    smtp_sim_server.state.reset()


@pytest.fixture
def closed_port() -> int:
    """A local port where nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
