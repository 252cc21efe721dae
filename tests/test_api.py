"""The corpus from Python and from `query`/`sql`: read-only, partition-filtered, amounts exact."""

from __future__ import annotations

import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import archive
from archive.build import build_corpus
from archive.query import CorpusNotBuilt, small_shell
from tests.test_build import data_dir  # noqa: F401  (the fixture: documents in 51, 50 and 00)

AMOUNT = Decimal("938.991300")


@pytest.fixture
def built(data_dir: Path) -> Path:  # noqa: F811
    build_corpus(data_dir)
    return data_dir


def test_load_returns_arrow_with_exact_decimal_amounts(built: Path) -> None:
    table = archive.load("line_items", data_dir=built)
    assert table.schema.field("amount").type == pa.decimal128(20, 6)
    assert table.column("amount").to_pylist() == [AMOUNT] * 3


def test_load_filters_by_province_and_year(built: Path) -> None:
    table = archive.load("documents", province="51", year=2024, data_dir=built)
    assert table.select(["province_code", "fiscal_year"]).to_pylist() == [
        {"province_code": "51", "fiscal_year": 2024}]
    both = archive.load("documents", province=["50", "51"], year=[2023, 2024], data_dir=built)
    assert sorted(both.column("province_code").to_pylist()) == ["50", "51"]


def test_load_as_pandas_keeps_decimals_not_floats(built: Path) -> None:
    frame = archive.load("line_items", province="51", data_dir=built, format="pandas")
    assert str(frame["amount"].dtype) == "decimal128(20, 6)[pyarrow]"
    assert frame["amount"].iloc[0] == AMOUNT


def test_load_as_polars_keeps_decimals_not_floats(built: Path) -> None:
    pl = pytest.importorskip("polars")
    frame = archive.load("line_items", province="51", data_dir=built, format="polars")
    assert frame.schema["amount"] == pl.Decimal(20, 6)
    assert frame["amount"][0] == AMOUNT


def test_load_selects_columns_and_reads_convenience_views(built: Path) -> None:
    table = archive.load("expenditure_by_function", columns=["code", "total"], data_dir=built)
    assert table.to_pylist()[0] == {"code": "2080505", "total": AMOUNT}


@pytest.mark.parametrize("kwargs,message", [
    ({"table": "line_item"}, "no table or view 'line_item'"),
    ({"table": "line_items", "columns": ["amount; drop"]}, "has no column"),
])
def test_load_refuses_unknown_tables_and_columns(built: Path, kwargs: dict,
                                                 message: str) -> None:
    with pytest.raises(ValueError, match=message):
        archive.load(data_dir=built, **kwargs)


def test_load_reads_the_data_directory_from_the_environment(built: Path, monkeypatch) -> None:
    monkeypatch.setenv("BUDGET_CORPUS_DATA", str(built))
    assert archive.load("documents").num_rows == 3


def test_connect_is_read_only_and_has_the_views(built: Path) -> None:
    with archive.connect(built) as con:
        assert con.execute("select count(*) from three_public").fetchone() == (0,)
        with pytest.raises(duckdb.Error):
            con.execute("create table x (a int)")


def test_connect_without_a_corpus_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotBuilt, match="budget-corpus build"):
        archive.connect(tmp_path)


def test_query_writes_parquet_with_exact_amounts(built: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.parquet"
    out = subprocess.run([sys.executable, "-m", "archive.cli", "query", "--data-dir", str(built),
                          "--format", "parquet", "--output", str(target),
                          "select code, amount from line_items order by code"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    table = pq.read_table(target)
    assert table.schema.field("amount").type == pa.decimal128(20, 6) and table.num_rows == 3


def test_query_parquet_without_an_output_file_is_a_usage_error(built: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "archive.cli", "query", "--data-dir", str(built),
                          "--format", "parquet", "select 1"], capture_output=True, text=True)
    assert out.returncode == 2 and "--output" in out.stderr


def test_small_shell_runs_statements_across_lines(built: Path, capsys) -> None:
    from rich.console import Console

    script = io.StringIO(".tables\nselect count(*)\n  as n from documents;\n.quit\nselect 1;\n")
    assert small_shell(built, Console(stderr=True), script) == 0
    shown = capsys.readouterr().out
    assert "line_items" in shown and "three_public" in shown and " 3 " in shown
