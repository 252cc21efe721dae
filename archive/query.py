"""Read-only access to the built corpus, and the output formats of `budget-corpus query`.

A data directory on object storage is read through its fsspec filesystem, registered with the
connection (archive.storage); its corpus.duckdb is a local file of views on the published build,
made on first use (archive.build.database).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import duckdb

from archive.storage import Location, location


class CorpusNotBuilt(FileNotFoundError):
    pass


# DuckDB's read-only mode keeps the database file unchanged, but COPY … TO, EXPORT DATABASE and
# ATTACH … (READ_WRITE) still write files (over a corpus Parquet file, even). Queries here may
# only read: SELECT (DESCRIBE, SHOW, SUMMARIZE, VALUES and FROM-first are SELECTs) and EXPLAIN.
READ_ONLY_STATEMENTS = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN})


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse SQL holding any statement that could write, before any of it runs."""
    for statement in con.extract_statements(sql):
        if statement.type not in READ_ONLY_STATEMENTS:
            raise duckdb.PermissionException(
                f"the corpus is read-only: only SELECT and EXPLAIN run here, not {statement.type.name}")


def database(data_dir: Location | Path | str) -> Path:
    """The corpus.duckdb to open: the data directory's own, or, for one on object storage,
    the local one of its published build."""
    loc = location(data_dir)
    if loc.is_local:
        db = loc.database_path()
    else:
        build_id = loc.current_build()
        if build_id is None:
            raise CorpusNotBuilt(f"no corpus at {loc}: run `budget-corpus build` first")
        from archive.build import database as build_database

        return build_database(loc, build_id)
    if not db.is_file():
        raise CorpusNotBuilt(f"no corpus at {db}: run `budget-corpus build` (or `demo`) first")
    return db


def connect(data_dir: Location | Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection with the corpus views, so queries never block (or alter) a build.

    Parquet footers are cached for the connection's life: a one-province query then opens no
    file it has seen before, which is what keeps small queries on many partitions fast.
    """
    con = duckdb.connect(str(database(data_dir)), read_only=True)
    location(data_dir).register(con, reading=True)
    con.execute("SET parquet_metadata_cache = true")
    return con


def run_query(data_dir: Path | str, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with connect(data_dir) as con:
        check_read_only(con, sql)
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description] if cur.description else []
        return columns, cur.fetchall()


def query_to_parquet(data_dir: Path | str, sql: str, output: Path) -> int:
    """The result of `sql` as one zstd Parquet file (streamed by DuckDB, amounts still
    DECIMAL); return the number of rows written."""
    statement = sql.strip().rstrip(";")
    target = str(output).replace("'", "''")
    with connect(data_dir) as con:
        check_read_only(con, statement)
        (rows,) = con.execute(f"COPY ({statement}) TO '{target}' "
                              "(FORMAT parquet, COMPRESSION zstd)").fetchone()
    return int(rows)


def interactive_shell(data_dir: Path | str, console: Any,
                      stdin: TextIO | None = None) -> int:
    """`budget-corpus sql`: the duckdb shell, read-only on corpus.duckdb, if it is installed;
    otherwise a small one of our own (statements end with `;`, `.tables`, `.quit`)."""
    db = database(data_dir)
    shell = shutil.which("duckdb")
    if shell and stdin is None and location(data_dir).is_local:  # the shell has no s3fs
        return subprocess.call([shell, "-readonly", str(db)])
    return small_shell(data_dir, console, stdin or sys.stdin)


def small_shell(data_dir: Path | str, console: Any, stdin: TextIO) -> int:
    from rich.console import Console

    out = Console()
    interactive = stdin.isatty()
    if interactive:
        console.print("budget-corpus SQL (read-only). End statements with ';'. "
                      "`.tables` lists the views, `.quit` leaves.")
    buffer: list[str] = []
    with connect(data_dir) as con:
        while True:
            if interactive:
                console.print("sql> " if not buffer else "...> ", end="")
            line = stdin.readline()
            if not line:
                break
            command = line.strip()
            if not buffer and command in (".quit", ".exit"):
                break
            if not buffer and command == ".tables":
                names = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal "
                                    "ORDER BY 1").fetchall()
                out.print("  ".join(name for (name,) in names))
                continue
            buffer.append(line)
            if not command.endswith(";"):
                continue
            statement, buffer = "".join(buffer), []
            try:
                check_read_only(con, statement)
                cur = con.execute(statement)
                columns = [d[0] for d in cur.description] if cur.description else []
                out.print(to_rich_table(columns, cur.fetchall()))
            except duckdb.Error as exc:
                console.print(f"[red]error:[/] {exc}")
    return 0


def _plain(value: Any) -> Any:
    """Exact text for decimals and dates; JSON-native for the rest."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_csv(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else _plain(v) for v in row])
    return out.getvalue()


def to_json_lines(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    return "".join(
        json.dumps({c: _plain(v) for c, v in zip(columns, row)}, ensure_ascii=False) + "\n"
        for row in rows)


def to_rich_table(columns: list[str], rows: list[tuple[Any, ...]], title: str | None = None):
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for i, col in enumerate(columns):
        numeric = any(isinstance(r[i], (int, float, Decimal)) for r in rows[:50])
        table.add_column(col, justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else _display(v) for v in row))
    return table


def _display(value: Any) -> str:
    """For people: 6775.000000 reads as 6775.00; every significant digit is still shown."""
    if isinstance(value, Decimal):
        shown = value.normalize()
        if shown.as_tuple().exponent > -2:
            shown = value.quantize(Decimal("0.01"))
        return format(shown, "f")
    return str(_plain(value))
