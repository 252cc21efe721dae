"""Entry point: file bytes → the parse-result contract (document, tables, cells, line items,
checks), JSON-ready.

The pipeline reads like pdfplumber's table finder, one step per module: sniff → pages and
ruled tables (pdf) → stitch over page breaks → type tables → line items → checks, plus
document metadata from the cover. It never raises on bad input: whatever goes wrong becomes
a parse_status with a reason, so one broken file costs one row, not a run.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from parsing.amounts import decimal_str
from parsing.checks import Check, run_checks
from parsing.grid import Cell, FoundTable
from parsing.lineitems import LineItem, extract_line_items
from parsing.metadata import DocumentMetadata, document_metadata
from parsing.pdf import PdfContent, read_pdf
from parsing.regions import admin_level
from parsing.schema import DOCUMENT_FIELDS, PARSER_VERSION
from parsing.sniff import detect_type
from parsing.stitch import stitch_pages
from parsing.tables import TypedTable, caption_unit, type_table

METADATA_PAGES = 3  # cover and contents: where a document says what it is
DEFAULT_UNIT = "万元"
_UNIT_CODE_TABLES = ("expenditure_summary", "income_summary")
_NOT_YET = {"doc": "Word (.doc)", "xls": "Excel (.xls)", "docx": "Word (.docx)",
            "xlsx": "Excel (.xlsx)", "ole": "an OLE compound file", "zip": "a zip archive",
            "rar": "a rar archive", "7z": "a 7z archive", "html": "an HTML page",
            "unknown": "not a recognised document format"}


def parse_path(path: str | Path) -> dict[str, Any]:
    """Parse one file on disk (see `parse_bytes`)."""
    path = Path(path)
    return parse_bytes(path.read_bytes(), name=path.name)


def parse_bytes(data: bytes, name: str | None = None) -> dict[str, Any]:
    """The contract dict for one file; `name` is only used in status reasons."""
    document = {field: None for field in DOCUMENT_FIELDS}
    document.update(doc_id=hashlib.sha256(data).hexdigest(), parser_version=PARSER_VERSION,
                    checks_passed=0, checks_total=0)
    result: dict[str, Any] = {"document": document, "tables": [], "cells": [],
                              "line_items": [], "checks": []}
    detected = detect_type(data)
    document["format"] = detected
    if detected == "empty":
        return _status(result, "unsupported", "empty file")
    if detected != "pdf":
        return _status(result, "unsupported", f"{_NOT_YET[detected]}: not parsed yet")
    try:
        content = read_pdf(data, max_text_pages=METADATA_PAGES)
    except Exception as exc:  # pdfminer raises many types on broken or encrypted files
        reason = f"unreadable PDF: {type(exc).__name__}: {exc}".strip()
        return _status(result, "failed", reason[:500])
    try:
        return parse_content(content, result)
    except Exception as exc:  # a parser bug must cost one document, not the run
        return _status(result, "failed", f"parser error: {type(exc).__name__}: {exc}"[:500])


def parse_content(content: PdfContent, result: dict[str, Any]) -> dict[str, Any]:
    document = result["document"]
    document["n_pages"] = content.n_pages
    if content.n_chars == 0:
        return _status(result, "no_text_layer",
                       "no text on any page (scanned images need OCR)")
    found = stitch_pages(content.tables)
    default_unit = _document_unit(found) or DEFAULT_UNIT
    tables = [type_table(f, n, default_unit) for n, f in enumerate(found, start=1)]
    items: list[LineItem] = []
    for table in tables:
        table_items, repaired = extract_line_items(table)
        items += table_items
        if repaired and "header_uncertain" not in table.flags:
            table.flags.append("header_uncertain")
    checks = run_checks(items)
    pages: dict[int, list[str]] = {}
    for line in content.lines:
        pages.setdefault(line.page, []).append(line.text)
    captions = [line for f in found if f.page <= METADATA_PAGES + 1 for line in f.caption]
    captions += [t.title_raw for t in tables if t.title_raw]
    meta = document_metadata([pages[p] for p in sorted(pages)], captions)
    _fill_document(document, meta, items, checks)
    doc_id = document["doc_id"]
    result["tables"] = [_table_row(doc_id, t) for t in tables]
    result["cells"] = [_cell_row(doc_id, t.table_no, c) for t in tables for c in t.grid.cells
                       if c.text]
    result["line_items"] = [_item_row(doc_id, i) for i in items]
    result["checks"] = [_check_row(doc_id, c) for c in checks]
    typed = [t for t in tables if t.table_type != "other"]
    if not tables:
        return _status(result, "partial", "no ruled table found")
    if not typed:
        return _status(result, "partial", f"{len(tables)} tables found, none recognised")
    if not items:
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


def _bbox(bbox: tuple[float, ...]) -> list[float]:
    return [float(v) for v in bbox]


def _table_row(doc_id: str, t: TypedTable) -> dict[str, Any]:
    printed, filled = t.grid.printed(), t.grid.filled()
    return {
        "doc_id": doc_id, "table_no": t.table_no, "table_type": t.table_type,
        "title_raw": t.title_raw, "page_start": t.page_start, "page_end": t.page_end,
        "amount_unit": t.amount_unit, "is_empty": t.is_empty, "n_rows": t.n_rows,
        "n_cols": t.n_cols, "flags": list(t.flags),
        "header": filled[:t.header_rows], "rows": printed[t.header_rows:],
    }


def _cell_row(doc_id: str, table_no: int, cell: Cell) -> dict[str, Any]:
    return {"doc_id": doc_id, "table_no": table_no, "row": cell.row, "col": cell.col,
            "text": cell.text, "page": cell.page, "bbox": _bbox(cell.bbox)}


def _item_row(doc_id: str, i: LineItem) -> dict[str, Any]:
    return {
        "doc_id": doc_id, "table_no": i.table_no, "row_no": i.row_no, "col": i.col,
        "table_type": i.table_type, "classification": i.classification, "code": i.code,
        "code_level": i.code_level, "name": i.name, "unit_code": i.unit_code,
        "unit_name": i.unit_name, "measure": i.measure, "measure_raw": i.measure_raw,
        "amount": decimal_str(i.amount), "amount_raw": i.amount_raw, "page": i.page,
        "bbox": _bbox(i.bbox),
    }


def _check_row(doc_id: str, c: Check) -> dict[str, Any]:
    return {"doc_id": doc_id, "name": c.name, "scope": c.scope,
            "expected": decimal_str(c.expected), "actual": decimal_str(c.actual),
            "passed": c.passed}
