"""Scanned pages (no text layer) → a text PDF the ordinary pipeline reads, through OCR.

Optional: needs the `ocr` extra (rapidocr_onnxruntime, which ships its models in the wheel, and
brings OpenCV). Each page image is read by RapidOCR (text boxes) and OpenCV (the table rulings,
as long thin runs of dark pixels); both are drawn onto a fresh PDF page of the same size —
lines as lines, each text box as text of its width — so the ruled-table finder, typing, line
items and checks work unchanged. Tables from such pages are flagged `ocr`.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

SCALE = 2.0  # render pages at 144 dpi: small table digits stay legible to the recogniser
MIN_SCORE = 0.5  # recogniser confidence below which a box is left out
FONT = "STSong-Light"


def available() -> bool:
    """Whether the `ocr` extra is installed."""
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None \
        and importlib.util.find_spec("cv2") is not None


@cache
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def pdf_page_images(data: bytes) -> Iterator[Any]:
    """Every page of a PDF rendered to an RGB array, one at a time: a scan of thousands of
    pages is as many 6 MB images, which must not all be held at once."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                yield page.render(scale=SCALE).to_numpy()[:, :, :3].copy()
            finally:
                page.close()
    finally:
        pdf.close()


def rulings(image: Any) -> list[tuple[float, float, float, float]]:
    """Horizontal and vertical lines of the image as (x0, y0, x1, y1) in pixels: runs of dark
    pixels at least 1/40 of the page long, found by a morphological opening."""
    import cv2

    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    dark = cv2.adaptiveThreshold(255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY,
                                 15, -2)
    height, width = dark.shape
    lines = []
    for kernel in ((max(width // 40, 10), 1), (1, max(height // 40, 10))):
        mask = cv2.morphologyEx(dark, cv2.MORPH_OPEN,
                                cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        for x, y, w, h, _ in stats[1:count]:
            if kernel[1] == 1:
                lines.append((float(x), y + h / 2, float(x + w), y + h / 2))
            else:
                lines.append((x + w / 2, float(y), x + w / 2, float(y + h)))
    return lines


def text_boxes(image: Any) -> list[tuple[tuple[float, float, float, float], str]]:
    """Recognised text as ((x0, top, x1, bottom) in pixels, text), confident boxes only."""
    found, _ = _engine()(image)
    boxes = []
    for points, text, score in found or []:
        if float(score) < MIN_SCORE or not text.strip():
            continue
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        boxes.append(((min(xs), min(ys), max(xs), max(ys)), text.strip()))
    return boxes


def text_pdf(images: Iterable[Any]) -> bytes:
    """One PDF page per image with its rulings drawn and its recognised text placed where it
    was seen, sized to its box."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    for image in images:
        height, width = image.shape[:2]
        page_h = height / SCALE
        canvas.setPageSize((width / SCALE, page_h))
        canvas.setLineWidth(0.5)
        for x0, y0, x1, y1 in rulings(image):
            canvas.line(x0 / SCALE, page_h - y0 / SCALE, x1 / SCALE, page_h - y1 / SCALE)
        for (x0, top, x1, bottom), text in text_boxes(image):
            size = max((bottom - top) / SCALE * 0.8, 1.0)
            natural = pdfmetrics.stringWidth(text, FONT, size)
            words = canvas.beginText(x0 / SCALE, page_h - bottom / SCALE + size * 0.2)
            words.setFont(FONT, size)
            if natural > 0:
                words.setHorizScale(100 * (x1 - x0) / SCALE / natural)
            words.textOut(text)
            canvas.drawText(words)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
