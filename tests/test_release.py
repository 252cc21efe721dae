"""A release freezes a corpus build into a folder anyone can verify, load and cite."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from archive.build import PARTITIONS, SCHEMAS, build_corpus
from archive.catalog import CatalogWriter
from archive.dictionary import TABLES, VOCABULARIES, VOCABULARY_SOURCES
from archive.parse_cache import ParseCache
from archive.query import CorpusNotBuilt
from archive.release import InvalidVersion, ReleaseExists, release_corpus
from archive.store import RawStore
from archive.verify import verify_release
from parsing.schema import DOCUMENT_FIELDS, LINE_ITEM_FIELDS, PARSER_VERSION

HIVE = ds.partitioning(pa.schema(PARTITIONS), flavor="hive")


def parse_result(sha: str, region_code: str, year: int, department: str,
                 row_numbers: list[int]) -> dict:
    """What parsing a budget with one 合计 amount per listed body row gives."""
    document = {name: None for name in DOCUMENT_FIELDS}
    document.update(doc_id=sha, parse_status="ok", parser_version=PARSER_VERSION,
                    checks_passed=0, checks_total=0, region_code=region_code, fiscal_year=year,
                    department=department, doc_kind="budget")
    items = []
    for row_no in row_numbers:
        item = {name: None for name in LINE_ITEM_FIELDS}
        item.update(doc_id=sha, table_no=1, row_no=row_no, col=2, table_type="expenditure_summary",
                    classification="functional", code="2080505", code_level=3,
                    name="机关事业单位基本养老保险缴费支出", measure="total", measure_raw="合计",
                    amount="938.9913", amount_raw="9,389,913.00", page=3,
                    bbox=[1.0, 2.0, 3.0, 4.0])
        items.append(item)
    return {"document": document, "tables": [], "cells": [], "line_items": items, "checks": []}


def add_document(data_dir: Path, content: bytes, region_code: str, year: int, department: str,
                 row_numbers: tuple[int, ...] = (1,)) -> str:
    """Archive, catalogue and parse one document, as crawl and parse would."""
    sha = RawStore(data_dir).put(content)
    catalog = CatalogWriter(data_dir, "run-1")
    catalog.append({"url": f"http://127.0.0.1/{sha}.pdf", "portal_id": "demo",
                    "fetch_status": "ok", "sha256": sha, "title": f"{department}2024年部门预算"})
    catalog.close()
    ParseCache(data_dir, PARSER_VERSION).put(
        sha, parse_result(sha, region_code, year, department, list(row_numbers)))
    return sha


def reparse(data_dir: Path, sha: str, result: dict) -> None:
    """Replace a cached parse result (as a new parser version would)."""
    cache = ParseCache(data_dir, PARSER_VERSION)
    cache.path(sha).unlink()
    cache.put(sha, result)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    add_document(tmp_path, b"%PDF-1 a", "510000", 2024, "甲单位")
    add_document(tmp_path, b"%PDF-1 b", "500240", 2023, "乙单位")
    build_corpus(tmp_path)
    return tmp_path


@pytest.fixture
def release(data_dir: Path) -> Path:
    return release_corpus(data_dir, "2024.1")


def _parquet_files(release: Path) -> list[Path]:
    return sorted((release / "data").rglob("*.parquet"))


def test_release_of_a_build_verifies_ok(release: Path) -> None:
    report = verify_release(release)
    assert report.ok, report.problems
    assert release.name == "2024.1" and report.files_checked > len(_parquet_files(release))
    assert not list(release.parent.glob(".*partial"))


def test_release_outlives_the_build_it_was_copied_from(data_dir: Path, release: Path) -> None:
    for _ in range(3):  # builds are pruned: the released build's folder goes away
        build_corpus(data_dir)
    assert all(f.stat().st_nlink == 1 for f in _parquet_files(release))
    assert verify_release(release).ok


def test_verify_fails_on_a_flipped_byte_in_a_parquet_file(release: Path) -> None:
    target = next(f for f in _parquet_files(release) if "line_items" in f.parts)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    report = verify_release(release)
    rel = target.relative_to(release).as_posix()
    assert not report.ok
    assert any("hash mismatch" in p and rel in p and "SHA256SUMS" in p for p in report.problems)
    assert any("hash mismatch" in p and rel in p and "datapackage.json" in p
               for p in report.problems)


def test_verify_fails_on_a_deleted_file(release: Path) -> None:
    target = _parquet_files(release)[0]
    target.unlink()
    report = verify_release(release)
    assert not report.ok
    assert f"missing file: {target.relative_to(release).as_posix()}" in report.problems


def test_verify_fails_on_an_added_file(release: Path) -> None:
    (release / "notes.txt").write_text("not part of the release")
    report = verify_release(release)
    assert report.problems == ["unlisted file (not in SHA256SUMS): notes.txt"]


def test_releasing_an_existing_version_is_refused(data_dir: Path, release: Path) -> None:
    before = (release / "SHA256SUMS").read_bytes()
    with pytest.raises(ReleaseExists, match="2024.1 already exists"):
        release_corpus(data_dir, "2024.1")
    assert (release / "SHA256SUMS").read_bytes() == before
    assert verify_release(release).ok


def test_release_without_a_built_corpus_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotBuilt, match="budget-corpus build"):
        release_corpus(tmp_path, "1.0")


@pytest.mark.parametrize("version", ["a/b", "..", ".hidden", "", "1 0", "v" * 65])
def test_a_malformed_version_is_refused(data_dir: Path, version: str) -> None:
    with pytest.raises(InvalidVersion):
        release_corpus(data_dir, version)


def test_a_failed_release_leaves_nothing_behind(data_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> str:
        raise RuntimeError("disk full")
    monkeypatch.setattr("archive.release.citation_cff", fail)
    with pytest.raises(RuntimeError):
        release_corpus(data_dir, "1.0")
    assert list((data_dir / "releases").iterdir()) == []


def test_release_loads_in_duckdb_with_exact_decimal_amounts(release: Path) -> None:
    glob = (release / "data" / "line_items" / "*" / "*" / "*.parquet").as_posix()
    rows = duckdb.sql(
        f"SELECT province_code, fiscal_year, amount, typeof(amount) FROM read_parquet('{glob}', "
        "hive_partitioning = true, hive_types = {'province_code': 'VARCHAR', "
        "'fiscal_year': 'INTEGER'}) ORDER BY 1").fetchall()
    assert rows == [("50", 2023, Decimal("938.991300"), "DECIMAL(20,6)"),
                    ("51", 2024, Decimal("938.991300"), "DECIMAL(20,6)")]


def test_release_loads_in_pyarrow_dataset(release: Path) -> None:
    table = ds.dataset(release / "data" / "line_items", partitioning=HIVE).to_table()
    assert table.schema.field("amount").type == pa.decimal128(20, 6)
    assert sorted(table.column("province_code").to_pylist()) == ["50", "51"]


def test_release_loads_in_pandas_with_decimal_amounts(release: Path) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_parquet(release / "data" / "line_items", partitioning=HIVE,
                            dtype_backend="pyarrow")
    assert frame["amount"].dtype == pd.ArrowDtype(pa.decimal128(20, 6))
    assert set(frame["amount"]) == {Decimal("938.991300")}


def test_datapackage_gives_every_parquet_file_its_size_and_hash(release: Path) -> None:
    package = json.loads((release / "datapackage.json").read_text("utf-8"))
    assert package["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    described = []
    for resource in package["resources"]:
        whole = hashlib.sha256()
        for path, entry in zip(resource["path"], resource["files"], strict=True):
            data = (release / path).read_bytes()
            whole.update(data)
            assert entry == {"path": path, "bytes": len(data), "rows": entry["rows"],
                             "hash": "sha256:" + hashlib.sha256(data).hexdigest()}
            described.append(release / path)
        assert resource["hash"] == "sha256:" + whole.hexdigest()
        assert [f["name"] for f in resource["schema"]["fields"]] == SCHEMAS[resource["name"]].names
    assert sorted(described) == _parquet_files(release)


def test_amounts_are_numbers_noted_as_exact_decimals_with_a_fiscal_column_type(
        release: Path) -> None:
    package = json.loads((release / "datapackage.json").read_text("utf-8"))
    line_items = next(r for r in package["resources"] if r["name"] == "line_items")
    amount = next(f for f in line_items["schema"]["fields"] if f["name"] == "amount")
    assert amount["type"] == "number" and amount["columnType"] == "value"
    assert "DECIMAL(20,6)" in amount["description"]
    assert line_items["schema"]["primaryKey"] == ["doc_id", "table_no", "row_no", "col"]


def test_a_primary_key_the_data_breaks_is_not_declared(tmp_path: Path) -> None:
    add_document(tmp_path, b"%PDF-1 a", "510000", 2024, "甲单位", row_numbers=(1, 1))
    build_corpus(tmp_path)
    release = release_corpus(tmp_path, "1.0")
    package = json.loads((release / "datapackage.json").read_text("utf-8"))
    line_items = next(r for r in package["resources"] if r["name"] == "line_items")
    assert "primaryKey" not in line_items["schema"]
    assert "No primaryKey: 2 rows" in line_items["description"]
    assert "Primary key: none in this release: 2 rows" in (
        release / "DATA_DICTIONARY.md").read_text("utf-8")


def test_sha256sums_lists_every_file_but_itself(release: Path) -> None:
    listed = {line.split("  ", 1)[1]
              for line in (release / "SHA256SUMS").read_text("utf-8").splitlines()}
    present = {p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()}
    assert listed == present - {"SHA256SUMS"}
    assert {"datapackage.json", "DATA_DICTIONARY.md", "README.md", "CHANGES.md", "CITATION.cff",
            "provenance.json"} <= listed


def test_dataset_card_has_a_datasets_config_per_table_matching_its_files(release: Path) -> None:
    card = (release / "README.md").read_text("utf-8")
    front = card.split("---\n")[1]
    configs = re.findall(r'- config_name: (\w+)\n  data_files: "([^"]+)"', front)
    assert [name for name, _ in configs] == ["documents", "line_items"]  # tables with rows
    for name, pattern in configs:
        assert sorted(release.glob(pattern)) == sorted((release / "data" / name).rglob("*.parquet"))


def test_first_release_says_so_in_its_changes(release: Path) -> None:
    changes = (release / "CHANGES.md").read_text("utf-8")
    assert "First release" in changes
    assert "| 51 | 四川省 | 2024 | 1 | 1 | 938.9913 |" in changes


def test_changes_of_a_second_release_list_the_added_document(data_dir: Path,
                                                             release: Path) -> None:
    added = add_document(data_dir, b"%PDF-1 new", "510000", 2024, "丙单位")
    build_corpus(data_dir)
    changes = (release_corpus(data_dir, "2024.2") / "CHANGES.md").read_text("utf-8")
    assert "Compared with release 2024.1, documents added: 1, removed: 0, changed: 0" in changes
    added_section = changes.split("## Added documents")[1].split("## Removed documents")[0]
    assert f"`{added}` | 51 | 2024 | 丙单位 |" in added_section
    assert "| 51 | 四川省 | 2024 | 1 → 2 | 1 → 2 | 938.9913 → 1877.9826 | 938.9913 |" in changes


def test_changes_list_a_document_whose_rows_changed(data_dir: Path, release: Path) -> None:
    sha = hashlib.sha256(b"%PDF-1 a").hexdigest()
    reparse(data_dir, sha, parse_result(sha, "510000", 2024, "甲单位", [1, 2]))
    build_corpus(data_dir)
    changes = (release_corpus(data_dir, "2024.2") / "CHANGES.md").read_text("utf-8")
    changed = changes.split("## Changed documents")[1]
    assert f"`{sha}`" in changed and "line items 1 → 2" in changed


def test_provenance_records_versions_build_and_the_registry(data_dir: Path,
                                                            tmp_path: Path) -> None:
    registry = tmp_path / "portals.toml"
    registry.write_text('[[portal]]\nid = "demo"\n', encoding="utf-8")
    release = release_corpus(data_dir, "v1.0.0", registry=registry)
    provenance = json.loads((release / "provenance.json").read_text("utf-8"))
    assert (release / "registry.toml").read_bytes() == registry.read_bytes()
    assert provenance["registry"]["sha256"] == hashlib.sha256(registry.read_bytes()).hexdigest()
    assert provenance["parser_version"] == PARSER_VERSION
    assert provenance["build_id"] == (data_dir / "corpus").resolve().name
    assert provenance["code"]["distribution"] == "budget-corpus"
    assert provenance["license"]["data"] == "CC-BY-4.0"


def test_citation_is_cff_1_2_0_for_this_version(release: Path) -> None:
    cff = (release / "CITATION.cff").read_text("utf-8")
    assert cff.startswith("cff-version: 1.2.0\n")
    for key in ("message: ", "title: ", 'version: "2024.1"', "date-released: ", "authors:",
                "license: CC-BY-4.0", "type: dataset"):
        assert f"\n{key}" in cff


def test_every_corpus_column_is_described_in_the_dictionary() -> None:
    for name, schema in SCHEMAS.items():
        assert list(TABLES[name].columns) == schema.names
        assert set(TABLES[name].primary_key) <= set(schema.names)


def test_every_vocabulary_value_has_a_meaning() -> None:
    for vocab, values in VOCABULARY_SOURCES.items():
        assert list(VOCABULARIES[vocab]) == list(values), vocab


def test_data_dictionary_describes_every_column(release: Path) -> None:
    text = (release / "DATA_DICTIONARY.md").read_text("utf-8")
    for name, schema in SCHEMAS.items():
        section = text.split(f"## {name}\n")[1].split("\n## ")[0]
        for column in schema.names:
            assert f"| `{column}` |" in section, (name, column)


def test_release_copies_can_be_moved_and_still_verify(release: Path, tmp_path: Path) -> None:
    moved = shutil.copytree(release, tmp_path / "elsewhere" / "2024.1")
    assert verify_release(moved).ok


def test_a_release_holds_the_tables_not_the_builds_database(data_dir: Path, release: Path) -> None:
    assert (data_dir / "corpus" / "corpus.duckdb").is_file()  # the build's views live there
    assert not list(release.rglob("*.duckdb"))
