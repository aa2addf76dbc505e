"""All models, importable from one place."""

from app.models.appointment import Appointment, AppointmentStatus, AppointmentType
from app.models.audit import AuditEntry
from app.models.chat import ChatMessage, ChatThread
from app.models.customer import Customer
from app.models.interface import Interface, InterfaceEvent, InterfaceSecret
from app.models.limiter import LimiterHit
from app.models.notification import EmailMessage, Notification, NotificationPreference
from app.models.organisation import Branch, Chain, Workstation
from app.models.outbox import SmsMessage
from app.models.status import CheckRun, StatusIncident, WorkerHeartbeat
from app.models.user import Role, User

__all__ = [
    "Appointment",
    "AppointmentStatus",
    "AppointmentType",
    "AuditEntry",
    "Branch",
    "Chain",
    "Customer",
    "Interface",
    "LimiterHit",
    "InterfaceEvent",
    "InterfaceSecret",
    "Role",
    "SmsMessage",
    "User",
    "Workstation",
    "CheckRun",
    "StatusIncident",
    "WorkerHeartbeat",
    "ChatMessage",
    "ChatThread",
    "EmailMessage",
    "Notification",
    "NotificationPreference",
]
