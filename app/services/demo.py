"""Demo data: a small hearing-aid and optics chain; running it twice changes nothing."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from datetime import date

from app.models import Branch, Chain, Customer, Interface, Role, User, Workstation
from app.services import interface_types
from app.services.customers import search_text_for
from app.services.interfaces import denormalise, record_event, write_secret
from app.services.secrets import SecretBox

# The local SMSAPI simulator the first README command starts (flask --app wsgi sim smsapi).
DEMO_SMS_URL = "http://127.0.0.1:8025/"
DEMO_SMS_TOKEN = "demo-token"
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
    {"number": "01", "code": "STR", "name": "Stuttgart Mitte", "street": "Königstraße 12",
     "postcode": "70173", "city": "Stuttgart", "country": "DE", "phone": "+49 711 2233440",
     "email": "stuttgart@hoerwelt-demo.de", "workstations": ("STR-EMPFANG", "STR-ANPASSUNG", "STR-OPTIK")},
    {"number": "02", "code": "ESS", "name": "Esslingen", "street": "Bahnhofstraße 5",
     "postcode": "73728", "city": "Esslingen am Neckar", "country": "DE", "phone": "+49 711 3966120",
     "email": "esslingen@hoerwelt-demo.de", "workstations": ("ESS-EMPFANG", "ESS-ANPASSUNG")},
    {"number": "03", "code": "LBG", "name": "Ludwigsburg", "street": "Marktplatz 3",
     "postcode": "71634", "city": "Ludwigsburg", "country": "DE", "phone": "+49 7141 905530",
     "email": None, "workstations": ("LBG-EMPFANG",)},
)

# Demo log-ins are printed by the seed and listed in the README; they exist only in demo databases.
DEMO_USERS = (
    {"username": "admin", "password": "Demo-Admin-2026", "role": Role.ADMIN, "full_name": "Anna Admin",
     "branch": None},
    {"username": "mitarbeiter", "password": "Demo-Mitarbeiter-2026", "role": Role.EMPLOYEE,
     "full_name": "Max Mitarbeiter", "branch": "01", "workstation": "STR-EMPFANG"},
    {"username": "helpdesk", "password": "Demo-Helpdesk-2026", "role": Role.HELPDESK,
     "full_name": "Hanna Helpdesk", "branch": None},
)


def seed(session: Session, box: SecretBox) -> str:
    """Create what is missing of the demo chain and return the printable log-ins."""
    chain = Chain.get(session)
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
            user = User(username=spec["username"], full_name=spec["full_name"], role=spec["role"].value)
            user.set_password(spec["password"])
            if spec.get("branch"):
                user.branch_id = branches[spec["branch"]].id
            if spec.get("workstation"):
                user.workstation_id = session.scalar(
                    sa.select(Workstation.id).where(Workstation.name == spec["workstation"]))
            session.add(user)
            created += 1
        lines.append(f"  {spec['role'].value:<9} user: {spec['username']:<12} password: {spec['password']}")
    session.flush()
    created += _seed_customers(session, branches)
    created += _seed_interfaces(session, box)
    session.flush()
    head = f"Demo chain '{chain.name}': {created} record(s) created" + (
        "." if created else " (already complete, nothing changed).")
    return "\n".join([head, "Log-ins:", *lines])


def _seed_customers(session: Session, branches: dict[str, Branch]) -> int:
    created = 0
    for number, salutation, first, last, mobile, consent, branch in DEMO_CUSTOMERS:
        if session.scalar(sa.select(Customer.id).where(Customer.number == number)) is None:
            customer = Customer(number=number, salutation=salutation, first_name=first, last_name=last,
                                mobile=mobile, sms_consent=consent, branch_id=branches[branch].id,
                                email=f"{first.lower()}.{last.lower()}@example.org")
            customer.search_text = search_text_for(customer)
            session.add(customer)
            created += 1
    return created


def _seed_interfaces(session: Session, box: SecretBox) -> int:
    """An SMS interface pointed at the local simulator, and the SiNNO chat."""
    created = 0
    admin = session.scalar(sa.select(User).where(User.username == "admin"))
    specs = (
        ("smsapi", "SMS Filialkette (Simulator)", True, True,
         {"service": "custom", "base_url": DEMO_SMS_URL, "auth_mode": "token", "username": "",
          "sender": "", "country_code": "+49", "max_chars": 1000, "proxy_host": "",
          "proxy_port": None}, {"token": DEMO_SMS_TOKEN}),
    )
    for type_key, name, server, client, settings, secrets in specs:
        if session.scalar(sa.select(Interface.id).where(Interface.name == name)) is not None:
            continue
        itype = interface_types.get(type_key)
        interface = Interface(type_key=type_key, group=itype.group, name=name, server_side=server,
                              client_side=client, settings=settings, state={}, start_date=date.today(),
                              created_by_id=admin.id if admin else None)
        denormalise(session, interface, itype)
        session.add(interface)
        for field, value in secrets.items():
            write_secret(box, interface, field, value)
        session.flush()
        record_event(session, interface, "created", admin, message="Demo-Daten")
        created += 1
    return created
