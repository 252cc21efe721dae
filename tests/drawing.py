"""Drawing test PDFs with reportlab: what several tests draw the same way."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.pdfgen.canvas import Canvas


def draw_ruled_grid(canvas: Canvas, rows: Sequence[Sequence[str]], x_edges: Sequence[float],
                    top: float, row_height: float, baseline: float) -> None:
    """`rows` in a fully ruled grid: column edges `x_edges`, its top edge at `top` (points from
    the page's bottom), each text `baseline` points above its row's bottom edge."""
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            canvas.drawString(x_edges[c] + 3, top - (r + 1) * row_height + baseline, text)
    for r in range(len(rows) + 1):
        canvas.line(x_edges[0], top - r * row_height, x_edges[-1], top - r * row_height)
    for x in x_edges:
        canvas.line(x, top, x, top - len(rows) * row_height)
