"""The corpus from Python: a read-only DuckDB connection, or a table as Arrow, pandas or polars.

    import archive
    con = archive.connect("budget-data")                # DuckDB, views: line_items, three_public …
    items = archive.load("line_items", province="51", year=2024)            # pyarrow.Table
    df = archive.load("three_public", year=[2023, 2024], format="pandas")

Amounts stay exact everywhere: Arrow `decimal128(20, 6)`, pandas columns of `ArrowDtype`
(decimal128) rather than float64, polars `Decimal(20, 6)`. Filters on `province` and `year` are
pushed down to the hive partitions, so a one-province-one-year load reads only that folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import duckdb

from archive.cli import default_data_dir
from archive import query

Format = Literal["arrow", "pandas", "polars"]


def connect(data_dir: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to `corpus.duckdb`, with every corpus and convenience view;
    `data_dir` defaults to `$BUDGET_CORPUS_DATA`, else `./budget-data` (as the command line),
    and may be an fsspec URL (`s3://bucket/prefix`: the corpus is read from object storage).

    Read-only, so a query never blocks a build (a new build swaps the files in; reconnect to
    see it) and can never alter the corpus.
    """
    return query.connect(data_dir if data_dir is not None else default_data_dir())


def views(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [name for (name,) in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()]


def load(table: str, province: str | Iterable[str] | None = None,
         year: int | Iterable[int] | None = None, *, columns: Iterable[str] | None = None,
         data_dir: Path | str | None = None, format: Format = "arrow") -> Any:
    """One corpus table or view, optionally narrowed to provinces (2-digit codes, e.g. "51")
    and fiscal years, as a pyarrow Table (default), a pandas or a polars DataFrame."""
    if format not in ("arrow", "pandas", "polars"):
        raise ValueError(f"format must be arrow, pandas or polars, not {format!r}")
    with connect(data_dir) as con:
        known = views(con)
        if table not in known:
            raise ValueError(f"no table or view {table!r}; there are: {', '.join(known)}")
        available = [name for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = 'main' "
            "ORDER BY ordinal_position", [table]).fetchall()]
        wanted = list(columns) if columns is not None else available
        unknown = [c for c in wanted if c not in available]
        if unknown:
            raise ValueError(f"{table} has no column {', '.join(unknown)}")
        where, params = [], []
        for column, values in (("province_code", _listed(province, str)),
                               ("fiscal_year", _listed(year, int))):
            if values is None:
                continue
            if column not in available:
                raise ValueError(f"{table} has no {column} to filter on")
            where.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params += values
        sql = f"SELECT {', '.join(_quoted(c) for c in wanted)} FROM {_quoted(table)}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        arrow = con.sql(sql, params=params).to_arrow_table()
    if format == "pandas":
        import pandas as pd

        return arrow.to_pandas(types_mapper=pd.ArrowDtype)
    if format == "polars":
        import polars as pl

        return pl.from_arrow(arrow)
    return arrow


def _listed(value: Any, kind: type) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, (str, int)):
        return [kind(value)]
    return [kind(v) for v in value]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
