"""Printed text → comparable text: the few normalisations every other step relies on.

PDF extraction inserts spaces between CJK characters ("收 入 总 计", "2024 年"), wraps cell text
over lines, and portals mix full-width and ASCII digits. Names and titles are compared after
`squash`, which removes exactly that noise and nothing else (punctuation is kept as printed).
"""

from __future__ import annotations

import re

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH.update({code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULLWIDTH.update({0x3000: 0x20, 0xFF0E: 0x2E, 0xFF0C: 0x2C})  # ideographic space, ．，

_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")


def ascii_digits(text: str) -> str:
    """Full-width digits, Latin letters, ideographic space, ．and ，→ their ASCII forms."""
    return text.translate(_FULLWIDTH)


def squash(text: str | None) -> str:
    """One line, ASCII digits, no whitespace next to a CJK character, single spaces elsewhere."""
    if not text:
        return ""
    text = ascii_digits(text).strip()
    text = _SPACE_NEAR_CJK.sub("", text)
    return _SPACES.sub(" ", text)


def compact(text: str | None) -> str:
    """`squash` without any whitespace: the key for keyword matching."""
    return _SPACES.sub("", squash(text))
