"""The real disclosures in ../shared/real (not part of a fresh clone): every one parses `ok` with
its fiscal year and doc kind, nearly every table typed, the consistent ones' accounting checks
passing, the ones labelled inconsistent failing at least one, and pdfium reading the same
tables pdfminer does. Run with `pytest -m real`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from parsing.parse import parse_path
from parsing.pdf import read_pdf

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"
MANIFEST = REAL / "manifest.csv"
_INCONSISTENT = ("inconsisten", "consistency problems", "planted", "altered")

pytestmark = [
    pytest.mark.real,
    pytest.mark.skipif(not MANIFEST.exists(), reason="../shared/real is not present"),
]


def _manifest() -> list[dict[str, str]]:
    if not MANIFEST.exists():
        return []
    with MANIFEST.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _consistent(row: dict[str, str]) -> bool:
    return not any(word in row["note"].lower() for word in _INCONSISTENT)


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    return {row["file"]: parse_path(REAL / row["file"]) for row in _manifest()}


@pytest.mark.parametrize("row", _manifest(), ids=lambda row: row["file"])
def test_real_pdf_parses_with_its_year_and_kind(parsed: dict, row: dict[str, str]) -> None:
    document = parsed[row["file"]]["document"]
    assert document["fiscal_year"] == int(row["fiscal_year"])
    assert document["doc_kind"] == row["doc_kind"]
    assert document["doc_id"] == row["sha256"]


@pytest.mark.parametrize("row", _manifest(), ids=lambda row: row["file"])
def test_real_pdf_is_parsed_ok(parsed: dict, row: dict[str, str]) -> None:
    document = parsed[row["file"]]["document"]
    assert document["parse_status"] == "ok", document["status_reason"]


def test_a_narrative_only_document_says_its_tables_are_published_apart(parsed: dict) -> None:
    apart = [r["document"] for r in parsed.values() if not r["tables"]]
    assert apart and all("tables published separately" in d["status_reason"] for d in apart)


def test_nearly_every_real_table_is_typed(parsed: dict) -> None:
    tables = [t for result in parsed.values() for t in result["tables"]]
    typed = [t for t in tables if t["table_type"] != "other"]
    assert len(tables) > 250 and len(typed) >= 0.98 * len(tables)


def test_checks_pass_on_the_consistent_documents(parsed: dict) -> None:
    checks = [c for row in _manifest() if _consistent(row)
              for c in parsed[row["file"]]["checks"]]
    assert len(checks) > 1000
    assert sum(c["passed"] for c in checks) >= 0.99 * len(checks)


def test_documents_labelled_inconsistent_fail_a_check(parsed: dict) -> None:
    labelled = [row for row in _manifest() if not _consistent(row)]
    assert len(labelled) == 3
    for row in labelled:
        assert any(not c["passed"] for c in parsed[row["file"]]["checks"]), row["file"]


def test_tables_continued_over_pages_are_stitched(parsed: dict) -> None:
    """js-21 and js-22 continue tables onto pages that rule other columns."""
    for name in ("jiangsu/js-21-2017.pdf", "jiangsu/js-22-2018.pdf"):
        tables = parsed[name]["tables"]
        assert sum("stitched" in t["flags"] for t in tables) >= 5
        assert all(t["table_type"] != "other" for t in tables)


@pytest.mark.parametrize("name", ["jiangsu/js-13-2019.pdf", "jiangsu/js-21-2017.pdf",
                                  "shanghai-putuo/sh-08-2024-final_accounts.pdf"])
def test_pdfium_reads_the_tables_pdfminer_reads(name: str) -> None:
    data = (REAL / name).read_bytes()
    fast, slow = read_pdf(data), read_pdf(data, triage=False, reader="pdfminer")
    assert [(t.page, t.grid.printed(), t.caption) for t in fast.tables] == \
        [(t.page, t.grid.printed(), t.caption) for t in slow.tables]
