"""The build stage: parse cache + fetch catalog → hive-partitioned Parquet corpus + DuckDB views.

Every build is written into a new folder `corpus.builds/<build_id>/`, partitioned
`<table>/province_code=XX/fiscal_year=YYYY/*.parquet`, with its own `corpus.duckdb` (the views
on that folder, the small tables stored in it: STORED_TABLES); `corpus` is a symlink swapped to
it in one atomic rename once it is complete, and `<data_dir>/corpus.duckdb` is a fixed symlink
to `corpus/corpus.duckdb`. One rename publishes both, so a reader never sees a half-built
corpus, nor a database naming another build than the folder (a kill between two publishing
steps could leave them apart). One build at a time per
data directory (a lock in `corpus.builds/`): a second one waits for the first to finish.

On object storage (archive.storage) there is no rename: the build is written in a local staging
folder, uploaded whole under its own new id, and only then published by the pointer object
`corpus.current`; readers follow the pointer, so they see the old build or the new one, never a
part. `corpus.duckdb` (views and the small tables) stays on local disk, one per build
(`Location.database_path`).

No row passes through Python objects: DuckDB reads the parse cache itself — the entries'
metadata (documents, tables, checks) in one pass, merged with the fetch catalog in SQL,
and the line items and cells straight from the entries' Parquet rows, partition by partition,
cast to exact decimals and sorted — which is what lets a build keep up with a national year of
line items (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from archive.catalog import read_catalog
from archive.parse_cache import ParseCache
from archive.runs import runs_view
from archive.storage import Location, location
from parsing.regions import PROVINCES, UNKNOWN_PROVINCE
from parsing.schema import DOCUMENT_FIELDS, PARSER_VERSION

log = logging.getLogger(__name__)
AMOUNT = pa.decimal128(20, 6)
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
        ("checks_total", pa.int32()), ("container_id", pa.string()), ("member_path", pa.string()),
        *PARTITIONS,
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
        ("col", pa.int32()), ("table_type", pa.string()), ("classification", pa.string()),
        ("code", pa.string()),
        ("code_level", pa.int8()), ("name", pa.string()), ("unit_code", pa.string()),
        ("unit_name", pa.string()), ("measure", pa.string()), ("measure_raw", pa.string()),
        ("amount", AMOUNT), ("amount_raw", pa.string()), ("page", pa.int32()), ("bbox", BBOX),
        *PARTITIONS,
    ]),
    "checks": pa.schema([
        ("doc_id", pa.string()), ("name", pa.string()), ("scope", pa.string()),
        ("expected", AMOUNT), ("actual", AMOUNT), ("passed", pa.bool_()), *PARTITIONS,
    ]),
    "facts": pa.schema([
        ("doc_id", pa.string()), ("fact_no", pa.int32()), ("name", pa.string()),
        ("label", pa.string()), ("value", AMOUNT), ("unit", pa.string()),
        ("sentence", pa.string()), ("page", pa.int32()), *PARTITIONS,
    ]),
}
# Inside each (province_code, fiscal_year) partition, rows are ordered by the kind of table
# first — what nearly every research query filters on — so row groups carry tight min/max
# statistics for it and a query reads only its tables' row groups; then by document, in printed
# order. Sorting line items by measure and code as well cost 15 % more build CPU at 100 million
# line items (and serialised part of the build) to make queries that filter on them faster that
# were already well under a second (benchmarks/RESULTS.md).
SORT_KEYS = {
    "documents": "doc_kind, department, doc_id",
    "tables": "table_type, doc_id, table_no",
    "cells": "doc_id, table_no, \"row\", col",
    "line_items": "table_type, doc_id, table_no, row_no",
    "checks": "name, doc_id, scope",
    "facts": "name, doc_id, fact_no",
}
PARTITION_NAMES = [name for name, _ in PARTITIONS]
# Line items and cells as the build hands them to the Parquet writer (doc_id: see
# write_entry_rows).
ENTRY_ROWS_WRITTEN = {name: SCHEMAS[name].set(
    0, pa.field("doc_id", pa.dictionary(pa.int32(), pa.string())))
    for name in ("line_items", "cells")}
JSON_PARTS = [name for name in SCHEMAS if name not in ("documents", "line_items")]
LINE_ITEM_ROW_GROUP = 122_880  # DuckDB's own: small enough for min/max pruning within a partition
# Columns of repeated values worth a dictionary; amounts, printed amounts and boxes are nearly
# all distinct, and trying a dictionary on them cost a third of the write time.
DICTIONARY_COLUMNS = ["doc_id", "table_type", "classification", "code", "name", "unit_code",
                      "unit_name", "measure", "measure_raw", "province_code"]

# Views beyond the base tables: what researchers ask for most, spelled once. Each restricts
# line_items by table_type before anything else, so the sorted row groups are skipped unread.
_DOCUMENT_COLUMNS = ("d.doc_id, d.department, d.unit_code, d.scope, d.province_code, "
                     "d.province, d.region_code, d.admin_level, d.fiscal_year, d.doc_kind")


def _first_column(measure: str, alias: str | None = None) -> str:
    """The amount of `measure` in the leftmost column that has it (决算 tables repeat measures
    under 预算数 and 决算数; the first is what the table leads with)."""
    return (f"arg_min(li.amount, coalesce(li.col, li.row_no)) FILTER (WHERE li.measure = "
            f"'{measure}') AS {alias or measure}")


CONVENIENCE_VIEWS = {
    # One row per document with a “三公” table: its total row (合计/总计, else the first row) of
    # the first such table, the four parts, and whether the parts add up to the total.
    "three_public": f"""
        WITH tp AS (SELECT * FROM line_items WHERE table_type = 'three_public'),
        first_table AS (SELECT doc_id, min(table_no) AS table_no FROM tp GROUP BY doc_id),
        total_row AS (
            SELECT tp.doc_id, tp.table_no,
                   coalesce(min(tp.row_no) FILTER (WHERE tp.name IN ('合计', '总计')),
                            min(tp.row_no)) AS row_no
            FROM tp JOIN first_table USING (doc_id, table_no) GROUP BY ALL),
        amounts AS (
            SELECT li.doc_id, li.table_no, li.row_no, min(li.page) AS page,
                   {_first_column('total')}, {_first_column('overseas_travel')},
                   {_first_column('vehicle_total')}, {_first_column('vehicle_purchase')},
                   {_first_column('vehicle_operation')}, {_first_column('reception')}
            FROM tp li JOIN total_row USING (doc_id, table_no, row_no) GROUP BY ALL)
        SELECT {_DOCUMENT_COLUMNS}, a.total, a.overseas_travel,
               coalesce(a.vehicle_total, a.vehicle_purchase + a.vehicle_operation)
                   AS vehicle_total,
               a.vehicle_purchase, a.vehicle_operation, a.reception,
               a.total = coalesce(a.overseas_travel, 0) + coalesce(a.reception, 0)
                   + coalesce(a.vehicle_total, coalesce(a.vehicle_purchase, 0)
                              + coalesce(a.vehicle_operation, 0)) AS parts_add_up,
               a.table_no, a.row_no, a.page
        FROM amounts a JOIN documents d USING (doc_id)""",
    # One row per functional classification code of each document's 支出总表: total, basic
    # (基本支出) and project (项目支出) side by side, where the row is printed.
    "expenditure_by_function": f"""
        WITH ef AS (SELECT * FROM line_items WHERE table_type = 'expenditure_summary'
                    AND classification = 'functional' AND code IS NOT NULL)
        SELECT {_DOCUMENT_COLUMNS}, li.code, li.code_level, any_value(li.name) AS name,
               any_value(li.unit_name) AS unit_name, {_first_column('total')},
               {_first_column('basic')}, {_first_column('project')},
               li.table_no, li.row_no, min(li.page) AS page
        FROM ef li JOIN documents d USING (doc_id)
        GROUP BY ALL""",
}


@dataclass
class BuildSummary:
    build_id: str
    corpus_dir: Path | str  # a URL when the data directory is on object storage
    rows: dict[str, int]
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step, in order


FETCH_COLUMNS = {  # what the fetch catalog can tell about a document, as the merge reads it
    "sha256": pa.string(), "url": pa.string(), "final_url": pa.string(),
    "portal_id": pa.string(), "title": pa.string(), "link_text": pa.string(),
    "publish_date": pa.string(), "region_code": pa.string(), "fiscal_year": pa.int32(),
    "department": pa.string(), "doc_kind": pa.string(),
}


def provenance(data_dir: Location | Path | str) -> pa.Table:
    """The first successful fetch of each stored document: where it came from."""
    first: dict[str, dict[str, Any]] = {}
    for row in read_catalog(data_dir):
        if row.get("fetch_status") == "ok" and row.get("sha256"):
            first.setdefault(row["sha256"], row)
    columns: dict[str, list[Any]] = {name: [] for name in FETCH_COLUMNS}
    for row in first.values():
        for name in FETCH_COLUMNS:
            value = row.get(name)
            if name == "fiscal_year":
                value = _year(value)
            elif value is not None:
                value = str(value)
            columns[name].append(value)
    return pa.table(columns, schema=pa.schema(list(FETCH_COLUMNS.items())))


def _year(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _given(column: str) -> str:
    """A value the text or the portal gave: NULL when absent or blank (as Python's `or`)."""
    return f"nullif({column}, '')"


_REGION_OK = "regexp_full_match(region_code, '[0-9]{6}')"
# What the text says wins; where it is silent, what the portal said fills in. The region code
# then gives the province and the level (as parsing.regions.province_code and admin_level do).
MERGE_DOCUMENTS_SQL = f"""
WITH RECURSIVE parsed AS (SELECT unnest(r.document) FROM results),
-- A zip's member is a document of its own (container_id, member_path) that was never fetched:
-- it comes from where its outermost container was fetched.
roots(doc_id, root) AS (
    SELECT doc_id, doc_id FROM parsed WHERE container_id IS NULL
    UNION ALL
    SELECT parsed.doc_id, roots.root FROM parsed JOIN roots ON parsed.container_id = roots.doc_id),
fetched AS (SELECT doc_id, min(root) AS root FROM roots GROUP BY doc_id),
given AS (
    SELECT d.* REPLACE (
        coalesce({_given('d.source_url')}, {_given('f.final_url')}, {_given('f.url')})
            AS source_url,
        coalesce({_given('d.portal_id')}, {_given('f.portal_id')}) AS portal_id,
        coalesce({_given('d.title')}, {_given('f.title')}, {_given('f.link_text')}) AS title,
        coalesce({_given('d.publish_date')}, {_given('f.publish_date')}) AS publish_date,
        coalesce({_given('d.region_code')}, {_given('f.region_code')}) AS region_code,
        coalesce(nullif(d.fiscal_year, 0), nullif(f.fiscal_year, 0), 0) AS fiscal_year,
        coalesce({_given('d.department')}, {_given('f.department')}) AS department,
        CASE WHEN coalesce(d.doc_kind, 'other') = 'other'
                  AND coalesce(f.doc_kind, 'other') <> 'other' THEN f.doc_kind
             ELSE d.doc_kind END AS doc_kind)
    FROM parsed d JOIN fetched USING (doc_id) JOIN fetches f ON f.sha256 = fetched.root),
placed AS (
    SELECT * REPLACE (
        coalesce({_given('province_code')},
                 CASE WHEN {_REGION_OK} AND left(region_code, 2) IN (SELECT code FROM provinces)
                      THEN left(region_code, 2) END, '{UNKNOWN_PROVINCE}') AS province_code,
        coalesce({_given('admin_level')},
                 CASE WHEN NOT {_REGION_OK} THEN NULL
                      WHEN region_code LIKE '%0000' THEN 'province'
                      WHEN region_code LIKE '%00' THEN 'prefecture'
                      ELSE 'county' END) AS admin_level,
        TRY_CAST(left(publish_date, 10) AS DATE) AS publish_date)
    FROM given)
SELECT placed.* REPLACE (coalesce({_given('placed.province')}, provinces.name) AS province)
FROM placed LEFT JOIN provinces ON provinces.code = placed.province_code"""


def duckdb_type(kind: pa.DataType) -> str:
    """The DuckDB spelling of a corpus column type."""
    if pa.types.is_list(kind):
        return duckdb_type(kind.value_type) + "[]"
    if pa.types.is_decimal(kind):
        return f"DECIMAL({kind.precision}, {kind.scale})"
    return {pa.string(): "VARCHAR", pa.int8(): "TINYINT", pa.int16(): "SMALLINT",
            pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.float64(): "DOUBLE",
            pa.bool_(): "BOOLEAN", pa.date32(): "DATE"}[kind]


def _json_structure() -> str:
    """What DuckDB's from_json reads of a cache entry's metadata: the contract, typed (amounts
    and dates as the text the parser printed). Every corpus table but the line items (the
    entry's own rows) is a list there; `document` is one object."""
    def struct(table: str, names: list[str]) -> dict[str, str]:
        types = SCHEMAS[table]
        out = {}
        for name in names:
            kind = types.field(name).type
            text = pa.types.is_decimal(kind) or pa.types.is_date(kind)
            out[name] = "VARCHAR" if text else duckdb_type(kind)
        return out

    structure: dict[str, Any] = {"document": struct("documents", DOCUMENT_FIELDS)}
    for name in JSON_PARTS:
        structure[name] = [struct(name, [f for f in SCHEMAS[name].names
                                         if f not in PARTITION_NAMES])]
    return json.dumps(structure)


def load_results(con: duckdb.DuckDBPyConnection, cache: ParseCache) -> None:
    """Temp table `results`: every entry's document, tables, (older entries') cells and checks,
    parsed once."""
    cache.load_metadata(con, _json_structure(), "results")


def merge_documents(con: duckdb.DuckDBPyConnection, data_dir: Location | Path | str) -> None:
    """Temp table `documents_merged`: one row per document fetched and parsed, as the corpus
    has it; `parts` is its (doc_id → partition) map for the other tables."""
    con.register("fetches", provenance(data_dir))
    con.register("provinces", pa.table({"code": list(PROVINCES),
                                        "name": list(PROVINCES.values())}))
    columns = ", ".join(f'CAST("{f.name}" AS {duckdb_type(f.type)}) AS "{f.name}"'
                        for f in SCHEMAS["documents"])
    con.execute(f"CREATE TEMP TABLE documents_merged AS SELECT {columns} "
                f"FROM ({MERGE_DOCUMENTS_SQL})")
    con.execute("CREATE TEMP TABLE parts AS SELECT doc_id, province_code, fiscal_year "
                "FROM documents_merged")


def _typed_columns(name: str, row: str, partition: dict[str, str]) -> str:
    """The select list of one corpus table: every column cast to its corpus type."""
    columns = []
    for column in SCHEMAS[name]:
        if column.name in partition:
            columns.append(f'{partition[column.name]} AS "{column.name}"')
        else:
            columns.append(f'CAST({row}."{column.name}" AS {duckdb_type(column.type)}) '
                           f'AS "{column.name}"')
    return ", ".join(columns)


def json_rows_sql(name: str) -> str:
    """The rows of a table kept in the entries' metadata (`results`), with their partition."""
    columns = _typed_columns(name, "x.item", {"doc_id": "p.doc_id",
                                               "province_code": "p.province_code",
                                               "fiscal_year": "p.fiscal_year"})
    return (f"SELECT {columns} FROM (SELECT r.document.doc_id AS doc_id, unnest(r.{name}) "
            "AS item FROM results) x JOIN parts p ON p.doc_id = x.doc_id")


def write_entry_rows(con: duckdb.DuckDBPyConnection, name: str, cache: ParseCache,
                     target: Path) -> int:
    """The line items or the cells (the rows of the entries' Parquet files), one (province,
    fiscal year) partition at a time: its documents' files read by DuckDB (cast to the corpus
    types, the partition values as constants, no join), then sorted and written by pyarrow in
    a second thread while DuckDB reads the next.

    Why not one `COPY … PARTITION_BY … ORDER BY`: that sorts the whole corpus at once (spilling
    tens of GB at national scale), and DuckDB's partitioned writer was the slowest step of the
    build. Why pyarrow sorts: DuckDB's ORDER BY moves every wide row through its sort; pyarrow
    sorts only the key columns into a permutation and gathers each column once, a third of
    the CPU (benchmarks/RESULTS.md).

    The doc_id of a row is the file it was read from (the cache refuses an entry whose rows
    name another document): DuckDB gives the file's index in the partition's list, and the
    64-character ids are never copied per row, only referenced by a dictionary column.
    """
    if name == "cells":  # only documents with printed cells have a cells file
        having = cache.with_cells()
        url = cache.cells_url
    else:
        having, url = None, cache.url
    groups = con.execute("SELECT province_code, fiscal_year, list(doc_id ORDER BY doc_id) "
                         "FROM parts GROUP BY ALL ORDER BY ALL").fetchall()
    columns_of = _typed_columns(name, "x", {"doc_id": "CAST(x.file_index AS INTEGER)",
                                            "province_code": "CAST(? AS VARCHAR)",
                                            "fiscal_year": "CAST(? AS INTEGER)"})
    written = 0
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future | None = None
        for province, year, doc_ids in groups:
            if having is not None:
                doc_ids = [doc_id for doc_id in doc_ids if doc_id in having]
                if not doc_ids:
                    continue
            table = con.sql(f"SELECT {columns_of} FROM read_parquet(?) x",
                            params=[province, int(year), [url(d) for d in doc_ids]]
                            ).to_arrow_table()
            if pending is not None:
                written += pending.result()
            folder = target / name / f"province_code={province}" / f"fiscal_year={year}"
            pending = writer.submit(_write_sorted, name, table, doc_ids,
                                    folder / "entries_0.parquet")
        if pending is not None:
            written += pending.result()
    return written


def _sort_keys(name: str) -> list[tuple[str, str]]:
    return [(key.strip().strip('"'), "ascending") for key in SORT_KEYS[name].split(",")]


def _ranks(column: pa.ChunkedArray) -> pa.Array:
    """Each value's rank in ascending order (nulls last): a cheap sort key for strings of
    few distinct values."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    ranks = pc.rank(encoded.dictionary, sort_keys="ascending", tiebreaker="first")
    return pc.take(ranks, encoded.indices)


def _write_sorted(name: str, table: pa.Table, doc_ids: list[str], path: Path) -> int:
    """One partition's rows in SORT_KEYS order, as one zstd file; `table.doc_id` holds
    indexes into the sorted `doc_ids`, so it is its own sort key, and other text keys sort by
    rank. The sort is stable: rows that tie keep the order they were read in."""
    index = table.column("doc_id").combine_chunks()
    keys = {}
    for key, _ in _sort_keys(name):
        column = index if key == "doc_id" else table.column(key)
        keys[key] = _ranks(column) if pa.types.is_string(column.type) else column
    order = pc.sort_indices(pa.table(keys), sort_keys=_sort_keys(name))
    doc_id = pa.DictionaryArray.from_arrays(index, pa.array(doc_ids, pa.string()))
    table = table.set_column(table.schema.get_field_index("doc_id"), "doc_id", doc_id)
    return _write_file(table.cast(ENTRY_ROWS_WRITTEN[name]).take(order), path)


def _write_file(table: pa.Table, path: Path) -> int:
    """Rows as one zstd file. The Arrow schema is not stored: it would make doc_id a
    dictionary column for pyarrow and pandas readers, where the Parquet says a plain string."""
    if table.num_rows:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, compression="zstd", row_group_size=LINE_ITEM_ROW_GROUP,
                       use_dictionary=[c for c in DICTIONARY_COLUMNS if c in table.column_names],
                       store_schema=False)
    return table.num_rows


def _sql_str(text: str | Path) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def write_partitioned(con: duckdb.DuckDBPyConnection, name: str, select: str | None,
                      target: Path, placeholder: bool = True) -> int:
    """One corpus table (but for older entries' cells, none of the entries' own rows) as
    hive-partitioned, zstd Parquet, sorted for the common filters, by DuckDB's `COPY …
    PARTITION_BY`; with no `select`, only the empty placeholder that keeps an empty table
    queryable.

    The partition columns are also written inside the files, so readers that ignore folder
    names (Hugging Face `datasets`, a single file handed to a colleague) still see them.
    """
    out = target / name
    count = 0
    if select is not None:
        (count,) = con.execute(
            f"COPY ({select} ORDER BY province_code, fiscal_year, {SORT_KEYS[name]}) "
            f"TO {_sql_str(out)} (FORMAT parquet, PARTITION_BY (province_code, fiscal_year), "
            "COMPRESSION zstd, WRITE_PARTITION_COLUMNS true)").fetchone()
    if count == 0 and placeholder:
        # Keep the table queryable with its columns: one empty file in the unknown partition.
        empty = out / f"province_code={UNKNOWN_PROVINCE}" / "fiscal_year=0"
        empty.mkdir(parents=True, exist_ok=True)
        pq.write_table(SCHEMAS[name].empty_table(), empty / "empty.parquet")
    return int(count)


def parquet_sql(name: str, corpus_dir: Path | str) -> str:
    """A SELECT of one corpus table's partitioned Parquet files."""
    root = corpus_dir.as_posix() if isinstance(corpus_dir, Path) else corpus_dir
    glob = f"{root}/{name}/*/*/*.parquet"
    return (f"SELECT * FROM read_parquet({_sql_str(glob)}, hive_partitioning = true, "
            "hive_types = {'province_code': 'VARCHAR', 'fiscal_year': 'INTEGER'})")


# Tables of one row per document, table or check are also stored in corpus.duckdb itself. Read
# from their Parquet they cost every query a file per partition (155 for a national corpus, a
# few hundred rows each): listing and opening them made a count of documents by status 8× and
# one of failed checks 4× slower than from one unpartitioned file. Stored, they are faster than
# that file (benchmarks/RESULTS.md). The copies are made from this build's own files when its
# database is written, so they are published with them; the Parquet stays the corpus of record
# (releases copy it). Line items and cells, nearly all of the rows, are read where they lie.
STORED_TABLES = ("documents", "tables", "checks", "facts")


def table_sql(name: str, corpus_dir: Path | str) -> list[str]:
    """The statements that declare one corpus table in corpus.duckdb: a view on its Parquet,
    or, for the small tables, a stored copy (schema `stored`) and a view of the same name."""
    if name not in STORED_TABLES:
        return [f"CREATE OR REPLACE VIEW {name} AS {parquet_sql(name, corpus_dir)}"]
    order = f"ORDER BY province_code, fiscal_year, {SORT_KEYS[name]}"
    return [f"CREATE TABLE stored.{name} AS {parquet_sql(name, corpus_dir)} {order}",
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM stored.{name}"]


def write_database(db_path: Path, corpus_dir: Path | str,
                   extra_views: dict[str, str] | None = None) -> None:
    """corpus.duckdb with a view per table (the small ones stored), built aside and renamed
    into place."""
    fd, tmp = tempfile.mkstemp(dir=db_path.parent, prefix=".corpus-", suffix=".duckdb")
    os.close(fd)
    os.unlink(tmp)  # DuckDB wants to create the file itself
    try:
        # The views bind now: on object storage, through the filesystem that reads builds.
        with location(corpus_dir).register(duckdb.connect(tmp), reading=True) as con:
            con.execute("CREATE SCHEMA stored")
            for name in SCHEMAS:
                for statement in table_sql(name, corpus_dir):
                    con.execute(statement)
            for name, sql in {**CONVENIENCE_VIEWS, **(extra_views or {})}.items():
                con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
            con.execute("CHECKPOINT")
        os.replace(tmp, db_path)
    finally:
        Path(tmp).unlink(missing_ok=True)
        Path(tmp + ".wal").unlink(missing_ok=True)


def new_build_id() -> str:
    now = time.time()
    build_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{now % 1:.6f}"[1:]
    return build_id + f"-{uuid.uuid4().hex[:6]}"


def build_corpus(data_dir: Location | Path | str, parser_version: str = PARSER_VERSION,
                 threads: int | None = None, memory_limit: str | None = None) -> BuildSummary:
    """Assemble the corpus from the parse cache and swap it in; return what was built.

    Waits while another build of the same data directory runs (its lock); `run` holds a lock
    of its own around crawl + parse + build, never this one first, so the two cannot deadlock.
    """
    started = time.monotonic()
    loc = location(data_dir)
    if loc.local is not None:
        loc = Location(loc.local.resolve())
    builds = loc.cache_dir() / ("corpus.builds" if loc.is_local else "staging")
    builds.mkdir(parents=True, exist_ok=True)
    with exclusive_build(builds):
        return _build(loc, builds, parser_version, threads, memory_limit, started)


@contextmanager
def exclusive_build(builds: Path) -> Iterator[None]:
    """One build at a time (an flock on `<builds>/.lock`, released by the kernel if the build
    dies): whatever a build finds in `builds` that it did not write is then a dead build's."""
    with open(builds / ".lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another build of %s is running: waiting for it to finish",
                        builds.parent)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _build(loc: Location, builds: Path, parser_version: str, threads: int | None,
           memory_limit: str | None, started: float) -> BuildSummary:
    cache = ParseCache(loc, parser_version)
    build_id = new_build_id()
    staging = builds / f".{build_id}.partial"
    staging.mkdir()
    rows: dict[str, int] = {}
    steps: dict[str, float] = {}
    clock = time.monotonic()

    def step(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        steps[name] = round(now - clock, 3)
        clock = now

    try:
        with loc.register(duckdb.connect()) as con:
            con.execute(f"SET temp_directory = {_sql_str(staging / '.spill')}")
            if threads:
                con.execute(f"SET threads = {int(threads)}")
            if memory_limit:
                con.execute(f"SET memory_limit = {_sql_str(memory_limit)}")
            con.execute("SET preserve_insertion_order = false")  # ORDER BY still holds
            parsed = cache.has_entries()
            if parsed:
                load_results(con, cache)
                step("read parse results")
                merge_documents(con, loc)
                step("merge documents with the catalog")
            for name in SCHEMAS:
                if not parsed:
                    rows[name] = write_partitioned(con, name, None, staging)
                elif name in ENTRY_ROWS_WRITTEN:
                    # Entries written before cells had files of their own keep them in the JSON.
                    legacy = (write_partitioned(con, name, json_rows_sql(name), staging,
                                                placeholder=False) if name == "cells" else 0)
                    rows[name] = legacy + write_entry_rows(con, name, cache, staging)
                    if not rows[name]:
                        write_partitioned(con, name, None, staging)
                else:
                    select = ("SELECT * FROM documents_merged" if name == "documents"
                              else json_rows_sql(name))
                    rows[name] = write_partitioned(con, name, select, staging)
                step(f"write {name}")
        shutil.rmtree(staging / ".spill", ignore_errors=True)
        if loc.is_local:
            final: Path | str = builds / build_id
            staging.rename(final)
        else:
            loc.upload(staging, "corpus.builds", build_id)
            final = loc.path("corpus.builds", build_id)
            step("upload")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if not loc.is_local:
            loc.remove("corpus.builds", build_id)
        raise
    previous = loc.current_build()  # kept: a reader connected before the swap still reads it
    if isinstance(final, Path):
        # Views with the build's own absolute paths; unpublished until the link names it.
        write_database(final / DATABASE, final, runs_view(loc))
        tmp_link = loc.local / f"{TEMPORARY_PREFIX}{build_id}"
        tmp_link.symlink_to(final.relative_to(loc.local))
        os.replace(tmp_link, loc.local / "corpus")
        _link_database(loc.local, build_id)
        _prune(loc.local, builds, keep={final.name, previous})
    else:
        shutil.rmtree(staging, ignore_errors=True)
        loc.publish(build_id)
        database(loc, build_id)
        _prune_remote(loc, build_id, keep={build_id, previous})
    step("swap in and prune")
    return BuildSummary(build_id, final, {name: rows[name] for name in SCHEMAS},
                        time.monotonic() - started, steps)


DATABASE = "corpus.duckdb"
TEMPORARY_PREFIX = ".corpus-"  # what a build writes in the data directory before renaming it


def _link_database(data_dir: Path, build_id: str) -> None:
    """Make `corpus.duckdb` the fixed link to the published build's database, once (a data
    directory built before databases lived in the build folder has a plain file there; until
    this rename it still names the previous build, which stays whole)."""
    link = data_dir / DATABASE
    target = Path("corpus") / DATABASE
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return
    tmp_link = data_dir / f"{TEMPORARY_PREFIX}{build_id}.duckdb"
    tmp_link.symlink_to(target)
    os.replace(tmp_link, link)


def database(loc: Location, build_id: str) -> Path:
    """The local corpus.duckdb of a build on object storage, written on first use: views on
    the build's URLs, so any machine can query a published build without having built it."""
    path = loc.database_path(build_id)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_database(path, loc.path("corpus.builds", build_id), runs_view(loc))
    return path


def _prune_remote(loc: Location, build_id: str, keep: set[str | None]) -> None:
    """As `_prune`, on object storage: every build but the one just published and the one
    published before it (a reader connected before the swap still reads it) goes, and so do
    their local databases. Builds named after this one are left alone: another machine (which
    this machine's lock does not stop) may still be uploading one."""
    done = sorted(key.rsplit("/", 1)[-1] for key in loc.fs.ls(loc.key("corpus.builds"),
                                                              detail=False))
    kept = {name for name in done if name in keep or name > build_id}
    for name in done:
        if name not in kept:
            loc.remove("corpus.builds", name)
    for path in loc.database_path(build_id).parent.glob("[!.]*.duckdb"):  # not one being written
        if path.stem not in kept:
            path.unlink(missing_ok=True)


def _prune(data_dir: Path, builds: Path, keep: set[str | None]) -> None:
    """Drop every build but those in `keep` (the published one and the one before it), and
    what killed builds left: staging folders, temporary links and databases. The build lock is
    held, so none of these belongs to a build still running."""
    for path in builds.iterdir():
        if path.name.startswith("."):
            if path.name.endswith(".partial"):
                shutil.rmtree(path, ignore_errors=True)
        elif path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
    for path in data_dir.glob(f"{TEMPORARY_PREFIX}*"):
        path.unlink(missing_ok=True)
