"""Pages whose content is drawn sideways → the same objects as a reader turning the page sees them.

A landscape table is often printed on a portrait page by drawing it turned a quarter (its text
runs up or down the page) instead of setting the page's /Rotate, which pdfplumber already
honours. Here the characters' own direction tells which way the content lies, and every char
and ruling edge is moved into the turned page's coordinates (x to the right, top downwards,
text upright), so the table finders never see the difference.
"""

from __future__ import annotations

from typing import Callable

UPWARD = 90  # text reads bottom to top: turn the page a quarter clockwise to read it
DOWNWARD = 270  # text reads top to bottom: turn a quarter anticlockwise
MIN_SIDEWAYS_SHARE = 0.6

Box = tuple[float, float, float, float]


def content_turn(chars: list[dict]) -> int:
    """0, UPWARD or DOWNWARD: how most of the page's text runs (by each char's matrix)."""
    up = down = upright = 0
    for ch in chars:
        if not ch["text"].strip():
            continue
        a, b = ch["matrix"][0], ch["matrix"][1]
        if abs(b) > abs(a):
            if b > 0:
                up += 1
            else:
                down += 1
        else:
            upright += 1
    total = up + down + upright
    if not total or (up + down) < MIN_SIDEWAYS_SHARE * total:
        return 0
    return UPWARD if up >= down else DOWNWARD


def turned_size(width: float, height: float, turn: int) -> tuple[float, float]:
    return (height, width) if turn in (UPWARD, DOWNWARD) else (width, height)


def _box_mapper(width: float, height: float, turn: int) -> Callable[[Box], Box]:
    """(x0, top, x1, bottom) on the page as stored → on the page as turned."""
    if turn == UPWARD:
        return lambda b: (height - b[3], b[0], height - b[1], b[2])
    return lambda b: (b[1], width - b[2], b[3], width - b[0])


def turn_objects(chars: list[dict], edges: list[dict], width: float, height: float,
                 turn: int) -> tuple[list[dict], list[dict]]:
    """Chars (made upright) and edges (orientation swapped) in the turned page's coordinates."""
    if turn not in (UPWARD, DOWNWARD):
        return chars, edges
    move = _box_mapper(width, height, turn)
    new_height = turned_size(width, height, turn)[1]

    def moved(obj: dict) -> dict:
        x0, top, x1, bottom = move((obj["x0"], obj["top"], obj["x1"], obj["bottom"]))
        return {**obj, "x0": x0, "top": top, "x1": x1, "bottom": bottom, "doctop": top,
                "y0": new_height - bottom, "y1": new_height - top,
                "width": x1 - x0, "height": bottom - top}

    new_chars = [{**moved(ch), "upright": True} for ch in chars]
    new_edges = []
    for edge in edges:
        new = moved(edge)
        new["orientation"] = "v" if edge["orientation"] == "h" else "h"
        new_edges.append(new)
    return new_chars, new_edges
