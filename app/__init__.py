"""The interface administration portal: the application factory."""

from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context, has_request_context, request, session
from flask_babel import force_locale, get_locale, get_translations, gettext
from flask_login import current_user
from jinja2 import StrictUndefined

from app import db as database
from app import extensions as ext
from app import i18n, request_guard
from app.config import Config, config_from_env
from app.services.secrets import SecretBox
from app.sessions import PortalSessionInterface


def create_app(config: Config | type[Config] | None = None) -> Flask:
    """Build the portal app; tests pass TestConfig, wsgi.py the settings named by PORTAL_ENV."""
    app = Flask(__name__, instance_relative_config=False)
    config = config or config_from_env()
    app.config.from_object(config)
    app.session_interface = PortalSessionInterface()
    Config.check(app.config)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    register_logging(app)
    register_extensions(app)
    request_guard.init_app(app)  # before the blueprints: it replaces the `int` URL converter
    register_blueprints(app)
    register_security(app)
    register_templates(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    """Log to stderr in a plain format; request data and secrets are never logged."""
    if not app.debug and not app.testing:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        app.logger.handlers[:] = [handler]
        app.logger.setLevel(logging.INFO)
        app.logger.propagate = False  # the worker configures the root logger too: no double lines


def select_locale() -> str:
    """German unless the user chose English (session first, then the account's setting)."""
    languages = babel_languages()
    lang = session.get("lang")
    if lang in languages:
        return lang
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return "de"


def _babel_gettext(message: str) -> str:
    """Translate with Flask-Babel inside a request; the German source text outside one."""
    return gettext(message) if has_request_context() else message


def _babel_gettext_in(language: str, message: str) -> str:
    """Translate into a given language (Flask-Babel in an app context, the catalogue outside one)."""
    if not has_app_context():
        return i18n.catalogue_gettext(language, message)
    with force_locale(language):
        return gettext(message)


def _babel_ngettext(singular: str, plural: str, n: int) -> str:
    """The form for `n`, translated for the request's reader (German outside a request)."""
    if not has_request_context():
        return singular if n == 1 else plural
    return get_translations().ungettext(singular, plural, n)


def _babel_ngettext_in(language: str, singular: str, plural: str, n: int) -> str:
    """The form for `n` in a given language (as `_babel_gettext_in`)."""
    if not has_app_context():
        return i18n.catalogue_ngettext(language, singular, plural, n)
    with force_locale(language):
        return get_translations().ungettext(singular, plural, n)


def _current_language() -> str:
    """The request's language, German outside a request (worker, CLI)."""
    if has_request_context():
        locale = get_locale()
        return locale.language if locale else "de"
    return "de"


def babel_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def register_extensions(app: Flask) -> None:
    """Bind the extension objects to this app."""
    from app import models  # noqa: F401  (register the tables with the metadata)

    ext.db.init_app(app)
    with app.app_context():
        database.init_app(app, ext.db.engine)
    ext.migrate.init_app(app, ext.db, render_as_batch=True, compare_type=True)
    ext.csrf.init_app(app)
    # app.htmx (our helper module) shadows a bare `htmx` name in this package.
    ext.htmx.init_app(app)
    ext.babel.init_app(app, locale_selector=select_locale)
    ext.login_manager.init_app(app)
    app.extensions["secret_box"] = SecretBox(list(app.config["FERNET_KEYS"]))
    i18n.set_translator(
        _babel_gettext, _current_language, _babel_gettext_in, _babel_ngettext, _babel_ngettext_in
    )
    ext.login_manager.login_view = "auth.login"
    # No session protection: "basic" only marks a session from another address or browser as
    # not fresh, and nothing here asks for a fresh log-in (revealing a secret asks for the
    # password itself); it would hash address and user agent on every request for nothing.
    ext.login_manager.session_protection = None

    from app.blueprints.auth.session_user import load

    ext.login_manager.user_loader(load)


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per feature."""
    from app.blueprints import (
        appointments,
        audit,
        auth,
        branches,
        chain,
        customers,
        errors,
        health,
        interfaces,
        main,
        outbox,
        sms,
        status,
        users,
        workstations,
    )

    for module in (
        errors,
        auth,
        main,
        users,
        chain,
        branches,
        workstations,
        interfaces,
        audit,
        customers,
        appointments,
        sms,
        outbox,
    ):
        app.register_blueprint(module.bp)
    from app.blueprints import sinno

    app.register_blueprint(sinno.bp)
    app.register_blueprint(status.bp)
    app.register_blueprint(health.bp)
    from app.blueprints import account, chat, notifications

    app.register_blueprint(account.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(chat.bp)


def register_security(app: Flask) -> None:
    """Access rules for every route, and protective response headers."""
    from app.blueprints.auth.decorators import enforce_access

    # First of all hooks: a forbidden request gets 403 (or the log-in) before CSRF or anything else.
    app.before_request_funcs.setdefault(None, []).insert(0, enforce_access)

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        if request.endpoint != "static" and current_user.is_authenticated:
            # Pages of a logged-in user hold customer data, and branch PCs are shared: no cache
            # keeps them, so Back after a log-out shows nothing (no-cache would still store them).
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp


def register_templates(app: Flask) -> None:
    """Template settings and helpers available in every template."""
    from app import template_helpers

    if app.config.get("TEMPLATES_STRICT"):
        app.jinja_env.undefined = StrictUndefined
    template_helpers.init_app(app)


def register_commands(app: Flask) -> None:
    """CLI groups: users, demo, secrets, sim."""
    from app import commands

    commands.init_app(app)
