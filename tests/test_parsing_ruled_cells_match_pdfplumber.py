"""The ruled-table finder's own intersections and cells are pdfplumber's, point for point and
cell for cell in the same order (they replace its quadratic scans, not its behaviour)."""

import random
from itertools import pairwise

from pdfplumber import table as plumber

from parsing.rulings import edges_to_intersections, intersections_to_cells


def _edge(orientation: str, x0: float, top: float, x1: float, bottom: float) -> dict:
    return {"object_type": "line", "orientation": orientation, "x0": x0, "x1": x1, "top": top,
            "bottom": bottom, "width": x1 - x0, "height": bottom - top}


def _broken_grid(rng: random.Random) -> list[dict]:
    """A ruled grid with some rule segments left out and some rules a little off."""
    xs = sorted(rng.sample(range(0, 600, 7), rng.randint(2, 9)))
    ys = sorted(rng.sample(range(0, 800, 5), rng.randint(2, 12)))
    edges = []
    for x in xs:
        for top, bottom in pairwise(ys):
            if rng.random() > 0.15:
                off = rng.choice([0, 0, 0.5])
                edges.append(_edge("v", x + off, top, x + off, bottom))
    for y in ys:
        for left, right in pairwise(xs):
            if rng.random() > 0.15:
                off = rng.choice([0, 0, 1.5])
                edges.append(_edge("h", left, y + off, right, y + off))
    rng.shuffle(edges)
    return edges


def test_intersections_and_cells_are_pdfplumbers():
    rng = random.Random(7)
    cells = 0
    for _ in range(200):
        edges = _broken_grid(rng)
        ours = edges_to_intersections(edges, 3, 3)
        theirs = plumber.edges_to_intersections(edges, 3, 3)
        assert list(ours) == list(theirs) and ours == theirs
        found = intersections_to_cells(ours)
        assert found == plumber.intersections_to_cells(theirs)
        cells += len(found)
    assert cells > 1000
