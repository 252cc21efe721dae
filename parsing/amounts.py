"""Printed amounts → exact Decimals, and amounts in any unit → 万元.

Amounts are never floats: "9,389,913.00" 元 must become exactly 938.9913 万元. A cell that is
blank or a dash means "nothing printed" (None), which is not the same as a printed 0.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from parsing.text import ascii_digits

# exponent of ten that turns an amount in the unit into 万元
UNIT_SCALE = {"万元": 0, "元": -4, "千元": -1, "百万元": 2, "亿元": 4}

_BLANK = {"", "-", "--", "—", "——", "－", "/", "…", "——"}
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^\.\d+$")
_UNIT_SUFFIX = re.compile(r"(?:万元|千元|亿元|元)$")


def is_blank(raw: str | None) -> bool:
    """Nothing printed, or a placeholder dash."""
    return raw is None or ascii_digits(raw).strip().replace(" ", "") in _BLANK


def parse_amount(raw: str | None) -> Decimal | None:
    """"10,665.25" → Decimal('10665.25'); "（12.5）" or "-12.5" → -12.5; blank / text → None."""
    if raw is None:
        return None
    text = ascii_digits(raw).strip()
    text = re.sub(r"\s+", "", text).replace("，", ",")
    if text in _BLANK:
        return None
    text = _UNIT_SUFFIX.sub("", text)
    negative = False
    if text[:1] in "(（" and text[-1:] in ")）":
        negative, text = True, text[1:-1]
    elif text[:1] in "-−－":
        negative, text = True, text[1:]
    if not _NUMBER.match(text):
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return -value if negative else value


def to_wanyuan(amount: Decimal, unit: str | None) -> Decimal:
    """Convert exactly (a shift of the decimal point, never a rounding); unknown unit = 万元."""
    return amount.scaleb(UNIT_SCALE.get(unit or "万元", 0))


def decimal_str(amount: Decimal | None) -> str | None:
    """Plain notation without exponent or trailing fractional zeros: the JSON form of amounts."""
    if amount is None:
        return None
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_STATED_UNIT = re.compile(r"单位\s*[:：]?\s*(?:人[、,，])?\s*(百万元|千元|万元|亿元|元)")
_BRACKETED_UNIT = re.compile(r"[（(]\s*(百万元|千元|万元|亿元|元)\s*[)）]")


def stated_unit(text: str | None) -> str | None:
    """The amount unit a caption states ("金额单位：万元", "单位:元", "（万元）"), else None."""
    if not text:
        return None
    found = _STATED_UNIT.search(text) or _BRACKETED_UNIT.search(text)
    return found.group(1) if found else None


def rounding(*amounts: Decimal) -> Decimal:
    """Half a unit in the last printed digit of each amount, summed: how far a printed total
    may honestly differ from the sum of its printed (rounded) parts."""
    return sum((Decimal(1).scaleb(a.as_tuple().exponent) / 2 for a in amounts), Decimal(0))


def adds_up(total: Decimal, parts: list[Decimal]) -> bool:
    """`total` equals the sum of `parts` up to the rounding of the printed figures."""
    return abs(total - sum(parts, Decimal(0))) <= rounding(total, *parts)
