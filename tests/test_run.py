"""`budget-corpus run`: crawl + parse + build in one, with a run log the corpus can query."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from archive.demo.corpus import demo_documents
from archive.demo.portal import DemoPortal
from archive.query import run_query
from archive.runs import Run, RunInProgress, exclusive, logged_run, read_runs, run_pipeline


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """A small portal crawled twice: the second run finds nothing new."""
    data_dir = tmp_path_factory.mktemp("run-data")
    documents = [d for d in demo_documents() if d.key in ("seed-004", "notice-2024-aqscy")]
    with DemoPortal(documents) as portal:
        registry = portal.write_registry(data_dir / "portals.toml")
        first = run_pipeline(registry, data_dir, workers=1)
        second = run_pipeline(registry, data_dir, workers=1)
    return data_dir, first, second


def test_a_run_records_what_it_fetched_parsed_and_built(two_runs) -> None:
    _, first, _ = two_runs
    assert first["status"] == "ok" and first["command"] == "run"
    assert first["documents_fetched"] == 1 and first["new_documents"] == 1
    assert first["parsed"] == 1 and first["parse_statuses"] == {"ok": 1}
    assert first["build_id"] and first["built_rows"]["documents"] == 1


def test_a_run_with_nothing_new_keeps_the_corpus(two_runs) -> None:
    data_dir, first, second = two_runs
    assert second["status"] == "ok" and second["new_documents"] == 0
    assert (second["parsed"], second["already_parsed"]) == (0, 1)
    assert second.get("build_id") is None
    assert (data_dir / "corpus").resolve().name == first["build_id"]


def test_the_runs_view_lists_every_run_newest_first(two_runs) -> None:
    data_dir, first, second = two_runs
    _, rows = run_query(data_dir, "select run_id, status, parse_statuses['ok'] from runs")
    assert [r[0] for r in rows] == [second["run_id"], first["run_id"]]
    assert rows[1][1:] == ("ok", 1)


def test_a_failing_stage_is_logged_as_failed_with_its_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), logged_run(tmp_path, "build") as run:
        run.update(parsed=3)
        raise RuntimeError("disk full")
    (record,) = read_runs(tmp_path)
    assert (record["status"], record["parsed"]) == ("failed", 3)
    assert record["error"] == "RuntimeError: disk full" and record["finished_at"]


def test_an_unfinished_run_reads_as_running(tmp_path: Path) -> None:
    Run(tmp_path, "run")
    assert [r["status"] for r in read_runs(tmp_path)] == ["running"]


def test_a_second_run_on_the_same_data_directory_is_refused(tmp_path: Path) -> None:
    with exclusive(tmp_path), pytest.raises(RunInProgress):
        with exclusive(tmp_path):
            pass


def test_run_command_exits_75_while_another_run_holds_the_directory(tmp_path: Path) -> None:
    registry = tmp_path / "portals.toml"
    registry.write_text('[[portal]]\nid = "a"\nname = "甲"\nregion_code = "510000"\n'
                        'family = "trs"\nstart_urls = ["http://127.0.0.1:9/index.html"]\n'
                        'allowed_domains = ["127.0.0.1"]\n', encoding="utf-8")
    with exclusive(tmp_path):
        out = subprocess.run([sys.executable, "-m", "archive.cli", "run", "--portals",
                              str(registry), "--data-dir", str(tmp_path)],
                             capture_output=True, text=True)
    assert out.returncode == 75 and "another run is in progress" in out.stderr
