"""`budget-corpus status` tells what a data directory holds, before and after a build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive.catalog import CatalogWriter
from archive.parse import failure_result
from archive.parse_cache import ParseCache
from archive.runs import logged_run
from archive.status import collect_status
from archive.store import RawStore
from parsing.schema import PARSER_VERSION
from tests.test_build import _result


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Two parsed documents (one failed), one not parsed yet, one challenged fetch, a run."""
    store, cache = RawStore(tmp_path), ParseCache(tmp_path, PARSER_VERSION)
    catalog = CatalogWriter(tmp_path, "run-1")
    for content, portal in ((b"%PDF ok", "sc"), (b"%PDF broken", "sc"), (b"%PDF new", "cq")):
        sha = store.put(content)
        catalog.append({"url": f"http://127.0.0.1/{sha}.pdf", "portal_id": portal,
                        "fetch_status": "ok", "sha256": sha, "title": content.decode()})
        if content == b"%PDF ok":
            cache.put(sha, _result(sha, fiscal_year=2024, region_code="510000"))
        elif content == b"%PDF broken":
            cache.put(sha, failure_result(sha, "parse exceeded the time limit of 300 s"))
    catalog.append({"url": "http://127.0.0.1/guarded.pdf", "portal_id": "cq",
                    "fetch_status": "challenged", "status_reason": "JavaScript challenge page"})
    catalog.close()
    with logged_run(tmp_path, "parse") as run:
        run.update(parsed=2)
    return tmp_path


def test_status_counts_documents_by_parse_status_including_not_parsed(data_dir: Path) -> None:
    status = collect_status(data_dir)
    assert status.documents == 3
    assert status.parse_statuses == {"failed": 1, "not parsed": 1, "ok": 1}
    assert status.fetches == {"ok": 3, "challenged": 1}


def test_status_lists_failed_documents_with_their_reasons(data_dir: Path) -> None:
    (failed,) = collect_status(data_dir).failed
    assert failed["status_reason"] == "parse exceeded the time limit of 300 s"
    assert failed["title"] == "%PDF broken" and failed["portal_id"] == "sc"


def test_status_lists_challenged_fetches_with_their_reasons(data_dir: Path) -> None:
    (challenged,) = collect_status(data_dir).challenged
    assert challenged["status_reason"] == "JavaScript challenge page"


def test_status_groups_documents_by_portal_province_and_year(data_dir: Path) -> None:
    status = collect_status(data_dir)
    assert {r["portal_id"]: r["documents"] for r in status.by_portal} == {"cq": 1, "sc": 2}
    ok_rows = [r for r in status.by_province_year if r["ok"]]
    assert ok_rows == [{"province_code": "51", "province": "四川省", "fiscal_year": 2024,
                        "documents": 1, "ok": 1}]


def test_status_shows_the_last_runs(data_dir: Path) -> None:
    (run,) = collect_status(data_dir).runs
    assert (run["command"], run["status"], run["parsed"]) == ("parse", "ok", 2)


def test_status_of_an_empty_directory_says_nothing_is_there(tmp_path: Path) -> None:
    status = collect_status(tmp_path)
    assert (status.documents, status.parse_statuses, status.corpus_build) == (0, {}, None)


def test_status_command_prints_json(data_dir: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "archive.cli", "status", "--data-dir",
                          str(data_dir), "--format", "json"], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout)["parse_statuses"]["failed"] == 1


def test_status_command_prints_tables(data_dir: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "archive.cli", "status", "--data-dir",
                          str(data_dir)], capture_output=True, text=True, check=True,
                         env={**os.environ, "COLUMNS": "200"})
    assert "failed documents (1)" in out.stdout and "time limit" in out.stdout
