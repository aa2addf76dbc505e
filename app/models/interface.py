"""Configured interfaces ("Schnittstellen"), their encrypted secrets and their history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.i18n import Text
from app.models.base import SearchSignature, StoredText, partial_index, utcnow

# The list's columns that are not in its default order's index key (see Interface.__table_args__).
LIST_INCLUDE = [
    "type_key",
    "branch_label",
    "workstation_label",
    "server_side",
    "client_side",
    "start_date",
    "protected",
    "last_error",
]


class Interface(SearchSignature, db.Model):
    """One configured integration; type-specific settings live in `settings`."""

    __tablename__ = "interfaces"
    __table_args__ = (
        # The list sorts by each column and pages with LIMIT/OFFSET: one index per sort order.
        # The default order's index holds the whole order (group, name, id), the search text
        # and its signature, so a search in that order filters on the index alone before it
        # reads the rows it shows (see services.interfaces.list_page); the LIMIT stops the scan
        # early, and the signature spares LIKE most of the entries it passes
        # (base.signature_holds, base.search_subject). On PostgreSQL it also carries the
        # list's other columns: the first page and a search's rows come from the index alone
        # (no heap page per row).
        sa.Index(
            "ix_interfaces_group_name_id",
            "group",
            "name",
            "id",
            "search_bits",
            "search_text",
            postgresql_include=LIST_INCLUDE,
        ),
        sa.Index("ix_interfaces_branch_label_name", "branch_label", "name"),
        sa.Index("ix_interfaces_workstation_label_name", "workstation_label", "name"),
        sa.Index("ix_interfaces_server_side_name", "server_side", "name"),
        sa.Index("ix_interfaces_client_side_name", "client_side", "name"),
        sa.Index("ix_interfaces_start_date_name", "start_date", "name"),
        # The status board lists failing interfaces first, then the list's default order.
        sa.Index(
            "ix_interfaces_failing_first", sa.text("(last_error IS NULL)"), "group", "name", "id"
        ),
        # ... and within one group (the board filtered by group: the group comes first).
        sa.Index(
            "ix_interfaces_group_failing_first",
            "group",
            sa.text("(last_error IS NULL)"),
            "name",
            "id",
        ),
        # The start page's newest failures and lowest credits: few rows each, so partial.
        partial_index(
            "ix_interfaces_failing_recent", "last_error_at", where="last_error IS NOT NULL"
        ),
        partial_index(
            "ix_interfaces_balance", "group", "balance_points", where="balance_points IS NOT NULL"
        ),
        # A rare term's few rows come through the trigrams of what LIKE reads (PostgreSQL only;
        # base.search_subject: the expression keeps LIKE after the signature test).
        sa.Index(
            "ix_interfaces_search_trgm",
            sa.literal_column("(search_text::text || '')").label("search_subject"),
            postgresql_using="gin",
            postgresql_ops={"search_subject": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        # A deleted interface's history keeps its id: SQLite would give the highest id to the
        # next interface after a delete (PostgreSQL's sequence never reuses one).
        {"sqlite_autoincrement": True},
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    type_key: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    group: so.Mapped[str] = so.mapped_column(sa.String(20))
    name: so.Mapped[str] = so.mapped_column(sa.String(120), index=True)
    branch_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("branches.id"), index=True)
    workstation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("workstations.id"), index=True
    )
    server_side: so.Mapped[bool] = so.mapped_column(default=False)
    client_side: so.Mapped[bool] = so.mapped_column(default=False)
    start_date: so.Mapped[date | None] = so.mapped_column()
    protected: so.Mapped[bool] = so.mapped_column(default=False)
    settings: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    # Runtime state of the integration (e.g. a gateway session), never edited through the form.
    state: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    # Lower-cased name, group, type and branch/workstation names: one indexed column to search.
    search_text: so.Mapped[str] = so.mapped_column(sa.String(400), default="")
    # search_bits (SearchSignature): its signature, kept in step.
    # Copies of the branch's and workstation's names, kept in step on rename, so the list needs
    # no join and can sort by them through an index ("" when unrestricted sorts first everywhere).
    branch_label: so.Mapped[str] = so.mapped_column(sa.String(140), default="")
    workstation_label: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    # A Text (app.i18n) or, from older rows, plain text: shown in the reader's language.
    last_error: so.Mapped[Text | str | None] = so.mapped_column(StoredText(500))
    last_error_at: so.Mapped[datetime | None]
    last_check_at: so.Mapped[datetime | None]
    # The last check or use that worked (the status board's "zuletzt erfolgreich").
    last_success_at: so.Mapped[datetime | None]
    balance_points: so.Mapped[float | None] = so.mapped_column(sa.Numeric(14, 4))
    balance_checked_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    updated_at: so.Mapped[datetime | None]
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    branch: so.Mapped[Branch | None] = so.relationship()  # noqa: F821
    workstation: so.Mapped[Workstation | None] = so.relationship()  # noqa: F821
    created_by: so.Mapped[User | None] = so.relationship(foreign_keys=[created_by_id])  # noqa: F821
    updated_by: so.Mapped[User | None] = so.relationship(foreign_keys=[updated_by_id])  # noqa: F821
    secrets: so.Mapped[list[InterfaceSecret]] = so.relationship(
        back_populates="interface", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Interface {self.id} {self.type_key} {self.name!r}>"


# What names an interface in a list row (the interface list, the status board): type, group, name
# and where it applies.
IDENTITY_COLUMNS = (
    Interface.id,
    Interface.type_key,
    Interface.group,
    Interface.name,
    Interface.branch_label,
    Interface.workstation_label,
)


class InterfaceSecret(db.Model):
    """One encrypted secret field (password, token, session) of an interface."""

    __tablename__ = "interface_secrets"
    __table_args__ = (
        sa.UniqueConstraint("interface_id", "field", name="uq_interface_secrets_field"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    interface_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("interfaces.id", ondelete="CASCADE"), index=True
    )
    field: so.Mapped[str] = so.mapped_column(sa.String(40))
    value_encrypted: so.Mapped[str] = so.mapped_column(sa.Text)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    interface: so.Mapped[Interface] = so.relationship(back_populates="secrets")

    def __repr__(self) -> str:
        return f"<InterfaceSecret {self.interface_id}.{self.field}>"


class InterfaceEvent(db.Model):
    """A history entry of an interface; survives the interface's deletion."""

    __tablename__ = "interface_events"
    __table_args__ = (
        sa.Index("ix_interface_events_interface_at", "interface_id", "at"),
        sa.Index("ix_interface_events_action_at", "action", "at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # No foreign key on purpose: the history outlives a deleted interface.
    interface_id: so.Mapped[int] = so.mapped_column()
    interface_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    # The interface's type, so that a deleted interface's history still names its fields.
    type_key: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    actor_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    action: so.Mapped[str] = so.mapped_column(sa.String(30))
    ok: so.Mapped[bool] = so.mapped_column(default=True)
    changes: so.Mapped[list[dict[str, Any]]] = so.mapped_column(sa.JSON, default=list)
    message: so.Mapped[Text | str] = so.mapped_column(StoredText(500), default="")

    def __repr__(self) -> str:
        return f"<InterfaceEvent {self.interface_id} {self.action} {self.at}>"
