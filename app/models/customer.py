"""Customers of the chain (the parts the portal needs: contact, consent, SiNNO-App status)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.i18n import Text
from app.models.base import SearchSignature, StoredText, utcnow


class Customer(SearchSignature, db.Model):
    """A customer ("Kunde") with mobile number and consent to SMS."""

    __tablename__ = "customers"
    __table_args__ = (
        # The list's order in full, and the search signature and text: a search filters on the
        # index alone and reads only the rows it shows (as the interface list's default order does).
        sa.Index(
            "ix_customers_list", "last_name", "first_name", "id", "search_bits", "search_text"
        ),
        sa.Index("ix_customers_sinno_status", "sinno_status"),
        # Chat sync finds the customer of a message by it.
        sa.Index("ix_customers_sinno_customer_id", "sinno_customer_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str | None] = so.mapped_column(sa.String(20), unique=True)
    salutation: so.Mapped[str] = so.mapped_column(
        sa.String(10), default=""
    )  # "", "herr", "frau", "divers"
    first_name: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    last_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    mobile: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    language: so.Mapped[str] = so.mapped_column(sa.String(5), default="de")
    branch_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("branches.id"), index=True)
    sms_consent: so.Mapped[bool] = so.mapped_column(default=False)
    sinno_status: so.Mapped[str] = so.mapped_column(sa.String(20), default="not_activated")
    sinno_customer_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    # SiNNO-App activation (services/sinno_customers.py). No foreign key to the interface on
    # purpose: the registration lives at the service even if the interface row is deleted.
    sinno_interface_id: so.Mapped[int | None] = so.mapped_column()
    # The idempotency key of the current activation: a retry or double click never registers twice.
    sinno_activation_key: so.Mapped[str | None] = so.mapped_column(sa.String(36))
    sinno_attempts: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    sinno_next_attempt_at: so.Mapped[datetime | None]
    sinno_error: so.Mapped[Text | str | None] = so.mapped_column(StoredText(500))
    sinno_requested_at: so.Mapped[datetime | None]
    sinno_checked_at: so.Mapped[datetime | None]
    sinno_active_at: so.Mapped[datetime | None]
    # The consent record's note: the app was added to the customer's consents on this date.
    sinno_consent_at: so.Mapped[datetime | None]
    search_text: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    # search_bits (SearchSignature): its signature, kept in step.
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    branch: so.Mapped[Branch | None] = so.relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.last_name}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
