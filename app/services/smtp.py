"""The SMTP client: outgoing e-mail through the chain's mail server (SPEC §4.5).

Takes its settings as arguments (no Flask), always uses a timeout, and turns every failure into
one `MailError` whose `.text` (language-neutral, `app.i18n.Text`) never holds the password.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from app.i18n import T_
from app.services.gateway import GatewayFault

NONE, STARTTLS, SSL = "none", "starttls", "ssl"
SECURITY_MODES = (NONE, STARTTLS, SSL)
DEFAULT_PORTS = {NONE: 25, STARTTLS: 587, SSL: 465}


@dataclass(frozen=True)
class SmtpSettings:
    """What the client needs to reach one mail server."""

    host: str
    port: int
    security: str = STARTTLS
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = ""
    sender_name: str = ""
    timeout: float = 10.0
    # Tests and the simulator on this computer use a certificate nobody signed.
    tls_context: ssl.SSLContext | None = field(default=None, repr=False)

    @classmethod
    def of(
        cls,
        settings: Mapping[str, Any],
        password: str | None,
        timeout: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> SmtpSettings:
        """An SMTP interface's stored settings, typed, with the password passed in decrypted."""
        security = settings.get("security") or STARTTLS
        return cls(
            host=settings.get("host") or "",
            port=int(settings.get("port") or DEFAULT_PORTS.get(security, 25)),
            security=security,
            username=settings.get("username") or None,
            password=password,
            sender=settings.get("sender") or "",
            sender_name=settings.get("sender_name") or "",
            timeout=timeout,
            tls_context=tls_context,
        )


class MailError(GatewayFault):
    """Sending or checking failed; `.text` is safe to show (and store) and never holds a secret.

    `temporary` is True when trying again later may work (refused connection, timeout, 4xx).
    """

    repr_fields = ("kind", "code", "temporary")
    # The kinds worth trying again later; every other kind needs a change first.
    TEMPORARY_KINDS = frozenset({"connection", "timeout", "temporary"})

    @property
    def temporary(self) -> bool:
        return self.kind in self.TEMPORARY_KINDS


def build_message(
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None = None,
    sender_name: str = "",
    language: str = "de",
) -> EmailMessage:
    """A proper MIME mail: plain text, with an HTML alternative when given."""
    msg = EmailMessage()
    msg["From"] = formataddr((sender_name, sender)) if sender_name else sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)  # required (RFC 5322 3.6); built when sent
    domain = sender.rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    # After the body: make_alternative moves Content-* headers into the first part.
    msg["Content-Language"] = language
    return msg


def _server_text(exc: smtplib.SMTPResponseException) -> str:
    raw = exc.smtp_error
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:200]


class SmtpClient:
    """Talks to one mail server; one connection per call (mail volumes here are small)."""

    def __init__(self, settings: SmtpSettings) -> None:
        if settings.security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {SECURITY_MODES}")
        self.settings = settings

    def __repr__(self) -> str:
        s = self.settings
        return f"SmtpClient(host={s.host!r}, port={s.port!r}, security={s.security!r})"

    @property
    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _context(self) -> ssl.SSLContext:
        return self.settings.tls_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        """Connect, greet, secure and log in; the caller quits."""
        s = self.settings
        try:
            if s.security == SSL:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=self._context()
                )
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except TimeoutError:
            raise MailError(
                "timeout",
                T_(
                    "Der Mailserver (%(where)s) war nicht innerhalb von %(seconds)s s erreichbar:"
                    " Server, Port und Firewall prüfen.",
                    where=self._where,
                    seconds=s.timeout,
                ),
            ) from None
        except ssl.SSLError:
            raise self._tls_error() from None
        except smtplib.SMTPConnectError as exc:
            raise self._refused_answer(exc) from None
        except smtplib.SMTPServerDisconnected:
            raise self._refused() from None
        except OSError:
            raise self._refused() from None
        try:
            conn.ehlo()
            if s.security == STARTTLS:
                if not conn.has_extn("starttls"):
                    raise MailError(
                        "tls",
                        T_(
                            "Der Mailserver (%(where)s) bietet kein STARTTLS an: Sicherheit auf"
                            " „SSL“ oder „keine“ stellen oder den Port prüfen.",
                            where=self._where,
                        ),
                    )
                conn.starttls(context=self._context())
                conn.ehlo()
            if s.username:
                try:
                    conn.login(s.username, s.password or "")
                except UnicodeError:  # smtplib sends AUTH in ASCII only
                    raise MailError(
                        "auth",
                        T_(
                            "Benutzername oder Passwort enthalten Umlaute oder andere Sonderzeichen,"
                            " die die Anmeldung am Mailserver nicht überträgt."
                        ),
                    ) from None
        except MailError:
            self._close(conn)
            raise
        except BaseException as exc:
            self._close(conn)
            raise self._map(exc) from None
        return conn

    @staticmethod
    def _close(conn: smtplib.SMTP) -> None:
        try:
            conn.close()
        except OSError:
            pass

    def check_connection(self) -> None:
        """Connect, EHLO, (STARTTLS,) log in and quit, sending nothing; raises MailError."""
        conn = self._connect()
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            self._close(conn)

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the server; raises MailError (nothing was accepted then)."""
        conn = self._connect()
        try:
            refused = conn.send_message(message)
        except smtplib.SMTPNotSupportedError:
            # send_message's only one: an address with non-ASCII characters, no SMTPUTF8.
            self._close(conn)
            raise MailError(
                "recipient",
                T_(
                    "Der Mailserver (%(where)s) nimmt keine E-Mail-Adressen mit Sonderzeichen"
                    " wie Umlauten an (kein SMTPUTF8): bitte eine Adresse nur aus ASCII-Zeichen"
                    " verwenden.",
                    where=self._where,
                ),
            ) from None
        except BaseException as exc:
            self._close(conn)
            raise self._map(exc) from None
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            self._close(conn)
        if refused:  # only partly accepted: we send to one recipient, so this is rare
            raise MailError("recipient", T_("Der Mailserver hat den Empfänger abgelehnt."))

    def _refused(self) -> MailError:
        return MailError(
            "connection",
            T_(
                "Keine Verbindung zum Mailserver (%(where)s): Server, Port und Firewall prüfen.",
                where=self._where,
            ),
        )

    def _refused_answer(self, exc: smtplib.SMTPResponseException) -> MailError:
        return MailError(
            "connection",
            T_(
                "Der Mailserver (%(where)s) nimmt gerade keine Verbindungen an"
                " (%(code)s %(answer)s). Später erneut versuchen.",
                where=self._where,
                code=exc.smtp_code,
                answer=_server_text(exc),
            ),
            code=exc.smtp_code,
        )

    def _tls_error(self) -> MailError:
        return MailError(
            "tls",
            T_(
                "Die sichere Verbindung (TLS) zum Mailserver (%(where)s) ist fehlgeschlagen:"
                " Sicherheit, Port und Zertifikat prüfen.",
                where=self._where,
            ),
        )

    def _map(self, exc: BaseException) -> MailError:
        """Any failure after connecting, in plain words (the server's text carries no secret)."""
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return MailError(
                "auth",
                T_("Der Mailserver hat Benutzername oder Passwort abgelehnt."),
                code=exc.smtp_code,
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return MailError(
                "auth",
                T_(
                    "Der Mailserver bietet keine Anmeldung an: Benutzername leer lassen oder"
                    " Sicherheit (STARTTLS/SSL) einstellen."
                ),
            )
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            code, raw = next(iter(exc.recipients.values()), (550, b""))
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            return self._by_code(int(code), " ".join(text.split())[:200], "recipient")
        if isinstance(exc, smtplib.SMTPResponseException):
            return self._by_code(exc.smtp_code, _server_text(exc), "server")
        if isinstance(exc, ssl.SSLError):
            return self._tls_error()
        if isinstance(exc, (socket.timeout, TimeoutError)):
            return MailError(
                "timeout",
                T_(
                    "Der Mailserver (%(where)s) hat nicht innerhalb von %(seconds)s s geantwortet."
                    " Später erneut versuchen.",
                    where=self._where,
                    seconds=self.settings.timeout,
                ),
            )
        if isinstance(exc, (smtplib.SMTPException, OSError)):
            return MailError(
                "connection",
                T_(
                    "Die Verbindung zum Mailserver (%(where)s) wurde unterbrochen. Später erneut"
                    " versuchen.",
                    where=self._where,
                ),
            )
        raise exc

    @staticmethod
    def _by_code(code: int, text: str, kind: str) -> MailError:
        if 400 <= code < 500:
            return MailError(
                "temporary",
                T_(
                    "Der Mailserver hat die Mail vorübergehend abgelehnt (%(code)s %(answer)s)."
                    " Sie wird später erneut versucht.",
                    code=code,
                    answer=text,
                ),
                code=code,
            )
        return MailError(
            kind,
            T_(
                "Der Mailserver hat die Mail abgelehnt (%(code)s %(answer)s).",
                code=code,
                answer=text,
            ),
            code=code,
        )
