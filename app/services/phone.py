"""Mobile number normalisation for SMS gateways, based on `phonenumbers`."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType, ValidationResult

from app.i18n import N_, Text

# Numbers typed without their own prefix belong to this country (the chain's and an SMS interface's
# default "Landescode").
DEFAULT_COUNTRY_CODE = "+49"

# Digits plus the separators people type; letters ("vanity numbers") are refused on purpose.
_ALLOWED = re.compile(r"^\+?[0-9 ()./\-]+$")
_COUNTRY_CODE = re.compile(r"^(?:\+|00)?([1-9][0-9]{0,2})$")

# Why a number cannot take an SMS, by reason code (translated through the catalogue).
_MESSAGES: dict[str, str] = {
    "empty": N_("Bitte geben Sie eine Mobilnummer an."),
    "not_a_number": N_(
        "Das ist keine Telefonnummer (nur Ziffern, Leerzeichen, +, -, / und Klammern)."
    ),
    "invalid_country_code": N_("Die Ländervorwahl ist unbekannt."),
    "country_code_setting": N_(
        "Der Landescode der Schnittstelle ist ungültig (z. B. +49 eintragen)."
    ),
    "too_short": N_("Die Telefonnummer ist zu kurz."),
    "too_long": N_("Die Telefonnummer ist zu lang."),
    "invalid": N_("Die Telefonnummer ist ungültig (Vorwahl und Länge prüfen)."),
    "not_mobile": N_(
        "Das ist eine Festnetznummer; SMS können nur an Mobilnummern gesendet werden."
    ),
}

_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "invalid_country_code",
    NumberParseException.NOT_A_NUMBER: "not_a_number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
    NumberParseException.TOO_SHORT_NSN: "too_short",
    NumberParseException.TOO_LONG: "too_long",
}

_POSSIBLE_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: "invalid_country_code",
    ValidationResult.TOO_SHORT: "too_short",
    ValidationResult.TOO_LONG: "too_long",
    ValidationResult.INVALID_LENGTH: "invalid",
    # A local number without area code: for a mobile that only means digits are missing.
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "too_short",
}


class InvalidPhoneNumber(ValueError):
    """The number cannot receive an SMS; `.reason` is a stable code, `.text` says why to a user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.text = Text(_MESSAGES[reason])
        super().__init__(_MESSAGES[reason])

    @property
    def message(self) -> str:
        """Why, in the current reader's language."""
        return str(self.text)

    def __repr__(self) -> str:
        return f"InvalidPhoneNumber({self.reason!r})"


@dataclass(frozen=True)
class NormalisedNumber:
    """A number in E.164 ("+4915123456789"), as gateway digits ("4915123456789") and national."""

    e164: str
    gateway_digits: str
    national: str


def calling_code(country_code: str) -> int | None:
    """The numeric calling code of "+49", "0049" or "49", or None when it is malformed."""
    match = _COUNTRY_CODE.match((country_code or "").strip().replace(" ", ""))
    return int(match.group(1)) if match else None


def region_for_country_code(country_code: str) -> str | None:
    """The main region ("DE") of a calling code ("+49"); None if unknown or non-geographic."""
    code = calling_code(country_code)
    if code is None:
        return None
    region = phonenumbers.region_code_for_country_code(code)
    # "001" marks non-geographic codes (+800, +882 …), which are no Landescode.
    if region in ("ZZ", "001"):
        return None
    return region


def country_code_valid(country_code: str) -> bool:
    """True when the string is a real country calling code such as "+49"."""
    return region_for_country_code(country_code) is not None


def normalise_mobile(raw: str | None, country_code: str) -> NormalisedNumber:
    """Normalise a typed mobile number; numbers without their own prefix get `country_code`."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhoneNumber("empty")
    if not _ALLOWED.match(text):
        raise InvalidPhoneNumber("not_a_number")
    region = region_for_country_code(country_code)
    if region is None:
        raise InvalidPhoneNumber("country_code_setting")
    compact = re.sub(r"[ ()./\-]", "", text)
    if compact.startswith("00"):
        # "0048…" means an international number everywhere, whatever the region's own IDD is.
        text = "+" + compact[2:]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise InvalidPhoneNumber(_PARSE_REASONS.get(exc.error_type, "invalid")) from None
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible != ValidationResult.IS_POSSIBLE:
        raise InvalidPhoneNumber(_POSSIBLE_REASONS.get(possible, "invalid"))
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("invalid")
    if phonenumbers.number_type(number) == PhoneNumberType.FIXED_LINE:
        raise InvalidPhoneNumber("not_mobile")
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return NormalisedNumber(e164=e164, gateway_digits=e164[1:], national=national)
