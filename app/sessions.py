"""The signed session cookie, with its serializer built once instead of on every request."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class PortalSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session; the same cookie format, keys and salt.

    Flask builds a new serializer (and with it a trial serialisation) each time it reads or
    writes the cookie; it depends only on the secret keys, so one is kept per set of keys.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if len(self._serializers) > 8:  # keys changed at run time (tests): keep it small
                self._serializers.clear()
            self._serializers[key] = serializer
        return serializer
