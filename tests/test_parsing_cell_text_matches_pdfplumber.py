"""`chars.cell_text` is pdfplumber's `extract_text` — the same string — for any chars: one
line, several lines, glyphs overlapping or far apart, ligatures, sideways glyphs."""

import random

from pdfplumber.utils.text import extract_text

from parsing.chars import cell_text


def _char(rng: random.Random, x: float, top: float) -> dict:
    width, size = rng.choice([5.0, 10.0, 10.5]), 10.0
    return {"text": rng.choice(["合", "计", "1", ".", "5", "ﬁ", "-"]), "x0": x, "x1": x + width,
            "top": top, "bottom": top + size, "doctop": top, "upright": rng.random() > 0.03,
            "size": size, "fontname": "", "width": width, "height": size}


def test_cell_text_is_extract_text():
    rng = random.Random(11)
    for _ in range(3000):
        tops = [rng.choice([100.0, 100.0, 101.5, 102.9, 103.1, 104.0, 112.0])
                for _ in range(rng.randint(1, 3))]
        chars = [_char(rng, rng.uniform(0, 80), rng.choice(tops)) for _ in range(rng.randint(1, 8))]
        assert cell_text(chars) == extract_text(chars)
