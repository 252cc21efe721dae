"""PDF pages → ruled tables (as grids, with the text lines around them) and free text lines.

pdfplumber's `lines` strategy finds the ruled tables every disclosure prints; chars are
de-duplicated first (Word and WPS exports often draw each glyph twice for bold). Each page is
closed after use so a 300-page document does not keep every page's objects in memory, and
no layout analysis (laparams) is requested: it is slow and tables do not need it.
"""

from __future__ import annotations

import bisect
import io
import re
from dataclasses import dataclass
from typing import Any

import pdfplumber
from pdfplumber.utils import extract_text

from parsing.grid import BBox, Cell, FoundTable, Grid, without_rows
from parsing.titles import is_label_line

TABLE_SETTINGS: dict[str, Any] = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "intersection_tolerance": 3,
}
EDGE_TOLERANCE = 2.0  # points: cell edges closer than this are one grid line
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*/\s*共?\s*\d+\s*页?)?[-—–\s]*$")


@dataclass
class TextLine:
    text: str
    top: float
    bottom: float
    page: int


@dataclass
class PdfContent:
    n_pages: int
    tables: list[FoundTable]
    lines: list[TextLine]  # text outside tables, in reading order
    n_chars: int


def read_pdf(data: bytes, max_text_pages: int | None = None) -> PdfContent:
    """Every page's tables and text lines. Raises whatever pdfplumber raises on a broken file."""
    tables: list[FoundTable] = []
    lines: list[TextLine] = []
    n_chars = 0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        n_pages = len(pdf.pages)
        for number, page in enumerate(pdf.pages, start=1):
            try:
                page_tables, page_lines, page_chars = read_page(page, number)
            finally:
                page.close()
            tables.extend(page_tables)
            n_chars += page_chars
            if max_text_pages is None or number <= max_text_pages:
                lines.extend(page_lines)
    return PdfContent(n_pages, tables, lines, n_chars)


def read_page(page: Any, number: int) -> tuple[list[FoundTable], list[TextLine], int]:
    """One page: its ruled tables with their captions, and the text lines outside them."""
    clean = page.dedupe_chars()
    chars = clean.chars
    if not chars:
        return [], [], 0
    found = [t for t in clean.find_tables(TABLE_SETTINGS) if _is_real_table(t.cells)]
    found.sort(key=lambda t: (round(t.bbox[1]), t.bbox[0]))
    bboxes = [t.bbox for t in found]
    text_lines = [
        TextLine(line["text"], line["top"], line["bottom"], number)
        for line in clean.extract_text_lines(strip=True, return_chars=False)
        if line["text"].strip()
        and not any(b[1] - 1 <= (line["top"] + line["bottom"]) / 2 <= b[3] + 1 for b in bboxes)
    ]
    tables = []
    previous_bottom = 0.0
    for table in found:
        top = table.bbox[1]
        caption = [ln.text for ln in text_lines
                   if previous_bottom <= ln.top and ln.bottom <= top + 1
                   and not _PAGE_NUMBER.match(ln.text)]
        grid, col_edges = grid_from_cells(table.cells, chars, number)
        grid, inner_caption = split_spanning_rows(grid)
        previous_bottom = table.bbox[3]
        if grid.n_rows == 0:
            continue  # a frame around text lines: its rows are unruled (a later, text-based step)
        tables.append(FoundTable(grid, number, table.bbox, col_edges, caption + inner_caption))
    return tables, text_lines, len(chars)


def _is_real_table(cells: list[BBox]) -> bool:
    """At least two rows and two columns: a lone frame or box is not a table."""
    xs = {round(c[0]) for c in cells}
    tops = {round(c[1]) for c in cells}
    return len(xs) >= 2 and len(tops) >= 2


def _boundaries(values: list[float]) -> list[float]:
    """Sorted positions with near-duplicates (within EDGE_TOLERANCE) merged."""
    merged: list[float] = []
    for value in sorted(values):
        if not merged or value - merged[-1] > EDGE_TOLERANCE:
            merged.append(value)
    return merged


def _index(edges: list[float], value: float) -> int:
    """Index of the boundary nearest to `value`."""
    i = bisect.bisect_left(edges, value)
    if i == len(edges):
        return i - 1
    if i > 0 and value - edges[i - 1] < edges[i] - value:
        return i - 1
    return i


def grid_from_cells(cells: list[BBox], chars: list[dict], page: int) -> tuple[Grid, list[float]]:
    """pdfplumber cell boxes → a Grid with spans; each char goes to the cell under its centre."""
    xs = _boundaries([c[0] for c in cells] + [c[2] for c in cells])
    ys = _boundaries([c[1] for c in cells] + [c[3] for c in cells])
    placed = []
    for box in cells:
        c0, c1 = _index(xs, box[0]), _index(xs, box[2])
        r0, r1 = _index(ys, box[1]), _index(ys, box[3])
        if c1 > c0 and r1 > r0:
            placed.append((r0, c0, r1 - r0, c1 - c0, box))
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    owner: dict[tuple[int, int], int] = {}
    for i, (r0, c0, rs, cs, _) in enumerate(placed):
        for r in range(r0, r0 + rs):
            for c in range(c0, c0 + cs):
                owner.setdefault((r, c), i)
    cell_chars: list[list[dict]] = [[] for _ in placed]
    x0, top, x1, bottom = xs[0], ys[0], xs[-1], ys[-1]
    for ch in chars:
        h = (ch["x0"] + ch["x1"]) / 2
        v = (ch["top"] + ch["bottom"]) / 2
        if not (x0 <= h < x1 and top <= v < bottom):
            continue
        c = bisect.bisect_right(xs, h) - 1
        r = bisect.bisect_right(ys, v) - 1
        i = owner.get((r, c))
        if i is not None:
            cell_chars[i].append(ch)
    grid_cells = [
        Cell(r0, c0, extract_text(cell_chars[i]).strip() if cell_chars[i] else "", page,
             tuple(round(v, 2) for v in box), rs, cs)
        for i, (r0, c0, rs, cs, box) in enumerate(placed)
    ]
    return Grid(n_rows, n_cols, grid_cells), xs


def split_spanning_rows(grid: Grid) -> tuple[Grid, list[str]]:
    """Leading rows of one full-width cell (or starting with a label such as 部门：) are the
    caption drawn inside the ruling (title, unit, 部门); trailing ones are notes ("注：…"), not
    body rows. Both leave the grid; the caption is returned."""
    if grid.n_cols < 3:
        return grid, []

    def full_width_text(row: int) -> str | None:
        cells = [c for c in grid.row_cells(row) if c.text or c.col_span > 1]
        if len(cells) == 1 and cells[0].col_span >= grid.n_cols - 1:
            return cells[0].text
        if not cells:
            return ""
        if is_label_line(cells[0].text):  # 部门：… | 单位：万元 drawn as cells
            return " ".join(c.text for c in cells)
        return None

    caption_rows, notes_rows = [], []
    for row in range(grid.n_rows):
        text = full_width_text(row)
        if text is None:
            break
        caption_rows.append(row)
    for row in range(grid.n_rows - 1, len(caption_rows) - 1, -1):
        text = full_width_text(row)
        if not text:
            break
        notes_rows.append(row)
    if not caption_rows and not notes_rows:
        return grid, []
    printed = grid.printed()
    caption = [ln for r in caption_rows for ln in "\n".join(printed[r]).splitlines() if ln.strip()]
    return without_rows(grid, set(caption_rows) | set(notes_rows)), caption

