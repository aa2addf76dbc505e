"""Mobile number normalisation and country calling codes."""

from __future__ import annotations

import pytest

from app.services.phone import (
    InvalidPhoneNumber,
    NormalisedNumber,
    country_code_valid,
    normalise_mobile,
    region_for_country_code,
)


@pytest.mark.parametrize(
    "raw",
    [
        "0151 23456789",
        "015123456789",
        "0151/23456789",
        "(0151) 234-567-89",
        " +49 151 23456789 ",
        "0049 151 23456789",
        "+4915123456789",
    ],
)
def test_german_mobile_gets_country_code(raw):
    number = normalise_mobile(raw, "+49")
    assert number.e164 == "+4915123456789"
    assert number.gateway_digits == "4915123456789"
    assert number.national.replace(" ", "") == "015123456789"


@pytest.mark.parametrize("raw", ["+48 512 345 678", "0048512345678", "0048 512-345-678"])
def test_own_international_prefix_is_kept(raw):
    assert normalise_mobile(raw, "+49") == NormalisedNumber(
        e164="+48512345678", gateway_digits="48512345678", national="512 345 678"
    )


def test_double_zero_prefix_works_where_the_region_dials_another_idd():
    # The USA dial 011 abroad; "0048…" must still be read as +48.
    assert normalise_mobile("0048512345678", "+1").e164 == "+48512345678"


def test_national_number_of_another_interface_country():
    assert normalise_mobile("512 345 678", "+48").gateway_digits == "48512345678"
    assert normalise_mobile("07911 123456", "+44").e164 == "+447911123456"


def test_fixed_line_or_mobile_is_accepted():
    assert normalise_mobile("+1 650 253 0000", "+49").gateway_digits == "16502530000"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("abc", "not_a_number"),
        ("0151 2345678a", "not_a_number"),
        ("+49 151 FLOWERS", "not_a_number"),
        ("0", "not_a_number"),
        ("123", "too_short"),
        ("+49 1", "too_short"),
        ("015123456789012345", "too_long"),
        ("01512345", "invalid"),
        ("+999 1234567", "invalid_country_code"),
        ("030 1234567", "not_mobile"),
        ("+49 30 1234567", "not_mobile"),
    ],
)
def test_invalid_numbers(raw, reason):
    with pytest.raises(InvalidPhoneNumber) as info:
        normalise_mobile(raw, "+49")
    err = info.value
    assert err.reason == reason
    assert err.message and str(err) == err.message  # German outside a request
    assert reason in repr(err)


def test_bad_interface_country_code():
    with pytest.raises(InvalidPhoneNumber) as info:
        normalise_mobile("0151 23456789", "+999")
    assert info.value.reason == "country_code_setting"


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("+49", True),
        ("49", True),
        ("0049", True),
        (" +48 ", True),
        ("+1", True),
        ("+44", True),
        ("+999", False),
        ("+800", False),
        ("", False),
        ("+", False),
        ("+4x", False),
        ("+0", False),
        ("+12345", False),
        ("DE", False),
    ],
)
def test_country_code_valid(code, valid):
    assert country_code_valid(code) is valid


def test_region_for_country_code():
    assert region_for_country_code("+49") == "DE"
    assert region_for_country_code("+44") == "GB"
    assert region_for_country_code("+1") == "US"
    assert region_for_country_code("+999") is None
