"""File types are told by their bytes, never by name or server headers."""

from __future__ import annotations

import io
import zipfile

import pytest

from parsing.sniff import detect_type


def _zip(name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, "x")
    return buf.getvalue()


@pytest.mark.parametrize("data,kind", [
    (b"%PDF-1.7\n...", "pdf"), (b"\r\n%PDF-1.4 junk before header", "pdf"),
    (b"", "empty"), (b"  \n", "empty"),
    (b"<!DOCTYPE html><html><body>challenge</body></html>", "html"),
    (b"\xef\xbb\xbf<html><head>", "html"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"), "doc"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le"), "xls"),
    (b"Rar!\x1a\x07\x00", "rar"), (b"hello world", "unknown"),
])
def test_detect_type_by_leading_bytes(data: bytes, kind: str) -> None:
    assert detect_type(data) == kind


@pytest.mark.parametrize("member,kind", [("word/document.xml", "docx"),
                                         ("xl/workbook.xml", "xlsx"), ("a.pdf", "zip")])
def test_zip_containers_are_told_apart_by_part_names(member: str, kind: str) -> None:
    assert detect_type(_zip(member)) == kind


def test_a_zip_storing_a_pdf_uncompressed_is_a_zip() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as bundle:
        bundle.writestr("预算.pdf", b"%PDF-1.4\n%%EOF\n")
    assert detect_type(buffer.getvalue()) == "zip"
