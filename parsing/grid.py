"""A table as a grid of cells with row/column spans: what every source format is reduced to.

A PDF's ruled table, an XLSX sheet and an HTML table all become a `Grid`; header detection,
typing and line items only ever see grids. Merged cells keep one `Cell` with its span, so the
header above a column can be read through the merge (`filled`) while amounts are read only
where they were printed (`printed`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom (points, top-left origin)


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    text: str  # as read: look-alike glyphs normalised (chars.normalise_glyphs)
    page: int  # 1-based
    bbox: BBox
    row_span: int = 1
    col_span: int = 1
    raw: str | None = None  # as printed, where that differs from `text`

    def __post_init__(self) -> None:
        if self.raw is None or self.raw == self.text:
            object.__setattr__(self, "raw", self.text)


@dataclass
class Grid:
    n_rows: int
    n_cols: int
    cells: list[Cell] = field(default_factory=list)

    def owners(self) -> list[list[Cell | None]]:
        """For every position, the cell that covers it (a merged cell covers several)."""
        matrix: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in range(cell.row, min(cell.row + cell.row_span, self.n_rows)):
                for c in range(cell.col, min(cell.col + cell.col_span, self.n_cols)):
                    matrix[r][c] = cell
        return matrix

    def printed(self) -> list[list[str]]:
        """Text where it was printed, "" under the rest of a merged cell."""
        matrix = [[""] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            matrix[cell.row][cell.col] = cell.text
        return matrix

    def filled(self) -> list[list[str]]:
        """Text of the covering cell everywhere: how a reader sees a merged header."""
        return [[cell.text if cell else "" for cell in row] for row in self.owners()]

    def row_cells(self, row: int) -> list[Cell]:
        return sorted((c for c in self.cells if c.row == row), key=lambda c: c.col)


@dataclass
class FoundTable:
    """One table as found on one page (before stitching), with the text printed above it."""

    grid: Grid
    page: int
    bbox: BBox
    col_edges: list[float]  # x positions of the column boundaries
    caption: list[str]  # text lines between the previous table (or page top) and this one
    last_page: int = 0  # where a table stitched over pages ends (0: on `page`)
    flags: list[str] = field(default_factory=list)


def stack(top: Grid, bottom: Grid, skip_rows: int = 0) -> Grid:
    """`bottom` appended under `top` (same columns), its first `skip_rows` rows left out."""
    shifted = [replace(c, row=c.row - skip_rows + top.n_rows)
               for c in bottom.cells if c.row >= skip_rows]
    return Grid(top.n_rows + bottom.n_rows - skip_rows, top.n_cols, top.cells + shifted)


def without_rows(grid: Grid, rows: set[int]) -> Grid:
    """The grid with whole rows removed (caption or note rows inside a ruling)."""
    keep = [r for r in range(grid.n_rows) if r not in rows]
    new_index = {old: new for new, old in enumerate(keep)}
    cells = []
    for cell in grid.cells:
        covered = [r for r in range(cell.row, cell.row + cell.row_span) if r in new_index]
        if covered:
            cells.append(replace(cell, row=new_index[covered[0]], row_span=len(covered)))
    return Grid(len(keep), grid.n_cols, cells)


def bounds(cells: list[Cell]) -> BBox:
    """The box around the given cells."""
    return (min(c.bbox[0] for c in cells), min(c.bbox[1] for c in cells),
            max(c.bbox[2] for c in cells), max(c.bbox[3] for c in cells))


def rows_slice(grid: Grid, start: int, stop: int) -> Grid:
    """Rows start..stop-1 as a grid of their own (spans cut at the slice)."""
    return without_rows(grid, set(range(start)) | set(range(stop, grid.n_rows)))


def compact_columns(grid: Grid, col_edges: list[float]) -> tuple[Grid, list[float]]:
    """Column boundaries that no cell starts or ends at (inside merged cells on every row)
    removed: what is left of a wider ruling after rows were split off."""
    used = sorted({0, grid.n_cols} | {c.col for c in grid.cells}
                  | {c.col + c.col_span for c in grid.cells})
    if len(used) == grid.n_cols + 1:
        return grid, col_edges
    index = {old: new for new, old in enumerate(used)}
    cells = [replace(c, col=index[c.col], col_span=index[c.col + c.col_span] - index[c.col])
             for c in grid.cells]
    return Grid(grid.n_rows, len(used) - 1, cells), [col_edges[i] for i in used]


def regrid_columns(grid: Grid, col_edges: list[float], new_edges: list[float],
                   shift: float = 0.0) -> Grid:
    """The grid on other column boundaries (`new_edges`; this grid's own moved by `shift`):
    each cell spans the new columns between the boundaries nearest its own."""
    def nearest(x: float) -> int:
        return min(range(len(new_edges)), key=lambda i: abs(new_edges[i] - x))

    cells = []
    for cell in grid.cells:
        c0 = nearest(col_edges[cell.col] + shift)
        c1 = nearest(col_edges[cell.col + cell.col_span] + shift)
        if c1 > c0:
            cells.append(replace(cell, col=c0, col_span=c1 - c0))
        elif cell.text:
            cells.append(replace(cell, col=min(c0, len(new_edges) - 2), col_span=1))
    return Grid(grid.n_rows, len(new_edges) - 1, cells)
