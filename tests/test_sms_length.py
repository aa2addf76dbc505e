"""SMS length counting: encodings, units, parts and the max_parts table."""

from __future__ import annotations

import pytest

from app.services.sms_length import (
    GSM7,
    UCS2,
    SmsLength,
    count,
    encoding_for,
    max_chars_for_parts,
    max_parts_for,
)
from sim.smsapi import sms_units


def test_empty_text_is_zero_parts():
    assert count("") == SmsLength(0, GSM7, 0, 0, 160, 160)


def test_short_gsm_text():
    assert count("Hallo") == SmsLength(5, GSM7, 5, 1, 160, 155)


def test_german_umlauts_and_common_accents_stay_gsm7():
    assert encoding_for("Grüße aus Köln, Ärger über Öl, é è à Ñ ¿¡ §") == GSM7


@pytest.mark.parametrize("ch", ["ł", "ą", "ê", "\t", "\x1b", "😀", "“"])
def test_characters_outside_gsm7_switch_to_ucs2(ch):
    assert encoding_for("abc" + ch) == UCS2


@pytest.mark.parametrize("ch", list("^{}[]~\\|€\f"))
def test_extension_characters_count_two(ch):
    result = count("a" + ch)
    assert (result.encoding, result.chars, result.units) == (GSM7, 2, 3)


@pytest.mark.parametrize(
    ("length", "parts", "per_part", "remaining"),
    [
        (160, 1, 160, 0),
        (161, 2, 153, 145),
        (306, 2, 153, 0),
        (307, 3, 153, 152),
        (1530, 10, 153, 0),
    ],
)
def test_gsm7_boundaries(length, parts, per_part, remaining):
    result = count("a" * length)
    assert (result.parts, result.per_part, result.remaining_in_part) == (parts, per_part, remaining)


def test_extension_chars_fill_a_single_part_by_units():
    assert count("€" * 80).parts == 1
    assert count("€" * 81).units == 162
    assert count("€" * 81).parts == 2


@pytest.mark.parametrize(
    ("length", "parts", "per_part", "remaining"),
    [(70, 1, 70, 0), (71, 2, 67, 63), (134, 2, 67, 0), (135, 3, 67, 66), (670, 10, 67, 0)],
)
def test_ucs2_boundaries(length, parts, per_part, remaining):
    result = count("ą" * length)
    assert result.encoding == UCS2
    assert (result.parts, result.per_part, result.remaining_in_part) == (parts, per_part, remaining)


def test_emoji_counts_two_utf16_units():
    result = count("Hi 😀")
    assert (result.encoding, result.chars, result.units, result.parts) == (UCS2, 4, 5, 1)


def test_escape_pair_never_straddles_two_parts():
    # 306 units would fit two parts arithmetically, but the € at unit 153 moves to part two.
    text = "a" * 152 + "€" + "a" * 152
    result = count(text)
    assert (result.units, result.parts) == (306, 3)


def test_surrogate_pair_never_straddles_two_parts():
    text = "ą" * 66 + "😀" + "ą" * 66
    result = count(text)
    assert (result.units, result.parts) == (134, 3)


GSM_TABLE = [160, 306, 459, 612, 765, 918, 1071, 1224, 1377, 1530]
UCS_TABLE = [70, 134, 201, 268, 335, 402, 469, 536, 603, 670]


@pytest.mark.parametrize("parts", range(1, 11))
def test_part_capacity_matches_protocol_table(parts):
    assert max_chars_for_parts(parts, GSM7) == GSM_TABLE[parts - 1]
    assert max_chars_for_parts(parts, UCS2) == UCS_TABLE[parts - 1]


@pytest.mark.parametrize(
    ("max_chars", "encoding", "expected"),
    [
        (1, GSM7, 1),
        (160, GSM7, 1),
        (161, GSM7, 2),
        (306, GSM7, 2),
        (307, GSM7, 3),
        (918, GSM7, 6),
        (1530, GSM7, 10),
        (5000, GSM7, 10),
        (70, UCS2, 1),
        (71, UCS2, 2),
        (160, UCS2, 3),
        (402, UCS2, 6),
        (670, UCS2, 10),
        (671, UCS2, 10),
    ],
)
def test_max_parts_for(max_chars, encoding, expected):
    assert max_parts_for(max_chars, encoding) == expected


def test_max_parts_for_rejects_nonsense():
    with pytest.raises(ValueError):
        max_parts_for(0, GSM7)
    with pytest.raises(ValueError):
        max_parts_for(160, "ASCII")


@pytest.mark.parametrize(
    "text",
    ["", "Hallo", "a" * 161, "€" * 81, "ą" * 135, "a" * 152 + "€" + "a" * 152, "😀" * 40],
)
def test_simulator_counts_the_same(text):
    result = count(text)
    assert sms_units(text) == (result.encoding, result.units, result.parts)
