"""Fault switches the simulators share: validating a JSON fault request, and switches that are
replaced whole, wait `after` requests, then count down per request (`times`; None: until
cleared)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any


def checked(data: Any, keys: Iterable[str]) -> dict[str, Any]:
    """A JSON fault request with only known keys; raises ValueError with a readable reason."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    unknown = set(data) - {*keys, "times", "after"}
    if unknown:
        raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
    return data


def times_of(data: dict[str, Any]) -> int | None:
    """How many requests the faults apply to (None: until cleared)."""
    times = data.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise ValueError("times must be a positive integer or null")
    return times


def after_of(data: dict[str, Any]) -> int:
    """How many requests are answered normally before the faults apply (0: the next one)."""
    after = data.get("after") or 0
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise ValueError("after must be an integer >= 0")
    return after


def delay_of(data: dict[str, Any]) -> float:
    """The answer's delay in seconds (0: none)."""
    delay = data.get("delay") or 0
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise ValueError("delay must be a number of seconds >= 0")
    return float(delay)


class FaultSwitches:
    """The fault switches of a simulator's state, under its (reentrant) `_lock`.

    The class names `faults_class`: a dataclass with `times`, `after`, `active()` and
    `parse(data)`.
    """

    faults_class: type

    @property
    def faults(self):
        """A copy of the current fault switches."""
        with self._lock:
            return replace(self._faults)

    def set_faults(self, faults=None, **switches: Any):
        """Replace the fault switches (a faults object or keyword switches; nothing clears them)."""
        new = faults if faults is not None else self.faults_class.parse(switches)
        with self._lock:
            self._faults = new
        return new

    def take_fault(self):
        """The faults for this request (as they applied), counting down `times`; None if off."""
        with self._lock:
            current = self._faults
            if not current.active():
                return None
            if current.after:  # this request is still answered normally
                current.after -= 1
                return None
            taken = replace(current)
            if current.times is not None:
                current.times -= 1
                if current.times <= 0:
                    self._faults = self.faults_class()
            return taken
