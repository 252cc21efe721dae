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
from collections.abc import Callable
from typing import Any

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
    below the baseline. What glyphs of one text object share (matrix, size, descent and what
    follows from them) is worked out once per object, pdfium's functions are looked up once
    per page: a page has thousands of glyphs."""
    to_display = _display(page)
    turn = _direction(page.get_rotation() % 360)
    raw = textpage.raw
    rect = pdfium_c.FS_RECTF()
    matrix = pdfium_c.FS_MATRIX()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    rect_ref, ox_ref, oy_ref = ctypes.byref(rect), ctypes.byref(ox), ctypes.byref(oy)
    descent = ctypes.c_float()
    get_unicode, get_object = pdfium_c.FPDFText_GetUnicode, _text_object
    loose_box, origin = pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetCharOrigin
    objects: dict[int | None, tuple | None] = {}
    chars = []
    for i in range(pdfium_c.FPDFText_CountChars(raw)):
        code = get_unicode(raw, i)
        if code in _SKIP:
            continue
        text = chr(code)
        if not text.strip():
            continue
        key = get_object(raw, i)
        shared = objects.get(key, False)
        if shared is False:
            shared = objects[key] = _shared(raw, i, key, matrix, descent, turn)
        if shared is None:
            continue  # a text matrix that collapses the glyph to nothing: nothing drawn
        a, b, c, d, low, high, along, horizontal, size, upright, flat = shared
        loose_box(raw, i, rect_ref)
        origin(raw, i, ox_ref, oy_ref)
        if horizontal:  # the advance: the loose box's extent along the text
            advance = (rect.right - rect.left) / (abs(a) / along)
        else:
            advance = (rect.top - rect.bottom) / (abs(b) / along)
        ux, uy = a / along * advance, b / along * advance
        x, y = ox.value, oy.value
        # the box's corners, as displayed: origin + v across (v = low, high) + u along (u = 0,
        # 1), the × 0 and × 1 kept so that every float comes out the same to the last bit
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = (
            to_display(x + c * low + ux * 0, y + d * low + uy * 0),
            to_display(x + c * high + ux * 0, y + d * high + uy * 0),
            to_display(x + c * low + ux * 1, y + d * low + uy * 1),
            to_display(x + c * high + ux * 1, y + d * high + uy * 1))
        left, right = min(x0, x1, x2, x3), max(x0, x1, x2, x3)
        top, bottom = min(y0, y1, y2, y3), max(y0, y1, y2, y3)
        chars.append({
            "object_type": "char", "text": text, "fontname": "", "size": size,
            "upright": upright, "matrix": flat, "x0": left, "x1": right,
            "top": top, "bottom": bottom, "doctop": top,
            "width": right - left, "height": bottom - top,
        })
    return chars


def _by_address(function: Any, restype: Any, *argtypes: Any) -> Callable[..., Any]:
    """A pdfium function whose pointers are plain addresses (ints, None for NULL): usable as
    dict keys and passed on as they are, not ctypes pointers to be cast for every glyph."""
    address = ctypes.cast(function, ctypes.c_void_p).value
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_text_object = _by_address(pdfium_c.FPDFText_GetTextObject, ctypes.c_void_p,
                           pdfium_c.FPDF_TEXTPAGE, ctypes.c_int)
_text_font = _by_address(pdfium_c.FPDFTextObj_GetFont, ctypes.c_void_p, ctypes.c_void_p)
_font_descent = _by_address(pdfium_c.FPDFFont_GetDescent, ctypes.c_int, ctypes.c_void_p,
                            ctypes.c_float, ctypes.POINTER(ctypes.c_float))
_VOID, _INT, _FLOAT, _UINT = ctypes.c_void_p, ctypes.c_int, ctypes.c_float, ctypes.c_uint
_page_object = _by_address(pdfium_c.FPDFPage_GetObject, _VOID, _VOID, _INT)
_form_count = _by_address(pdfium_c.FPDFFormObj_CountObjects, _INT, _VOID)
_form_object = _by_address(pdfium_c.FPDFFormObj_GetObject, _VOID, _VOID, ctypes.c_ulong)
_object_type = _by_address(pdfium_c.FPDFPageObj_GetType, _INT, _VOID)
_object_matrix = _by_address(pdfium_c.FPDFPageObj_GetMatrix, _INT, _VOID,
                             ctypes.POINTER(pdfium_c.FS_MATRIX))
_draw_mode = _by_address(pdfium_c.FPDFPath_GetDrawMode, _INT, _VOID, ctypes.POINTER(_INT),
                         ctypes.POINTER(_INT))
_fill_color = _by_address(pdfium_c.FPDFPageObj_GetFillColor, _INT, _VOID,
                          *[ctypes.POINTER(_UINT)] * 4)
_count_segments = _by_address(pdfium_c.FPDFPath_CountSegments, _INT, _VOID)
_segment = _by_address(pdfium_c.FPDFPath_GetPathSegment, _VOID, _VOID, _INT)
_segment_point = _by_address(pdfium_c.FPDFPathSegment_GetPoint, _INT, _VOID,
                             ctypes.POINTER(_FLOAT), ctypes.POINTER(_FLOAT))
_segment_type = _by_address(pdfium_c.FPDFPathSegment_GetType, _INT, _VOID)
_segment_close = _by_address(pdfium_c.FPDFPathSegment_GetClose, _INT, _VOID)


def _shared(raw: Any, index: int, key: int | None, matrix: Any, descent: Any,
            turn: Callable[[float, float], Point]) -> tuple | None:
    """What every glyph of the text object of glyph `index` shares: its matrix, the bottom
    and top of its glyphs across the baseline, and what follows from them; None when the
    matrix collapses its glyphs."""
    pdfium_c.FPDFText_GetMatrix(raw, index, matrix)
    font_size = pdfium_c.FPDFText_GetFontSize(raw, index)
    font = _text_font(key) if key else None
    low = descent.value if font and _font_descent(font, font_size, descent) else 0.0
    a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
    along = math.hypot(a, b)
    if not along:
        return None
    dx, dy = turn(a, b)
    return (a, b, c, d, low, low + font_size, along, abs(a) >= abs(b),
            font_size * math.hypot(c, d), dx > 0 and abs(dy) < dx, (dx, dy, 0.0, 0.0, 0.0, 0.0))


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


def _collect(container: Any, form: bool, outer: tuple[float, ...],
             to_display: Callable[[float, float], Point], edges: list[dict], depth: int) -> None:
    count = (_form_count if form else pdfium_c.FPDFPage_CountObjects)(container)
    get = _form_object if form else _page_object
    m = pdfium_c.FS_MATRIX()
    m_ref = ctypes.byref(m)
    path, form_kind = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
    for i in range(count):
        obj = get(container, i)
        kind = _object_type(obj)
        if kind != path and kind != form_kind:
            continue
        _object_matrix(obj, m_ref)
        matrix = _compose((m.a, m.b, m.c, m.d, m.e, m.f), outer)
        if kind == form_kind:
            if depth < 8:
                _collect(obj, True, matrix, to_display, edges, depth + 1)
            continue
        if _visible(obj):
            edges += _path_edges(obj, matrix, to_display)


def _visible(obj: int) -> bool:
    """Painted, and not a box painted white without a border (a background; see
    rulings.is_visible). pdfminer never sees paths that are neither filled nor stroked."""
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    _draw_mode(obj, ctypes.byref(fill_mode), ctypes.byref(stroke))
    if stroke.value or not fill_mode.value:
        return bool(stroke.value)
    r, g, b, alpha = (ctypes.c_uint() for _ in range(4))
    _fill_color(obj, *map(ctypes.byref, (r, g, b, alpha)))
    return (r.value, g.value, b.value) != (255, 255, 255)


def _path_edges(obj: int, matrix: tuple[float, ...],
                to_display: Callable[[float, float], Point]) -> list[dict]:
    """The path's straight horizontal and vertical segments (its lines, and the sides that
    close its subpaths), in the order drawn."""
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    x_ref, y_ref = ctypes.byref(x), ctypes.byref(y)
    get_segment, get_point, get_type, get_close = (_segment, _segment_point, _segment_type,
                                                   _segment_close)
    move_to, line_to = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_LINETO
    edges = []
    start: Point | None = None
    previous: Point | None = None
    for k in range(_count_segments(obj)):
        segment = get_segment(obj, k)
        get_point(segment, x_ref, y_ref)
        px, py = x.value, y.value
        point = to_display(a * px + c * py + e, b * px + d * py + f)
        kind = get_type(segment)
        if kind == move_to:
            start = previous = point
            continue
        if kind == line_to and previous is not None:
            edge = _edge(previous, point)
            if edge:
                edges.append(edge)
        previous = point
        if start is not None and get_close(segment):
            edge = _edge(point, start)
            if edge:
                edges.append(edge)
            previous = start
    return edges


def _edge(p: Point, q: Point) -> dict | None:
    """The segment from p to q as a pdfplumber edge; None when it is slanted."""
    (x0, top), (x1, bottom) = sorted((p, q))
    if abs(x0 - x1) < 1e-6:
        top, bottom = sorted((p[1], q[1]))
        orientation = "v"
    elif abs(p[1] - q[1]) < 1e-6:
        orientation = "h"
        top = bottom = p[1]
    else:
        return None
    return {"object_type": "line", "orientation": orientation, "x0": x0, "x1": x1,
            "top": top, "bottom": bottom, "width": x1 - x0, "height": bottom - top}
