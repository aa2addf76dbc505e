"""Settings-form fields and rules several interface types share (text, port, proxy).

Builders, not a base form: WTForms orders fields by when they were made, so each type's form
calls them in its own class body and keeps its field order.
"""

from __future__ import annotations

import ipaddress
import re

import wtforms
from wtforms import validators as v

from app.i18n import _l

PROXY_HOST = re.compile(r"[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\]")


def strip(value):
    """Field filter: surrounding white space off a text."""
    return value.strip() if isinstance(value, str) else value


def is_loopback(host: str) -> bool:
    """This very computer: localhost or a loopback address (127.0.0.0/8, ::1), not a name like
    127.example.org."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def text(label, max_length: int, required=None, **kwargs) -> wtforms.StringField:
    """A stripped text field of at most `max_length` characters; `required` is the message
    shown when it is empty (None: optional)."""
    first = v.InputRequired(message=required) if required is not None else v.Optional()
    extra = kwargs.pop("validators", [])
    return wtforms.StringField(
        label, filters=[strip], validators=[first, v.Length(max=max_length), *extra], **kwargs
    )


def number_required():
    """The validator of a number field that must be filled."""
    return v.InputRequired(message=_l("Bitte geben Sie eine Zahl an."))


def port(label, required: bool = False, **kwargs) -> wtforms.IntegerField:
    """A TCP port (1-65535)."""
    return wtforms.IntegerField(
        label,
        validators=[
            number_required() if required else v.Optional(),
            v.NumberRange(
                min=1, max=65535, message=_l("Der Port muss zwischen 1 und 65535 liegen.")
            ),
        ],
        **kwargs,
    )


def proxy_host() -> wtforms.StringField:
    """ "Proxy Server": a host name or IP address (checked by `validate_proxy_host`)."""
    return text(_l("Proxy Server"), 200)


def proxy_port() -> wtforms.IntegerField:
    """ "Proxy Port"."""
    return port(_l("Proxy Port"))


def validate_proxy_host(form, field) -> None:
    """Only the host: no scheme, no port (used as a form's `validate_proxy_host`)."""
    if field.data and not PROXY_HOST.fullmatch(field.data):
        raise wtforms.ValidationError(
            _l(
                "Bitte nur den Rechnernamen oder die IP-Adresse des "
                "Proxys angeben (ohne http:// und ohne Port)."
            )
        )


def validate_proxy_pair(form) -> None:
    """Proxy server and port come as a pair (a cross-field rule)."""
    has_host, has_port = bool(form.proxy_host.data), form.proxy_port.data is not None
    if has_host != has_port and not form.proxy_port.errors:
        target = form.proxy_port if has_host else form.proxy_host
        target.errors.append(
            _l("Proxy Server und Proxy Port bitte beide angeben oder beide leer lassen.")
        )
