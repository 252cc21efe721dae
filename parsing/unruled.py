"""Tables drawn without vertical rules (only horizontal lines, or none) → grids, from where the
text sits.

Each line's glyphs are cut into fragments at gaps of at least an em: one cell's text on that
line. Rows are the horizontal rules where there are some, else the bands of lines that nearly
touch (a wrapped cell's lines are closer together than two rows are, and a one-line cell is
centred between a wrapped neighbour's lines). Columns are what stays apart when the x extents
of the body rows' fragments (from the first row with an amount down) and of the headings are
merged, fragments closer than an em being one column; a heading wider than the columns below
it spans them, and a heading with nothing below it takes the unheaded text beside it when it
is centred on the column that text's alignment implies (a right-aligned amount under a
centred 预算数). A block of lines is only taken for a table when it has at least two lines of
several fragments (or one of three or more cells with amounts: the last row of a table
continued alone on the next page), and amounts or a table title right above it, or nothing
above it on its page (a continuation whose rows there are all words; kept only if it
continues the table before); labels, page
numbers, notes, part headings and sentences whose figures a justified line spread apart end a
block, so narrative pages, contents pages and captions stay text.
"""

from __future__ import annotations

import bisect
import re
import statistics
from dataclasses import dataclass

from pdfplumber.utils.clustering import cluster_objects

from parsing.amounts import parse_amount, stated_unit
from parsing.chars import cell_text, normalise_glyphs
from parsing.codes import is_code
from parsing.grid import BBox, Cell, Grid
from parsing.tables import choose_title
from parsing.text import compact
from parsing.titles import is_label_line

GAP_EM = 1.0  # glyphs further apart than this (in em) are in different cells
LINE_TOLERANCE = 2.0  # chars whose tops differ less than this are on one line
ROW_GAP_EM = 0.45  # lines closer than this (in em) are one row: a wrapped cell
BLOCK_GAP_EM = 3.0  # a gap wider than this ends a table
RULE_SHARE = 0.5  # a horizontal rule across half the table separates rows
MIN_MULTI_LINES = 2
MIN_ROW_CELLS = 3
_TITLE_END = re.compile(r"表(?:[(（][^)）]{0,16}[)）])?$")
_UNIT_AFTER = re.compile(r"^(?:万元|亿元|元|%|％|个百分点)\S")  # 万元，占 (a lone 万元 is a cell)
_PART = re.compile(r"^第[一二三四五六七八九十]+部分")
_NOTE = re.compile(r"^(?:注|说明|备注|数据来源)")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*/\s*共?\s*\d+\s*页?)?[-—–\s]*$")


@dataclass
class Fragment:
    """The glyphs of one line that sit together: one cell's text on that line."""

    x0: float
    x1: float
    top: float
    bottom: float
    text: str


@dataclass
class Line:
    fragments: list[Fragment]
    top: float
    bottom: float
    size: float

    @property
    def text(self) -> str:
        return "  ".join(f.text for f in self.fragments)

    @property
    def x0(self) -> float:
        return self.fragments[0].x0

    @property
    def x1(self) -> float:
        return self.fragments[-1].x1


def is_amount_text(text: str) -> bool:
    """An amount as tables print them (with a decimal point or thousands separator) or a
    classification code: what makes a line a body row."""
    text = text.strip()
    return is_code(text) or parse_amount(text) is not None and ("." in text or "," in text)


def text_lines(chars: list[dict]) -> list[Line]:
    """Chars → lines (top to bottom) of fragments (left to right); blanks only separate."""
    ink = [ch for ch in chars if ch["text"].strip()]
    lines = []
    for cluster in cluster_objects(ink, "top", LINE_TOLERANCE):
        cluster.sort(key=lambda ch: ch["x0"])
        size = statistics.median(ch["size"] for ch in cluster)
        fragments: list[list[dict]] = []
        for ch in cluster:
            if fragments and ch["x0"] - fragments[-1][-1]["x1"] < GAP_EM * max(
                    size, ch["size"]):
                fragments[-1].append(ch)
            else:
                fragments.append([ch])
        lines.append(Line(
            [Fragment(f[0]["x0"], max(c["x1"] for c in f), min(c["top"] for c in f),
                      max(c["bottom"] for c in f), "".join(c["text"] for c in f))
             for f in fragments],
            min(ch["top"] for ch in cluster), max(ch["bottom"] for ch in cluster), size))
    lines.sort(key=lambda ln: ln.top)
    return lines


def _is_caption(line: Line) -> bool:
    """A line that is not a row: a label (单位：万元), a page number, a note, a part heading
    (第三部分 …, on contents pages), or a sentence whose figures a justified line spread apart
    ("预算数为  7877.76  万元")."""
    text = line.text
    return (is_label_line(text) or any(is_label_line(f.text) for f in line.fragments)
            or stated_unit(text) is not None or bool(_PAGE_NUMBER.match(text))
            or bool(_NOTE.match(text.strip())) or bool(_PART.match(text.strip()))
            or _prose_figures(line))


def _prose_figures(line: Line) -> bool:
    """An amount followed by its unit and more words in the next fragment: text, not a cell
    (a fragment that is just the unit is a table's 度量单位 cell)."""
    return any(is_amount_text(a.text) and _UNIT_AFTER.match(b.text)
               for a, b in zip(line.fragments, line.fragments[1:]))


def table_blocks(lines: list[Line]) -> list[list[Line]]:
    """Runs of lines that look like table rows (see module docstring). Lone-fragment lines
    just before the first line of several fragments open the block when they are not a title
    or prose: the first rows of a table continued without its header ("十七、金融支出" with no
    amount on either side)."""
    blocks: list[list[Line]] = []
    current: list[Line] = []
    pending: list[Line] = []

    def close() -> None:
        nonlocal current
        multi = [ln for ln in current if len(ln.fragments) > 1]
        if len(multi) >= MIN_MULTI_LINES or multi and _full_row(multi[0]):
            blocks.append(current)
        current = []

    for line in lines:
        limit = BLOCK_GAP_EM * line.size
        if current and line.top - current[-1].bottom > limit:
            close()
        if pending and line.top - pending[-1].bottom > limit:
            pending = []
        if _is_caption(line) or _is_title(line):
            close()
            pending = []
        elif len(line.fragments) > 1:
            if not current:
                current = [p for p in pending if abs(p.size - line.size) < 0.5
                           and not _looks_like_prose(p, [line])]
                pending = []
            current.append(line)
        elif current and not _looks_like_prose(line, current):
            current.append(line)
        else:
            close()
            pending.append(line)
    close()
    return blocks


def _full_row(line: Line) -> bool:
    """A line that is a table row on its own: three or more cells, amounts among them (the
    one row a table continued onto the next page can be)."""
    return len(line.fragments) >= MIN_ROW_CELLS and any(
        is_amount_text(f.text) for f in line.fragments)


def _is_title(line: Line) -> bool:
    """A lone line ending in 表 that names a table ("二十二、国有资本经营预算支出" is a row)."""
    return len(line.fragments) == 1 and bool(_TITLE_END.search(compact(line.text))) \
        and choose_title([line.text]) is not None


def _looks_like_prose(line: Line, block: list[Line]) -> bool:
    """A lone fragment that starts at the block's left edge and runs across two or more of its
    columns so far: a sentence or a note, not a wrapped cell (which starts inside its column)."""
    if line.x0 - min(ln.x0 for ln in block) > GAP_EM * line.size:
        return False
    columns = _union([(f.x0, f.x1) for ln in block if len(ln.fragments) > 1
                      for f in ln.fragments], GAP_EM * line.size)
    return sum(line.x0 < b and a < line.x1 for a, b in columns) >= 2


def column_ranges(header: list[Fragment], body: list[Fragment],
                  size: float) -> list[tuple[float, float]]:
    """x ranges of the columns: body fragments and headings merged where they overlap or come
    closer than an em (a heading centred over a short left-aligned code), except headings
    that stand over several body columns (they span those); then a heading with nothing
    below it takes the unheaded text its centre says it stands over (`_under_heading`)."""
    body_ranges = _union([(f.x0, f.x1) for f in body])
    own = [f for f in header
           if sum(f.x0 < b and a < f.x1 for a, b in body_ranges) <= 1]
    ranges = _union([(f.x0, f.x1) for f in body + own], GAP_EM * size)
    h = 0
    while h < len(ranges):
        span = _under_heading(ranges, h, header, body, GAP_EM * size)
        if span:
            first, last = span
            ranges[first:last + 1] = [(ranges[first][0], ranges[last][1])]
            h = first
        h += 1
    return ranges


def _under_heading(ranges: list[tuple[float, float]], h: int, header: list[Fragment],
                   body: list[Fragment], tolerance: float) -> tuple[int, int] | None:
    """When range `h` holds only headings and the range beside it only body text aligned on
    its far side (figures right-aligned to the right, text left-aligned to the left), the
    heading is centred on the column between that side and its mirror image: the ranges of
    unheaded text inside that column are one column with it. (first, last) of those ranges."""
    def inside(f: Fragment, i: int) -> bool:
        return ranges[i][0] <= f.x0 and f.x1 <= ranges[i][1]

    def bare(i: int) -> list[Fragment]:  # the range's body text, if it has no heading
        return [] if any(inside(f, i) for f in header) else [f for f in body if inside(f, i)]

    heads = [f for f in header if inside(f, h)]
    if not heads or any(inside(f, h) for f in body):
        return None
    middle = statistics.mean((f.x0 + f.x1) / 2 for f in heads)
    right = bare(h + 1) if h + 1 < len(ranges) else []
    if right and max(f.x1 for f in right) - min(f.x1 for f in right) <= 1.5:
        left_edge = 2 * middle - max(f.x1 for f in right)
        first = h
        while first > 0 and bare(first - 1) and ranges[first - 1][0] >= left_edge - tolerance:
            first -= 1
        if left_edge <= ranges[h][0] and (first == 0 or ranges[first - 1][1] <= left_edge
                                          + tolerance):
            return first, h + 1
    left = bare(h - 1) if h > 0 else []
    if left and max(f.x0 for f in left) - min(f.x0 for f in left) <= 1.5:
        right_edge = 2 * middle - min(f.x0 for f in left)
        last = h
        while last + 1 < len(ranges) and bare(last + 1) \
                and ranges[last + 1][1] <= right_edge + tolerance:
            last += 1
        if right_edge >= ranges[h][1] and (last == len(ranges) - 1 or ranges[last + 1][0]
                                           >= right_edge - tolerance):
            return h - 1, last
    return None


def _union(spans: list[tuple[float, float]], gap: float = 0.0) -> list[tuple[float, float]]:
    """Overlapping spans (or closer than `gap`) merged."""
    merged: list[list[float]] = []
    for a, b in sorted(spans):
        if merged and a < merged[-1][1] + gap:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def row_bands(block: list[Line], rules: list[float]) -> list[tuple[float, float]]:
    """(top, bottom) of each row: lines between the same two rules where rules separate most
    rows, else lines that nearly touch; a rule between two lines always parts them."""
    inner = [y for y in rules if block[0].top < y < block[-1].bottom]
    bands: list[list[float]] = []
    size = statistics.median(ln.size for ln in block)
    for line in block:
        if bands:
            ruled_apart = any(bands[-1][1] - 1 <= y <= line.top + 1 for y in inner)
            same_slot = len(inner) >= 2 and not ruled_apart
            if same_slot or (not ruled_apart and line.top - bands[-1][1] < ROW_GAP_EM * size):
                bands[-1][1] = max(bands[-1][1], line.bottom)
                continue
        bands.append([line.top, line.bottom])
    return [(a, b) for a, b in bands]


def block_grid(block: list[Line], chars: list[dict], rules: list[float],
               page: int) -> tuple[Grid, list[float], BBox] | None:
    """The grid of one block: every char in the block's area placed by its centre (a heading
    over several columns spans them). A cell's box is where its text is, or its column and row
where it is blank."""
    bands = row_bands(block, rules)
    tops = [band[0] for band in bands]

    def band_of(line: Line) -> int:
        return max(0, bisect.bisect_right(tops, (line.top + line.bottom) / 2) - 1)

    body_bands = {band_of(ln) for ln in block if any(is_amount_text(f.text) for f in ln.fragments)}
    first_body = min(body_bands, default=len(bands))
    header = [f for ln in block if band_of(ln) < first_body for f in ln.fragments]
    body = [f for ln in block if band_of(ln) >= first_body for f in ln.fragments]
    size = statistics.median(ln.size for ln in block)
    columns = column_ranges(header, body, size)
    if len(columns) < 2:
        return None
    edges = [columns[0][0] - 1.0] + [(a[1] + b[0]) / 2 for a, b in zip(columns, columns[1:])] \
        + [columns[-1][1] + 1.0]
    bbox = (edges[0], bands[0][0], edges[-1], bands[-1][1])
    spans: dict[tuple[int, int], int] = {}  # (row, first col) → col span, headings over several
    for line in block:
        for f in line.fragments:
            covered = [c for c, (a, b) in enumerate(columns) if f.x0 < b and a < f.x1]
            if len(covered) > 1:
                spans[(band_of(line), covered[0])] = covered[-1] - covered[0] + 1
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for (row, col), span in spans.items():
        for c in range(col, col + span):
            owner[(row, c)] = (row, col)
    texts: dict[tuple[int, int], list[dict]] = {}
    for ch in chars:
        h = (ch["x0"] + ch["x1"]) / 2
        v = (ch["top"] + ch["bottom"]) / 2
        if not (bbox[0] <= h <= bbox[2] and bbox[1] - 1 <= v <= bbox[3] + 1):
            continue
        row = max(0, bisect.bisect_right(tops, v) - 1)
        col = min(max(0, bisect.bisect_right(edges, h) - 1), len(columns) - 1)
        texts.setdefault(owner.get((row, col), (row, col)), []).append(ch)
    cells = []
    for r, (top, bottom) in enumerate(bands):
        c = 0
        while c < len(columns):
            span = spans.get((r, c), 1)
            cell_chars = texts.get((r, c), [])
            raw = cell_text(cell_chars).strip() if cell_chars else ""
            box = _text_box(cell_chars) if raw else (edges[c], top, edges[c + span], bottom)
            box = tuple(round(v, 2) for v in box)
            cells.append(Cell(r, c, normalise_glyphs(raw), page, box, 1, span, raw=raw))
            c += span
    return Grid(len(bands), len(columns), cells), edges, bbox


def _text_box(chars: list[dict]) -> BBox:
    ink = [ch for ch in chars if ch["text"].strip()] or chars
    return (min(ch["x0"] for ch in ink), min(ch["top"] for ch in ink),
            max(ch["x1"] for ch in ink), max(ch["bottom"] for ch in ink))


def find_text_tables(chars: list[dict], rules: list[dict],
                     page: int) -> list[tuple[Grid, list[float], BBox]]:
    """Tables among `chars` (the page's text outside ruled tables), with their column edges
    and bounding boxes. `rules` are the page's horizontal edges."""
    lines = text_lines(chars)
    found = []
    for block in table_blocks(lines):
        has_amounts = any(is_amount_text(f.text) for ln in block for f in ln.fragments)
        if not has_amounts and not _titled(block, lines) and not _page_top(block, lines):
            continue
        x0 = min(ln.x0 for ln in block)
        x1 = max(ln.x1 for ln in block)
        ys = sorted(e["top"] for e in rules
                    if e["x1"] - e["x0"] >= RULE_SHARE * (x1 - x0)
                    and e["x0"] <= x1 and e["x1"] >= x0)
        result = block_grid(block, chars, ys, page)
        if result is not None:
            found.append(result)
    return found


def _page_top(block: list[Line], lines: list[Line]) -> bool:
    """Nothing printed above the block: it may be a table continued from the page before
    whose rows on this page hold only words (a 绩效目标表's 主要任务). Such a piece is kept only
    when it continues a table (`stitch.stitch_pages` drops it otherwise); a contents page
    (目录, lines naming tables) is not one, its text must stay text."""
    if any(ln.bottom <= block[0].top and not _PAGE_NUMBER.match(ln.text) for ln in lines):
        return False
    naming = sum(any(_TITLE_END.search(compact(f.text)) for f in ln.fragments) for ln in block)
    return naming < 2 and not any(compact(ln.text) in ("目录", "目次") for ln in block)


def _titled(block: list[Line], lines: list[Line]) -> bool:
    """The nearest lines above the block (past its unit and label lines) name a table."""
    above = [ln.text for ln in lines if ln.bottom <= block[0].top][-4:]
    title = choose_title(above)
    return title is not None
