"""Budgets published as HTML articles → their inline <table>s and the article's text.

Portals wrap articles in layout tables, so only innermost tables (no <table> inside) are read.
Cells keep colspan/rowspan as spans. Each table's caption is the text between it and the
previous table; the text outside tables is the narrative. The encoding is taken from the
page's own declaration, else UTF-8, else GB18030 (a superset of the GBK most portals use).
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html

from parsing.content import Content, TextLine, table_with_caption
from parsing.grid import Cell, Grid
from parsing.text import squash

PAGE = 1
CAPTION_LINES = 4
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
           "article", "center", "caption", "title", "ul", "ol", "dd", "dt"}
_SKIP = {"script", "style", "noscript", "template", "head"}
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


class NoTable(Exception):
    """An HTML page with no table (a notice, a challenge page, a listing)."""


def decode(data: bytes) -> str:
    declared = _CHARSET.search(data[:4096])
    for encoding in ([declared.group(1).decode()] if declared else []) + ["utf-8", "gb18030"]:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def read_html(data: bytes) -> Content:
    """The innermost tables and the text around them; raises `NoTable` when there is none."""
    root = lxml.html.document_fromstring(decode(data))
    chunks: list[str | Any] = []  # text pieces and table elements, in document order
    _walk(root, chunks)
    tables, lines = [], []
    text_since_table: list[str] = []
    buffer = ""
    n_chars = 0
    for chunk in [*chunks, "\n"]:
        if isinstance(chunk, str):
            buffer += chunk
            *complete, buffer = buffer.split("\n")
            for line in filter(None, (squash(x) for x in complete)):
                lines.append(TextLine(line, PAGE))
                text_since_table.append(line)
                n_chars += len(line)
            continue
        grid = table_grid(chunk)
        n_chars += sum(len(c.text) for c in grid.cells)
        found = table_with_caption(grid, PAGE, text_since_table[-CAPTION_LINES:])
        if found is not None:
            tables.append(found)
        text_since_table = []
    if not tables:
        raise NoTable("an HTML page without a table")
    return Content(None, tables, lines, n_chars, paged=False)


def _walk(element: Any, out: list[str | Any]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _SKIP:
        out.append(element.tail or "")
        return
    if tag == "table" and not element.xpath(".//table"):
        out.extend(["\n", element, "\n", element.tail or ""])
        return
    block = tag in _BLOCKS
    out.append(("\n" if block else "") + (element.text or ""))
    for child in element:
        _walk(child, out)
    out.append(("\n" if block else "") + (element.tail or ""))


def table_grid(table: Any) -> Grid:
    """Rows and cells with colspan/rowspan placed on a grid (the first free column)."""
    taken: set[tuple[int, int]] = set()
    cells: list[Cell] = []
    rows = [tr for tr in table.iter("tr") if tr.xpath("ancestor::table[1]")[0] is table]
    for r, tr in enumerate(rows):
        col = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while (r, col) in taken:
                col += 1
            row_span = _span(td.get("rowspan"))
            col_span = _span(td.get("colspan"))
            text = "\n".join(filter(None, (squash(t) for t in td.itertext())))
            cells.append(Cell(r, col, text, PAGE, None, row_span, col_span))
            taken |= {(r + i, col + j) for i in range(row_span) for j in range(col_span)}
            col += col_span
    n_cols = max((c.col + c.col_span for c in cells), default=0)
    n_rows = len(rows)
    cells = [Cell(c.row, c.col, c.text, c.page, c.bbox, min(c.row_span, n_rows - c.row),
                  c.col_span) for c in cells]
    return Grid(n_rows, n_cols, cells)


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1
