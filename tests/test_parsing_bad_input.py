"""Whatever bytes arrive, parse_bytes answers with a status and a reason, never an exception."""

from __future__ import annotations

import io

import pytest
from reportlab.pdfgen.canvas import Canvas

from parsing.parse import parse_bytes
from parsing.schema import DOCUMENT_FIELDS, PARSER_VERSION


def _blank_pdf() -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1)
    canvas.rect(100, 100, 200, 200)  # a drawing, but no text
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


@pytest.mark.parametrize("data,status,words", [
    (b"", "unsupported", "empty"),
    (b"<html><body>Please enable JavaScript</body></html>", "unsupported", "HTML"),
    (b"just some text", "unsupported", "not a recognised"),
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", "failed", "unreadable PDF"),
])
def test_bad_bytes_give_a_clean_status_and_reason(data: bytes, status: str, words: str) -> None:
    document = parse_bytes(data)["document"]
    assert document["parse_status"] == status
    assert words in document["status_reason"]


def test_a_truncated_pdf_fails_cleanly() -> None:
    document = parse_bytes(_blank_pdf()[:300])["document"]
    assert document["parse_status"] == "failed"


def test_a_pdf_without_text_is_reported_as_needing_ocr() -> None:
    document = parse_bytes(_blank_pdf())["document"]
    assert (document["parse_status"], document["n_pages"]) == ("no_text_layer", 1)


def test_every_result_carries_the_full_document_row() -> None:
    result = parse_bytes(b"")
    assert list(result["document"]) == DOCUMENT_FIELDS
    assert result["document"]["parser_version"] == PARSER_VERSION
    assert len(result["document"]["doc_id"]) == 64
    assert {k: result[k] for k in ("tables", "cells", "line_items", "checks")} == {
        "tables": [], "cells": [], "line_items": [], "checks": []}
