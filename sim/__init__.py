"""Local simulators of the external gateways, for development and tests."""

from sim.smsapi import Faults, SimConfig, SimServer, SimState, create_sim_app

__all__ = ["Faults", "SimConfig", "SimServer", "SimState", "create_sim_app"]
