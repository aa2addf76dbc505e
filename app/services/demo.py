"""Demo data: a small hearing-aid and optics chain; running it twice changes nothing."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import T_
from app.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Branch,
    Chain,
    Customer,
    Interface,
    Role,
    User,
    Workstation,
)
from app.models.appointment import CANCELLED, DONE, NO_SHOW, OPEN
from app.models.base import text_bits
from app.services import interface_types
from app.services.customers import international_mobile, search_text_for
from app.services.interfaces import denormalise, record_event, write_secret
from app.services.phone import InvalidPhoneNumber
from app.services.secrets import SecretBox

# The local SMSAPI simulator the first README command starts (flask --app wsgi sim smsapi).
DEMO_SMS_URL = "http://127.0.0.1:8025/"
DEMO_SMS_NAME = "SMS Filialkette (Simulator)"
DEMO_SMS_TOKEN = "demo-token"
# The local SiNNO-App Service simulator (flask --app wsgi sim sinno), company 4711.
DEMO_SINNO_URL = "http://127.0.0.1:8026/v1"
DEMO_SINNO_NAME = "SiNNO-App (Simulator)"
# The local SMTP simulator the first README command starts (flask --app wsgi sim smtp).
DEMO_SMTP_PORT = 8027
DEMO_MAIL_NAME = "E-Mail (Simulator)"
DEMO_CUSTOMERS = (
    ("K-1001", "frau", "Erika", "Mustermann", "0171 2345678", True, "01"),
    ("K-1002", "herr", "Hans", "Schneider", "0152 33445566", True, "01"),
    ("K-1003", "frau", "Fatma", "Yilmaz", "0176 98765432", False, "02"),
    ("K-1004", "herr", "Piotr", "Nowak", "+48 601 234 567", True, "02"),
    ("K-1005", "divers", "Alex", "Becker", "0160 1112223", True, "03"),
    ("K-1006", "frau", "Ingrid", "Wagner", None, False, "03"),
)

DEMO_CHAIN_NAME = "Hörwelt & Optik Demo GmbH"

DEMO_BRANCHES = (
    {
        "number": "01",
        "code": "STR",
        "name": "Stuttgart Mitte",
        "street": "Königstraße 12",
        "postcode": "70173",
        "city": "Stuttgart",
        "country": "DE",
        "phone": "+49 711 2233440",
        "email": "stuttgart@hoerwelt-demo.de",
        "workstations": ("STR-EMPFANG", "STR-ANPASSUNG", "STR-OPTIK"),
    },
    {
        "number": "02",
        "code": "ESS",
        "name": "Esslingen",
        "street": "Bahnhofstraße 5",
        "postcode": "73728",
        "city": "Esslingen am Neckar",
        "country": "DE",
        "phone": "+49 711 3966120",
        "email": "esslingen@hoerwelt-demo.de",
        "workstations": ("ESS-EMPFANG", "ESS-ANPASSUNG"),
    },
    {
        "number": "03",
        "code": "LBG",
        "name": "Ludwigsburg",
        "street": "Marktplatz 3",
        "postcode": "71634",
        "city": "Ludwigsburg",
        "country": "DE",
        "phone": "+49 7141 905530",
        "email": None,
        "workstations": ("LBG-EMPFANG",),
    },
)

# (name, "Erlaubt für automatische Benachrichtigungen des Kunden", minutes, group appointment)
DEMO_APPOINTMENT_TYPES = (
    ("Hörtest", True, 30, False),
    ("Hörgeräteanpassung", True, 60, False),
    ("Nachsorge", True, 30, False),
    ("Brillenabholung", True, 15, False),
    ("Sehtest", True, 30, False),
    ("Werkstatt/Reparatur", False, 20, False),
    ("Gruppenschulung", False, 90, True),
)
DEMO_APPOINTMENT_STATUSES = (
    ("Geplant", OPEN),
    ("Bestätigt", OPEN),
    ("Erledigt", DONE),
    ("Storniert", CANCELLED),
    ("Geplatzt", NO_SHOW),
)

# The bulk demo volume: customers K-20001 … and appointments over the coming weeks.
VOLUME_SEED = 2026
VOLUME_CUSTOMERS = 3000
VOLUME_APPOINTMENTS = 6000
VOLUME_PAST_APPOINTMENTS = 300
VOLUME_WEEKS = 6
VOLUME_FIRST_NUMBER = 20001
OPENING = (time(9, 0), time(18, 0))  # Monday to Saturday, local time

FEMALE_NAMES = (
    "Anna",
    "Andrea",
    "Birgit",
    "Brigitte",
    "Christa",
    "Claudia",
    "Doris",
    "Elke",
    "Emma",
    "Gabriele",
    "Gisela",
    "Hannelore",
    "Helga",
    "Ingrid",
    "Irmgard",
    "Julia",
    "Karin",
    "Katharina",
    "Lea",
    "Marianne",
    "Monika",
    "Petra",
    "Renate",
    "Sabine",
    "Sophie",
    "Ursula",
    "Waltraud",
)
MALE_NAMES = (
    "Alexander",
    "Bernd",
    "Dieter",
    "Frank",
    "Friedrich",
    "Gerhard",
    "Günter",
    "Hans",
    "Heinz",
    "Helmut",
    "Jürgen",
    "Karl",
    "Klaus",
    "Lukas",
    "Manfred",
    "Michael",
    "Paul",
    "Peter",
    "Rainer",
    "Rolf",
    "Stefan",
    "Thomas",
    "Uwe",
    "Walter",
    "Werner",
    "Wolfgang",
)
LAST_NAMES = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Schmitz",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogel",
    "Friedrich",
    "Keller",
    "Günther",
    "Frank",
    "Berger",
    "Winkler",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Franke",
    "Albrecht",
    "Schuster",
    "Simon",
    "Ludwig",
    "Böhm",
    "Winter",
    "Kraus",
    "Martin",
    "Schumacher",
    "Krämer",
    "Vogt",
    "Stein",
    "Jäger",
    "Otto",
    "Sommer",
    "Groß",
    "Seidel",
    "Heinrich",
    "Brandt",
    "Haas",
    "Schreiber",
    "Graf",
    "Yilmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "Rossi",
    "Popescu",
)
MOBILE_PREFIXES = (
    "151",
    "152",
    "157",
    "159",
    "160",
    "162",
    "163",
    "170",
    "171",
    "172",
    "173",
    "174",
    "175",
    "176",
    "177",
    "178",
    "179",
)
_ASCII = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)

# Demo log-ins are printed by the seed and listed in the README; they exist only in demo databases.
DEMO_USERS = (
    {
        "username": "admin",
        "password": "Demo-Admin-2026",
        "role": Role.ADMIN,
        "full_name": "Anna Admin",
        "branch": None,
    },
    {
        "username": "mitarbeiter",
        "password": "Demo-Mitarbeiter-2026",
        "role": Role.EMPLOYEE,
        "full_name": "Max Mitarbeiter",
        "branch": "01",
        "workstation": "STR-EMPFANG",
    },
    {
        "username": "helpdesk",
        "password": "Demo-Helpdesk-2026",
        "role": Role.HELPDESK,
        "full_name": "Hanna Helpdesk",
        "branch": None,
    },
)


def seed(
    session: Session,
    box: SecretBox,
    tz_name: str = "Europe/Berlin",
    sms_url: str = DEMO_SMS_URL,
    sinno_url: str = DEMO_SINNO_URL,
    smtp_port: int = DEMO_SMTP_PORT,
) -> str:
    """Create what is missing of the demo chain and return the printable log-ins.

    `sms_url`, `sinno_url` and `smtp_port` are where the local simulators listen
    (`scripts/dev.sh` passes its SIM_PORT, SINNO_PORT and SMTP_PORT); on a second run the demo
    interfaces follow them if they moved.
    """
    chain = Chain.get_or_create(session)
    if chain.name == "Filialkette":
        chain.name = DEMO_CHAIN_NAME
    branches: dict[str, Branch] = {}
    created = 0
    for spec in DEMO_BRANCHES:
        branch = session.scalar(sa.select(Branch).where(Branch.number == spec["number"]))
        if branch is None:
            fields = {k: v for k, v in spec.items() if k != "workstations"}
            branch = Branch(**fields)
            session.add(branch)
            session.flush()
            created += 1
        branches[spec["number"]] = branch
        for ws_name in spec["workstations"]:
            if session.scalar(sa.select(Workstation.id).where(Workstation.name == ws_name)) is None:
                session.add(Workstation(name=ws_name, branch_id=branch.id))
                created += 1
    session.flush()
    lines = []
    for spec in DEMO_USERS:
        user = session.scalar(sa.select(User).where(User.username == spec["username"]))
        if user is None:
            user = User(
                username=spec["username"], full_name=spec["full_name"], role=spec["role"].value
            )
            user.set_password(spec["password"])
            if spec.get("branch"):
                user.branch_id = branches[spec["branch"]].id
            if spec.get("workstation"):
                user.workstation_id = session.scalar(
                    sa.select(Workstation.id).where(Workstation.name == spec["workstation"])
                )
            session.add(user)
            created += 1
        lines.append(
            f"  {spec['role'].value:<9} user: {spec['username']:<12} password: {spec['password']}"
        )
    session.flush()
    created += _seed_customers(session, branches)
    created += _seed_interfaces(session, box, sms_url)
    created += _seed_status_examples(session, box, sms_url)
    created += _seed_appointment_settings(session)
    created += _seed_volume(session, branches, tz_name)
    created += _seed_sinno(session, branches, sinno_url)
    created += _seed_mail(session, box, smtp_port)
    session.flush()
    head = f"Demo chain '{chain.name}': {created} record(s) created" + (
        "." if created else " (already complete, nothing changed)."
    )
    return "\n".join([head, "Log-ins:", *lines])


def _seed_customers(session: Session, branches: dict[str, Branch]) -> int:
    created = 0
    for number, salutation, first, last, mobile, consent, branch in DEMO_CUSTOMERS:
        if session.scalar(sa.select(Customer.id).where(Customer.number == number)) is None:
            customer = Customer(
                number=number,
                salutation=salutation,
                first_name=first,
                last_name=last,
                mobile=mobile,
                sms_consent=consent,
                branch_id=branches[branch].id,
                email=f"{first.lower()}.{last.lower()}@example.org",
            )
            customer.search_text = search_text_for(customer)
            session.add(customer)
            created += 1
    return created


def _admin(session: Session) -> User | None:
    return session.scalar(sa.select(User).where(User.username == "admin"))


def simulator_sms_settings(base_url: str, **changes: Any) -> dict:
    """An SMSAPI interface's settings at a local simulator (token log-in), with `changes` made;
    the demo's, the tests' and the benchmarks'."""
    return {
        "service": "custom",
        "base_url": base_url,
        "auth_mode": "token",
        "username": "",
        "sender": "",
        "country_code": "+49",
        "max_chars": 1000,
        "proxy_host": "",
        "proxy_port": None,
        **changes,
    }


def _add_interface(
    session: Session,
    type_key: str,
    name: str,
    settings: dict,
    *,
    server: bool,
    client: bool,
    branch_id: int | None = None,
    start: date | None = None,
    secrets: dict[str, str] | None = None,
    box: SecretBox | None = None,
) -> Interface | None:
    """One demo interface, its secrets and its "Demo-Daten" history entry; None when an
    interface of that name exists (the demo never changes what is there)."""
    if session.scalar(sa.select(Interface.id).where(Interface.name == name)) is not None:
        return None
    admin = _admin(session)
    itype = interface_types.get(type_key)
    interface = Interface(
        type_key=type_key,
        group=itype.group,
        name=name,
        server_side=server,
        client_side=client,
        branch_id=branch_id,
        settings=settings,
        state={},
        start_date=start or date.today(),
        created_by_id=admin.id if admin else None,
    )
    denormalise(session, interface, itype)
    session.add(interface)
    for field, value in (secrets or {}).items():
        write_secret(box, interface, field, value)
    session.flush()
    record_event(session, interface, "created", admin, message=T_("Demo-Daten"))
    return interface


def _seed_interfaces(session: Session, box: SecretBox, sms_url: str = DEMO_SMS_URL) -> int:
    """An SMS interface pointed at the local simulator, and the automatic appointment reminders."""
    _follow_simulator(session, DEMO_SMS_NAME, base_url=sms_url)
    reminders = dict(
        interface_types.get("appointment_reminder").defaults,
        quiet_start="23:00",
        quiet_end="05:00",
    )
    added = [
        _add_interface(
            session,
            "smsapi",
            DEMO_SMS_NAME,
            simulator_sms_settings(sms_url),
            server=True,
            client=True,
            secrets={"token": DEMO_SMS_TOKEN},
            box=box,
        ),
        _add_interface(
            session,
            "appointment_reminder",
            "Terminerinnerung",
            reminders,
            server=True,
            client=False,
        ),
    ]
    return sum(i is not None for i in added)


def _seed_sinno(session: Session, branches: dict[str, Branch], sinno_url: str) -> int:
    """SiNNO-App Service (client side, Stuttgart Mitte) and SiNNO-Chat, against the simulator.

    Restricted to one branch because Ludwigsburg has no e-mail address (the log-in prerequisite);
    `flask --app wsgi sinno login "SiNNO-App (Simulator)"` (run by scripts/dev.sh) logs it in.
    """
    _follow_simulator(session, DEMO_SINNO_NAME, server=sinno_url)
    service = {
        "server": sinno_url,
        "client_id": "winpro",
        "company_no": "4711",
        "proxy_host": None,
        "proxy_port": None,
    }
    added = [
        _add_interface(
            session,
            "sinno_app",
            DEMO_SINNO_NAME,
            service,
            server=False,
            client=True,
            branch_id=branches["01"].id,
        ),
        _add_interface(session, "sinno_chat", "SiNNO-Chat", {}, server=True, client=False),
    ]
    return sum(i is not None for i in added)


def _seed_status_examples(session: Session, box: SecretBox, sms_url: str) -> int:
    """For the status board: one failing interface (a token the simulator refuses) and one
    scheduled for later, at the demo's SMSAPI simulator. Neither is used instead of the demo's SMS
    interface: the failing one is client-side and started before it (the latest start wins), the
    scheduled one has not started."""
    from datetime import timedelta

    from app.services.interfaces import record_check
    from app.services.smsapi import GatewayError

    created = 0
    settings = simulator_sms_settings(sms_url, low_balance=20)
    specs = (
        (
            "SMS Altsystem (abgelaufener Schlüssel)",
            False,
            True,
            date(2024, 1, 1),
            "expired-demo-token",
        ),
        (
            "SMS Filiale Esslingen (neuer Vertrag)",
            True,
            False,
            date.today() + timedelta(days=14),
            DEMO_SMS_TOKEN,
        ),
    )
    for name, server, client, start, token in specs:
        _follow_simulator(session, name, base_url=sms_url)
        branch_id = (
            session.scalar(sa.select(Branch.id).where(Branch.number == "02")) if server else None
        )
        interface = _add_interface(
            session,
            "smsapi",
            name,
            dict(settings),
            server=server,
            client=client,
            branch_id=branch_id,
            start=start,
            secrets={"token": token},
            box=box,
        )
        if interface is None:
            continue
        if token != DEMO_SMS_TOKEN:  # what the worker's first check will find again
            refused = GatewayError.from_code(101)
            record_check(session, interface, "check", None, False, refused.text)
        created += 1
    return created


def _follow_simulator(session: Session, name: str, **address: str | int) -> None:
    """Point an existing demo interface at its simulator's current address (a port changed).

    Only settings that still point at this machine are changed: an admin who moved a demo
    interface elsewhere keeps that.
    """
    interface = session.scalar(sa.select(Interface).where(Interface.name == name))
    if interface is None:
        return
    settings = interface.settings or {}
    local = str(settings.get("host") or "") == "127.0.0.1" or any(
        str(settings.get(key) or "").startswith("http://127.0.0.1:") for key in address
    )
    if local and any(settings.get(key) != value for key, value in address.items()):
        interface.settings = dict(settings, **address)


def _seed_appointment_settings(session: Session) -> int:
    """The chain's appointment types and statuses (matched by name)."""
    created = 0
    have = set(session.scalars(sa.select(AppointmentType.name)).all())
    for name, allowed, minutes, _group in DEMO_APPOINTMENT_TYPES:
        if name not in have:
            session.add(
                AppointmentType(
                    name=name,
                    allows_auto_notification=allowed,
                    duration_minutes=minutes,
                    active=True,
                )
            )
            created += 1
    have = set(session.scalars(sa.select(AppointmentStatus.name)).all())
    for name, kind in DEMO_APPOINTMENT_STATUSES:
        if name not in have:
            session.add(AppointmentStatus(name=name, kind=kind))
            created += 1
    session.flush()
    return created


def _demo_mobile(rng: random.Random) -> str:
    """A valid German mobile number in international format."""
    while True:
        prefix = rng.choice(MOBILE_PREFIXES)
        length = 8 if prefix.startswith("15") or prefix in ("176", "179") else rng.choice((7, 8))
        national = "0" + prefix + "".join(rng.choice("0123456789") for _ in range(length))
        try:
            return international_mobile(national, "+49")
        except InvalidPhoneNumber:
            continue


def _volume_customers(rng: random.Random, branch_ids: list[int]) -> list[dict]:
    rows = []
    for index in range(VOLUME_CUSTOMERS):
        number = f"K-{VOLUME_FIRST_NUMBER + index}"
        female = rng.random() < 0.55
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        last = rng.choice(LAST_NAMES)
        roll = rng.random()
        salutation = (
            "" if roll < 0.03 else "divers" if roll < 0.05 else "frau" if female else "herr"
        )
        mobile = _demo_mobile(rng) if rng.random() < 0.85 else None
        email = (
            f"{first}.{last}.{VOLUME_FIRST_NUMBER + index}@example.org".translate(_ASCII).lower()
            if rng.random() < 0.6
            else None
        )
        sinno = rng.random()
        status = "active" if sinno < 0.03 else "invited" if sinno < 0.05 else "not_activated"
        row = {
            "number": number,
            "salutation": salutation,
            "first_name": first,
            "last_name": last,
            "mobile": mobile,
            "email": email,
            "language": "en" if rng.random() < 0.05 else "de",
            "branch_id": rng.choice(branch_ids),
            "sms_consent": rng.random() < 0.75,
            "sinno_status": status,
            "sinno_customer_id": f"SIN-{VOLUME_FIRST_NUMBER + index}"
            if status == "active"
            else None,
        }
        row["search_text"] = search_text_for(SimpleNamespace(**row))
        row["search_bits"] = text_bits(row["search_text"])  # a bulk insert runs no validator
        rows.append(row)
    return rows


def _opening_start(rng: random.Random, day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """A quarter-hour start on `day` that ends by closing time, as naive UTC."""
    first = OPENING[0].hour * 4
    last = (OPENING[1].hour * 60 - minutes) // 15
    slot = rng.randint(first, max(first, last))
    local = datetime.combine(day, time(slot // 4, (slot % 4) * 15), tzinfo=tz)
    return local.astimezone(UTC).replace(tzinfo=None)


def _opening_days(start: date, end: date) -> list[date]:
    """Monday to Saturday from start to end (inclusive)."""
    days, day = [], start
    while day <= end:
        if day.weekday() < 6:
            days.append(day)
        day += timedelta(days=1)
    return days


def _volume_appointments(
    rng: random.Random,
    session: Session,
    customers: list[tuple[int, int]],
    branch_ids: list[int],
    tz: ZoneInfo,
) -> list[dict]:
    types = {t.name: t for t in session.scalars(sa.select(AppointmentType)).all()}
    statuses = {s.name: s.id for s in session.scalars(sa.select(AppointmentStatus)).all()}
    type_specs = [(types[name], group) for name, _a, _m, group in DEMO_APPOINTMENT_TYPES]
    weights = (30, 20, 20, 12, 10, 6, 2)
    today = datetime.now(UTC).astimezone(tz).date()
    upcoming = _opening_days(today, today + timedelta(weeks=VOLUME_WEEKS))
    past = _opening_days(today - timedelta(days=14), today - timedelta(days=1))
    rows = []
    for index in range(VOLUME_APPOINTMENTS):
        in_past = index < VOLUME_PAST_APPOINTMENTS
        customer_id, home_branch = rng.choice(customers)
        appt_type, group = rng.choices(type_specs, weights=weights)[0]
        day = rng.choice(past if in_past else upcoming)
        roll = rng.random()
        if in_past:
            status = "Erledigt" if roll < 0.8 else "Geplatzt" if roll < 0.9 else "Storniert"
        else:
            status = "Geplant" if roll < 0.7 else "Bestätigt" if roll < 0.95 else "Storniert"
        rows.append(
            {
                "customer_id": customer_id,
                "type_id": appt_type.id,
                "status_id": statuses[status],
                "branch_id": home_branch if rng.random() < 0.9 else rng.choice(branch_ids),
                "starts_at": _opening_start(rng, day, appt_type.duration_minutes, tz),
                "duration_minutes": appt_type.duration_minutes,
                "is_group": group,
                "note": "",
            }
        )
    return rows


def _seed_volume(session: Session, branches: dict[str, Branch], tz_name: str) -> int:
    """About 3,000 customers and 6,000 appointments, inserted in bulk; skipped when already there."""
    marker = f"K-{VOLUME_FIRST_NUMBER}"
    if session.scalar(sa.select(Customer.id).where(Customer.number == marker)) is not None:
        return 0
    rng = random.Random(VOLUME_SEED)
    branch_ids = sorted(b.id for b in branches.values())
    session.execute(sa.insert(Customer), _volume_customers(rng, branch_ids))
    customers = session.execute(
        sa.select(Customer.id, Customer.branch_id)
        .where(Customer.number.like("K-2%"))
        .order_by(Customer.id)
    ).all()
    customers = [(row.id, row.branch_id) for row in customers]
    appointments = _volume_appointments(rng, session, customers, branch_ids, ZoneInfo(tz_name))
    session.execute(sa.insert(Appointment), appointments)
    return len(customers) + len(appointments)


DEMO_USER_EMAILS = {"admin": "anna.admin@example.org", "mitarbeiter": "max.mitarbeiter@example.org"}


def _seed_mail(session: Session, box: SecretBox, smtp_port: int = DEMO_SMTP_PORT) -> int:
    """The E-Mail (SMTP) interface at the local simulator, and e-mail addresses for two demo users.

    With them "E-Mail" is a channel the users can choose under Mein Bereich > Benachrichtigungen.
    """
    _follow_simulator(session, DEMO_MAIL_NAME, port=smtp_port)
    settings = {
        "host": "127.0.0.1",
        "port": smtp_port,
        "security": "none",
        "username": "demo",
        "sender": "portal@example.org",
        "sender_name": "Schnittstellenportal (Demo)",
    }
    interface = _add_interface(
        session,
        "email_smtp",
        DEMO_MAIL_NAME,
        settings,
        server=True,
        client=False,
        secrets={"password": "demo-password"},
        box=box,
    )
    for username, email in DEMO_USER_EMAILS.items():
        user = session.scalar(sa.select(User).where(User.username == username))
        if user is not None and not user.email:
            user.email = email
    return int(interface is not None)
