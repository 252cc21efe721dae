"""Read-only access to the built corpus, and the output formats of `budget-corpus query`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb


class CorpusNotBuilt(FileNotFoundError):
    pass


def connect(data_dir: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection with the corpus views, so queries never block (or alter) a build."""
    db = Path(data_dir) / "corpus.duckdb"
    if not db.is_file():
        raise CorpusNotBuilt(f"no corpus at {db}: run `budget-corpus build` (or `demo`) first")
    return duckdb.connect(str(db), read_only=True)


def run_query(data_dir: Path | str, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with connect(data_dir) as con:
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description] if cur.description else []
        return columns, cur.fetchall()


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
