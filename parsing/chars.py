"""Characters as a PDF draws them → characters as a reader sees them.

Word and WPS exports draw bold text as every glyph twice, a fraction of a point apart, so "合计"
would read "合合计计"; `dedupe_chars` keeps one of each such pair (pdfplumber's rule, without
its quadratic cost). Some exporters emit Kangxi radicals and CJK compatibility ideographs
(U+2F00 "⼀", U+F9xx) that look exactly like the common ideographs but compare unequal;
`normalise_glyphs` maps those, and only those, through NFKC, so "⼀般公共预算" matches
"一般公共预算" while full-width punctuation stays as printed (and reads the katakana middle
dot some CJK fonts map the interpunct to as "·").
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise
from operator import itemgetter

from pdfplumber.utils.text import (
    DEFAULT_X_TOLERANCE,
    DEFAULT_Y_TOLERANCE,
    LIGATURES,
    extract_text,
)

_LOOK_ALIKES = re.compile(r"[\u2e80-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f\u30fb]")
_SAME = {"\u30fb": "\u00b7"}  # (not an NFKC equivalence)
_DEDUPE_TOLERANCE = 1.0


def normalise_glyphs(text: str) -> str:
    """Kangxi radicals and compatibility ideographs → the unified ideographs they stand for;
    the katakana middle dot some fonts draw for the interpunct (中国交通・四川) → "·"."""
    if not _LOOK_ALIKES.search(text):
        return text
    return _LOOK_ALIKES.sub(lambda m: _SAME.get(m.group(0))
                            or unicodedata.normalize("NFKC", m.group(0)), text)


def cell_text(chars: list[dict]) -> str:
    """pdfplumber's `extract_text(chars)` with its default settings — the same string —
    without its machinery (a word map, two clusterings, a text map: a twentieth of the parse)
    when the chars are upright glyphs on one line, as most table cells are; pdfplumber's for
    the others."""
    if not chars:
        return ""
    if not all(ch["upright"] and ch["text"] and not ch["text"].isspace() for ch in chars) \
            or not _one_line({ch["top"] for ch in chars}):
        return extract_text(chars)
    x_gap, y_gap = DEFAULT_X_TOLERANCE, DEFAULT_Y_TOLERANCE
    words = []
    word: list[dict] = []
    for ch in sorted(chars, key=itemgetter("x0")):  # a word ends where the next char starts
        if word and (ch["x0"] < word[-1]["x0"] or ch["x0"] > word[-1]["x1"] + x_gap  # apart
                     or abs(ch["top"] - word[-1]["top"]) > y_gap):
            words.append(word)
            word = []
        word.append(ch)
    words.append(word)
    if not _one_line({min(ch["top"] for ch in w) for w in words}):
        return extract_text(chars)
    return " ".join("".join(LIGATURES.get(ch["text"], ch["text"]) for ch in w) for w in words)


def _one_line(tops: set[float]) -> bool:
    """pdfplumber's line clustering makes one line of these tops: each within its tolerance
    of the next."""
    ordered = sorted(tops)
    return all(b <= a + DEFAULT_Y_TOLERANCE for a, b in pairwise(ordered))


def dedupe_chars(chars: list[dict]) -> list[dict]:
    """`chars` without duplicates: same text, font and size within 1 pt of another char (the
    first drawn is kept), in their original order — what pdfplumber's `dedupe_chars` returns
    (its clusters are chains of values at most 1 pt apart, first by `doctop`, then `x0`)."""
    key = itemgetter("upright", "text", "fontname", "size")
    groups: dict[tuple, list[dict]] = {}
    for ch in chars:
        groups.setdefault(key(ch), []).append(ch)
    drop: set[int] = set()
    for group in groups.values():
        if len(group) == 1:
            continue
        for row in _chains(group, "doctop"):
            if len(row) == 1:
                continue
            for cluster in _chains(row, "x0"):
                if len(cluster) > 1:
                    keep = min(cluster, key=itemgetter("doctop", "x0"))
                    drop.update(id(ch) for ch in cluster if ch is not keep)
    return [ch for ch in chars if id(ch) not in drop] if drop else list(chars)


def _chains(objects: list[dict], name: str) -> list[list[dict]]:
    """Objects sorted by `name` (stably), cut where two neighbours differ by more than the
    tolerance."""
    chains: list[list[dict]] = []
    last = 0.0
    for obj in sorted(objects, key=itemgetter(name)):
        value = obj[name]
        if chains and value - last <= _DEDUPE_TOLERANCE:
            chains[-1].append(obj)
        else:
            chains.append([obj])
        last = value
    return chains
