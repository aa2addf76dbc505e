"""SMSAPI / HQsms protocol: services and their hosts, API error codes and kinds, GatewayError.

What the gateway's protocol defines (the protocol notes), apart from how a
request is made (`app.services.smsapi`, the client).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

SERVICE_HOSTS: dict[str, tuple[str, ...]] = {
    "smsapi_pl": ("https://api.smsapi.pl/", "https://api2.smsapi.pl/"),
    "smsapi_com": ("https://api.smsapi.com/", "https://api2.smsapi.com/"),
    "hqsms": ("https://ssl.hqsms.com/", "https://ssl2.hqsms.com/"),
}
SERVICES = (*SERVICE_HOSTS, "custom")
KINDS = (
    "auth", "credits", "recipient", "message", "sender", "duplicate",
    "timeout", "connection", "proxy", "server", "malformed", "other",
)

_MAYBE_SENT_DE = (
    " Die SMS wurde möglicherweise trotzdem versendet – vor einem neuen Versuch den Versandbericht"
    " im SMSAPI-Kundenkonto prüfen."
)
_MAYBE_SENT_EN = (
    " The message may have been sent anyway – check the delivery report in the SMSAPI customer"
    " account before trying again."
)
_LATER_DE = " Bitte später erneut versuchen."
_LATER_EN = " Please try again later."

# API error codes (protocol notes §4) in plain words; every message names its code.
ERROR_MESSAGES: dict[int, tuple[str, str]] = {
    7: ("Kurzlinks sind für dieses SMSAPI-Konto deaktiviert (Fehler 7).",
        "Short links are disabled for this SMSAPI account (error 7)."),
    8: ("Das SMS-Gateway meldet einen Fehler in der Anfrage (Fehler 8)." + _LATER_DE,
        "The SMS gateway reports an error in the request (error 8)." + _LATER_EN),
    11: ("Die Nachricht ist leer, zu lang oder enthält nicht erlaubte Sonderzeichen (Fehler 11).",
         "The message is empty, too long or contains special characters that are not allowed"
         " (error 11)."),
    12: ("Die Nachricht hat mehr Teile als erlaubt (Fehler 12): Text kürzen oder „Max. Zeichen“"
         " erhöhen.",
         "The message has more parts than allowed (error 12): shorten the text or raise"
         " \"Max. characters\"."),
    13: ("Keine gültige Empfängernummer (Fehler 13): Nummer und Landescode prüfen; die Nummer kann"
         " auch gesperrt sein.",
         "No valid recipient number (error 13): check the number and the country code; the number"
         " may also be blocked."),
    14: ("Der Absendername ist beim SMS-Gateway nicht freigeschaltet (Fehler 14): Absender im"
         " SMSAPI-Kundenkonto prüfen oder das Feld leer lassen.",
         "The sender name is not approved at the SMS gateway (error 14): check the sender in the"
         " SMSAPI customer account or leave the field empty."),
    17: ("Eine Flash-SMS darf keine Sonderzeichen enthalten (Fehler 17).",
         "A flash SMS must not contain special characters (error 17)."),
    18: ("Ungültige Anzahl von Parametern in der Anfrage (Fehler 18).",
         "Invalid number of parameters in the request (error 18)."),
    19: ("Zu viele Nachrichten in einer Anfrage (Fehler 19).",
         "Too many messages in one request (error 19)."),
    20: ("Die Zahl der eigenen Nachrichten-IDs (idx) passt nicht zur Zahl der Empfänger"
         " (Fehler 20).",
         "The number of own message IDs (idx) does not match the number of recipients (error 20)."),
    25: ("„normalize“ und „datacoding“ dürfen nicht zusammen verwendet werden (Fehler 25).",
         "\"normalize\" and \"datacoding\" must not be used together (error 25)."),
    27: ("Die eigene Nachrichten-ID (idx) ist zu lang, höchstens 255 Zeichen (Fehler 27).",
         "The own message ID (idx) is too long, at most 255 characters (error 27)."),
    28: ("Ungültiger Wert für „time_restriction“ (Fehler 28).",
         "Invalid value for \"time_restriction\" (error 28)."),
    30: ("Ungültiger UDH bei einer binären Nachricht (Fehler 30).",
         "Invalid UDH in a binary message (error 30)."),
    32: ("Dieser Versandtyp geht nur an polnische Nummern, oder der Auslandsversand ist im Konto"
         " gesperrt (Fehler 32).",
         "This kind of message only goes to Polish numbers, or sending abroad is disabled for the"
         " account (error 32)."),
    33: ("Für den ECO-Versand fehlen polnische Empfängernummern (Fehler 33).",
         "ECO messages need Polish recipient numbers (error 33)."),
    40: ("Eine Kontaktgruppe mit diesem Namen gibt es nicht (Fehler 40).",
         "There is no contact group with this name (error 40)."),
    41: ("Die Kontaktgruppe ist leer (Fehler 41).", "The contact group is empty (error 41)."),
    50: ("Nachrichten lassen sich höchstens 3 Monate im Voraus planen (Fehler 50).",
         "Messages can be scheduled at most 3 months ahead (error 50)."),
    52: ("Zu viele Versuche an dieselbe Nummer, höchstens 10 in 60 Sekunden (Fehler 52)."
         " Bitte kurz warten.",
         "Too many attempts to the same number, at most 10 within 60 seconds (error 52)."
         " Please wait a moment."),
    53: ("Diese Nachricht wurde schon gesendet: die eigene Nachrichten-ID (idx) ist bereits"
         " vergeben (Fehler 53).",
         "This message was already sent: the own message ID (idx) is already used (error 53)."),
    54: ("Ungültiges Datum; erlaubt sind Unix-Zeitstempel und ISO 8601 (Fehler 54).",
         "Invalid date; only Unix timestamps and ISO 8601 are allowed (error 54)."),
    56: ("Versand- und Ablaufdatum passen nicht zusammen (Fehler 56).",
         "The sending date and the expiry date do not fit together (error 56)."),
    57: ("Die Nummer steht auf der Sperrliste dieses Kontos (Fehler 57).",
         "The number is on this account's blacklist (error 57)."),
    59: ("Die Nummer steht auf der Abmeldeliste (Opt-out) (Fehler 59).",
         "The number is on the opt-out list (error 59)."),
    70: ("Die Adresse für Zustellberichte (notify_url) ist ungültig (Fehler 70).",
         "The delivery report address (notify_url) is invalid (error 70)."),
    74: ("Der Versandzeitpunkt liegt außerhalb der im Konto erlaubten Zeiten (Fehler 74).",
         "The sending time is outside the times allowed for the account (error 74)."),
    76: ("Die Anfrage enthält ungültige Zeichen (Fehler 76).",
         "The request contains invalid characters (error 76)."),
    93: ("Nachrichtenparameter und Kontaktgruppe lassen sich nicht zusammen verwenden (Fehler 93).",
         "Message parameters and a contact group cannot be used together (error 93)."),
    94: ("Dieses Konto darf keine Nachrichten mit Links senden (Fehler 94).",
         "This account may not send messages containing links (error 94)."),
    98: ("Das Konto ist eingeschränkt (Testkonto): SMS nur an die bei der Registrierung angegebene"
         " Nummer (Fehler 98).",
         "The account is restricted (trial): messages only go to the number used at registration"
         " (error 98)."),
    101: ("Die Anmeldung beim SMS-Gateway ist fehlgeschlagen (Fehler 101): Schlüsseltoken oder"
          " Dienst prüfen (SMSAPI.pl vs. SMSAPI.com).",
          "Signing in to the SMS gateway failed (error 101): check the token and the service"
          " (SMSAPI.pl vs. SMSAPI.com)."),
    102: ("Benutzername oder Passwort für das SMS-Gateway ist falsch (Fehler 102).",
          "The user name or password for the SMS gateway is wrong (error 102)."),
    103: ("Das Guthaben beim SMS-Gateway reicht nicht aus (Fehler 103): bitte Punkte aufladen.",
          "The SMS gateway balance is too low (error 103): please top up the points."),
    104: ("Die angegebene Vorlage gibt es nicht (Fehler 104).",
          "The given template does not exist (error 104)."),
    105: ("Das SMS-Gateway lehnt die IP-Adresse dieses Servers ab (Fehler 105): IP-Filter im"
          " SMSAPI-Kundenkonto prüfen.",
          "The SMS gateway refuses this server's IP address (error 105): check the IP filter in the"
          " SMSAPI customer account."),
    106: ("Der Kurzlink ist ungültig (Fehler 106).", "The short link is invalid (error 106)."),
    110: ("Diese Aktion ist für das SMSAPI-Konto nicht freigeschaltet (Fehler 110).",
          "This action is not enabled for the SMSAPI account (error 110)."),
    112: ("Der Versand in dieses Land ist für das Konto gesperrt (Fehler 112).",
          "Sending to this country is disabled for the account (error 112)."),
    200: ("Die Nachricht konnte nicht übermittelt werden (Fehler 200)." + _LATER_DE,
          "The message could not be submitted (error 200)." + _LATER_EN),
    201: ("Interner Fehler beim SMS-Gateway (Fehler 201)." + _LATER_DE,
          "Internal error at the SMS gateway (error 201)." + _LATER_EN),
    202: ("Zu viele gleichzeitige Anfragen, die Nachricht wird nicht gesendet (Fehler 202)."
          + _LATER_DE,
          "Too many simultaneous requests, the message will not be sent (error 202)."
          + _LATER_EN),
    203: ("Zu viele Anfragen (Fehler 203)." + _LATER_DE,
          "Too many requests (error 203)." + _LATER_EN),
    301: ("Diese Nachrichten-ID gibt es nicht (Fehler 301).",
          "This message ID does not exist (error 301)."),
    400: ("Ungültige Nachrichten-ID in der Statusabfrage (Fehler 400).",
          "Invalid message ID in the status request (error 400)."),
    401: ("Dem Schlüsseltoken fehlt die Berechtigung für diese Aktion (Fehler 401): Token mit den"
          " nötigen Rechten anlegen.",
          "The token lacks the permission for this action (error 401): create a token with the"
          " required scopes."),
    409: ("Der Wert existiert bereits (Fehler 409).", "The value already exists (error 409)."),
    666: ("Interner Fehler beim SMS-Gateway (Fehler 666)." + _LATER_DE,
          "Internal error at the SMS gateway (error 666)." + _LATER_EN),
    997: ("Für dieses Konto ist nur HTTPS erlaubt (Fehler 997): Basis-URL mit https:// eintragen.",
          "This account only allows HTTPS (error 997): use an https:// base URL."),
    998: ("Der Kurzlink-Dienst ist gerade nicht verfügbar (Fehler 998).",
          "The short link service is unavailable right now (error 998)."),
    999: ("Interner Fehler beim SMS-Gateway (Fehler 999)." + _LATER_DE,
          "Internal error at the SMS gateway (error 999)." + _LATER_EN),
    1000: ("Diese Aktion ist nur für das Hauptkonto erlaubt (Fehler 1000).",
           "This action is only allowed for the main account (error 1000)."),
    1001: ("Ungültige Aktion (Fehler 1001).", "Invalid action (error 1001)."),
    2031: ("Diesen Absendernamen gibt es nicht (Fehler 2031).",
           "This sender name does not exist (error 2031)."),
    2061: ("Der Absendername muss aktiv sein, um Standard zu werden (Fehler 2061).",
           "The sender name must be active to become the default (error 2061)."),
    2112: ("Ungültiger Absendername: höchstens 11 Zeichen, nur a–z, A–Z, 0–9, Bindestrich, Punkt"
           " und Leerzeichen (Fehler 2112).",
           "Invalid sender name: at most 11 characters, only a–z, A–Z, 0–9, hyphen, dot and space"
           " (error 2112)."),
    2115: ("Der Absendername existiert bereits (Fehler 2115).",
           "The sender name already exists (error 2115)."),
}
for _code in (21, 22, 23, 24, 26, 31, 35):
    ERROR_MESSAGES[_code] = (
        f"Fehler bei MMS- oder VMS-Inhalten (Größe, SMIL, Dateiimport, Betreff oder Sprachausgabe)"
        f" (Fehler {_code}).",
        f"Error in MMS or VMS content (size, SMIL, file import, subject or text-to-speech)"
        f" (error {_code}).",
    )
for _code in range(60, 67):
    ERROR_MESSAGES[_code] = (
        f"Fehler bei der Rabattgruppe (discount_group) (Fehler {_code}).",
        f"Error in the discount group (discount_group) (error {_code}).",
    )
del _code

# (first, last, German text, English text) for the code ranges the notes do not itemise.
_ERROR_RANGES: tuple[tuple[int, int, str, str], ...] = (
    (1010, 1193, "Fehler bei der Verwaltung von Unterkonten", "Error managing subaccounts"),
    (2001, 2115, "Fehler bei der Verwaltung von Absendernamen", "Error managing sender names"),
    (4000, 4999, "Fehler in der Kontaktdatenbank", "Error in the contacts database"),
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


def error_message(code: int) -> tuple[str, str]:
    """Plain German and English text for an API error code, generic for unknown codes."""
    if code in ERROR_MESSAGES:
        return ERROR_MESSAGES[code]
    for first, last, de, en in _ERROR_RANGES:
        if first <= code <= last:
            return f"{de} (Fehler {code}).", f"{en} (error {code})."
    return (
        f"Das SMS-Gateway hat den Auftrag abgelehnt (Fehler {code}).",
        f"The SMS gateway refused the request (error {code}).",
    )


def error_kind(code: int) -> str:
    """The GatewayError kind of an API error code."""
    if 2001 <= code <= 2115:
        return "sender"
    return _KIND_BY_CODE.get(code, "other")


class GatewayError(Exception):
    """A gateway call failed; .user_message is safe to show and never holds a secret."""

    def __init__(
        self,
        kind: str,
        message_de: str,
        message_en: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        maybe_sent: bool = False,
        detail: str | None = None,
        invalid_numbers: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message_de)
        self.kind = kind
        self.code = code
        self.http_status = http_status
        self.user_message_de = message_de
        self.user_message_en = message_en
        # True when the request may have reached the gateway (read timeout, dropped answer).
        self.maybe_sent = maybe_sent
        # The gateway's own short text (e.g. "Authorization failed"), for history and support.
        self.detail = detail
        self.invalid_numbers = tuple(invalid_numbers)

    @classmethod
    def from_code(cls, code: int, **kwargs: Any) -> GatewayError:
        """The error for an API error code, with its plain-language messages."""
        de, en = error_message(code)
        return cls(error_kind(code), de, en, code=code, **kwargs)

    @property
    def user_message(self) -> str:
        """The German message (the portal's default language)."""
        return self.user_message_de

    def message_for(self, lang: str) -> str:
        """The message in "de" or "en"."""
        return self.user_message_en if lang.startswith("en") else self.user_message_de

    def __str__(self) -> str:
        return self.user_message_de

    def __repr__(self) -> str:
        return (
            f"GatewayError(kind={self.kind!r}, code={self.code!r},"
            f" http_status={self.http_status!r})"
        )

    def __reduce__(self):
        return (_rebuild_error, (self.__class__, self.__dict__.copy()))


def _rebuild_error(cls: type[GatewayError], state: dict[str, Any]) -> GatewayError:
    err = cls.__new__(cls)
    Exception.__init__(err, state["user_message_de"])
    err.__dict__.update(state)
    return err
