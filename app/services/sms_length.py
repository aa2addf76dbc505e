"""SMS length counting: GSM-7 or UCS-2, characters, units and concatenated parts."""

from __future__ import annotations

from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# 3GPP TS 23.038 default alphabet (the escape 0x1B is not a character of its own).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each is sent as escape + character, so it takes two septets.
GSM7_EXTENSION = frozenset("^{}[]~\\|€\f")

SINGLE_LIMIT = {GSM7: 160, UCS2: 70}
PART_LIMIT = {GSM7: 153, UCS2: 67}
MAX_PARTS = 10
# An SMS interface's "Max. Zeichen" when none is set.
DEFAULT_MAX_CHARS = 1000


@dataclass(frozen=True)
class SmsLength:
    """How long a text is as an SMS and how it splits into parts."""

    chars: int
    encoding: str
    units: int
    parts: int
    per_part: int
    remaining_in_part: int

    def over_limit(self, max_chars: int | None) -> bool:
        """Whether sending would be refused: over "Max. Zeichen" or over the gateway's parts."""
        return self.parts > MAX_PARTS or (max_chars is not None and self.chars > max_chars)


def encoding_for(text: str) -> str:
    """GSM-7 when every character is in the GSM 03.38 alphabet, else UCS-2."""
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION:
            return UCS2
    return GSM7


def _unit_weights(text: str, encoding: str) -> list[int]:
    if encoding == GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    # UTF-16 code units: characters outside the BMP (most emoji) need a surrogate pair.
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _split_parts(weights: list[int], per_part: int) -> tuple[int, int]:
    """Pack units into parts without splitting an escape sequence or a surrogate pair."""
    parts, used = 1, 0
    for weight in weights:
        if used + weight > per_part:
            parts += 1
            used = 0
        used += weight
    return parts, used


def count(text: str) -> SmsLength:
    """Count characters, encoding units and concatenated parts of an SMS text."""
    encoding = encoding_for(text)
    weights = _unit_weights(text, encoding)
    units = sum(weights)
    single = SINGLE_LIMIT[encoding]
    if units == 0:
        return SmsLength(0, encoding, 0, 0, single, single)
    if units <= single:
        return SmsLength(len(text), encoding, units, 1, single, single - units)
    per_part = PART_LIMIT[encoding]
    parts, used = _split_parts(weights, per_part)
    return SmsLength(len(text), encoding, units, parts, per_part, per_part - used)


def max_chars_for_parts(parts: int, encoding: str) -> int:
    """The most units that fit into `parts` parts (160/306/459… or 70/134/201…)."""
    if parts <= 1:
        return SINGLE_LIMIT[encoding]
    return PART_LIMIT[encoding] * parts


def limit_exceeded(length: SmsLength, max_chars: int) -> str | None:
    """Why a text cannot go out under a "Max. Zeichen" setting: "chars", "parts" (more than the
    gateway's 10 parts) or None when it can."""
    if length.chars > max_chars:
        return "chars"
    if length.parts > MAX_PARTS:
        return "parts"
    return None


def max_parts_for(max_chars: int, encoding: str) -> int:
    """The `max_parts` value that lets a text of `max_chars` units through, capped at 10."""
    if encoding not in SINGLE_LIMIT:
        raise ValueError(f"unknown SMS encoding {encoding!r}")
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    for parts in range(1, MAX_PARTS + 1):
        if max_chars <= max_chars_for_parts(parts, encoding):
            return parts
    return MAX_PARTS
