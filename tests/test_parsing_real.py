"""The real disclosures in ../shared/real (not part of a fresh clone): every one parses without
an exception and gets its fiscal year and doc kind right. Run with `pytest -m real`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from parsing.parse import parse_path

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"
MANIFEST = REAL / "manifest.csv"

pytestmark = [
    pytest.mark.real,
    pytest.mark.skipif(not MANIFEST.exists(), reason="../shared/real is not present"),
]


def _manifest() -> list[dict[str, str]]:
    if not MANIFEST.exists():
        return []
    with MANIFEST.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", _manifest(), ids=lambda row: row["file"])
def test_real_pdf_parses_with_its_year_and_kind(row: dict[str, str]) -> None:
    result = parse_path(REAL / row["file"])
    document = result["document"]
    assert document["parse_status"] in ("ok", "partial"), document["status_reason"]
    assert document["fiscal_year"] == int(row["fiscal_year"])
    assert document["doc_kind"] == row["doc_kind"]
    assert document["doc_id"] == row["sha256"]
