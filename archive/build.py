"""The build stage: parse cache + fetch catalog → hive-partitioned Parquet corpus + DuckDB views.

Every build is written into a new folder `corpus.builds/<build_id>/` with DuckDB
`COPY … PARTITION_BY (province_code, fiscal_year)`; `corpus` is a symlink swapped to it in one
atomic rename once it is complete, and `corpus.duckdb` is written under a temporary name and
renamed into place, so a reader never sees a half-built corpus.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from archive.catalog import read_catalog
from archive.parse_cache import ParseCache
from parsing.regions import PROVINCES, UNKNOWN_PROVINCE, admin_level, province_code
from parsing.schema import PARSER_VERSION

AMOUNT = pa.decimal128(20, 6)
_MICRO = Decimal("0.000001")
BBOX = pa.list_(pa.float64())
PARTITIONS = [("province_code", pa.string()), ("fiscal_year", pa.int32())]

SCHEMAS: dict[str, pa.Schema] = {
    "documents": pa.schema([
        ("doc_id", pa.string()), ("source_url", pa.string()), ("portal_id", pa.string()),
        ("title", pa.string()), ("publish_date", pa.date32()), ("region_code", pa.string()),
        ("province", pa.string()), ("prefecture", pa.string()), ("county", pa.string()),
        ("admin_level", pa.string()), ("department", pa.string()), ("unit_code", pa.string()),
        ("scope", pa.string()), ("doc_kind", pa.string()), ("format", pa.string()),
        ("n_pages", pa.int32()), ("parse_status", pa.string()), ("status_reason", pa.string()),
        ("parser_version", pa.string()), ("checks_passed", pa.int32()),
        ("checks_total", pa.int32()), *PARTITIONS,
    ]),
    "tables": pa.schema([
        ("doc_id", pa.string()), ("table_no", pa.int32()), ("table_type", pa.string()),
        ("title_raw", pa.string()), ("page_start", pa.int32()), ("page_end", pa.int32()),
        ("amount_unit", pa.string()), ("is_empty", pa.bool_()), ("n_rows", pa.int32()),
        ("n_cols", pa.int32()), ("flags", pa.list_(pa.string())), *PARTITIONS,
    ]),
    "cells": pa.schema([
        ("doc_id", pa.string()), ("table_no", pa.int32()), ("row", pa.int32()),
        ("col", pa.int32()), ("text", pa.string()), ("page", pa.int32()), ("bbox", BBOX),
        *PARTITIONS,
    ]),
    "line_items": pa.schema([
        ("doc_id", pa.string()), ("table_no", pa.int32()), ("row_no", pa.int32()),
        ("table_type", pa.string()), ("classification", pa.string()), ("code", pa.string()),
        ("code_level", pa.int8()), ("name", pa.string()), ("unit_code", pa.string()),
        ("unit_name", pa.string()), ("measure", pa.string()), ("measure_raw", pa.string()),
        ("amount", AMOUNT), ("amount_raw", pa.string()), ("page", pa.int32()), ("bbox", BBOX),
        *PARTITIONS,
    ]),
    "checks": pa.schema([
        ("doc_id", pa.string()), ("name", pa.string()), ("scope", pa.string()),
        ("expected", AMOUNT), ("actual", AMOUNT), ("passed", pa.bool_()), *PARTITIONS,
    ]),
}
SORT_KEYS = {
    "documents": "doc_id", "tables": "doc_id, table_no", "cells": "doc_id, table_no, row, col",
    "line_items": "doc_id, table_no, row_no, measure", "checks": "doc_id, name, scope",
}
ROW_KEYS = {"tables": "tables", "cells": "cells", "line_items": "line_items", "checks": "checks"}

# Views beyond the base tables: what researchers ask for most, spelled once.
CONVENIENCE_VIEWS = {
    "three_public": """
        WITH first_table AS (
            SELECT doc_id, min(table_no) AS table_no FROM line_items
            WHERE table_type = 'three_public' GROUP BY doc_id),
        top_row AS (
            SELECT li.doc_id, li.table_no, min(li.row_no) AS row_no FROM line_items li
            JOIN first_table USING (doc_id, table_no) GROUP BY li.doc_id, li.table_no)
        SELECT d.doc_id, d.department, d.province_code, d.province, d.fiscal_year, d.doc_kind,
            max(CASE WHEN li.measure = 'total' THEN li.amount END) AS total,
            max(CASE WHEN li.measure = 'overseas_travel' THEN li.amount END) AS overseas_travel,
            max(CASE WHEN li.measure = 'vehicle_total' THEN li.amount END) AS vehicle_total,
            max(CASE WHEN li.measure = 'vehicle_purchase' THEN li.amount END) AS vehicle_purchase,
            max(CASE WHEN li.measure = 'vehicle_operation' THEN li.amount END) AS vehicle_operation,
            max(CASE WHEN li.measure = 'reception' THEN li.amount END) AS reception
        FROM line_items li JOIN top_row USING (doc_id, table_no, row_no)
        JOIN documents d USING (doc_id)
        GROUP BY ALL""",
    "expenditure_by_function": """
        SELECT d.doc_id, d.department, d.province_code, d.province, d.fiscal_year, d.doc_kind,
            li.code, li.code_level, li.name, li.amount
        FROM line_items li JOIN documents d USING (doc_id)
        WHERE li.table_type = 'expenditure_summary' AND li.classification = 'functional'
            AND li.measure = 'total' AND li.code IS NOT NULL""",
}


@dataclass
class BuildSummary:
    build_id: str
    corpus_dir: Path
    rows: dict[str, int]


def provenance(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The first successful fetch of each stored document: where it came from."""
    first: dict[str, dict[str, Any]] = {}
    for row in read_catalog(data_dir):
        if row.get("fetch_status") == "ok" and row.get("sha256"):
            first.setdefault(row["sha256"], row)
    return first


def merge_document(parsed: dict[str, Any], fetch: dict[str, Any] | None) -> dict[str, Any]:
    """What the text says wins; where it is silent, what the portal said fills in."""
    doc = dict(parsed)
    fetch = fetch or {}
    doc["source_url"] = doc.get("source_url") or fetch.get("final_url") or fetch.get("url")
    doc["portal_id"] = doc.get("portal_id") or fetch.get("portal_id")
    doc["title"] = doc.get("title") or fetch.get("title") or fetch.get("link_text")
    doc["publish_date"] = doc.get("publish_date") or fetch.get("publish_date")
    doc["region_code"] = doc.get("region_code") or fetch.get("region_code")
    doc["fiscal_year"] = doc.get("fiscal_year") or fetch.get("fiscal_year")
    doc["department"] = doc.get("department") or fetch.get("department")
    if doc.get("doc_kind") in (None, "other") and fetch.get("doc_kind") not in (None, "other"):
        doc["doc_kind"] = fetch["doc_kind"]
    doc["province_code"] = (doc.get("province_code") or province_code(doc["region_code"])
                            or UNKNOWN_PROVINCE)
    doc["province"] = doc.get("province") or PROVINCES.get(doc["province_code"])
    doc["admin_level"] = doc.get("admin_level") or admin_level(doc["region_code"])
    doc["fiscal_year"] = int(doc["fiscal_year"] or 0)
    return doc


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    exact = Decimal(str(value))
    fixed = exact.quantize(_MICRO)
    if fixed != exact:
        raise ValueError(f"amount {value!r} has more than 6 decimal places")
    return fixed


def _date(value: Any) -> Any:
    import datetime as dt

    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def collect_rows(data_dir: Path, cache: ParseCache) -> dict[str, list[dict[str, Any]]]:
    """Every row of every corpus table, partition columns added."""
    fetches = provenance(data_dir)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in SCHEMAS}
    for sha in fetches:
        if not cache.has(sha):
            continue
        result = cache.get(sha)
        doc = merge_document(result["document"], fetches.get(sha))
        part = {"province_code": doc["province_code"], "fiscal_year": doc["fiscal_year"]}
        doc["publish_date"] = _date(doc.get("publish_date"))
        rows["documents"].append(doc)
        for table, key in ROW_KEYS.items():
            for row in result.get(key, []):
                rows[table].append({**row, **part})
    for row in rows["line_items"]:
        row["amount"] = _amount(row.get("amount"))
    for row in rows["checks"]:
        row["expected"] = _decimal_or_none(row.get("expected"))
        row["actual"] = _decimal_or_none(row.get("actual"))
    return rows


def _decimal_or_none(value: Any) -> Decimal | None:
    try:
        return _amount(value)
    except (ArithmeticError, ValueError):
        return None


def _arrow(name: str, rows: Iterable[dict[str, Any]]) -> pa.Table:
    schema = SCHEMAS[name]
    return pa.Table.from_pylist([{f: r.get(f) for f in schema.names} for r in rows],
                                schema=schema)


def write_partitioned(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table,
                      target: Path) -> None:
    """One corpus table as hive-partitioned, zstd Parquet, sorted for the common filters.

    The partition columns are also written inside the files, so readers that ignore folder
    names (Hugging Face `datasets`, a single file handed to a colleague) still see them.
    """
    out = target / name
    if table.num_rows == 0:
        # Keep the table queryable with its columns: one empty file in the unknown partition.
        empty = out / f"province_code={UNKNOWN_PROVINCE}" / "fiscal_year=0"
        empty.mkdir(parents=True)
        pq.write_table(table, empty / "empty.parquet")
        return
    con.register("staged", table)
    con.execute(
        f"COPY (SELECT * FROM staged ORDER BY {SORT_KEYS[name]}) TO '{out}' "
        "(FORMAT parquet, PARTITION_BY (province_code, fiscal_year), COMPRESSION zstd, "
        "WRITE_PARTITION_COLUMNS true)")
    con.unregister("staged")


def view_sql(name: str, corpus_dir: Path) -> str:
    glob = (corpus_dir / name / "*" / "*" / "*.parquet").as_posix()
    return (f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{glob}', "
            "hive_partitioning = true, "
            "hive_types = {'province_code': 'VARCHAR', 'fiscal_year': 'INTEGER'})")


def write_database(db_path: Path, corpus_dir: Path) -> None:
    """corpus.duckdb with a view per table, built aside and renamed into place."""
    fd, tmp = tempfile.mkstemp(dir=db_path.parent, prefix=".corpus-", suffix=".duckdb")
    os.close(fd)
    os.unlink(tmp)  # DuckDB wants to create the file itself
    try:
        with duckdb.connect(tmp) as con:
            for name in SCHEMAS:
                con.execute(view_sql(name, corpus_dir))
            for name, sql in CONVENIENCE_VIEWS.items():
                con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
        os.replace(tmp, db_path)
    finally:
        Path(tmp).unlink(missing_ok=True)
        Path(tmp + ".wal").unlink(missing_ok=True)


def build_corpus(data_dir: Path | str, parser_version: str = PARSER_VERSION) -> BuildSummary:
    data_dir = Path(data_dir).resolve()
    cache = ParseCache(data_dir, parser_version)
    rows = collect_rows(data_dir, cache)
    now = time.time()
    build_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{now % 1:.6f}"[1:]
    build_id += f"-{uuid.uuid4().hex[:6]}"
    builds = data_dir / "corpus.builds"
    staging = builds / f".{build_id}.partial"
    final = builds / build_id
    staging.mkdir(parents=True)
    try:
        with duckdb.connect() as con:
            for name in SCHEMAS:
                write_partitioned(con, name, _arrow(name, rows[name]), staging)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    write_database(data_dir / "corpus.duckdb", final)
    link = data_dir / "corpus"
    tmp_link = data_dir / f".corpus-{build_id}"
    tmp_link.symlink_to(final.relative_to(data_dir))
    os.replace(tmp_link, link)
    _prune(builds, keep={final.name})
    return BuildSummary(build_id, final, {name: len(rows[name]) for name in SCHEMAS})


def _prune(builds: Path, keep: set[str]) -> None:
    """Drop older builds and leftovers of crashed ones (the newest previous build stays)."""
    done = sorted(p for p in builds.iterdir() if not p.name.startswith("."))
    for path in done[:-2]:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
    for path in builds.glob(".*.partial"):
        shutil.rmtree(path, ignore_errors=True)
