"""Demo chats: customers write in the SiNNO simulator, so an employee sees unread chats at once.

The simulator keeps everything in memory: after a restart its message and customer ids start
again at 1, so chats synced from an earlier run are forgotten (demo database only) and the chat
interface starts from the beginning.
"""

from __future__ import annotations

import uuid
from datetime import date

import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import ChatThread, Customer
from app.services import chat
from app.services.secrets import SecretBox
from app.services.sinno_interface import client_for

DEMO_CHATS = (
    (
        "K-1001",
        [
            "Guten Tag, sind meine neuen Hörgeräte schon fertig?",
            "Ich könnte morgen Vormittag vorbeikommen.",
        ],
    ),
    ("K-1002", ["Hallo, meine Brille drückt hinter dem Ohr. Kann ich zum Anpassen kommen?"]),
)


def seed(session: Session, box: SecretBox, timeouts=(5.0, 15.0)) -> str:
    """Register the demo customers in a fresh simulator and let them write; sync once."""
    service = chat.service_interface(session, date.today())
    if service is None:
        return "No logged-in SiNNO-App Service interface: no demo chats."
    base = (service.settings or {}).get("server", "").rstrip("/")
    control = base[:-3] if base.endswith("/v1") else base
    with client_for(session, box, service, timeouts) as client:
        if client.list_messages(limit=1).messages:
            return "The simulator already has chat messages: demo chats unchanged."
        # A fresh simulator: forget chats of an earlier run (their ids would be reused).
        session.execute(sa.delete(ChatThread))
        chat_if = chat.chat_interface(session)
        if chat_if is not None:
            chat_if.state = {}
        lines = []
        for number, texts in DEMO_CHATS:
            customer = session.scalar(sa.select(Customer).where(Customer.number == number))
            if customer is None or not customer.mobile or not customer.email:
                continue
            from app.services.sinno_customers import normalised_mobile

            reg = client.register_customer(
                reference=number,
                first_name=customer.first_name or "-",
                last_name=customer.last_name,
                mobile=normalised_mobile(customer).e164,
                email=customer.email,
                shop_id=customer.branch.number if customer.branch else "01",
                language="de",
                idempotency_key=str(uuid.uuid4()),
            )
            customer.sinno_customer_id, customer.sinno_status = reg.customer_id, "active"
            for text in texts:
                requests.post(
                    f"{control}/_sim/chat/messages",
                    json={"customer_id": reg.customer_id, "text": text},
                    timeout=timeouts,
                ).raise_for_status()
            lines.append(f"  {customer.full_name}: SiNNO customer id {reg.customer_id}")
    session.commit()
    report = chat.sync(session, box, timeouts=timeouts, force=True)
    return "\n".join(
        [
            f"Demo chats: {report.stored} message(s) synced.",
            *lines,
            f"  Write as a customer: curl -X POST {control}/_sim/chat/messages "
            '-H \'Content-Type: application/json\' -d \'{"customer_id": "SC-000001", '
            '"text": "Hallo!"}\'',
        ]
    )
