"""What every input format is read into before typing: tables (as grids, with the lines printed
above them) and the running text, with page numbers where the format has pages.

A PDF gives this through `pdf.read_pdf`; a spreadsheet, a Word file and an HTML article give it
through their readers here, so typing, line items, checks and facts never know the format.
Formats without pages (Word, HTML) report page 1 internally and null in the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from parsing.grid import Cell, FoundTable, Grid, without_rows
from parsing.text import compact
from parsing.titles import is_label_line

_NOTE = ("注", "说明", "备注")


@dataclass(frozen=True)
class TextLine:
    text: str
    page: int


@dataclass
class Content:
    n_pages: int | None  # pages (PDF), sheets (spreadsheet); None where the format has none
    tables: list[FoundTable]
    lines: list[Any]  # text outside tables, in reading order: anything with .text and .page
    n_chars: int  # characters read: 0 means there was nothing to read (a scan)
    paged: bool = True  # page numbers mean something (PDF pages, sheet numbers)
    flags: list[str] = field(default_factory=list)  # flags for every table (e.g. ocr)


def grid_from_rows(rows: list[list[str]], page: int,
                   merges: list[tuple[int, int, int, int]] = ()) -> Grid:
    """A grid from rows of text; `merges` are (first row, first col, last row, last col)
    ranges shown as one cell, whose text is the top-left one's."""
    n_rows = len(rows)
    n_cols = max((len(r) for r in rows), default=0)
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    for r0, c0, r1, c1 in merges:
        for r in range(r0, min(r1, n_rows - 1) + 1):
            for c in range(c0, min(c1, n_cols - 1) + 1):
                covered[(r, c)] = (r1 - r0 + 1, c1 - c0 + 1) if (r, c) == (r0, c0) else (0, 0)
    cells = []
    for r, row in enumerate(rows):
        for c in range(n_cols):
            span = covered.get((r, c), (1, 1))
            if span == (0, 0):
                continue
            text = row[c].strip() if c < len(row) else ""
            cells.append(Cell(r, c, text, page, None, min(span[0], n_rows - r),
                              min(span[1], n_cols - c)))
    return Grid(n_rows, n_cols, cells)


def table_with_caption(grid: Grid, page: int, caption: list[str]) -> FoundTable | None:
    """A sheet-like grid (a spreadsheet's used range, an HTML or Word table) as a found table:
    leading rows with at most one text (the title, 单位：万元, 部门：…) join the caption, trailing
    notes (注：…) and empty rows and columns are dropped. None when nothing tabular is left."""
    printed = grid.printed()
    caption = list(caption)
    leading: list[int] = []
    for r, row in enumerate(printed):
        texts = [t for t in row if t.strip()]
        if len(set(texts)) <= 1 or all(is_label_line(t) for t in texts):
            leading.append(r)
            caption.extend(dict.fromkeys(texts))
        else:
            break
    trailing = []
    for r in range(grid.n_rows - 1, len(leading) - 1, -1):
        texts = [t for t in printed[r] if t.strip()]
        if texts and not (len(texts) == 1 and compact(texts[0]).startswith(_NOTE)):
            break
        trailing.append(r)
    grid = drop_empty_columns(without_rows(grid, set(leading) | set(trailing)))
    if grid.n_rows < 2 or grid.n_cols < 2:
        return None
    return FoundTable(grid, page, None, [float(c) for c in range(grid.n_cols + 1)], caption)


def drop_empty_columns(grid: Grid) -> Grid:
    """Columns where nothing is printed (a spreadsheet's spacer columns) removed."""
    used = sorted({c for cell in grid.cells if cell.text
                   for c in range(cell.col, cell.col + cell.col_span)})
    if len(used) == grid.n_cols:
        return grid
    index = {old: new for new, old in enumerate(used)}
    cells = []
    for cell in grid.cells:
        kept = [c for c in range(cell.col, cell.col + cell.col_span) if c in index]
        if kept:
            cells.append(Cell(cell.row, index[kept[0]], cell.text, cell.page, cell.bbox,
                              cell.row_span, len(kept)))
    return Grid(grid.n_rows, len(used), cells)
