"""SMSAPI / HQsms protocol: services and their hosts, API error codes and kinds, GatewayError.

What the gateway's protocol defines (the protocol notes), apart from how a
request is made (`app.services.smsapi`, the client).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from app.i18n import N_, Text
from app.services.gateway import GatewayFault

SERVICE_HOSTS: dict[str, tuple[str, ...]] = {
    "smsapi_pl": ("https://api.smsapi.pl/", "https://api2.smsapi.pl/"),
    "smsapi_com": ("https://api.smsapi.com/", "https://api2.smsapi.com/"),
    "hqsms": ("https://ssl.hqsms.com/", "https://ssl2.hqsms.com/"),
}
SERVICES = (*SERVICE_HOSTS, "custom")
KINDS = (
    "auth",
    "credits",
    "recipient",
    "message",
    "sender",
    "duplicate",
    "timeout",
    "connection",
    "proxy",
    "server",
    "malformed",
    "other",
)

# API error codes (protocol notes §4) in plain words; every message names its code.
ERROR_MESSAGES: dict[int, str] = {
    7: N_("Kurzlinks sind für dieses SMSAPI-Konto deaktiviert (Fehler 7)."),
    8: N_(
        "Das SMS-Gateway meldet einen Fehler in der Anfrage (Fehler 8). Bitte später"
        " erneut versuchen."
    ),
    11: N_(
        "Die Nachricht ist leer, zu lang oder enthält nicht erlaubte Sonderzeichen (Fehler 11)."
    ),
    12: N_(
        "Die Nachricht hat mehr Teile als erlaubt (Fehler 12): Text kürzen oder „Max."
        " Zeichen“ erhöhen."
    ),
    13: N_(
        "Keine gültige Empfängernummer (Fehler 13): Nummer und Landescode prüfen; die"
        " Nummer kann auch gesperrt sein."
    ),
    14: N_(
        "Der Absendername ist beim SMS-Gateway nicht freigeschaltet (Fehler 14): Absender"
        " im SMSAPI-Kundenkonto prüfen oder das Feld leer lassen."
    ),
    17: N_("Eine Flash-SMS darf keine Sonderzeichen enthalten (Fehler 17)."),
    18: N_("Ungültige Anzahl von Parametern in der Anfrage (Fehler 18)."),
    19: N_("Zu viele Nachrichten in einer Anfrage (Fehler 19)."),
    20: N_(
        "Die Zahl der eigenen Nachrichten-IDs (idx) passt nicht zur Zahl der Empfänger (Fehler 20)."
    ),
    25: N_("„normalize“ und „datacoding“ dürfen nicht zusammen verwendet werden (Fehler 25)."),
    27: N_("Die eigene Nachrichten-ID (idx) ist zu lang, höchstens 255 Zeichen (Fehler 27)."),
    28: N_("Ungültiger Wert für „time_restriction“ (Fehler 28)."),
    30: N_("Ungültiger UDH bei einer binären Nachricht (Fehler 30)."),
    32: N_(
        "Dieser Versandtyp geht nur an polnische Nummern, oder der Auslandsversand ist im"
        " Konto gesperrt (Fehler 32)."
    ),
    33: N_("Für den ECO-Versand fehlen polnische Empfängernummern (Fehler 33)."),
    40: N_("Eine Kontaktgruppe mit diesem Namen gibt es nicht (Fehler 40)."),
    41: N_("Die Kontaktgruppe ist leer (Fehler 41)."),
    50: N_("Nachrichten lassen sich höchstens 3 Monate im Voraus planen (Fehler 50)."),
    52: N_(
        "Zu viele Versuche an dieselbe Nummer, höchstens 10 in 60 Sekunden (Fehler 52)."
        " Bitte kurz warten."
    ),
    53: N_(
        "Diese Nachricht wurde schon gesendet: die eigene Nachrichten-ID (idx) ist"
        " bereits vergeben (Fehler 53)."
    ),
    54: N_("Ungültiges Datum; erlaubt sind Unix-Zeitstempel und ISO 8601 (Fehler 54)."),
    56: N_("Versand- und Ablaufdatum passen nicht zusammen (Fehler 56)."),
    57: N_("Die Nummer steht auf der Sperrliste dieses Kontos (Fehler 57)."),
    59: N_("Die Nummer steht auf der Abmeldeliste (Opt-out) (Fehler 59)."),
    70: N_("Die Adresse für Zustellberichte (notify_url) ist ungültig (Fehler 70)."),
    74: N_("Der Versandzeitpunkt liegt außerhalb der im Konto erlaubten Zeiten (Fehler 74)."),
    76: N_("Die Anfrage enthält ungültige Zeichen (Fehler 76)."),
    93: N_(
        "Nachrichtenparameter und Kontaktgruppe lassen sich nicht zusammen verwenden (Fehler 93)."
    ),
    94: N_("Dieses Konto darf keine Nachrichten mit Links senden (Fehler 94)."),
    98: N_(
        "Das Konto ist eingeschränkt (Testkonto): SMS nur an die bei der Registrierung"
        " angegebene Nummer (Fehler 98)."
    ),
    101: N_(
        "Die Anmeldung beim SMS-Gateway ist fehlgeschlagen (Fehler 101): Schlüsseltoken"
        " oder Dienst prüfen (SMSAPI.pl vs. SMSAPI.com)."
    ),
    102: N_("Benutzername oder Passwort für das SMS-Gateway ist falsch (Fehler 102)."),
    103: N_("Das Guthaben beim SMS-Gateway reicht nicht aus (Fehler 103): bitte Punkte aufladen."),
    104: N_("Die angegebene Vorlage gibt es nicht (Fehler 104)."),
    105: N_(
        "Das SMS-Gateway lehnt die IP-Adresse dieses Servers ab (Fehler 105): IP-Filter"
        " im SMSAPI-Kundenkonto prüfen."
    ),
    106: N_("Der Kurzlink ist ungültig (Fehler 106)."),
    110: N_("Diese Aktion ist für das SMSAPI-Konto nicht freigeschaltet (Fehler 110)."),
    112: N_("Der Versand in dieses Land ist für das Konto gesperrt (Fehler 112)."),
    200: N_(
        "Die Nachricht konnte nicht übermittelt werden (Fehler 200). Bitte später erneut versuchen."
    ),
    201: N_("Interner Fehler beim SMS-Gateway (Fehler 201). Bitte später erneut versuchen."),
    202: N_(
        "Zu viele gleichzeitige Anfragen, die Nachricht wird nicht gesendet (Fehler 202)."
        " Bitte später erneut versuchen."
    ),
    203: N_("Zu viele Anfragen (Fehler 203). Bitte später erneut versuchen."),
    301: N_("Diese Nachrichten-ID gibt es nicht (Fehler 301)."),
    400: N_("Ungültige Nachrichten-ID in der Statusabfrage (Fehler 400)."),
    401: N_(
        "Dem Schlüsseltoken fehlt die Berechtigung für diese Aktion (Fehler 401): Token"
        " mit den nötigen Rechten anlegen."
    ),
    409: N_("Der Wert existiert bereits (Fehler 409)."),
    666: N_("Interner Fehler beim SMS-Gateway (Fehler 666). Bitte später erneut versuchen."),
    997: N_(
        "Für dieses Konto ist nur HTTPS erlaubt (Fehler 997): Basis-URL mit https:// eintragen."
    ),
    998: N_("Der Kurzlink-Dienst ist gerade nicht verfügbar (Fehler 998)."),
    999: N_("Interner Fehler beim SMS-Gateway (Fehler 999). Bitte später erneut versuchen."),
    1000: N_("Diese Aktion ist nur für das Hauptkonto erlaubt (Fehler 1000)."),
    1001: N_("Ungültige Aktion (Fehler 1001)."),
    2031: N_("Diesen Absendernamen gibt es nicht (Fehler 2031)."),
    2061: N_("Der Absendername muss aktiv sein, um Standard zu werden (Fehler 2061)."),
    2112: N_(
        "Ungültiger Absendername: höchstens 11 Zeichen, nur a–z, A–Z, 0–9, Bindestrich,"
        " Punkt und Leerzeichen (Fehler 2112)."
    ),
    2115: N_("Der Absendername existiert bereits (Fehler 2115)."),
}
_MMS_ERROR = N_(
    "Fehler bei MMS- oder VMS-Inhalten (Größe, SMIL, Dateiimport, Betreff oder Sprachausgabe)"
    " (Fehler %(code)d)."
)
_DISCOUNT_GROUP_ERROR = N_("Fehler bei der Rabattgruppe (discount_group) (Fehler %(code)d).")
_GENERIC_ERROR = N_("Das SMS-Gateway hat den Auftrag abgelehnt (Fehler %(code)d).")

# Codes the notes describe together, and the ranges they do not itemise: one text each.
_ERROR_GROUPS: tuple[tuple[Collection[int], str], ...] = (
    (frozenset({21, 22, 23, 24, 26, 31, 35}), _MMS_ERROR),
    (range(60, 67), _DISCOUNT_GROUP_ERROR),
    (range(1010, 1194), N_("Fehler bei der Verwaltung von Unterkonten (Fehler %(code)d).")),
    (range(2001, 2116), N_("Fehler bei der Verwaltung von Absendernamen (Fehler %(code)d).")),
    (range(4000, 5000), N_("Fehler in der Kontaktdatenbank (Fehler %(code)d).")),
)

_KIND_BY_CODE: dict[int, str] = {
    **dict.fromkeys((101, 102, 105, 110, 401, 1000), "auth"),
    103: "credits",
    **dict.fromkeys((13, 32, 33, 52, 57, 59, 98, 112), "recipient"),
    **dict.fromkeys((7, 11, 12, 17, 25, 30, 76, 94, 104, 106), "message"),
    **dict.fromkeys((14, 2031, 2061, 2112, 2115), "sender"),
    53: "duplicate",
    **dict.fromkeys((8, 200, 201, 202, 203, 666, 998, 999), "server"),
}


def error_message(code: int) -> Text:
    """The plain-words text of an API error code, generic for unknown codes."""
    if code in ERROR_MESSAGES:
        return Text(ERROR_MESSAGES[code])
    for codes, message in _ERROR_GROUPS:
        if code in codes:
            return Text(message, {"code": code})
    return Text(_GENERIC_ERROR, {"code": code})


def error_kind(code: int) -> str:
    """The GatewayError kind of an API error code."""
    if 2001 <= code <= 2115:
        return "sender"
    return _KIND_BY_CODE.get(code, "other")


class GatewayError(GatewayFault):
    """An SMS gateway call failed; .text is safe to show (and store) and never holds a secret."""

    def __init__(
        self,
        kind: str,
        text: Text,
        *,
        code: int | None = None,
        http_status: int | None = None,
        maybe_sent: bool = False,
        detail: str | None = None,
        invalid_numbers: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(kind, text, code=code, http_status=http_status)
        # True when the request may have reached the gateway (read timeout, dropped answer).
        self.maybe_sent = maybe_sent
        # The gateway's own short text (e.g. "Authorization failed"), for history and support.
        self.detail = detail
        self.invalid_numbers = tuple(invalid_numbers)

    @classmethod
    def from_code(cls, code: int, **kwargs: Any) -> GatewayError:
        """The error for an API error code, with its plain-words text."""
        return cls(error_kind(code), error_message(code), code=code, **kwargs)
