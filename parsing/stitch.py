"""Tables that run over a page break → one table: continuation pieces appended, repeated
header rows dropped.

A piece continues the table before it when it is the first table on the page right after,
has no title of its own (or one marked 续), and has the same columns at the same relative
positions. A repeated title starts a new table: per-project tables (绩效目标表) repeat theirs.
"""

from __future__ import annotations

from dataclasses import replace

from parsing.grid import stack
from parsing.grid import FoundTable
from parsing.tables import choose_title, count_header_rows
from parsing.text import compact

COLUMN_TOLERANCE = 0.03  # relative to the table width


def stitch_pages(found: list[FoundTable]) -> list[FoundTable]:
    """Merge every continuation piece into the table it continues; flag those `stitched`."""
    merged: list[FoundTable] = []
    for piece in found:
        if merged and continues(merged[-1], piece):
            merged[-1] = append_piece(merged[-1], piece)
        else:
            merged.append(piece)
    return merged


def continues(table: FoundTable, piece: FoundTable) -> bool:
    if piece.page != (table.last_page or table.page) + 1:
        return False
    if piece.grid.n_cols != table.grid.n_cols or not same_columns(table.col_edges,
                                                                  piece.col_edges):
        return False
    title = choose_title(piece.caption)
    return title is None or "续" in title


def same_columns(a: list[float], b: list[float]) -> bool:
    """Column boundaries at the same relative positions (pages may shift a table sideways)."""
    if len(a) != len(b) or len(a) < 2:
        return False
    wa, wb = a[-1] - a[0], b[-1] - b[0]
    if wa <= 0 or wb <= 0:
        return False
    return all(abs((x - a[0]) / wa - (y - b[0]) / wb) <= COLUMN_TOLERANCE for x, y in zip(a, b))


def repeated_header_rows(table: FoundTable, piece: FoundTable) -> int:
    """How many leading rows of `piece` repeat the header of `table`."""
    header = count_header_rows(table.grid)
    top, bottom = table.grid.printed(), piece.grid.printed()
    k = 0
    while k < min(header, len(bottom)) and \
            [compact(t) for t in top[k]] == [compact(t) for t in bottom[k]]:
        k += 1
    return k


def append_piece(table: FoundTable, piece: FoundTable) -> FoundTable:
    skip = repeated_header_rows(table, piece)
    flags = table.flags if "stitched" in table.flags else [*table.flags, "stitched"]
    return replace(table, grid=stack(table.grid, piece.grid, skip), last_page=piece.page,
                   flags=flags)
