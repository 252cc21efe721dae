"""The build stage turns parse cache + catalog into a partitioned, exact, queryable corpus."""

from __future__ import annotations

import json
import os
import threading
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from archive.build import SCHEMAS, build_corpus, exclusive_build
from archive.catalog import CatalogWriter
from archive.parse_cache import ContractError, ParseCache
from archive.query import connect, run_query
from archive.store import RawStore
from parsing.schema import DOCUMENT_FIELDS, LINE_ITEM_FIELDS, PARSER_VERSION


def _result(doc_id: str, **doc: object) -> dict:
    document = {name: None for name in DOCUMENT_FIELDS}
    document.update(doc_id=doc_id, parse_status="ok", parser_version=PARSER_VERSION,
                    checks_passed=1, checks_total=1, **doc)
    item = {name: None for name in LINE_ITEM_FIELDS}
    item.update(doc_id=doc_id, table_no=1, row_no=1, col=2, table_type="expenditure_summary",
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


@pytest.mark.parametrize("table", ["documents", "tables", "checks"])
def test_small_tables_are_stored_in_the_database_with_the_rows_of_their_parquet(
        data_dir: Path, table: str) -> None:
    built = build_corpus(data_dir)
    parquet = duckdb.sql(f"SELECT * FROM read_parquet('{built.corpus_dir}/{table}/*/*/*.parquet', "
                         "hive_partitioning = true, hive_types = "
                         "{'province_code': 'VARCHAR', 'fiscal_year': 'INTEGER'})").fetchall()
    with connect(data_dir) as con:
        (kind,) = con.execute("SELECT table_type FROM information_schema.tables "
                              "WHERE table_schema = 'stored' AND table_name = ?",
                              [table]).fetchone()
        stored = con.execute(f"SELECT * FROM {table}").fetchall()
    assert kind == "BASE TABLE"
    assert parquet and sorted(map(repr, stored)) == sorted(map(repr, parquet))


def test_query_connection_is_read_only(data_dir: Path) -> None:
    build_corpus(data_dir)
    with connect(data_dir) as con, pytest.raises(duckdb.Error):
        con.execute("create table x as select 1")


@pytest.mark.parametrize("parts", [1, 2, 3, 4, 16, 64])
def test_parse_cache_shards_hold_every_entry_exactly_once(tmp_path: Path, parts: int) -> None:
    cache = ParseCache(tmp_path, PARSER_VERSION)
    shas = [f"{n:02x}" + "0" * 62 for n in range(0, 256, 7)]
    for sha in shas:
        cache.put(sha, _result(sha))
    found = [Path(p).name.removesuffix(".parquet")
             for shard in cache.shard_globs(parts) for (p,) in
             duckdb.sql(f"SELECT file FROM glob('{shard}')").fetchall()]
    assert sorted(found) == sorted(shas)


def _with_cells(result: dict, n: int) -> dict:
    doc_id = result["document"]["doc_id"]
    result["cells"] = [{"doc_id": doc_id, "table_no": 1, "row": row, "col": 1,
                        "text": f"第{row}行", "page": 3, "bbox": [1.0, 2.0, 3.0, 4.0]}
                       for row in range(n)]
    return result


def test_printed_cells_are_kept_in_a_file_of_their_own_and_come_back_whole(
        tmp_path: Path) -> None:
    cache, sha = ParseCache(tmp_path, PARSER_VERSION), "c" * 64
    cache.put(sha, _with_cells(_result(sha), 3))
    assert Path(cache.cells_path(sha)).is_file()
    assert "cells" not in json.loads(pq.read_schema(cache.path(sha)).metadata[b"budget_corpus.parse_result"])
    assert cache.get(sha) == _with_cells(_result(sha), 3)


def test_a_replaced_result_without_cells_leaves_no_cells_behind(tmp_path: Path) -> None:
    cache, sha = ParseCache(tmp_path, PARSER_VERSION), "c" * 64
    cache.put(sha, _with_cells(_result(sha), 3))
    cache.replace(sha, _result(sha))
    assert cache.get(sha)["cells"] == [] and not Path(cache.cells_path(sha)).exists()


def test_cells_of_entries_written_with_cells_in_their_json_still_reach_the_corpus(
        data_dir: Path) -> None:
    cache = ParseCache(data_dir, PARSER_VERSION)
    (in_file, in_json, _) = sorted(cache.entries())
    cache.replace(in_file, _with_cells(cache.get(in_file), 2))
    table = pq.read_table(cache.path(in_json))  # an entry as written before cells had files
    rest = json.loads(table.schema.metadata[b"budget_corpus.parse_result"])
    rest["cells"] = _with_cells(cache.get(in_json), 3)["cells"]
    cache.write_table(in_json, table.replace_schema_metadata(
        {**table.schema.metadata, b"budget_corpus.parse_result": json.dumps(rest)}))
    assert len(cache.get(in_json)["cells"]) == 3
    built = build_corpus(data_dir)
    _, rows = run_query(data_dir, "SELECT doc_id, count(*) FROM cells GROUP BY ALL ORDER BY 2")
    assert built.rows["cells"] == 5 and rows == [(in_file, 2), (in_json, 3)]


def test_parse_cache_entry_is_written_once(tmp_path: Path) -> None:
    cache, sha = ParseCache(tmp_path, "v1"), "ab" * 32
    cache.put(sha, _result(sha, department="first"))
    cache.put(sha, _result(sha, department="second"))
    assert cache.get(sha)["document"]["department"] == "first"
    assert ParseCache(tmp_path, "v2").has(sha) is False


def test_parse_cache_gives_back_exactly_the_contract_dict(tmp_path: Path) -> None:
    cache, sha = ParseCache(tmp_path, "v1"), "cd" * 32
    result = _result(sha, fiscal_year=2024) | {"members": [{"path": "a.pdf"}]}
    cache.put(sha, result)
    assert json.dumps(cache.get(sha), ensure_ascii=False) == json.dumps(result,
                                                                        ensure_ascii=False)


@pytest.mark.parametrize("change,message", [
    (lambda r: r["line_items"][0].update(amount="1.1234567"), "more than 6 decimal places"),
    (lambda r: r["line_items"][0].update(colour="red"), "unknown fields in line_items"),
    (lambda r: r["checks"][0].update(doc_id="other"), "not the document's"),
    (lambda r: r["line_items"][0].update(row_no="first"), "contract's types"),
])
def test_parse_cache_refuses_a_result_that_breaks_the_contract(tmp_path: Path, change,
                                                               message: str) -> None:
    result = _result("ef" * 32)
    change(result)
    with pytest.raises(ContractError, match=message):
        ParseCache(tmp_path, "v1").put("ef" * 32, result)


def _line_item_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "corpus" / "line_items").glob("*/*/*.parquet"))


def test_corpus_files_are_zstd_and_carry_their_partition_columns(data_dir: Path) -> None:
    build_corpus(data_dir)
    for path in _line_item_files(data_dir):
        meta = pq.ParquetFile(path)
        assert {"province_code", "fiscal_year"} <= set(meta.schema_arrow.names)
        assert meta.metadata.row_group(0).column(0).compression == "ZSTD"
        assert meta.schema_arrow == SCHEMAS["line_items"]


def test_line_items_are_sorted_by_table_type_then_printed_order_within_a_partition(
        tmp_path: Path) -> None:
    sha = RawStore(tmp_path).put(b"%PDF-1 sorted")
    catalog = CatalogWriter(tmp_path, "run-1")
    catalog.append({"url": "http://127.0.0.1/x.pdf", "fetch_status": "ok", "sha256": sha})
    catalog.close()
    result = _result(sha, fiscal_year=2024, region_code="510000")
    template = result["line_items"][0]
    result["line_items"] = [
        template | {"row_no": n, "table_type": kind, "measure": measure, "code": code}
        for n, (kind, measure, code) in enumerate([
            ("three_public", "total", None), ("expenditure_summary", "total", "2080505"),
            ("expenditure_summary", "basic", "2010101"), ("expenditure_summary", "total",
                                                          "2010101")], start=1)]
    ParseCache(tmp_path, PARSER_VERSION).put(sha, result)
    build_corpus(tmp_path)
    (path,) = _line_item_files(tmp_path)
    rows = pq.read_table(path, columns=["table_type", "measure", "code"]).to_pylist()
    assert [tuple(r.values()) for r in rows] == [
        ("expenditure_summary", "total", "2080505"), ("expenditure_summary", "basic", "2010101"),
        ("expenditure_summary", "total", "2010101"), ("three_public", "total", None)]


def test_documents_fetched_but_not_parsed_are_not_in_the_corpus(data_dir: Path) -> None:
    catalog = CatalogWriter(data_dir, "run-2")
    catalog.append({"url": "http://127.0.0.1/new.pdf", "fetch_status": "ok",
                    "sha256": RawStore(data_dir).put(b"%PDF-1 new")})
    catalog.close()
    assert build_corpus(data_dir).rows["documents"] == 3


def test_the_runs_view_exists_before_any_run(data_dir: Path) -> None:
    build_corpus(data_dir)
    _, rows = run_query(data_dir, "select count(*) from runs")
    assert rows == [(0,)]


def test_three_public_view_takes_the_total_row_and_checks_the_parts(tmp_path: Path) -> None:
    sha = RawStore(tmp_path).put(b"%PDF-1 3p")
    catalog = CatalogWriter(tmp_path, "run-1")
    catalog.append({"url": "http://127.0.0.1/3p.pdf", "fetch_status": "ok", "sha256": sha})
    catalog.close()
    result = _result(sha, fiscal_year=2024, region_code="510000", department="甲")
    template = result["line_items"][0] | {"table_type": "three_public", "code": None}
    printed = [("单位名称", 1), ("合计", 2)]
    amounts = {"total": "10.5", "overseas_travel": "1", "vehicle_purchase": "2",
               "vehicle_operation": "3", "reception": "4.5"}
    result["line_items"] = [
        template | {"row_no": row, "name": name, "col": col, "measure": measure, "amount": value}
        for name, row in printed for col, (measure, value) in enumerate(amounts.items(), 1)]
    ParseCache(tmp_path, PARSER_VERSION).put(sha, result)
    build_corpus(tmp_path)
    _, rows = run_query(tmp_path, "select department, total, vehicle_total, reception, "
                                  "parts_add_up, row_no from three_public")
    assert rows == [("甲", Decimal("10.5"), Decimal("5"), Decimal("4.5"), True, 2)]


def test_one_rename_publishes_the_folder_and_its_database(data_dir: Path) -> None:
    built = build_corpus(data_dir)
    link = data_dir / "corpus.duckdb"
    assert link.is_symlink() and os.readlink(link) == os.path.join("corpus", "corpus.duckdb")
    assert link.resolve() == built.corpus_dir / "corpus.duckdb"
    assert run_query(data_dir, "select count(*) from documents")[1] == [(3,)]


def test_a_rebuild_keeps_the_previously_published_build_not_a_stranded_newer_one(
        data_dir: Path) -> None:
    published = build_corpus(data_dir).corpus_dir
    stranded = published.parent / "99991231T000000.000000-dead00"  # a killed build's, complete
    stranded.mkdir()
    newest = build_corpus(data_dir).corpus_dir
    assert sorted(p.name for p in published.parent.iterdir() if not p.name.startswith(".")) \
        == sorted([published.name, newest.name])


def test_a_second_build_waits_for_the_first(data_dir: Path) -> None:
    builds = data_dir / "corpus.builds"
    builds.mkdir()
    with exclusive_build(builds):  # another build holds the data directory
        second = threading.Thread(target=build_corpus, args=(data_dir,))
        second.start()
        second.join(timeout=1.0)
        assert second.is_alive() and not list(builds.glob(".*.partial"))
    second.join(timeout=60)
    assert not second.is_alive() and (data_dir / "corpus").is_dir()
