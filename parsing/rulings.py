"""Ruling lines → ruled tables as grids: pdfplumber's `lines` table finder, fed clean edges.

The finder itself is pdfplumber's (edges → merged edges → intersections → cells → tables, with
its default tolerances), so a page reads as `extract_tables` would read it. What it is fed is
cleaned first: white boxes that paint a page or cell background are not rules (Excel exports
draw one under every table, which would frame the page), and a table cut by a page break
whose top or bottom border was left on the other page gets that border back (its vertical rules
end in the air). The cells found become a `Grid`; column and row boundaries closer than a glyph
(double rules, borders drawn a few points apart on different rows) are one boundary, so a
table never grows empty sliver columns that shift its cells.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable
from operator import itemgetter

from pdfplumber.table import cells_to_tables, merge_edges
from pdfplumber.utils.geometry import filter_edges, obj_to_edges

from parsing.chars import cell_text, normalise_glyphs
from parsing.grid import BBox, Cell, Grid

TOLERANCE = 3.0  # pdfplumber's default snap, join and intersection tolerance
MIN_EDGE_LENGTH = 3.0  # pdfplumber's default edge_min_length
EDGE_TOLERANCE = 2.0  # cell edges closer than this are one grid line
MIN_COLUMN_WIDTH = 7.0  # narrower than a glyph: a sliver between two drawings of one rule
MIN_ROW_HEIGHT = 4.0
_WHITE = {(1,), (1, 1, 1), (0, 0, 0, 0)}


def is_visible(obj: dict) -> bool:
    """False for a box painted white without a border: a background, not a rule."""
    if obj["object_type"] not in ("rect", "curve") or obj.get("stroke"):
        return True
    color = obj.get("non_stroking_color")
    if isinstance(color, (int, float)):
        color = (color,)
    if not obj.get("fill") or not isinstance(color, (tuple, list)) \
            or not all(isinstance(v, (int, float)) for v in color):
        return True  # (a pattern fill: drawn, whatever it shows)
    return tuple(round(float(v), 3) for v in color) not in _WHITE


def ruling_edges(objects: dict[str, list[dict]]) -> list[dict]:
    """The page's visible lines, boxes and curves as pdfplumber edges."""
    return [edge for kind in ("line", "rect", "curve") for obj in objects.get(kind, [])
            if is_visible(obj) for edge in obj_to_edges(obj)]


def open_ends(edges: list[dict]) -> list[dict]:
    """Horizontal edges closing vertical rules that end where no horizontal rule meets them
    (at least two ending at the same height): the border a page break left behind."""
    horizontal: dict[int, list[dict]] = defaultdict(list)  # by height, rounded
    for e in edges:
        if e["orientation"] == "h":
            horizontal[round(e["top"])].append(e)
    ends: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for edge in edges:
        if edge["orientation"] == "v":
            ends[("top", round(edge["top"]))].append(edge)
            ends[("bottom", round(edge["bottom"]))].append(edge)
    caps = []
    for (side, _), group in ends.items():
        y = group[0][side]
        near = [h for k in range(round(y) - 4, round(y) + 5) for h in horizontal.get(k, ())
                if abs(h["top"] - y) <= TOLERANCE]
        loose = [v for v in group if not any(
            h["x0"] - TOLERANCE <= v["x0"] <= h["x1"] + TOLERANCE for h in near)]
        if len(loose) >= 2:
            x0, x1 = min(v["x0"] for v in loose), max(v["x1"] for v in loose)
            caps.append({"object_type": "line", "orientation": "h", "x0": x0, "x1": x1,
                         "top": y, "bottom": y, "width": x1 - x0, "height": 0.0})
    return caps


def find_ruled_tables(edges: list[dict]) -> list[list[BBox]]:
    """Cell boxes of every ruled table, as pdfplumber's `lines` strategy finds them."""
    edges = filter_edges(edges, "v", min_length=1) + filter_edges(edges, "h", min_length=1)
    edges = edges + open_ends(edges)
    merged = merge_edges(edges, snap_x_tolerance=TOLERANCE, snap_y_tolerance=TOLERANCE,
                         join_x_tolerance=TOLERANCE, join_y_tolerance=TOLERANCE)
    merged = filter_edges(merged, min_length=MIN_EDGE_LENGTH)
    cells = intersections_to_cells(edges_to_intersections(merged, TOLERANCE, TOLERANCE))
    return [table for table in cells_to_tables(cells) if is_real_table(table)]


Point = tuple[float, float]
Intersections = dict[Point, dict[str, list[dict]]]
_BOX = itemgetter("x0", "top", "x1", "bottom")


def edges_to_intersections(edges: list[dict], x_tolerance: float, y_tolerance: float
                           ) -> Intersections:
    """pdfplumber's `edges_to_intersections` — the same points, edges and order —, with the
    horizontal edges sorted once rather than once for every vertical one."""
    found: Intersections = {}
    verticals = sorted((e for e in edges if e["orientation"] == "v"), key=itemgetter("x0", "top"))
    horizontals = sorted((e for e in edges if e["orientation"] == "h"),
                         key=itemgetter("top", "x0"))
    for v in verticals:
        for h in horizontals:
            if v["top"] <= h["top"] + y_tolerance and v["bottom"] >= h["top"] - y_tolerance \
                    and v["x0"] >= h["x0"] - x_tolerance and v["x0"] <= h["x1"] + x_tolerance:
                vertex = found.setdefault((v["x0"], h["top"]), {"v": [], "h": []})
                vertex["v"].append(v)
                vertex["h"].append(h)
    return found


def intersections_to_cells(intersections: Intersections) -> list[BBox]:
    """pdfplumber's `intersections_to_cells` — the same cells in the same order: from every
    point, the smallest box whose corners are points joined by common edges —, with the
    points below and right of each looked up in its column and row, and each point's edges
    made a set once (pdfplumber scans every later point and rebuilds both sets for each pair:
    quadratic, a tenth of the parse on pages of large tables)."""
    v_boxes = {p: set(map(_BOX, edges["v"])) for p, edges in intersections.items()}
    h_boxes = {p: set(map(_BOX, edges["h"])) for p, edges in intersections.items()}

    def connects(p: Point, q: Point) -> bool:
        return (p[0] == q[0] and not v_boxes[p].isdisjoint(v_boxes[q])
                or p[1] == q[1] and not h_boxes[p].isdisjoint(h_boxes[q]))

    columns: dict[float, list[Point]] = defaultdict(list)
    rows: dict[float, list[Point]] = defaultdict(list)
    at: dict[Point, tuple[int, int]] = {}
    for point in sorted(intersections):
        column, row = columns[point[0]], rows[point[1]]
        at[point] = (len(column), len(row))
        column.append(point)
        row.append(point)
    cells = []
    for point, (in_column, in_row) in at.items():
        cell = _smallest_cell(point, columns[point[0]][in_column + 1:],
                              rows[point[1]][in_row + 1:], intersections, connects)
        if cell:
            cells.append(cell)
    return cells


def _smallest_cell(point: Point, below: list[Point], right: list[Point],
                   intersections: Intersections, connects: Callable[[Point, Point], bool]
                   ) -> BBox | None:
    for below_point in below:
        if not connects(point, below_point):
            continue
        for right_point in right:
            if not connects(point, right_point):
                continue
            corner = (right_point[0], below_point[1])
            if corner in intersections and connects(corner, right_point) \
                    and connects(corner, below_point):
                return (point[0], point[1], corner[0], corner[1])
    return None


def is_real_table(cells: list[BBox]) -> bool:
    """At least two rows and two columns, or one row of three or more cells (the last row of
    a table, continued alone on the next page): a lone frame or box is not a table."""
    xs = {round(c[0]) for c in cells}
    tops = {round(c[1]) for c in cells}
    return len(xs) >= 2 and len(tops) >= 2 or len(xs) >= 3


def boundaries(values: list[float], min_gap: float) -> list[float]:
    """Grid lines from cell edges: positions within EDGE_TOLERANCE are one line; lines closer
    than `min_gap` are one line too, at the position more cell edges use."""
    lines: list[list[float]] = []  # [position, support]
    for value in sorted(values):
        if lines and value - lines[-1][0] <= EDGE_TOLERANCE:
            lines[-1][1] += 1
        else:
            lines.append([value, 1])
    while len(lines) > 2:
        gaps = [(lines[i + 1][0] - lines[i][0], i) for i in range(len(lines) - 1)]
        gap, i = min(gaps)
        if gap >= min_gap:
            break
        (a, sa), (b, sb) = lines[i], lines[i + 1]
        if i == 0:  # the table's outline stays where it is
            keep = a
        elif i + 1 == len(lines) - 1:
            keep = b
        else:
            keep = a if sa >= sb else b
        lines[i:i + 2] = [[keep, sa + sb]]
    return [position for position, _ in lines]


def _index(edges: list[float], value: float) -> int:
    """Index of the boundary nearest to `value`."""
    i = bisect.bisect_left(edges, value)
    if i == len(edges):
        return i - 1
    if i > 0 and value - edges[i - 1] < edges[i] - value:
        return i - 1
    return i


def grid_from_cells(cells: list[BBox], chars: list[dict], page: int) -> tuple[Grid, list[float]]:
    """pdfplumber cell boxes → a Grid with spans; each char goes to the cell under its centre.
    Also returns the column boundaries (x positions)."""
    xs = boundaries([c[0] for c in cells] + [c[2] for c in cells], MIN_COLUMN_WIDTH)
    ys = boundaries([c[1] for c in cells] + [c[3] for c in cells], MIN_ROW_HEIGHT)
    placed = []
    for box in cells:
        c0, c1 = _index(xs, box[0]), _index(xs, box[2])
        r0, r1 = _index(ys, box[1]), _index(ys, box[3])
        if c1 > c0 and r1 > r0:
            placed.append((r0, c0, r1 - r0, c1 - c0, box))
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
        i = owner.get((bisect.bisect_right(ys, v) - 1, bisect.bisect_right(xs, h) - 1))
        if i is not None:
            cell_chars[i].append(ch)
    grid_cells = []
    for i, (r0, c0, rs, cs, box) in enumerate(placed):
        raw = cell_text(cell_chars[i]).strip() if cell_chars[i] else ""
        grid_cells.append(Cell(r0, c0, normalise_glyphs(raw), page,
                               tuple(round(v, 2) for v in box), rs, cs, raw=raw))
    return Grid(len(ys) - 1, len(xs) - 1, grid_cells), xs
