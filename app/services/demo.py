"""Demo data: a small hearing-aid and optics chain; running it twice changes nothing."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Branch, Chain, Role, User, Workstation

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


def seed(session: Session) -> str:
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
    head = f"Demo chain '{chain.name}': {created} record(s) created" + (
        "." if created else " (already complete, nothing changed).")
    return "\n".join([head, "Log-ins:", *lines])
