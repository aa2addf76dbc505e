"""Address rules: countries we serve, their postcode formats, phone numbers."""
from __future__ import annotations

import re

import phonenumbers

# ISO code -> (German name, English name, postcode pattern)
COUNTRIES: dict[str, tuple[str, str, str]] = {
    "DE": ("Deutschland", "Germany", r"\d{5}"),
    "AT": ("Österreich", "Austria", r"\d{4}"),
    "CH": ("Schweiz", "Switzerland", r"\d{4}"),
    "LI": ("Liechtenstein", "Liechtenstein", r"\d{4}"),
    "LU": ("Luxemburg", "Luxembourg", r"(L-)?\d{4}"),
    "BE": ("Belgien", "Belgium", r"\d{4}"),
    "NL": ("Niederlande", "Netherlands", r"\d{4} ?[A-Z]{2}"),
    "DK": ("Dänemark", "Denmark", r"\d{4}"),
    "FR": ("Frankreich", "France", r"\d{5}"),
    "IT": ("Italien", "Italy", r"\d{5}"),
    "PL": ("Polen", "Poland", r"\d{2}-\d{3}"),
    "CZ": ("Tschechien", "Czechia", r"\d{3} ?\d{2}"),
}

POSTCODE_EXAMPLES = {"DE": "70173", "AT": "1010", "CH": "8001", "LI": "9490", "LU": "L-1111",
                     "BE": "1000", "NL": "1012 AB", "DK": "1050", "FR": "75001", "IT": "00118",
                     "PL": "00-001", "CZ": "110 00"}


def postcode_valid(country: str, postcode: str) -> bool:
    """Whether a postcode has the format of its country."""
    spec = COUNTRIES.get(country)
    return bool(spec and re.fullmatch(spec[2], postcode.strip().upper()))


def normalise_phone(raw: str, country: str) -> str | None:
    """A valid phone number in international format, or None when it is not valid."""
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
