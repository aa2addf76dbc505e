"""Address rules: countries we serve, their postcode formats, phone numbers."""

from __future__ import annotations

import re

import phonenumbers
from babel import Locale

# ISO code -> postcode pattern. Country names come from the locale data (babel), in any language.
COUNTRIES: dict[str, str] = {
    "DE": r"\d{5}",
    "AT": r"\d{4}",
    "CH": r"\d{4}",
    "LI": r"\d{4}",
    "LU": r"(L-)?\d{4}",
    "BE": r"\d{4}",
    "NL": r"\d{4} ?[A-Z]{2}",
    "DK": r"\d{4}",
    "FR": r"\d{5}",
    "IT": r"\d{5}",
    "PL": r"\d{2}-\d{3}",
    "CZ": r"\d{3} ?\d{2}",
}

POSTCODE_EXAMPLES = {
    "DE": "70173",
    "AT": "1010",
    "CH": "8001",
    "LI": "9490",
    "LU": "L-1111",
    "BE": "1000",
    "NL": "1012 AB",
    "DK": "1050",
    "FR": "75001",
    "IT": "00118",
    "PL": "00-001",
    "CZ": "110 00",
}


def country_name(code: str, language: str) -> str:
    """A country's name in a language ("DE", "en" -> "Germany"), from the CLDR locale data."""
    return Locale.parse(language).territories.get(code, code)


def postcode_valid(country: str, postcode: str) -> bool:
    """Whether a postcode has the format of its country."""
    pattern = COUNTRIES.get(country)
    return bool(pattern and re.fullmatch(pattern, postcode.strip().upper()))


def normalise_phone(raw: str, country: str) -> str | None:
    """A valid phone number in international format, or None when it is not valid."""
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
