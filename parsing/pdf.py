"""PDF pages → tables (as grids, with the text lines above them) and free text lines.

Every page is first looked at cheaply with pypdfium2 (`triage`: its text lines, whether it
draws rules); only pages that may hold a table are read in full, by pdfium too (`pdfium_page`:
glyphs with pdfminer's boxes, path segments as edges; a few milliseconds a page where pdfminer
takes tens). pdfplumber (pdfminer), without layout analysis and closing each page after use,
is the reference reader (`reader="pdfminer"`); both give the same tables, which
benchmarks/parser_speed.py checks on every real file. A read page becomes a `PageView`: its
glyphs de-duplicated (bold drawn twice), its visible rules, both only where they fall on the
page and turned upright when the content is drawn sideways. Ruled tables come from the rules
(`rulings`), tables without vertical rules from the text positions (`unruled`); a ruling that
holds a caption, notes or the start of the next table is split there, and a title left under
the last table of a page goes to the first table of the next.
"""

from __future__ import annotations

import io
import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
from pdfplumber.utils.text import chars_to_textmap

from parsing.chars import dedupe_chars, normalise_glyphs
from parsing.grid import BBox, FoundTable, Grid, bounds, compact_columns, rows_slice, without_rows
from parsing.orientation import content_turn, turn_objects, turned_size
from parsing.rulings import find_ruled_tables, grid_from_cells, ruling_edges
from parsing.pdfium_page import page_chars, page_edges
from parsing.tables import choose_title
from parsing.titles import is_label_line
from parsing.triage import PageLook, look_at_page
from parsing.unruled import find_text_tables

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
    table_pages: list[int] = field(default_factory=list)  # pages read in full
    n_unmapped: int = 0  # characters in fonts without a Unicode map (see triage)


@dataclass
class PageView:
    """What the table finders see of one page: upright chars and visible rules."""

    number: int
    width: float
    height: float
    chars: list[dict]
    edges: list[dict]
    rotated: bool  # the page has /Rotate, or its content was drawn sideways and turned


def read_pdf(data: bytes, max_text_pages: int | None = None, triage: bool = True,
             reader: str = "pdfium") -> PdfContent:
    """Every page's tables and text lines. Raises whatever pdfium (or pdfplumber) raises on a
    broken file. The reference path — `triage=False, reader="pdfminer"` — reads every page
    with pdfplumber; the default reads only pages that may hold a table, with pdfium."""
    looks: list[PageLook] = []
    tables: list[FoundTable] = []
    read: dict[int, list[TextLine]] = {}
    with_tables: set[int] = set()
    orphan: list[str] = []  # a title printed under the last table of the page before
    with ExitStack() as stack:
        pdf = pdfium.PdfDocument(data)
        stack.callback(pdf.close)
        plumber = None
        for index in range(len(pdf)):
            try:
                page = pdf[index]
            except pdfium.PdfiumError as exc:  # a broken page object: say which page
                raise pdfium.PdfiumError(f"page {index + 1} of {len(pdf)}: {exc}") from exc
            try:
                textpage = page.get_textpage()
                try:
                    look = look_at_page(page, textpage, index + 1, index in with_tables)
                    looks.append(look)
                    if not (look.maybe_table or not triage and look.n_chars):
                        continue
                    if reader == "pdfium":
                        view = pdfium_view(page, textpage, look.number)
                    else:
                        plumber = plumber or stack.enter_context(
                            pdfplumber.open(io.BytesIO(data)))
                        view = pdfminer_view(plumber, look.number)
                finally:
                    textpage.close()
            finally:
                page.close()
            page_tables, page_lines = read_page(view, look.maybe_table)
            if page_tables and orphan and look.number - 1 in read \
                    and choose_title(page_tables[0].caption) is None:
                page_tables[0].caption[:0] = orphan
            orphan = orphan_caption(page_tables, page_lines)
            if page_tables:
                with_tables.add(look.number)
            tables.extend(page_tables)
            read[look.number] = page_lines
    lines: list[TextLine] = []
    for look in looks[:max_text_pages]:
        lines.extend(read[look.number] if look.number in read else pdfium_lines(look))
    return PdfContent(len(looks), tables, lines, sum(look.n_chars for look in looks),
                      table_pages=sorted(read),
                      n_unmapped=sum(look.n_unmapped for look in looks))


def pdfminer_view(pdf: pdfplumber.PDF, number: int) -> PageView:
    """A page read by pdfplumber (pdfminer), closed once viewed."""
    page = pdf.pages[number - 1]
    try:
        return page_view(page, number)
    finally:
        page.close()


def orphan_caption(tables: list[FoundTable], lines: list[TextLine]) -> list[str]:
    """The lines under a page's last table when they title a table: its table starts on the
    next page (that page's first table takes them as its caption)."""
    if not tables:
        return []
    below = [ln.text for ln in lines if ln.top >= tables[-1].bbox[3]
             and not _PAGE_NUMBER.match(ln.text)]
    return below if choose_title(below) is not None else []


def pdfium_lines(look: PageLook) -> list[TextLine]:
    """A page not read by pdfplumber: pdfium's text lines (positions unknown)."""
    return [TextLine(normalise_glyphs(line.strip()), 0.0, 0.0, look.number)
            for line in look.text.split("\n") if line.strip()]


def page_view(page: Any, number: int) -> PageView:
    """A pdfplumber page → its view (see `make_view`)."""
    objects = page.objects
    return make_view(number, float(page.width), float(page.height), objects.get("char", []),
                     ruling_edges(objects), bool(page.rotation))


def pdfium_view(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, number: int) -> PageView:
    """A pdfium page → its view (see `make_view`)."""
    return make_view(number, page.get_width(), page.get_height(),  # (as displayed)
                     page_chars(page, textpage), page_edges(page),
                     bool(page.get_rotation() % 360))


def make_view(number: int, width: float, height: float, chars: list[dict], edges: list[dict],
              rotated: bool) -> PageView:
    """Glyphs on the page (blanks are not glyphs: text is assembled from where glyphs sit),
    de-duplicated, with the visible rules on the page, positions rounded; both turned upright
    when the content is drawn sideways."""
    places = _two_places()
    chars = dedupe_chars([_rounded(ch, places) for ch in chars
                          if ch["text"].strip() and _on_page(ch, width, height)])
    edges = [_rounded(e, places) for e in edges if _on_page(e, width, height)]
    turn = content_turn(chars)
    if turn:
        chars, edges = turn_objects(chars, edges, width, height, turn)
        width, height = turned_size(width, height, turn)
    return PageView(number, width, height, chars, edges, rotated or bool(turn))


def _rounded(obj: dict, places: Callable[[float], float]) -> dict:
    """Positions to a hundredth of a point (in place: the page's objects are read once):
    what either reader gives then compares the same way against every tolerance (pdfium
    works in single precision)."""
    obj["x0"] = x0 = places(obj["x0"])
    obj["x1"] = x1 = places(obj["x1"])
    obj["top"] = top = places(obj["top"])
    obj["bottom"] = bottom = places(obj["bottom"])
    obj["doctop"] = top  # (a page at a time)
    obj["width"] = x1 - x0
    obj["height"] = bottom - top
    return obj


def _two_places() -> Callable[[float], float]:
    """`round(x, 2)`, remembered for a page: its glyphs share their lines' tops and bottoms,
    and `round` is the costliest step of placing a glyph. Ints (pdfminer keeps a path's
    integer coordinates) and zeros (0.0 and -0.0 are one key but round apart) are not kept."""
    memo: dict[float, float] = {}

    def rounded(x: float) -> float:
        y = memo.get(x)
        if y is None or type(x) is not float or not x:
            y = round(x, 2)
            if type(x) is float and x:
                memo[x] = y
        return y

    return rounded


def _on_page(obj: dict, width: float, height: float) -> bool:
    """Drawn where a reader can see it (some exports leave a next page's table below the
    page's bottom edge, printed on no page)."""
    return -1 <= (obj["x0"] + obj["x1"]) / 2 <= width + 1 \
        and -1 <= (obj["top"] + obj["bottom"]) / 2 <= height + 1


def read_page(view: PageView, text_tables: bool = True
              ) -> tuple[list[FoundTable], list[TextLine]]:
    """One page: its tables with their captions, and the text lines outside them. Tables
    without rules are looked for only where `text_tables` (the page's text reads like one:
    triage), so prose is never cut into columns."""
    if not view.chars:
        return [], []
    pieces: list[tuple[Grid, list[float], BBox, list[str], list[str]]] = []
    for cells in find_ruled_tables(view.edges):
        grid, col_edges = grid_from_cells(cells, view.chars, view.number)
        pieces += [(g, e, b, inner, []) for g, e, b, inner in split_ruling(grid, col_edges)]
    inside = [p[2] for p in pieces]
    outside = [ch for ch in view.chars if not _inside(ch, inside)]
    rules = [e for e in view.edges if e["orientation"] == "h"]
    for grid, col_edges, bbox in find_text_tables(outside, rules, view.number) \
            if text_tables else []:
        pieces.append((grid, col_edges, bbox, [], ["unruled"]))
    pieces.sort(key=lambda p: (round(p[2][1]), p[2][0]))
    boxes = [p[2] for p in pieces]
    free = [ch for ch in view.chars if not _inside(ch, boxes)]
    text_lines = [
        TextLine(normalise_glyphs(line["text"]), line["top"], line["bottom"], view.number)
        for line in (chars_to_textmap(free).extract_text_lines(strip=True, return_chars=False)
                     if free else [])
        if line["text"].strip()
    ]
    tables = []
    previous_bottom = 0.0
    for grid, col_edges, bbox, inner_caption, flags in pieces:
        caption = [ln.text for ln in text_lines
                   if previous_bottom <= ln.top and ln.bottom <= bbox[1] + 1
                   and not _PAGE_NUMBER.match(ln.text)]
        previous_bottom = bbox[3]
        if view.rotated:
            flags = [*flags, "rotated"]
        tables.append(FoundTable(grid, view.number, bbox, col_edges, caption + inner_caption,
                                 flags=flags))
    return tables, text_lines


def _inside(ch: dict, boxes: list[BBox]) -> bool:
    h = (ch["x0"] + ch["x1"]) / 2
    v = (ch["top"] + ch["bottom"]) / 2
    return any(b[0] - 1 <= h <= b[2] + 1 and b[1] - 1 <= v <= b[3] + 1 for b in boxes)


def split_ruling(grid: Grid, col_edges: list[float]
                 ) -> list[tuple[Grid, list[float], BBox, list[str]]]:
    """One ruling → the tables drawn in it: split before every inner row that titles a table
    (one ruling drawn round a table's last rows and the next table), each part without the
    caption rows at its top (returned) and the notes at its bottom."""
    starts = [0] + [r for r in range(1, grid.n_rows) if _title_row(grid, r)] + [grid.n_rows]
    parts = []
    for start, stop in zip(starts, starts[1:]):
        part, part_edges = compact_columns(rows_slice(grid, start, stop), col_edges)
        part, caption = split_spanning_rows(part)
        part, part_edges = compact_columns(part, part_edges)
        if part.n_rows and part.cells:
            parts.append((part, part_edges, bounds(part.cells), caption))
    return parts


def _title_row(grid: Grid, row: int) -> bool:
    """A row of one text across (nearly) the whole ruling that names a table."""
    cells = [c for c in grid.row_cells(row) if c.text]
    return (len(cells) == 1 and cells[0].col_span >= grid.n_cols - 1
            and choose_title([cells[0].text]) is not None)


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
