"""Entry point: file bytes → the parse-result contract (document, tables, cells, line items,
checks, facts, members), JSON-ready.

The file's type is sniffed from its bytes and its reader turns it into `Content` — tables as
grids with their captions, and the running text: PDFs through pdfplumber (scans through OCR
when the `ocr` extra is installed), spreadsheets, Word files and HTML articles through their
own readers, zip archives into members parsed as documents of their own. From there one
pipeline: stitch over page breaks → type tables → line items → checks, plus document metadata
from the cover and facts from the narrative. It never raises on bad input: whatever goes wrong
becomes a parse_status with a reason, so one broken file costs one row, not a run. Hostile
PDFs are answered before they cost much: a decompression bomb is refused before pdfium opens
it (`pdf_limits`), a password-protected file is `unsupported`, text in fonts without a
Unicode map is treated like a scan (it is glyph ids, not text).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parsing import archives, ocr
from parsing.amounts import decimal_str
from parsing.checks import Check, run_checks
from parsing.content import Content
from parsing.document_checks import document_checks
from parsing.facts import Fact, extract_facts
from parsing.grid import Cell, FoundTable
from parsing.lineitems import LineItem, extract_line_items
from parsing.metadata import DocumentMetadata, document_metadata
from parsing.narrative import sentences
from parsing.narrative_checks import narrative_checks
from parsing.regions import admin_level
from parsing.schema import DOCUMENT_FIELDS, PARSER_VERSION
from parsing.sniff import detect_type
from parsing.stitch import stitch_pages
from parsing.tables import TypedTable, caption_unit, tables_published_elsewhere, type_table

METADATA_PAGES = 3  # cover and contents: where a document says what it is
DEFAULT_UNIT = "万元"
_UNIT_CODE_TABLES = ("expenditure_summary", "income_summary")
_UNSUPPORTED = {
    "doc": "Word 97-2003 (.doc): not parsed (no pure-Python reader; convert it to .docx or PDF)",
    "ole": "an OLE compound file that is neither Word nor Excel",
    "rar": archives.RAR_REASON,
    "7z": "a 7z archive: not parsed",
    "unknown": "not a recognised document format",
}


def parse_path(path: str | Path) -> dict[str, Any]:
    """Parse one file on disk (see `parse_bytes`)."""
    path = Path(path)
    return parse_bytes(path.read_bytes(), name=path.name)


def parse_bytes(data: bytes, name: str | None = None) -> dict[str, Any]:
    """The contract dict for one file; `name` is only used in status reasons."""
    return _parse(data, name, depth=0)


def _parse(data: bytes, name: str | None, depth: int) -> dict[str, Any]:
    document = {field: None for field in DOCUMENT_FIELDS}
    document.update(doc_id=hashlib.sha256(data).hexdigest(), parser_version=PARSER_VERSION,
                    checks_passed=0, checks_total=0)
    result: dict[str, Any] = {"document": document, "tables": [], "cells": [],
                              "line_items": [], "checks": [], "facts": [], "members": []}
    detected = detect_type(data)
    if detected in ("zip", "docx", "xlsx"):
        detected = archives.package_kind(data)
    document["format"] = detected
    if detected == "empty":
        return _status(result, "unsupported", "empty file")
    if detected == "zip":
        return _parse_archive(data, result, depth)
    if detected in _UNSUPPORTED:
        return _status(result, "unsupported", _UNSUPPORTED[detected])
    try:
        content = read_content(data, detected)
    except _ReadStopped as exc:
        document["n_pages"] = exc.n_pages
        return _status(result, exc.status, str(exc))
    except Exception as exc:  # every reader raises its own types on broken or encrypted files
        # (what pdfium says about a broken PDF was answered in _read_pdf: the rest is ours)
        what = "parser error" if detected == "pdf" else f"unreadable {detected.upper()}"
        reason = f"{what}: {type(exc).__name__}: {exc}".strip()
        return _status(result, "failed", reason[:500])
    try:
        parse_content(content, result)
    except Exception as exc:  # a parser bug must cost one document, not the run
        return _status(result, "failed", f"parser error: {type(exc).__name__}: {exc}"[:500])
    if isinstance(content, _ReadByOcr) and document["parse_status"] != "ok":
        document["status_reason"] = f"{document['status_reason']}; read by OCR: {content.why}"
    return result


@dataclass
class _ReadByOcr(Content):
    """Content recognised in page images, and why the text layer was not used."""

    why: str = ""


class _ReadStopped(Exception):
    """A file read no further, with the status and reason to record: nothing in it to parse
    (a scan, a page without tables), or nothing that should be opened (a password, a bomb)."""

    def __init__(self, status: str, reason: str, n_pages: int | None = None) -> None:
        super().__init__(reason)
        self.status, self.n_pages = status, n_pages


def read_content(data: bytes, detected: str) -> Content:
    """The reader for the detected type (pdf, xls, xlsx, docx, html)."""
    if detected == "pdf":
        return _read_pdf(data)
    if detected in ("docx", "xlsx"):
        try:
            archives.check_package(data)
        except archives.ArchiveTooLarge as exc:
            raise _ReadStopped("unsupported", f"{detected.upper()} package too large: {exc} "
                               "(a decompression bomb?): not opened") from exc
    if detected in ("xls", "xlsx"):
        from parsing.xlsx import PicturesOnly, read_workbook

        try:
            return read_workbook(data)
        except PicturesOnly as exc:
            raise _ReadStopped("no_text_layer", f"spreadsheet of pictures: {exc} (a scan "
                               "pasted into cells; nothing to read without OCR)") from exc
    if detected == "docx":
        from parsing.docx import read_docx

        return read_docx(data)
    from parsing.html import NoTable, read_html

    try:
        return read_html(data)
    except NoTable as exc:
        raise _ReadStopped("unsupported", f"{exc}: nothing to parse") from exc


def _read_pdf(data: bytes) -> Content:
    import pypdfium2 as pdfium

    from parsing.pdf import read_pdf
    from parsing.pdf_limits import StreamTooLarge, check_streams

    try:
        check_streams(data)
    except StreamTooLarge as exc:
        raise _ReadStopped("unsupported", str(exc)) from exc
    try:
        pdf = read_pdf(data)
    except pdfium.PdfiumError as exc:
        raise _ReadStopped(*_pdf_load_failure(exc, data)) from exc
    if not pdf.n_pages or pdf.n_chars and pdf.n_unmapped * 2 <= pdf.n_chars:
        return Content(pdf.n_pages, pdf.tables, pdf.lines, pdf.n_chars)
    why = ("no text on any page (scanned images)" if not pdf.n_chars else
           f"{pdf.n_unmapped} of {pdf.n_chars} characters are glyph ids in fonts without a "
           "Unicode map (no ToUnicode: pdfminer shows them as (cid:…)), not text")
    if not ocr.available():
        raise _ReadStopped("no_text_layer", f"{why}: install the `ocr` extra to read them",
                           pdf.n_pages)
    scanned = read_pdf(ocr.text_pdf(ocr.pdf_page_images(data)))
    if not scanned.n_chars:
        raise _ReadStopped("no_text_layer", f"{why}, and OCR found none", pdf.n_pages)
    return _ReadByOcr(pdf.n_pages, scanned.tables, scanned.lines, scanned.n_chars,
                      flags=["ocr"], why=why)


def _pdf_load_failure(exc: Exception, data: bytes) -> tuple[str, str]:
    """Status and reason for a PDF pdfium cannot open: a password is a kind of file not
    parsed (no retry will read it), anything else a broken file."""
    import pypdfium2.raw as pdfium_c

    code = getattr(exc, "err_code", None)
    if code == pdfium_c.FPDF_ERR_PASSWORD:
        return "unsupported", ("encrypted PDF that needs a password to open (a user password "
                               "is set): not readable without it")
    if code == pdfium_c.FPDF_ERR_SECURITY:
        return "unsupported", "encrypted PDF with a security handler pdfium does not support"
    ending = "" if b"%%EOF" in data[-2048:] else " (no %%EOF at its end: truncated?)"
    return "failed", f"unreadable PDF: {exc}{ending}"[:500]


def _parse_archive(data: bytes, result: dict[str, Any], depth: int) -> dict[str, Any]:
    """A zip: each member parsed as a document of its own, listed under `members`."""
    if depth >= archives.MAX_DEPTH:
        return _status(result, "unsupported", "an archive nested too deep: not opened")
    try:
        result["members"] = archives.parse_members(data, _parse, depth)
    except archives.ArchiveTooLarge as exc:
        return _status(result, "unsupported", f"zip archive too large: {exc}")
    except Exception as exc:  # zipfile raises several types on broken or encrypted archives
        return _status(result, "failed", f"unreadable zip: {type(exc).__name__}: {exc}"[:500])
    if not result["members"]:
        return _status(result, "unsupported", "empty zip archive")
    for member in result["members"]:  # each a document of its own, pointing to its container
        member["result"]["document"].update(container_id=result["document"]["doc_id"],
                                            member_path=member["member_path"])
    return _status(result, "ok", None)


def parse_content(content: Content, result: dict[str, Any]) -> dict[str, Any]:
    document = result["document"]
    document["n_pages"] = content.n_pages
    if content.n_chars == 0:
        return _status(result, "no_text_layer", "no text to read")
    found = stitch_pages(content.tables)
    default_unit = _document_unit(found) or DEFAULT_UNIT
    tables = [type_table(f, n, default_unit) for n, f in enumerate(found, start=1)]
    pages: dict[int, list[str]] = {}
    for line in content.lines:
        if line.page <= METADATA_PAGES:
            pages.setdefault(line.page, []).append(line.text)
    captions = [line for f in found if f.page <= METADATA_PAGES + 1 for line in f.caption]
    captions += [t.title_raw for t in tables if t.title_raw]
    meta = document_metadata([pages[p] for p in sorted(pages)], captions)
    items: list[LineItem] = []
    for table in tables:
        table.flags += [flag for flag in content.flags if flag not in table.flags]
        table.in_final_accounts = meta.doc_kind == "final_accounts"
        table_items, repaired = extract_line_items(table)
        items += table_items
        if repaired and "header_uncertain" not in table.flags:
            table.flags.append("header_uncertain")
    text = sentences(content.lines)
    facts = extract_facts(text)
    checks = run_checks(items)
    checks += document_checks(tables, content.lines, text, meta.doc_kind, meta.fiscal_year,
                              meta.region)
    checks += narrative_checks(text, facts, items, tables, meta.doc_kind == "final_accounts")
    _fill_document(document, meta, items, checks)
    doc_id = document["doc_id"]
    page = (lambda p: p) if content.paged else (lambda p: None)
    result["tables"] = [_table_row(doc_id, t, page) for t in tables]
    result["cells"] = [_cell_row(doc_id, t.table_no, c, page) for t in tables
                       for c in t.grid.cells if c.text]
    result["line_items"] = [_item_row(doc_id, i, page) for i in items]
    result["checks"] = [_check_row(doc_id, c) for c in checks]
    result["facts"] = [_fact_row(doc_id, n, f, page) for n, f in enumerate(facts, start=1)]
    typed = [t for t in tables if t.table_type != "other"]
    if not tables:
        # Some bodies publish the narrative here and the tables as a separate file: that is a
        # complete reading of this document, said in its reason, not a parser failure.
        said = tables_published_elsewhere([line.text for line in content.lines])
        if said:
            return _status(result, "ok", f"narrative only, tables published separately: {said}")
        return _status(result, "partial", "no table found")
    if not typed:
        return _status(result, "partial", f"{len(tables)} tables found, none recognised")
    if not items and not all(t.is_empty for t in typed):
        return _status(result, "partial", "tables recognised but no amounts read")
    return _status(result, "ok", None)


def _status(result: dict[str, Any], status: str, reason: str | None) -> dict[str, Any]:
    result["document"]["parse_status"] = status
    result["document"]["status_reason"] = reason
    return result


def _document_unit(found: list[FoundTable]) -> str | None:
    """The unit most captions state: the default for a table whose caption says none."""
    units = Counter(u for f in found if (u := caption_unit(f.caption, f.grid)))
    return units.most_common(1)[0][0] if units else None


def _fill_document(document: dict[str, Any], meta: DocumentMetadata, items: list[LineItem],
                   checks: list[Check]) -> None:
    for field in ("title", "department", "doc_kind", "fiscal_year", "scope", "unit_code"):
        document[field] = getattr(meta, field)
    if meta.region:
        document.update(region_code=meta.region.region_code,
                        province_code=meta.region.region_code[:2],
                        province=meta.region.province, prefecture=meta.region.prefecture,
                        county=meta.region.county,
                        admin_level=admin_level(meta.region.region_code))
    if not document["unit_code"]:
        codes = {i.unit_code for i in items if i.table_type in _UNIT_CODE_TABLES and i.unit_code}
        if len(codes) == 1:
            document["unit_code"] = codes.pop()
    document["checks_total"] = len(checks)
    document["checks_passed"] = sum(c.passed for c in checks)


def _bbox(bbox: tuple[float, ...] | None) -> list[float] | None:
    return [float(v) for v in bbox] if bbox else None


def _table_row(doc_id: str, t: TypedTable, page: Any) -> dict[str, Any]:
    printed, filled = t.grid.printed(), t.grid.filled()
    return {
        "doc_id": doc_id, "table_no": t.table_no, "table_type": t.table_type,
        "title_raw": t.title_raw, "page_start": page(t.page_start), "page_end": page(t.page_end),
        "amount_unit": t.amount_unit, "is_empty": t.is_empty, "n_rows": t.n_rows,
        "n_cols": t.n_cols, "flags": list(t.flags),
        "header": filled[:t.header_rows], "rows": printed[t.header_rows:],
    }


def _cell_row(doc_id: str, table_no: int, cell: Cell, page: Any) -> dict[str, Any]:
    return {"doc_id": doc_id, "table_no": table_no, "row": cell.row, "col": cell.col,
            "text": cell.text, "page": page(cell.page), "bbox": _bbox(cell.bbox)}


def _item_row(doc_id: str, i: LineItem, page: Any) -> dict[str, Any]:
    return {
        "doc_id": doc_id, "table_no": i.table_no, "row_no": i.row_no, "col": i.col,
        "table_type": i.table_type, "classification": i.classification, "code": i.code,
        "code_level": i.code_level, "name": i.name, "unit_code": i.unit_code,
        "unit_name": i.unit_name, "measure": i.measure, "measure_raw": i.measure_raw,
        "amount": decimal_str(i.amount), "amount_raw": i.amount_raw, "page": page(i.page),
        "bbox": _bbox(i.bbox),
    }


def _check_row(doc_id: str, c: Check) -> dict[str, Any]:
    return {"doc_id": doc_id, "name": c.name, "scope": c.scope,
            "expected": decimal_str(c.expected), "actual": decimal_str(c.actual),
            "passed": c.passed}


def _fact_row(doc_id: str, fact_no: int, f: Fact, page: Any) -> dict[str, Any]:
    return {"doc_id": doc_id, "fact_no": fact_no, "name": f.name, "label": f.label,
            "value": decimal_str(f.value), "unit": f.unit, "sentence": f.sentence,
            "page": page(f.page)}
