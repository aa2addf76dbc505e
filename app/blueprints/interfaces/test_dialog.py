"""The "send a test" dialogs (Test-SMS, Test-E-Mail): one shape, one page and one frame template.

A `TestDialog` names the channel, the interface type it belongs to, its title and its steps; each
step is a fragment `interfaces/_test_<channel>_<step>.html` inside the shared frame
(`interfaces/_test_frame.html`, "Schritt n von N"), the last one extending `_test_result.html`.
Without JavaScript the same step is shown on the page `interfaces/test_dialog.html`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response
from flask_wtf import FlaskForm

from app.blueprints.actions import interface_of_type, require_form
from app.htmx import render, trigger
from app.models import Interface


@dataclass(frozen=True)
class TestDialog:
    """One channel's test dialog: `title` is a msgid marked with N_ (translated when shown)."""

    __test__ = False  # not a pytest test class, whatever its name

    channel: str  # "sms": DOM ids test-sms-*, templates _test_sms_<step>.html
    type_key: str
    title: str
    steps: tuple[str, ...]

    def interface(self, interface_id: int) -> Interface:
        """The interface the dialog tests, or 404 for another type."""
        return interface_of_type(interface_id, self.type_key)

    def posted(self, interface_id: int, form: FlaskForm) -> tuple[Interface, FlaskForm]:
        """A step's post: the interface (404 as above), then its form checked (400 without CSRF)."""
        return self.interface(interface_id), require_form(form)

    def number(self, step: str) -> int:
        """The step's position, from 1 ("Schritt 2 von 3")."""
        return self.steps.index(step) + 1

    def step(self, step: str, interface: Interface, status: int = 200, **ctx: Any) -> Response:
        """One step: the fragment in the dialog for htmx, the page otherwise."""
        ctx.setdefault("error", None)
        return render(
            "interfaces/test_dialog.html",
            f"interfaces/_test_{self.channel}_{step}.html",
            status=status,
            dialog=self,
            interface=interface,
            step=step,
            **ctx,
        )

    def result(self, interface: Interface, events: dict[str, Any], **ctx: Any) -> Response:
        """The last step, telling the page what changed (the interface's history at least)."""
        return trigger(self.step(self.steps[-1], interface, **ctx), events)
