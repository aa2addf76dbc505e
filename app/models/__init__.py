"""All models, importable from one place."""
from app.models.audit import AuditEntry
from app.models.interface import Interface, InterfaceEvent, InterfaceSecret
from app.models.organisation import Branch, Chain, Workstation
from app.models.user import LoginAttempt, Role, User

__all__ = [
    "AuditEntry",
    "Branch",
    "Chain",
    "Interface",
    "InterfaceEvent",
    "InterfaceSecret",
    "LoginAttempt",
    "Role",
    "User",
    "Workstation",
]
