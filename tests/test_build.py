"""The build stage turns parse cache + catalog into a partitioned, exact, queryable corpus."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from archive.build import build_corpus
from archive.catalog import CatalogWriter
from archive.parse_cache import ParseCache
from archive.query import connect, run_query
from archive.store import RawStore
from parsing.schema import DOCUMENT_FIELDS, LINE_ITEM_FIELDS, PARSER_VERSION


def _result(doc_id: str, **doc: object) -> dict:
    document = {name: None for name in DOCUMENT_FIELDS}
    document.update(doc_id=doc_id, parse_status="ok", parser_version=PARSER_VERSION,
                    checks_passed=1, checks_total=1, **doc)
    item = {name: None for name in LINE_ITEM_FIELDS}
    item.update(doc_id=doc_id, table_no=1, row_no=1, table_type="expenditure_summary",
                classification="functional", code="2080505", code_level=3,
                name="机关事业单位基本养老保险缴费支出", measure="total", measure_raw="合计",
                amount="938.9913", amount_raw="9,389,913.00", page=3, bbox=[1.0, 2.0, 3.0, 4.0])
    return {"document": document,
            "tables": [{"doc_id": doc_id, "table_no": 1, "table_type": "expenditure_summary",
                        "title_raw": "部门支出总表", "page_start": 3, "page_end": 3,
                        "amount_unit": "元", "is_empty": False, "n_rows": 1, "n_cols": 3,
                        "flags": [], "header": [["科目编码", "科目名称", "合计"]],
                        "rows": [["2080505", "机关事业单位基本养老保险缴费支出", "9,389,913.00"]]}],
            "cells": [], "line_items": [item],
            "checks": [{"doc_id": doc_id, "name": "income_equals_expenditure", "scope": "table 1",
                        "expected": "10665.25", "actual": "10665.25", "passed": True}]}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    store, cache = RawStore(tmp_path), ParseCache(tmp_path, PARSER_VERSION)
    catalog = CatalogWriter(tmp_path, "run-1")
    docs = {b"%PDF-1 a": dict(fiscal_year=2024, region_code="510000", department="甲单位"),
            b"%PDF-1 b": dict(fiscal_year=2023, region_code="500240", department="乙单位"),
            b"%PDF-1 c": dict(fiscal_year=None, region_code=None, department=None)}
    for data, meta in docs.items():
        sha = store.put(data)
        catalog.append({"url": f"http://127.0.0.1/{sha}.pdf", "portal_id": "demo",
                        "fetch_status": "ok", "sha256": sha, "title": "某单位2024年部门预算"})
        cache.put(sha, _result(sha, **meta))
    catalog.close()
    return tmp_path


def test_build_writes_one_hive_partition_per_province_and_year(data_dir: Path) -> None:
    build_corpus(data_dir)
    parts = sorted(p.relative_to(data_dir / "corpus" / "line_items").as_posix()
                   for p in (data_dir / "corpus" / "line_items").glob("*/*"))
    assert parts == ["province_code=00/fiscal_year=0", "province_code=50/fiscal_year=2023",
                     "province_code=51/fiscal_year=2024"]


def test_unknown_province_and_year_land_in_partition_00_and_0(data_dir: Path) -> None:
    build_corpus(data_dir)
    _, rows = run_query(data_dir, "select province_code, fiscal_year from documents "
                                  "where department is null")
    assert rows == [("00", 0)]


def test_amounts_stay_exact_decimals_in_wan_yuan(data_dir: Path) -> None:
    build_corpus(data_dir)
    _, rows = run_query(data_dir, "select distinct amount, typeof(amount) from line_items")
    assert rows == [(Decimal("938.991300"), "DECIMAL(20,6)")]


def test_province_code_reads_back_as_a_two_digit_string(data_dir: Path) -> None:
    build_corpus(data_dir)
    _, rows = run_query(data_dir, "select any_value(typeof(province_code)), min(province_code) from documents")
    assert rows == [("VARCHAR", "00")]


def test_region_code_fills_province_and_admin_level(data_dir: Path) -> None:
    build_corpus(data_dir)
    _, rows = run_query(data_dir, "select province, admin_level from documents "
                                  "where region_code = '500240'")
    assert rows == [("重庆市", "county")]


def test_document_title_comes_from_the_portal_when_the_text_is_silent(data_dir: Path) -> None:
    build_corpus(data_dir)
    _, rows = run_query(data_dir, "select distinct title, portal_id from documents")
    assert rows == [("某单位2024年部门预算", "demo")]


def test_rebuild_swaps_in_a_new_build_and_keeps_the_corpus_readable(data_dir: Path) -> None:
    first = build_corpus(data_dir)
    second = build_corpus(data_dir)
    assert first.corpus_dir != second.corpus_dir
    assert (data_dir / "corpus").resolve() == second.corpus_dir
    _, rows = run_query(data_dir, "select count(*) from line_items")
    assert rows == [(3,)]


def test_empty_table_is_still_a_queryable_view(data_dir: Path) -> None:
    build_corpus(data_dir)
    _, rows = run_query(data_dir, "select count(*) from cells")
    assert rows == [(0,)]


def test_query_connection_is_read_only(data_dir: Path) -> None:
    build_corpus(data_dir)
    with connect(data_dir) as con, pytest.raises(duckdb.Error):
        con.execute("create table x as select 1")


def test_parse_cache_entry_is_written_once(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path, "v1")
    cache.put("ab" * 32, {"first": True})
    cache.put("ab" * 32, {"first": False})
    assert cache.get("ab" * 32) == {"first": True}
    assert ParseCache(tmp_path, "v2").has("ab" * 32) is False
