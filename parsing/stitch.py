"""Tables that run over a page break → one table: continuation pieces appended, repeated
header rows dropped.

A piece continues the table before it when it is the first table on the page right after,
has no title of its own (or one marked 续), and lies across the same width with columns that
fit: the same boundaries, or some of them (one page rules a column the other leaves whole:
js-01's 收支预算总表 has 8 columns on its first page and 6 on the next). Both are then put on
the union of their boundaries. A piece read from text positions
(no vertical rules) has only the columns its own rows fill, so each of its cells is placed in
the table column under its text; when the piece's rows fill columns the table's pages left
blank (a 整体绩效目标表 whose 指标 rows come after pages of 任务 text), the table's cells are
placed in the piece's columns instead. A repeated title starts a new table: per-project tables
(绩效目标表) repeat theirs. A text block read only because it opens its page (no amounts, no
title: `unruled._page_top`) is kept only when it continues the table before.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from parsing.grid import FoundTable, Grid, regrid_columns, stack
from parsing.tables import choose_title, count_header_rows
from parsing.text import compact
from parsing.unruled import is_amount_text

WIDTH_TOLERANCE = 0.03  # relative: a continuation spans the same width
EDGE_TOLERANCE = 4.0  # points: boundaries this close are the same rule
TEXT_EDGE_TOLERANCE = 12.0  # points: outer edges read from text end where a page's text does


def stitch_pages(found: list[FoundTable]) -> list[FoundTable]:
    """Merge every continuation piece into the table it continues; flag those `stitched`."""
    merged: list[FoundTable] = []
    for piece in found:
        if merged and continues(merged[-1], piece):
            merged[-1] = append_piece(merged[-1], piece)
        elif not unfounded(piece):
            merged.append(piece)
    return merged


def unfounded(piece: FoundTable) -> bool:
    """A piece read from text positions with neither an amount nor a title: only a table's
    continuation could make it one."""
    return "unruled" in piece.flags and choose_title(piece.caption) is None and not any(
        is_amount_text(line) for cell in piece.grid.cells for line in cell.text.splitlines())


def continues(table: FoundTable, piece: FoundTable) -> bool:
    if piece.page != (table.last_page or table.page) + 1:
        return False  # (a second piece on that page meets the first one, on its own page)
    title = choose_title(piece.caption)
    if title is not None and "续" not in title:
        return False
    return fits(table, piece)


def fits(table: FoundTable, piece: FoundTable) -> bool:
    """Same width, and columns that can be laid over each other (see module docstring)."""
    a, b = table.col_edges, piece.col_edges
    if len(a) < 2 or len(b) < 2:
        return False
    if "unruled" in piece.flags or "unruled" in table.flags:
        return _within(b, a) and column_map(a, piece.grid) is not None or _finer(table, piece)
    wa, wb = a[-1] - a[0], b[-1] - b[0]
    if wa <= 0 or abs(wa - wb) > WIDTH_TOLERANCE * wa:
        return False
    shift = a[0] - b[0]
    moved = [x + shift for x in b]
    return _subset(moved, a) or _subset(a, moved)


def _subset(small: list[float], large: list[float]) -> bool:
    return all(any(abs(x - y) <= EDGE_TOLERANCE for y in large) for x in small)


def _within(inner: list[float], outer: list[float]) -> bool:
    """`inner` lies across no more than `outer`'s width (edges read from text positions)."""
    return outer[0] - TEXT_EDGE_TOLERANCE <= inner[0] \
        and inner[-1] <= outer[-1] + TEXT_EDGE_TOLERANCE


def _finer(table: FoundTable, piece: FoundTable) -> bool:
    """Both read from text positions, and the table's cells fit the piece's columns."""
    return "unruled" in table.flags and "unruled" in piece.flags \
        and _within(table.col_edges, piece.col_edges) \
        and column_map(piece.col_edges, table.grid) is not None


def column_map(edges: list[float], grid: Grid) -> dict[tuple[int, int], int] | None:
    """For a grid read from text positions: the column between `edges` under the text of
    each of its cells, by (row, col); None when two cells of a row would land in one column."""
    mapping: dict[tuple[int, int], int] = {}
    taken: set[tuple[int, int]] = set()
    for cell in grid.cells:
        if not cell.text:
            continue
        centre = (cell.bbox[0] + cell.bbox[2]) / 2
        col = min(max(bisect.bisect_right(edges, centre) - 1, 0), len(edges) - 2)
        if (cell.row, col) in taken:
            return None
        taken.add((cell.row, col))
        mapping[(cell.row, cell.col)] = col
    return mapping


def union_edges(a: list[float], b: list[float]) -> list[float]:
    """Both sets of boundaries, those within EDGE_TOLERANCE of one in `a` taken as that one."""
    extra = [x for x in b if not any(abs(x - y) <= EDGE_TOLERANCE for y in a)]
    return sorted(a + extra)


def repeated_header_rows(table: Grid, header_rows: int, piece: Grid) -> int:
    """How many leading rows of `piece` repeat the header of `table` (same columns)."""
    top, bottom = table.filled(), piece.filled()
    k = 0
    while k < min(header_rows, len(bottom)) and \
            [compact(t) for t in top[k]] == [compact(t) for t in bottom[k]]:
        k += 1
    return k


def _placed(grid: Grid, columns: dict[tuple[int, int], int], n_cols: int) -> Grid:
    """The grid's cells with text, each in the column `columns` gives it."""
    cells = [replace(c, col=columns[(c.row, c.col)], col_span=1) for c in grid.cells
             if (c.row, c.col) in columns]
    return Grid(grid.n_rows, n_cols, cells)


def append_piece(table: FoundTable, piece: FoundTable) -> FoundTable:
    if "unruled" in piece.flags or "unruled" in table.flags:
        columns = column_map(table.col_edges, piece.grid) if _within(
            piece.col_edges, table.col_edges) else None
        if columns is not None:
            piece_grid = _placed(piece.grid, columns, table.grid.n_cols)
            table_grid, edges = table.grid, table.col_edges
        else:  # the piece's columns are finer (`_finer`)
            columns = column_map(piece.col_edges, table.grid) or {}
            table_grid = _placed(table.grid, columns, piece.grid.n_cols)
            piece_grid, edges = piece.grid, piece.col_edges
    else:
        shift = table.col_edges[0] - piece.col_edges[0]
        edges = union_edges(table.col_edges, [x + shift for x in piece.col_edges])
        table_grid = regrid_columns(table.grid, table.col_edges, edges)
        piece_grid = regrid_columns(piece.grid, piece.col_edges, edges, shift)
    skip = repeated_header_rows(table_grid, count_header_rows(table_grid), piece_grid)
    flags = list(dict.fromkeys([*table.flags, *piece.flags, "stitched"]))
    return replace(table, grid=stack(table_grid, piece_grid, skip), col_edges=edges,
                   last_page=piece.page, flags=flags)
