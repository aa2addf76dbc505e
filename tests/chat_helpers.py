"""Shared set-up for the chat tests: a logged-in SiNNO-App Service, the chat interface, app customers."""

from __future__ import annotations

from app.extensions import db, secret_box
from app.models import Customer
from app.services import sinno_interface
from app.services.customers import search_text_for
from tests.factories import make_branch, make_interface


class ChatWorld:
    """A branch, a logged-in SiNNO-App Service (server side), a SiNNO-Chat interface."""

    def __init__(self, sinno_sim, logged_in: bool = True):
        self.sim = sinno_sim
        self.branch = make_branch(number="001", name="Mitte", email="mitte@example.com")
        self.service = make_interface(
            "sinno_app",
            name="SiNNO App",
            server_side=True,
            client_side=True,
            settings={
                "server": sinno_sim.base_url,
                "client_id": "winpro",
                "company_no": "4711",
                "proxy_host": "",
                "proxy_port": None,
            },
        )
        self.chat = make_interface("sinno_chat", name="SiNNO Chat", server_side=True, settings={})
        db.session.commit()
        if logged_in:
            outcome = sinno_interface.login(
                db.session, secret_box(), self.service, None, timeouts=(2.0, 2.0)
            )
            assert outcome.ok, outcome.message

    def customer(self, first="Erika", last="Mustermann", number="K-1001") -> tuple[Customer, str]:
        """A portal customer registered in the simulator; returns it and its service id."""
        remote = self.sim.state.add_customer(
            "4711",
            {
                "reference": number,
                "first_name": first,
                "last_name": last,
                "mobile": f"+49171{abs(hash(number)) % 10**7:07d}",
                "email": f"{number}@example.com",
                "shop_id": "001",
                "language": "de",
            },
        )
        customer = Customer(
            first_name=first,
            last_name=last,
            number=number,
            branch_id=self.branch.id,
            sinno_status="active",
            sinno_customer_id=remote["customer_id"],
        )
        customer.search_text = search_text_for(customer)
        db.session.add(customer)
        db.session.commit()
        return customer, remote["customer_id"]

    def writes(self, service_customer_id: str, text: str) -> dict:
        """The customer writes in the app."""
        return self.sim.state.post_as_customer(service_customer_id, text)
