"""Parse cache: one file per (parser version, raw document), written once.

`parse-cache/<parser_version>/ab/<sha256>.parquet` is a Parquet table of the document's line
items (the `parse-file --json` contract's `line_items`, one row each, amounts kept as the exact
decimal strings the parser printed), and the rest of the parse result (`document`, `tables`,
`checks`) as the contract's JSON in the file's key-value metadata. The printed cells (several
per line item) are the rows of a file of their own, `parse-cache/<parser_version>/cells/ab/
<sha256>.parquet`, for documents that have any; entries written before that keep their cells
in the JSON, and `get` and the build read both.

Why this shape: line items and cells are nearly all of the rows, and the build reads every
entry of the archive. Flat Parquet columns let DuckDB read 100 million of them straight into
the corpus, with no Python objects and no nested unnesting, and a narrow footer keeps the cost
of opening one small file per document low (cells in the JSON made the build 3× slower with
1.7 cells per line item, and would not have fitted in memory at national scale;
benchmarks/RESULTS.md: gzipped JSON was ~25× slower, nested Parquet ~4×). `get` still returns
the contract's dict.

A new parser version parses into a new folder, so an old result is never mixed with a new one
and re-parsing needs no new crawl.
"""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from archive.storage import Location, location
from parsing import schema
from parsing.schema import (CELL_FIELDS, CHECK_FIELDS, DOCUMENT_FIELDS, LINE_ITEM_FIELDS,
                            TABLE_FIELDS)

SUFFIX = ".parquet"
RESULT_KEY = "budget_corpus.parse_result"  # key-value metadata: all but line items and grids
GRIDS_KEY = "budget_corpus.table_grids"  # each table's header and rows as printed, in order
AMOUNT_DECIMALS = 6
CORE_PARTS = ("document", "tables", "cells", "line_items", "checks")  # always in a result
PART_FIELDS = {"document": DOCUMENT_FIELDS, "tables": TABLE_FIELDS, "cells": CELL_FIELDS,
               "line_items": LINE_ITEM_FIELDS, "checks": CHECK_FIELDS}
if hasattr(schema, "FACT_FIELDS"):  # narrative facts: checked once the schema names them
    PART_FIELDS["facts"] = schema.FACT_FIELDS
TABLE_GRID = ("header", "rows")  # the table as printed, kept in the cache for `get`
CELLS = "cells"  # parse-cache/<version>/cells/ab/<sha256>.parquet: an entry's printed cells
METADATA_SHARDS = 16


class ContractError(ValueError):
    """A parse result that does not keep the parse-result contract (unknown field, bad type)."""


@cache
def line_item_schema() -> pa.Schema:
    """Line items as the contract has them: corpus column types, amounts as printed text.

    Derived from `archive.build.SCHEMAS` (imported here, not at module level, because the build
    reads this cache), so a column added to the corpus is a column of the cache too.
    """
    from archive.build import SCHEMAS

    fields = []
    for name in LINE_ITEM_FIELDS:
        kind = SCHEMAS["line_items"].field(name).type
        fields.append(pa.field(name, pa.string() if pa.types.is_decimal(kind) else kind))
    return pa.schema(fields)


@cache
def cell_schema() -> pa.Schema:
    """Printed cells as the contract has them (the corpus types, no partition columns)."""
    from archive.build import SCHEMAS

    return pa.schema([SCHEMAS["cells"].field(name) for name in CELL_FIELDS])


def amount_fields(part: str) -> list[str]:
    """The fields of a result part that hold amounts (decimal strings in 万元)."""
    from archive.build import SCHEMAS

    table = "documents" if part == "document" else part
    if table not in SCHEMAS:  # a part the corpus does not hold (yet): amounts unchecked
        return []
    return [f.name for f in SCHEMAS[table] if pa.types.is_decimal(f.type)
            and f.name in PART_FIELDS[part]]


def check_contract(result: dict[str, Any]) -> None:
    """Refuse what the cache would silently drop or round: unknown fields of a known part,
    inexact amounts, rows that name another document. Parts the cache does not know (the
    parser may add some, e.g. `members` of a zip) are kept as they are, unchecked."""
    document = result.get("document") or {}
    doc_id = document.get("doc_id")
    if not doc_id:
        raise ContractError("the parse result has no document.doc_id")
    for part, names in PART_FIELDS.items():
        allowed = set(names) | (set(TABLE_GRID) if part == "tables" else set())
        amounts = amount_fields(part)
        rows = [document] if part == "document" else result.get(part) or []
        for row in rows:
            extra = set(row) - allowed
            if extra:
                raise ContractError(f"unknown fields in {part}: {sorted(extra)}")
            if row.get("doc_id") != doc_id:
                raise ContractError(f"a row of {part} has doc_id {row.get('doc_id')!r}, "
                                    f"not the document's {doc_id!r}")
            for name in amounts:
                _check_amount(part, name, row.get(name))


def _check_amount(part: str, name: str, value: Any) -> None:
    if value is None:
        return
    try:
        exact = Decimal(str(value))
    except InvalidOperation:
        raise ContractError(f"{part}.{name} is not a decimal: {value!r}") from None
    if not exact.is_finite() or exact.as_tuple().exponent < -AMOUNT_DECIMALS:
        raise ContractError(f"{part}.{name} {value!r} has more than {AMOUNT_DECIMALS} "
                            "decimal places (amounts are exact in 万元)")


def result_table(result: dict[str, Any]) -> pa.Table:
    """One parse result as a cache entry; ContractError if it breaks the contract."""
    check_contract(result)
    tables = result.get("tables") or []
    rest = {part: result.get(part) or [] for part in CORE_PARTS}
    rest.update((part, value) for part, value in result.items() if part not in CORE_PARTS)
    del rest["line_items"], rest["cells"]  # rows of their own (cells_table)
    rest["document"] = result.get("document")
    rest["tables"] = [{k: v for k, v in t.items() if k not in TABLE_GRID} for t in tables]
    grids = [{k: t[k] for k in TABLE_GRID if k in t} for t in tables]
    try:
        table = pa.Table.from_pylist(result.get("line_items") or [], schema=line_item_schema())
        metadata = {RESULT_KEY: json.dumps(rest, ensure_ascii=False, allow_nan=False),
                    GRIDS_KEY: json.dumps(grids, ensure_ascii=False, allow_nan=False)}
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError) as exc:
        raise ContractError(f"the parse result does not fit the contract's types: {exc}") from None
    return table.replace_schema_metadata(metadata)


def cells_table(result: dict[str, Any]) -> pa.Table:
    """A parse result's printed cells as the rows of the entry's cells file."""
    try:
        return pa.Table.from_pylist(result.get("cells") or [], schema=cell_schema())
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError) as exc:
        raise ContractError(f"the parse result's cells do not fit the contract's types: {exc}"
                            ) from None


def result_from_table(table: pa.Table, cells: pa.Table | None = None) -> dict[str, Any]:
    """The contract's dict back from a cache entry and its cells file (none: no cells).
    Entries written before cells had files of their own keep them in the JSON."""
    metadata = table.schema.metadata
    rest = json.loads(metadata[RESULT_KEY.encode()])
    grids = json.loads(metadata[GRIDS_KEY.encode()])
    rest["tables"] = [{**t, **grid} for t, grid in zip(rest["tables"], grids, strict=True)]
    printed = rest.pop("cells", None)
    if printed is None:
        printed = cells.to_pylist() if cells is not None else []
    return {"document": rest.pop("document"), "tables": rest.pop("tables"),
            "cells": printed, "line_items": table.to_pylist(),
            "checks": rest.pop("checks"), **rest}


def _entry_bytes(table: pa.Table) -> bytes:
    """A cache file: snappy, and no ARROW:schema copy in the footer (the types are the Parquet
    ones): for files this small, zstd's per-page setup and a big footer cost more to open than
    their bytes cost to read."""
    out = io.BytesIO()
    with pq.ParquetWriter(out, table.schema, compression="snappy", store_schema=False) as writer:
        writer.write_table(table)
        writer.add_key_value_metadata(table.schema.metadata or {})
    return out.getvalue()


class ParseCache:
    """The parse cache of one data directory (a local folder or an fsspec URL)."""

    def __init__(self, data_dir: Location | Path | str, parser_version: str):
        self.parser_version = parser_version
        self.location = location(data_dir)
        self.root = self.location.path("parse-cache", parser_version)

    def path(self, sha256: str) -> Path | str:
        """A Path locally, a URL on object storage."""
        return self.location.path("parse-cache", self.parser_version, sha256[:2],
                                  f"{sha256}{SUFFIX}")

    def url(self, sha256: str) -> str:
        """An entry as DuckDB reads it (a POSIX path or a URL)."""
        return _posix(self.path(sha256))

    @property
    def glob(self) -> str:
        """Every entry, as a glob DuckDB and pyarrow read."""
        return f"{_posix(self.root)}/*/*{SUFFIX}"

    def shard_globs(self, parts: int) -> list[str]:
        """Every entry, as `parts` disjoint globs (by the first hex digit of the sha256, so
        about even), for readers that go through files one at a time: a power of two ≤ 16."""
        digits = "0123456789abcdef"
        step = 16 // min(16, 1 << (max(1, parts).bit_length() - 1))
        return [f"{_posix(self.root)}/[{digits[i]}-{digits[i + step - 1]}]?/*{SUFFIX}"
                for i in range(0, 16, step)]

    def load_metadata(self, con: Any, structure: str, table: str) -> None:
        """Temp table `table` of one column `r`: every entry's JSON metadata (all but line items
        and cells) parsed by DuckDB's from_json into `structure`.

        `parquet_kv_metadata` opens its files one after another on one thread, so the entries
        are read in shards, as many at once as the connection has threads, each on a cursor of
        its own (cursors share the database's tables, not temp ones). Each shard's JSON is
        stored, parsed and dropped before the next: from_json fed straight by
        parquet_kv_metadata ran out of memory at 100 million line items, and holding every
        entry's JSON at once (~5 KB each) made the step's time depend on how much memory the
        machine could hand over (8–21 s, benchmarks/RESULTS.md).
        """
        (threads,) = con.execute("SELECT current_setting('threads')").fetchone()
        shards = self.shard_globs(METADATA_SHARDS)
        parsed = _sql_str(structure)

        def read(shard: int) -> None:
            glob = _sql_str(shards[shard])
            with con.cursor() as cursor:
                (found,) = cursor.execute(f"SELECT count(*) > 0 FROM glob({glob})").fetchone()
                source = (f"SELECT decode(value) AS j FROM parquet_kv_metadata({glob}) "
                          f"WHERE key = {_sql_str(RESULT_KEY)}::BLOB" if found
                          else "SELECT NULL::VARCHAR AS j WHERE false")  # no entry here
                cursor.execute(f"CREATE TEMP TABLE shard_json AS {source}")
                cursor.execute(f"CREATE TABLE {table}_{shard} AS "
                               f"SELECT from_json(j, {parsed}) AS r FROM shard_json")

        with ThreadPoolExecutor(max_workers=int(threads)) as pool:
            list(pool.map(read, range(len(shards))))
        con.execute(f"CREATE TEMP TABLE {table} AS " + " UNION ALL ".join(
            f"SELECT r FROM {table}_{shard}" for shard in range(len(shards))))
        for shard in range(len(shards)):
            con.execute(f"DROP TABLE {table}_{shard}")

    def has(self, sha256: str) -> bool:
        return self.location.is_file(self.path(sha256))

    def cells_path(self, sha256: str) -> Path | str:
        """An entry's cells file: a tree of its own, so no glob of entries matches it."""
        return self.location.path("parse-cache", self.parser_version, CELLS, sha256[:2],
                                  f"{sha256}{SUFFIX}")

    def cells_url(self, sha256: str) -> str:
        return _posix(self.cells_path(sha256))

    def with_cells(self) -> set[str]:
        """The sha256 of every entry that has a cells file (one listing)."""
        paths = self.location.glob("parse-cache", self.parser_version, CELLS, "*", f"*{SUFFIX}")
        return {str(path).rsplit("/", 1)[-1].removesuffix(SUFFIX) for path in paths}

    def _read(self, path: Path | str) -> pa.Table:
        if isinstance(path, Path):
            return pq.read_table(path)
        return pq.read_table(pa.BufferReader(self.location.read_bytes(path)))

    def get(self, sha256: str) -> dict[str, Any]:
        """The parse result as the contract's dict (JSON-ready)."""
        table = self._read(self.path(sha256))
        cells_path = self.cells_path(sha256)
        cells = self._read(cells_path) if self.location.is_file(cells_path) else None
        return result_from_table(table, cells)

    def put(self, sha256: str, result: dict[str, Any]) -> Path | str:
        """Write a result once (whole or not at all); an existing entry is kept."""
        target = self.path(sha256)
        if self.location.is_file(target):
            return target
        return self.write_table(sha256, result_table(result), cells_table(result))

    def replace(self, sha256: str, result: dict[str, Any]) -> Path | str:
        """Overwrite an entry: only for `--retry-failed`, where the old one records a failure."""
        return self.write_table(sha256, result_table(result), cells_table(result))

    def write_table(self, sha256: str, table: pa.Table,
                    cells: pa.Table | None = None) -> Path | str:
        """Write one entry already in the cache's format (the benchmark generator uses this).

        The cells file (if there are cells) is written first: the entry itself is what says a
        document is parsed, so a crash between the two leaves an unparsed document, never a
        parsed one without its cells. A cells file left by such a crash is overwritten."""
        cells_target = self.cells_path(sha256)
        if cells is not None and cells.num_rows:
            self.location.write_bytes(cells_target, _entry_bytes(cells))
        elif self.location.is_file(cells_target):  # a replaced result had cells; this has none
            self.location.remove_file(cells_target)
        target = self.path(sha256)
        self.location.write_bytes(target, _entry_bytes(table))
        return target

    def entry_paths(self) -> list[Path | str]:
        return self.location.glob("parse-cache", self.parser_version, "*", f"*{SUFFIX}")

    def entries(self) -> Iterator[str]:
        """The sha256 of every cached document."""
        for path in self.entry_paths():
            yield str(path).rsplit("/", 1)[-1].removesuffix(SUFFIX)

    def has_entries(self) -> bool:
        if isinstance(self.root, Path):
            return any(True for _ in self.root.glob(f"*/*{SUFFIX}"))
        return bool(self.entry_paths())


def document_statuses(cache: ParseCache) -> list[tuple[str, str, str | None]]:
    """(doc_id, parse_status, status_reason) of every entry, read from the entries' metadata
    by DuckDB (no Python pass over the files)."""
    import duckdb

    if not cache.has_entries():
        return []
    structure = ('{"document": {"doc_id": "VARCHAR", "parse_status": "VARCHAR", '
                 '"status_reason": "VARCHAR"}}')
    with cache.location.register(duckdb.connect()) as con:
        cache.load_metadata(con, structure, "statuses")
        return con.execute("SELECT d.doc_id, d.parse_status, d.status_reason FROM "
                           "(SELECT r.document AS d FROM statuses) ORDER BY d.doc_id").fetchall()


def _posix(path: Path | str) -> str:
    """A path as DuckDB and globs take it: POSIX locally, the URL as it is remotely."""
    return path.as_posix() if isinstance(path, Path) else path


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
