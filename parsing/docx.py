"""Word files (DOCX) → tables with the paragraphs above them as captions, and the running text.

The body is read in order, paragraphs and tables interleaved, so each table's title and
单位：万元 are the paragraphs since the previous table. Merged cells are read from the markup
(gridSpan across, vMerge down) so a merged header is one cell with its span, as in a PDF.
Word has no fixed pages: everything is page 1 inside, null in the output.
"""

from __future__ import annotations

import io
from typing import Any

import docx
from docx.oxml.ns import qn

from parsing.content import Content, TextLine, table_with_caption
from parsing.grid import Cell, Grid

CAPTION_PARAGRAPHS = 4  # the paragraphs right above a table that may title it
PAGE = 1


def read_docx(data: bytes) -> Content:
    """Tables and text of a .docx; raises whatever python-docx raises on a broken file."""
    document = docx.Document(io.BytesIO(data))
    tables, lines, n_chars = [], [], 0
    since_table: list[str] = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            text = _text(element)
            if text:
                since_table.append(text)
                lines.append(TextLine(text, PAGE))
                n_chars += len(text)
        elif element.tag == qn("w:tbl"):
            grid = table_grid(element)
            n_chars += sum(len(c.text) for c in grid.cells)
            found = table_with_caption(grid, PAGE, since_table[-CAPTION_PARAGRAPHS:])
            if found is not None:
                tables.append(found)
            since_table = []
    return Content(None, tables, lines, n_chars, paged=False)


def _text(element: Any) -> str:
    """A paragraph's (or cell's) text: its w:t runs, paragraphs on lines of their own."""
    paragraphs = element.iter(qn("w:p")) if element.tag != qn("w:p") else [element]
    texts = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in paragraphs]
    return "\n".join(t for t in texts if t.strip()).strip()


def table_grid(table: Any) -> Grid:
    """A w:tbl as a grid: gridSpan widens a cell, vMerge="continue" lengthens the one above."""
    cells: list[Cell] = []
    origin: dict[int, int] = {}  # grid column → index in `cells` of the cell covering it
    rows = list(table.iterchildren(qn("w:tr")))
    n_cols = 0
    for r, row in enumerate(rows):
        col = 0
        for tc in row.iterchildren(qn("w:tc")):
            span = tc.grid_span
            if tc.vMerge == "continue" and col in origin:
                i = origin[col]
                cells[i] = Cell(cells[i].row, cells[i].col, cells[i].text, PAGE, None,
                                r - cells[i].row + 1, cells[i].col_span)
            else:
                cells.append(Cell(r, col, _text(tc), PAGE, None, 1, span))
                for c in range(col, col + span):
                    origin[c] = len(cells) - 1
            col += span
        n_cols = max(n_cols, col)
    return Grid(len(rows), n_cols, cells)
