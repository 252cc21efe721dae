"""A cheap first look at every page (pypdfium2, about a millisecond a page): its text, and
whether it may hold a table at all.

pdfminer's parse of a page's characters and paths is nine tenths of the cost of reading a PDF
with pdfplumber, and half the pages of a disclosure are prose (情况说明, 名词解释). Only pages that
draw rules (any stroked path, or thin or many-segment filled ones), whose text has lines of
several amounts or a line naming a table, or that follow a page with a table and read as the
short runs of table cells rather than prose (a table without rules continued: 绩效目标表 rows
carry few amounts), are read in full; the others keep the text lines pdfium reads.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsing.tables import table_type
from parsing.text import compact

THIN = 3.0  # points: a filled path this narrow and …
LONG = 10.0  # … at least this long is a rule
MANY_SEGMENTS = 8  # a filled path of several boxes is a grid of rules
MIN_AMOUNT_LINES = 2
MIN_ROW_CELLS = 3
RUN_GAP = 4.0  # points between two runs of a line: set apart (cells), not one sentence
SHORT_LINE = 16  # characters: prose fills the line, table cells break it short
_AMOUNT = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)"
                     r"(?![\d.,])(?!\s*(?:万元|亿元|元|%|％))")
_TITLE_END = re.compile(r"表(?:[(（][^)）]{0,12}[)）])?$")


UNMAPPED_SAMPLE = 200  # characters a page is sampled at for fonts without a Unicode map


@dataclass(frozen=True)
class PageLook:
    number: int  # 1-based
    n_chars: int
    text: str  # pdfium's reading of the page, lines (top to bottom) separated by "\n"
    rules: bool  # draws something that can rule a table
    maybe_table: bool  # rules, lines of amounts, or a table's title
    n_unmapped: int = 0  # of n_chars, about how many are glyph ids without a Unicode value


def look_at_pages(data: bytes) -> list[PageLook]:
    """Every page's look, in order (a page after one that may hold a table may continue it)."""
    pdf = pdfium.PdfDocument(data)
    looks: list[PageLook] = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                textpage = page.get_textpage()
                try:
                    looks.append(look_at_page(page, textpage, i + 1,
                                              bool(looks) and looks[-1].maybe_table))
                finally:
                    textpage.close()
            finally:
                page.close()
    finally:
        pdf.close()
    return looks


def look_at_page(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, number: int,
                 after_table: bool = False) -> PageLook:
    """One page's look; `after_table`: the page before holds a table, which may continue
    here (its rows: short runs of text, few amounts)."""
    n_chars = textpage.count_chars()
    text, stretches = reading_order(textpage, page) if n_chars else ("", [])
    rules = has_rules(page.raw)
    maybe = bool(n_chars) and (rules or tabular_text(text)
                               or after_table and short_stretches(stretches))
    return PageLook(number, n_chars, text, rules, maybe, unmapped_chars(textpage, n_chars))


def unmapped_chars(textpage: pdfium.PdfTextPage, n_chars: int) -> int:
    """About how many of the page's characters come from a font with no Unicode map (no
    ToUnicode, no standard encoding: pdfminer prints them as `(cid:12)`, pdfium as whatever
    the glyph id reads as): counted on an even sample of UNMAPPED_SAMPLE characters."""
    step = max(1, n_chars // UNMAPPED_SAMPLE)
    hits = sum(pdfium_c.FPDFText_HasUnicodeMapError(textpage.raw, i) == 1
               for i in range(0, n_chars, step))
    return min(n_chars, hits * step)


def reading_order(textpage: pdfium.PdfTextPage, page: pdfium.PdfPage) -> tuple[str, list[int]]:
    """The page's text runs as lines top to bottom, each left to right, as the page is
    displayed (pdfium's own order is the content stream's: a page number drawn first would
    come first); and the length of each stretch of text set apart on its line (a table's
    cells are short, prose fills the line)."""
    x0, y0, x1, y1 = page.get_mediabox()
    width, height = x1 - x0, y1 - y0
    rotation = page.get_rotation() % 360
    runs = []  # (middle, top, bottom, left, right, text) on the displayed page
    raw = textpage.raw
    sides = [ctypes.c_double() for _ in range(4)]
    size = 2 * textpage.count_chars() + 64  # a run's text with pdfium's line breaks, and NUL
    buffer = (ctypes.c_ushort * size)()
    for i in range(textpage.count_rects()):
        if not pdfium_c.FPDFText_GetRect(raw, i, *sides):  # left, top, right, bottom
            raise pdfium.PdfiumError(f"failed to get text rectangle {i}")
        left, top, right, bottom = (side.value for side in sides)
        text = bounded_text(raw, left, top, right, bottom, buffer)
        left, right, bottom, top = left - x0, right - x0, bottom - y0, top - y0
        if rotation == 0:
            shown = (height - top, height - bottom, left, right)
        elif rotation == 90:
            shown = (left, right, bottom, top)
        elif rotation == 180:
            shown = (bottom, top, width - right, width - left)
        else:
            shown = (width - right, width - left, height - top, height - bottom)
        runs.append(((shown[0] + shown[1]) / 2, *shown, text))
    runs.sort()
    lines: list[list[tuple[float, ...]]] = []
    extent = (0.0, 0.0)
    for run in runs:  # a run whose middle lies within a line's extent is on that line
        if lines and extent[0] - 1 <= run[0] <= extent[1] + 1:
            lines[-1].append(run)
            extent = (min(extent[0], run[1]), max(extent[1], run[2]))
        else:
            lines.append([run])
            extent = (run[1], run[2])
    texts, cells = [], []
    for line in lines:
        line.sort(key=lambda r: r[3])
        texts.append("".join(run[5] for run in line).strip())
        cell = line[0][5]
        for before, run in zip(line, line[1:]):
            if run[3] - before[4] > RUN_GAP:
                cells.append(cell)
                cell = ""
            cell += run[5]
        cells.append(cell)
    return "\n".join(t for t in texts if t), [len(c.replace(" ", "")) for c in cells if c.strip()]


def bounded_text(raw: pdfium_c.FPDF_TEXTPAGE, left: float, top: float, right: float,
                 bottom: float, buffer: ctypes.Array) -> str:
    """The text pdfium finds in a rectangle, in one call into a reused buffer (pypdfium2's
    `get_text_bounded` makes two — size, then text — and a buffer each time: a tenth of the
    whole parse). pdfium writes a terminating NUL when there is room for it."""
    written = pdfium_c.FPDFText_GetBoundedText(raw, left, top, right, bottom, buffer,
                                               len(buffer))
    if written >= len(buffer):  # no room for the NUL: perhaps cut short
        buffer = (ctypes.c_ushort * (pdfium_c.FPDFText_GetBoundedText(
            raw, left, top, right, bottom, None, 0) + 1))()
        written = pdfium_c.FPDFText_GetBoundedText(raw, left, top, right, bottom, buffer,
                                                   len(buffer))
    text = ctypes.string_at(buffer, 2 * written).decode("utf-16-le", errors="ignore")
    return text.removesuffix("\0")


def short_stretches(lengths: list[int]) -> bool:
    """At least a quarter of the stretches of text are shorter than prose lines are (cells
    break text short; a form's long 绩效 sentences can make short cells a minority)."""
    ordered = sorted(lengths)
    return bool(ordered) and ordered[len(ordered) // 4] <= SHORT_LINE


def tabular_text(text: str) -> bool:
    """Lines read like table rows — two or more bare amounts (not "12.5万元"), or one with
    three or more cells —, or a line is a table title."""
    amount_lines = 0
    for line in text.split("\n"):
        amounts = len(_AMOUNT.findall(line))
        if amounts >= 2 or amounts and len(line.split()) >= MIN_ROW_CELLS:
            amount_lines += 1
            if amount_lines >= MIN_AMOUNT_LINES:
                return True
        squashed = compact(line)
        if len(squashed) <= 40 and _TITLE_END.search(squashed) and table_type(squashed) != "other":
            return True
    return False


def has_rules(container: ctypes.c_void_p, form: bool = False, depth: int = 0) -> bool:
    """Whether a page (or form XObject) draws a path that can be a table rule."""
    count = (pdfium_c.FPDFFormObj_CountObjects if form else pdfium_c.FPDFPage_CountObjects)(
        container)
    get = pdfium_c.FPDFFormObj_GetObject if form else pdfium_c.FPDFPage_GetObject
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    for i in range(count):
        obj = get(container, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 4:
            if has_rules(obj, form=True, depth=depth + 1):
                return True
            continue
        if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
        width, height = right.value - left.value, top.value - bottom.value
        if max(width, height) < LONG:
            continue
        pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke)
        if stroke.value or min(width, height) <= THIN \
                or pdfium_c.FPDFPath_CountSegments(obj) >= MANY_SEGMENTS:
            return True
    return False
