"""A page's characters and ruling edges read by pdfium, in the shapes pdfplumber gives them.

pdfminer's parse of a page's content stream is nine tenths of the time pdfplumber takes on a
table page; pdfium reads the same page in a few milliseconds. Characters come from pdfium's
text page, each with the box pdfminer gives a glyph: the advance along the baseline (the
extent of pdfium's loose box), the font size (scaled by the text matrix) tall, from the font's
descent below the origin. Blanks are left out — pdfium folds space glyphs into spaces of its
own making —, so the reader-independent `pdf.make_view` drops them from either reader and text
is assembled from where glyphs sit. Edges come from the page's path objects (into form
XObjects): every straight segment that is horizontal or vertical, as pdfplumber derives
edges from lines, boxes and curves, white fills dropped (as `rulings.is_visible` does).

Coordinates are pdfplumber's: points, origin top-left of the page as displayed (/Rotate
applied).
"""

from __future__ import annotations

import ctypes
import math
from typing import Callable

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

_SKIP = {0, 0xFFFE, 0xFFFF, 0x0D, 0x0A, 0x02}
Point = tuple[float, float]


def _display(page: pdfium.PdfPage) -> Callable[[float, float], Point]:
    """PDF user space (y up, page as stored) → pdfplumber's (top-left of the page as shown)."""
    left, bottom, right, top = page.get_mediabox()
    width, height = right - left, top - bottom
    rotation = page.get_rotation() % 360
    if rotation == 90:
        return lambda x, y: (y - bottom, x - left)
    if rotation == 180:
        return lambda x, y: (width - x + left, y - bottom)
    if rotation == 270:
        return lambda x, y: (height - y + bottom, width - x + left)
    return lambda x, y: (x - left, height - y + bottom)


def _direction(rotation: int) -> Callable[[float, float], Point]:
    """A direction in user space (y up) → the same direction on the displayed page (y up)."""
    return {0: lambda a, b: (a, b), 90: lambda a, b: (b, -a), 180: lambda a, b: (-a, -b),
            270: lambda a, b: (-b, a)}[rotation]


def page_chars(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[dict]:
    """Every glyph on the page (blanks, and the spaces pdfium generates, left out), in drawing
    order, each with pdfminer's box: advance wide, font size tall, from the font's descent
    below the baseline. What glyphs of one text object share (matrix, size, descent) is read
    once per object."""
    to_display = _display(page)
    turn = _direction(page.get_rotation() % 360)
    raw = textpage.raw
    rect = pdfium_c.FS_RECTF()
    matrix = pdfium_c.FS_MATRIX()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    descent = ctypes.c_float()
    objects: dict[int, tuple[float, ...]] = {}
    chars = []
    for i in range(pdfium_c.FPDFText_CountChars(raw)):
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        if code in _SKIP:
            continue
        text = chr(code)
        if not text.strip():
            continue
        text_object = pdfium_c.FPDFText_GetTextObject(raw, i)
        key = ctypes.cast(text_object, ctypes.c_void_p).value or 0
        shared = objects.get(key)
        if shared is None:
            pdfium_c.FPDFText_GetMatrix(raw, i, matrix)
            font_size = pdfium_c.FPDFText_GetFontSize(raw, i)
            font = pdfium_c.FPDFTextObj_GetFont(text_object) if key else None
            low = descent.value if font and pdfium_c.FPDFFont_GetDescent(
                font, font_size, descent) else 0.0
            shared = objects[key] = (matrix.a, matrix.b, matrix.c, matrix.d, font_size, low)
        a, b, c, d, font_size, low = shared
        pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect)
        pdfium_c.FPDFText_GetCharOrigin(raw, i, ox, oy)
        along = math.hypot(a, b)
        if not along:
            continue  # a text matrix that collapses the glyph to nothing: nothing drawn
        if abs(a) >= abs(b):  # the advance: the loose box's extent along the text
            advance = (rect.right - rect.left) / (abs(a) / along)
        else:
            advance = (rect.top - rect.bottom) / (abs(b) / along)
        ux, uy = a / along * advance, b / along * advance
        corners = [(ox.value + c * v + ux * u, oy.value + d * v + uy * u)
                   for u in (0, 1) for v in (low, low + font_size)]
        shown = [to_display(x, y) for x, y in corners]
        xs, ys = [p[0] for p in shown], [p[1] for p in shown]
        dx, dy = turn(a, b)
        chars.append({
            "object_type": "char", "text": text, "fontname": "",
            "size": font_size * math.hypot(c, d), "upright": dx > 0 and abs(dy) < dx,
            "matrix": (dx, dy, 0.0, 0.0, 0.0, 0.0), "x0": min(xs), "x1": max(xs),
            "top": min(ys), "bottom": max(ys), "doctop": min(ys),
            "width": max(xs) - min(xs), "height": max(ys) - min(ys),
        })
    return chars


def page_edges(page: pdfium.PdfPage) -> list[dict]:
    """Horizontal and vertical straight segments of every visible path, as pdfplumber edges
    (`object_type` says what kind of object each came from, as pdfplumber's do)."""
    to_display = _display(page)
    edges: list[dict] = []
    _collect(page.raw, False, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), to_display, edges, 0)
    return edges


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def _collect(container: ctypes.c_void_p, form: bool, outer: tuple[float, ...],
             to_display: Callable[[float, float], Point], edges: list[dict], depth: int) -> None:
    count = (pdfium_c.FPDFFormObj_CountObjects if form else pdfium_c.FPDFPage_CountObjects)(
        container)
    get = pdfium_c.FPDFFormObj_GetObject if form else pdfium_c.FPDFPage_GetObject
    m = pdfium_c.FS_MATRIX()
    for i in range(count):
        obj = get(container, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind not in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM):
            continue
        pdfium_c.FPDFPageObj_GetMatrix(obj, m)
        matrix = _compose((m.a, m.b, m.c, m.d, m.e, m.f), outer)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            if depth < 8:
                _collect(obj, True, matrix, to_display, edges, depth + 1)
            continue
        if _visible(obj):
            edges += _path_edges(obj, matrix, to_display)


def _visible(obj: ctypes.c_void_p) -> bool:
    """Painted, and not a box painted white without a border (a background; see
    rulings.is_visible). pdfminer never sees paths that are neither filled nor stroked."""
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke)
    if stroke.value or not fill_mode.value:
        return bool(stroke.value)
    r, g, b, alpha = (ctypes.c_uint() for _ in range(4))
    pdfium_c.FPDFPageObj_GetFillColor(obj, r, g, b, alpha)
    return (r.value, g.value, b.value) != (255, 255, 255)


def _path_edges(obj: ctypes.c_void_p, matrix: tuple[float, ...],
                to_display: Callable[[float, float], Point]) -> list[dict]:
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    points: list[tuple[Point, int, bool]] = []
    for k in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, k)
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        px, py = x.value, y.value
        point = to_display(a * px + c * py + e, b * px + d * py + f)
        points.append((point, pdfium_c.FPDFPathSegment_GetType(segment),
                       bool(pdfium_c.FPDFPathSegment_GetClose(segment))))
    edges = []
    start: Point | None = None
    previous: Point | None = None
    for point, kind, close in points:
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = previous = point
            continue
        if kind == pdfium_c.FPDF_SEGMENT_LINETO and previous is not None:
            edges += _edge(previous, point)
        previous = point
        if close and start is not None:
            edges += _edge(point, start)
            previous = start
    return edges


def _edge(p: Point, q: Point) -> list[dict]:
    (x0, top), (x1, bottom) = sorted((p, q))
    if abs(x0 - x1) < 1e-6:
        top, bottom = sorted((p[1], q[1]))
        orientation = "v"
    elif abs(p[1] - q[1]) < 1e-6:
        orientation = "h"
        top = bottom = p[1]
    else:
        return []
    return [{"object_type": "line", "orientation": orientation, "x0": x0, "x1": x1,
             "top": top, "bottom": bottom, "width": x1 - x0, "height": bottom - top}]
