"""Extension objects, created unbound and initialised in create_app.

The database policy they are built with (session class, constraint names, write guard,
connection settings) lives in `app.db`.
"""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData

from app.db import NAMING_CONVENTION, PortalSession

db = SQLAlchemy(
    metadata=MetaData(naming_convention=NAMING_CONVENTION),
    session_options={"class_": PortalSession},
)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
babel = Babel()


def secret_box():
    """The app's SecretBox (built from FERNET_KEYS in create_app)."""
    from flask import current_app

    return current_app.extensions["secret_box"]
