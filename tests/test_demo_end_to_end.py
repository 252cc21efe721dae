"""The whole pipeline on the demo portal: Scrapy over real HTTP → archive → parse → build → DuckDB."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from archive.build import build_corpus
from archive.catalog import read_catalog
from archive.demo.corpus import demo_documents
from archive.demo.portal import DemoPortal
from archive.demo.run import SAMPLE_QUERIES
from archive.parse import parse_archive
from archive.query import run_query
from archive.store import RawStore, sha256_hex
from crawler.run import run_crawl


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    data_dir = tmp_path_factory.mktemp("demo-data")
    documents = demo_documents()
    with DemoPortal(documents) as portal:
        registry = data_dir / "portals.toml"
        portal.write_registry(registry)
        run_crawl(registry, data_dir)
    parse_archive(data_dir, workers=2)
    build_corpus(data_dir)
    return data_dir, documents


def _by_kind(documents: list, kind: str) -> list:
    return [d for d in documents if d.kind == kind]


def test_every_budget_pdf_on_the_portal_is_archived_once(demo) -> None:
    data_dir, documents = demo
    store = RawStore(data_dir)
    wanted = _by_kind(documents, "budget") + _by_kind(documents, "final_accounts")
    assert all(store.has(sha256_hex(d.data)) for d in wanted)
    _, rows = run_query(data_dir, "select count(*), count(distinct doc_id) from documents")
    assert rows == [(len(wanted), len(wanted))]


def test_the_final_accounts_document_is_archived_as_final_accounts(demo) -> None:
    data_dir, documents = demo
    (final,) = _by_kind(documents, "final_accounts")
    _, rows = run_query(data_dir, "select doc_kind from documents where doc_id = "
                                  f"'{sha256_hex(final.data)}'")
    assert rows == [("final_accounts",)]


def test_a_notice_attachment_is_never_archived(demo) -> None:
    data_dir, documents = demo
    notices = _by_kind(documents, "notice")
    assert notices
    fetched = {row["sha256"] for row in read_catalog(data_dir)}
    assert not any(sha256_hex(d.data) in fetched for d in notices if d.data)


def test_corpus_has_a_partition_per_province_and_year(demo) -> None:
    data_dir, documents = demo
    wanted = {(d.expected["province_code"], int(d.expected["fiscal_year"]))
              for d in documents if d.kind != "notice"}
    _, rows = run_query(data_dir, "select distinct province_code, fiscal_year from line_items")
    assert set(rows) == wanted
    assert len({p for p, _ in wanted}) >= 3 and len({y for _, y in wanted}) >= 2


@pytest.mark.parametrize("key,total", [("seed-000", "10665.25"), ("seed-004", "190.98")])
def test_seed_headline_total_is_in_line_items(demo, key: str, total: str) -> None:
    data_dir, documents = demo
    (doc,) = [d for d in documents if d.key == key]
    _, rows = run_query(data_dir, "select count(*) from line_items where doc_id = "
                                  f"'{sha256_hex(doc.data)}' and amount = {total}")
    assert rows[0][0] >= 1


def test_every_demo_document_parses_ok(demo) -> None:
    data_dir, _ = demo
    _, rows = run_query(data_dir, "select parse_status, count(*) from documents group by all")
    assert dict(rows) == {"ok": sum(n for _, n in rows)}


def test_query_command_answers_a_nonzero_line_item_count(demo) -> None:
    data_dir, _ = demo
    out = subprocess.run([sys.executable, "-m", "archive.cli", "query", "--data-dir",
                          str(data_dir), "--format", "json", "select count(*) as n from line_items"],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["n"] > 0


def test_three_public_view_has_one_row_per_budget_with_exact_amounts(demo) -> None:
    data_dir, _ = demo
    _, rows = run_query(data_dir, "select typeof(total), count(*) = count(distinct doc_id) "
                                  "from three_public group by all")
    assert rows and all(t == "DECIMAL(20,6)" and unique for t, unique in rows)
    _, amounts = run_query(data_dir, "select total from three_public where total is not null")
    assert all(isinstance(a, Decimal) for (a,) in amounts)


@pytest.mark.parametrize("title", list(SAMPLE_QUERIES))
def test_each_sample_query_of_the_demo_answers(demo, title: str) -> None:
    data_dir, _ = demo
    columns, rows = run_query(data_dir, SAMPLE_QUERIES[title])
    assert columns and rows


def test_narrative_facts_keep_the_sentence_they_came_from(demo) -> None:
    data_dir, documents = demo
    (seed,) = [d for d in documents if d.key == "seed-004"]
    _, rows = run_query(data_dir, "select value, unit, sentence from facts where doc_id = "
                                  f"'{sha256_hex(seed.data)}' and name = 'staff_actual'")
    assert rows == [(Decimal("7"), "人", rows[0][2])] and "实有人员7人" in rows[0][2]
