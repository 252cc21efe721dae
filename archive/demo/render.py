"""Render a `SeedDoc` as a real PDF that looks like a government budget disclosure.

The demo portal serves these files and the parser is tested on them, so the layout follows the
printed originals: a cover page, narrative pages, then one table per page group, each with its
title centred, its unit lines above, and a fully ruled grid (every cell border is a drawn line,
which is what pdfplumber's `lines` strategy needs). Wide tables (> 8 columns) go on landscape
pages; long tables continue on the next page with the header rows repeated. Text uses
reportlab's built-in `STSong-Light` CID font (no system font needed) and the output is
byte-for-byte deterministic (`invariant=1`).

Other `STYLES` draw the same tables the ways real portals do, so the parser can be measured on
each: horizontal rules only (tables continuing without their header), no rules at all, merged
header cells in bold (each glyph drawn twice, as Word does) over many short pages with the
header repeated, pages stored portrait with `/Rotate 90`, and tables drawn sideways on a
portrait page. The default style ("grid") is what the demo portal serves.

    python -m archive.demo.render OUTDIR [STYLE]   # writes OUTDIR/seed-000.pdf …
"""

from __future__ import annotations

import io
import re
import sys
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from archive.demo.fixtures import SeedDoc, SeedTable, is_amount, load_seeds

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

MARGIN = 40.0
CELL_PAD_X = 3.0
CELL_PAD_Y = 2.5
TABLE_FONT_SIZES = (8.5, 8.0, 7.5, 7.0, 6.5, 6.0, 5.5, 5.0)
WIDE_TABLE_COLUMNS = 8  # more columns than this: landscape page
TEXT_SIZE = 11.0
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_DRAW_AS = str.maketrans({"\u00b7": "\u30fb"})
_RIGHT_UNIT = re.compile(r"^(金额单位|单位)\s*[:：]\s*(万元|元)$")


@dataclass(frozen=True)
class RenderStyle:
    """How tables are drawn (the cover and narrative pages are the same in every style)."""

    verticals: bool = True  # column rules
    horizontals: bool = True  # row rules
    pad_x: float = CELL_PAD_X  # room between a cell's text and its column's edges
    merge_header: bool = False  # a heading over blank cells spans them (基本支出 › 人员经费)
    bold_header: bool = False  # header glyphs drawn twice, 0.3 pt apart
    max_body_rows: int | None = None  # body rows per page before the table continues
    repeat_header: bool = True  # a continued table repeats its header rows
    turn: str | None = None  # "rotate": portrait page with /Rotate 90; "sideways": no /Rotate


STYLES: dict[str, RenderStyle] = {
    "grid": RenderStyle(),
    "horizontal": RenderStyle(verticals=False, pad_x=6.0, max_body_rows=16, repeat_header=False),
    "unruled": RenderStyle(verticals=False, horizontals=False, pad_x=6.0),
    "merged": RenderStyle(merge_header=True, bold_header=True, max_body_rows=10),
    "rotated": RenderStyle(turn="rotate"),
    "sideways": RenderStyle(turn="sideways"),
}
DEFAULT_STYLE = "grid"


@cache
def _char_width(ch: str, size: float) -> float:
    return pdfmetrics.stringWidth(ch, FONT, size)


def text_width(text: str, size: float) -> float:
    return sum(_char_width(ch, size) for ch in text)


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking by character (Chinese has no spaces to break at)."""
    lines: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0.0
        for ch in para:
            w = _char_width(ch, size)
            if line and used + w > width:
                lines.append(line)
                line, used = "", 0.0
            line += ch
            used += w
        lines.append(line)
    return lines


@dataclass(frozen=True)
class GridLayout:
    widths: tuple[float, ...]
    size: float

    @property
    def leading(self) -> float:
        return self.size * 1.25


def layout_grid(table: SeedTable, avail: float, pad: float = CELL_PAD_X) -> GridLayout:
    """Column widths that fill the page. When the table fits, every column gets its natural
    width (scaled up to the page); otherwise amounts and codes keep theirs and the text columns
    share the rest in proportion to how much text they hold, wrapping inside their cells."""
    grid = table.header + table.rows
    for size in TABLE_FONT_SIZES:
        want, need, volume = [], [], []
        for col in range(table.width):
            widths = [text_width(row[col], size) for row in grid]
            rigid = [w for row, w in zip(grid, widths) if row[col] and not _CJK.search(row[col])]
            want.append(min(max(widths, default=0.0), avail * 0.45) + 2 * pad)
            need.append(max(max(rigid, default=0.0), 2.5 * size) + 2 * pad)
            volume.append(sum(widths) + 1.0)
        if sum(want) <= avail:
            scale = avail / sum(want)
            return GridLayout(tuple(w * scale for w in want), size)
        if sum(need) <= avail:
            return GridLayout(_share(need, want, volume, avail), size)
    return GridLayout(tuple([avail / table.width] * table.width), TABLE_FONT_SIZES[-1])


def _share(need: list[float], want: list[float], volume: list[float], avail: float) -> tuple[float, ...]:
    """Water-filling: hand the space left after `need` to the columns by text volume, never
    giving a column more than it `want`s; what a full column cannot take goes to the others."""
    widths = list(need)
    open_cols = [i for i in range(len(need)) if want[i] > need[i]]
    left = avail - sum(need)
    while open_cols and left > 1e-6:
        total = sum(volume[i] for i in open_cols)
        full = [i for i in open_cols if widths[i] + left * volume[i] / total >= want[i]]
        if not full:
            for i in open_cols:
                widths[i] += left * volume[i] / total
            break
        for i in full:
            left -= want[i] - widths[i]
            widths[i] = want[i]
        open_cols = [i for i in open_cols if i not in full]
    return tuple(widths)


class _Pages:
    """A canvas that knows its current page size and numbers its pages."""

    def __init__(self, buf: io.BytesIO, title: str) -> None:
        self.canvas = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
        self.canvas.setTitle(title)
        self.canvas.setAuthor("")
        self.canvas.setCreator("budget-corpus demo")
        self.size = A4
        self.number = 0
        self.started = False
        self.rotation = 0

    def new_page(self, size: tuple[float, float] = A4, turn: str | None = None) -> None:
        """A page of `size` as displayed. A turned page is stored in the other orientation and
        drawn through a quarter turn: with /Rotate 90 it displays upright ("rotate"), without
        it the content lies sideways on the page ("sideways")."""
        if self.started:
            self._footer()
            self.canvas.showPage()
        rotation = 90 if turn == "rotate" else 0
        if rotation != self.rotation:
            self.canvas.setPageRotation(rotation)
            self.rotation = rotation
        # reportlab stores a page with /Rotate 90 in the other orientation itself
        self.canvas.setPageSize((size[1], size[0]) if turn == "sideways" else size)
        if turn is not None:
            self.canvas.transform(0, 1, -1, 0, size[1], 0)
        self.size = size
        self.number += 1
        self.started = True

    def _footer(self) -> None:
        self.canvas.setFont(FONT, 9)
        self.canvas.drawCentredString(self.size[0] / 2, MARGIN / 2, f"- {self.number} -")

    def finish(self) -> None:
        if self.started:
            self._footer()
        self.canvas.save()

    @property
    def top(self) -> float:
        return self.size[1] - MARGIN

    @property
    def text_width(self) -> float:
        return self.size[0] - 2 * MARGIN


def _cover(pages: _Pages, doc: SeedDoc) -> None:
    pages.new_page(A4)
    c = pages.canvas
    y = pages.size[1] * 0.62
    for line in doc.cover_lines or (doc.body,):
        c.setFont(FONT, 24)
        for part in wrap(line, pages.text_width, 24):
            c.drawCentredString(pages.size[0] / 2, y, part)
            y -= 36


def _narrative(pages: _Pages, doc: SeedDoc) -> None:
    if not doc.narrative:
        return
    pages.new_page(A4)
    c = pages.canvas
    y = pages.top
    leading = TEXT_SIZE * 1.6
    for line in doc.narrative:
        heading = bool(re.match(r"^(目\s*录|第[一二三四五]部分|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)", line))
        indent = 0.0 if heading else 2 * TEXT_SIZE
        parts = wrap(line, pages.text_width - indent, TEXT_SIZE)
        for i, part in enumerate(parts):
            if y < MARGIN + leading:
                pages.new_page(A4)
                y = pages.top
            c.setFont(FONT, TEXT_SIZE)
            c.drawString(MARGIN + (indent if i == 0 else 0), y, part)
            y -= leading
        y -= TEXT_SIZE * 0.4


def _cell_lines(text: str, width: float, size: float) -> list[str]:
    if not text:
        return []
    if not _CJK.search(text) or text_width(text, size) <= width:
        return [text]
    return wrap(text, width, size)


def _draw_text(c: Canvas, how: str, x: float, y: float, text: str, bold: bool) -> None:
    """One line of a cell; bold as Word exports it: the glyphs drawn twice, 0.3 pt apart."""
    draw = {"centre": c.drawCentredString, "right": c.drawRightString, "left": c.drawString}[how]
    draw(x, y, text)
    if bold:
        draw(x + 0.3, y, text)


def _draw_row(c: Canvas, x0: float, top: float, lay: GridLayout, row: tuple[str, ...],
              lines: list[list[str]], height: float, header: bool, pad: float = CELL_PAD_X,
              bold: bool = False) -> None:
    x = x0
    for text, cell, width in zip(row, lines, lay.widths):
        block = len(cell) * lay.leading
        y = top - (height - block) / 2 - lay.size * 0.95
        for part in cell:
            if header:
                _draw_text(c, "centre", x + width / 2, y, part, bold)
            elif is_amount(text):
                _draw_text(c, "right", x + width - pad, y, part, bold)
            else:
                _draw_text(c, "left", x + pad, y, part, bold)
            y -= lay.leading
        x += width


def header_spans(header: tuple[tuple[str, ...], ...]) -> list[tuple[int, int, int, int]]:
    """(row, col, row_span, col_span) of every header cell when merged the way the printed
    tables merge them: a heading spans the blank cells to its right that have headings below
    (基本支出 over 人员经费 | 公用经费), and the blank cells below it (合计 over two rows)."""
    n_rows, n_cols = len(header), len(header[0]) if header else 0
    covered: set[tuple[int, int]] = set()
    spans = []
    for r in range(n_rows):
        for c in range(n_cols):
            if (r, c) in covered:
                continue
            cs = rs = 1
            if header[r][c]:
                while c + cs < n_cols and not header[r][c + cs] and (r, c + cs) not in covered \
                        and any(header[below][c + cs] for below in range(r + 1, n_rows)):
                    cs += 1
                while r + rs < n_rows and not any(header[r + rs][c:c + cs]):
                    rs += 1
            spans.append((r, c, rs, cs))
            covered.update((rr, cc) for rr in range(r, r + rs) for cc in range(c, c + cs))
    return spans


def _draw_merged_header(c: Canvas, x0: float, top: float, lay: GridLayout,
                        header: tuple[tuple[str, ...], ...], heights: list[float],
                        style: RenderStyle) -> None:
    """Each merged header cell framed as one box, its text centred in it."""
    for r, col, rs, cs in header_spans(header):
        x = x0 + sum(lay.widths[:col])
        width = sum(lay.widths[col:col + cs])
        y_top = top - sum(heights[:r])
        height = sum(heights[r:r + rs])
        lines = _cell_lines(header[r][col], width - 2 * style.pad_x, lay.size)
        y = y_top - (height - len(lines) * lay.leading) / 2 - lay.size * 0.95
        for part in lines:
            _draw_text(c, "centre", x + width / 2, y, part, style.bold_header)
            y -= lay.leading
        c.rect(x, y_top - height, width, height, stroke=1, fill=0)


def _rule(c: Canvas, x0: float, lay: GridLayout, bounds: list[float], verticals: bool = True,
          horizontals: bool = True) -> None:
    """Every cell border as a line: one horizontal per row boundary, one vertical per column."""
    x1 = x0 + sum(lay.widths)
    if horizontals:
        for y in bounds:
            c.line(x0, y, x1, y)
    if verticals:
        x = x0
        for width in (0.0, *lay.widths):
            x += width
            c.line(x, bounds[0], x, bounds[-1])


def _table(pages: _Pages, table: SeedTable, style: RenderStyle = STYLES[DEFAULT_STYLE]) -> None:
    size = landscape(A4) if table.width > WIDE_TABLE_COLUMNS else A4
    pages.new_page(size, style.turn)
    c = pages.canvas
    y = pages.top
    if table.label:
        c.setFont(FONT, 10)
        c.drawString(MARGIN, y - 10, table.label)
        y -= 16
    if table.title:
        c.setFont(FONT, 15)
        for part in wrap(table.title, pages.text_width, 15):
            c.drawCentredString(pages.size[0] / 2, y - 15, part)
            y -= 22
    y -= 4
    c.setFont(FONT, 9)
    for line in table.pre_lines:
        left, _, right = line.partition("    ")
        if _RIGHT_UNIT.match(left.strip()) and not right:
            c.drawRightString(pages.size[0] - MARGIN, y - 9, left.strip())
        else:
            c.drawString(MARGIN, y - 9, left)
            if right.strip():
                c.drawRightString(pages.size[0] - MARGIN, y - 9, right.strip())
        y -= 14
    if not table.width:
        return
    pad = style.pad_x
    lay = layout_grid(table, pages.text_width, pad)
    c.setLineWidth(0.5)

    def measure(row: tuple[str, ...], room: float) -> tuple[list[list[str]], float]:
        lines = [_cell_lines(t, w - 2 * pad, lay.size) for t, w in zip(row, lay.widths)]
        limit = int(room / lay.leading) - 1  # a row taller than a page could never be drawn
        lines = [cell[:limit] for cell in lines]
        tallest = max((len(cell) for cell in lines), default=0)
        return lines, tallest * lay.leading + 2 * CELL_PAD_Y + lay.size * 0.3

    room = pages.size[1] - 2 * MARGIN
    header = [(row, *measure(row, room / 2)) for row in table.header]
    room -= sum(h for _, _, h in header)
    body = [(row, *measure(row, room)) for row in table.rows]
    y -= 4
    pending = body
    first = True
    while first or pending:
        if not first:
            pages.new_page(size, style.turn)
            y = pages.top
        show_header = first or style.repeat_header
        first = False
        bounds = [y]
        c.setFont(FONT, lay.size)
        if show_header and style.merge_header and header:
            heights = [h for _, _, h in header]
            _draw_merged_header(c, MARGIN, y, lay, table.header, heights, style)
            y -= sum(heights)
            bounds = [y]
        elif show_header:
            for row, lines, height in header:
                _draw_row(c, MARGIN, y, lay, row, lines, height, True, pad, style.bold_header)
                y -= height
                bounds.append(y)
        drawn = 0
        for row, lines, height in pending:
            full = style.max_body_rows is not None and drawn >= style.max_body_rows
            if (y - height < MARGIN or full) and drawn:
                break
            _draw_row(c, MARGIN, y, lay, row, lines, height, False, pad)
            y -= height
            bounds.append(y)
            drawn += 1
        pending = pending[drawn:]
        if len(bounds) > 1:
            _rule(c, MARGIN, lay, bounds, style.verticals, style.horizontals)
    c.setFont(FONT, 9)
    y -= 6
    for line in table.post_lines:
        for part in wrap(line, pages.text_width, 9):
            if y < MARGIN + 12:
                pages.new_page(size, style.turn)
                y = pages.top
            c.drawString(MARGIN, y - 9, part)
            y -= 13


def _printable(doc: SeedDoc) -> SeedDoc:
    """Swap the few characters STSong-Light's Unicode CMap lacks for their look-alikes, which
    pdfminer reads back as the original (U+00B7 · is drawn as U+30FB ・)."""
    def fix(text: str) -> str:
        return text.translate(_DRAW_AS)

    def grid(rows: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(fix(c) for c in r) for r in rows)

    tables = tuple(replace(t, title=fix(t.title), label=fix(t.label),
                           pre_lines=tuple(map(fix, t.pre_lines)), header=grid(t.header),
                           rows=grid(t.rows), post_lines=tuple(map(fix, t.post_lines)))
                   for t in doc.tables)
    return replace(doc, cover_lines=tuple(map(fix, doc.cover_lines)),
                   narrative=tuple(map(fix, doc.narrative)), tables=tables)


def render_pdf(doc: SeedDoc, style: str = DEFAULT_STYLE) -> bytes:
    """The document as PDF bytes: cover, narrative, then every table drawn in `style` (a name
    in STYLES)."""
    table_style = STYLES[style]
    doc = _printable(doc)
    buf = io.BytesIO()
    pages = _Pages(buf, title=" ".join(doc.cover_lines) or doc.body)
    _cover(pages, doc)
    _narrative(pages, doc)
    for table in doc.tables:
        _table(pages, table, table_style)
    pages.finish()
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2) or args[1:] and args[1] not in STYLES:
        print(f"usage: python -m archive.demo.render OUTDIR [{'|'.join(STYLES)}]",
              file=sys.stderr)
        return 2
    out = Path(args[0])
    style = args[1] if len(args) == 2 else DEFAULT_STYLE
    out.mkdir(parents=True, exist_ok=True)
    for doc in load_seeds():
        suffix = "" if style == DEFAULT_STYLE else f"-{style}"
        target = out / f"seed-{doc.seed_id}{suffix}.pdf"
        target.write_bytes(render_pdf(doc, style))
        print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
