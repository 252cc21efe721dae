"""Budget classification codes (政府收支分类科目) as printed → one normalised code and its level.

Portals print codes three ways: split over 类/款/项 columns ("201 | 32 | 99"), as one 7-digit
column ("2013201"), or in front of the name ("201 一般公共服务支出"); hierarchical tables
leave the 类 (and 款) blank on child rows. All become the joined code ("2013299") with
level 1 = 类 (3 digits), 2 = 款 (5), 3 = 项 (7).
"""

from __future__ import annotations

import re

from parsing.text import ascii_digits

_LEVEL_BY_LENGTH = {3: 1, 5: 2, 7: 3}
_CODE = re.compile(r"^[1-5]\d{2}(?:\d{2}){0,2}$")
_LEADING_CODE = re.compile(r"^[\[【(（]?([1-5]\d{2}(?:\d{2}){0,2})[\]】)）]?(?:\s+|(?=[^\d\s.,]))(.*)$")

# first digit of a code → what it classifies
_CLASSIFICATION = {"1": "income_source", "2": "functional", "3": "economic", "5": "economic"}


def _clean(part: str | None) -> str:
    return re.sub(r"\s+", "", ascii_digits(part or ""))


def is_code(text: str | None) -> bool:
    """A whole classification code of 3, 5 or 7 digits (first digit 1–5)."""
    return bool(_CODE.match(_clean(text)))


def code_level(code: str | None) -> int | None:
    """1 = 类, 2 = 款, 3 = 项; None for anything that is not a code (read as `is_code` reads
    it: " 201" and "２０１" are codes of level 1)."""
    cleaned = _clean(code)
    return _LEVEL_BY_LENGTH[len(cleaned)] if _CODE.match(cleaned) else None


def classification(code: str | None) -> str | None:
    """functional (2xx), economic (3xx, 5xx), income_source (1xx), else None."""
    cleaned = _clean(code)
    return _CLASSIFICATION.get(cleaned[0]) if _CODE.match(cleaned) else None


def join_split_code(lei: str | None, kuan: str | None, xiang: str | None,
                    previous: str | None = None) -> str | None:
    """Join 类/款/项 columns; a blank 类 (or 类 and 款) is taken from the previous row's code."""
    lei, kuan, xiang = _clean(lei), _clean(kuan), _clean(xiang)
    if not (lei or kuan or xiang):
        return None
    if lei and not lei.isdigit() or kuan and not kuan.isdigit() or xiang and not xiang.isdigit():
        return None
    kuan, xiang = kuan.zfill(2) if kuan else "", xiang.zfill(2) if xiang else ""
    if lei and len(lei) in (5, 7) and not kuan and not xiang:
        code = lei
    elif lei:
        code = lei + kuan + (xiang if kuan else "")
    elif kuan:
        if not previous or len(previous) < 3:
            return None
        code = previous[:3] + kuan + xiang
    else:
        if not previous or len(previous) < 5:
            return None
        code = previous[:5] + xiang
    return code if is_code(code) else None


def split_leading_code(text: str | None) -> tuple[str | None, str]:
    """"201 一般公共服务支出" → ("201", "一般公共服务支出"); text without a code → (None, text)."""
    text = (text or "").strip()
    found = _LEADING_CODE.match(ascii_digits(text))
    if not found or not found.group(2).strip():
        return None, text
    return found.group(1), found.group(2).strip()
