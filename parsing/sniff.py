"""What kind of file a byte string is, from its first bytes: never from a server's name or type.

Portals serve PDFs as application/octet-stream, Word files named .pdf, and HTML challenge pages
with status 200, so the archive and the parser both decide by content. Pure and dependency-free:
the crawler uses it too.
"""

from __future__ import annotations

DETECTED_TYPES = ("pdf", "doc", "xls", "ole", "docx", "xlsx", "zip", "rar", "7z", "html",
                  "empty", "unknown")

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<meta", b"<title")


def detect_type(data: bytes) -> str:
    """One of DETECTED_TYPES. A PDF may have junk before `%PDF-` within its first 1 KiB, so the
    container signatures at offset 0 are read first: a zip that stores a PDF uncompressed has
    `%PDF-` in its first KiB too."""
    if not data or not data.strip():
        return "empty"
    if data.startswith(_OLE):
        return _ole_kind(data)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if data.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if data.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(_HTML_MARKERS) or b"<html" in head.lower():
        return "html"
    return "unknown"


def _ole_kind(data: bytes) -> str:
    """Word or Excel by the name of its main stream (stored as UTF-16 in the directory)."""
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    return "ole"


def _zip_kind(data: bytes) -> str:
    """docx / xlsx by their part names, which appear in clear in the zip's local headers."""
    if b"word/document.xml" in data or b"word/" in data[:4096]:
        return "docx"
    if b"xl/workbook.xml" in data or b"xl/" in data[:4096]:
        return "xlsx"
    return "zip"
