"""Characters as a PDF draws them → characters as a reader sees them.

Word and WPS exports draw bold text as every glyph twice, a fraction of a point apart, so "合计"
would read "合合计计"; `dedupe_chars` keeps one of each such pair (pdfplumber's rule, without
its quadratic cost). Some exporters emit Kangxi radicals and CJK compatibility ideographs
(U+2F00 "⼀", U+F9xx) that look exactly like the common ideographs but compare unequal;
`normalise_glyphs` maps those, and only those, through NFKC, so "⼀般公共预算" matches
"一般公共预算" while full-width punctuation stays as printed.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from operator import itemgetter

from pdfplumber.utils.clustering import cluster_objects

_LOOK_ALIKES = re.compile(r"[\u2e80-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")
_DEDUPE_TOLERANCE = 1.0


def normalise_glyphs(text: str) -> str:
    """Kangxi radicals and compatibility ideographs → the unified ideographs they stand for."""
    if not _LOOK_ALIKES.search(text):
        return text
    return _LOOK_ALIKES.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


def dedupe_chars(chars: list[dict]) -> list[dict]:
    """`chars` without duplicates: same text, font and size within 1 pt of another char (the
    first drawn is kept), in their original order — what pdfplumber's `dedupe_chars` returns."""
    key = itemgetter("upright", "text", "fontname", "size")
    position = {id(ch): i for i, ch in enumerate(chars)}
    kept = []
    for _, group in itertools.groupby(sorted(chars, key=key), key=key):
        group_chars = list(group)
        if len(group_chars) == 1:
            kept.append(group_chars[0])
            continue
        for row in cluster_objects(group_chars, itemgetter("doctop"), _DEDUPE_TOLERANCE):
            for cluster in cluster_objects(row, itemgetter("x0"), _DEDUPE_TOLERANCE):
                kept.append(min(cluster, key=itemgetter("doctop", "x0")))
    return sorted(kept, key=lambda ch: position[id(ch)])
