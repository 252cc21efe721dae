"""The command line keeps DESIGN.md's contract: exit codes, output formats, defaults."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archive.cli", *args], capture_output=True,
                          text=True, cwd=cwd)


def test_parse_file_on_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    out = _cli("parse-file", str(tmp_path / "nope.pdf"), "--json")
    assert out.returncode == 2
    assert "no such file" in out.stderr and out.stdout == ""


def test_parse_file_on_a_non_pdf_prints_one_json_object_with_its_status(tmp_path: Path) -> None:
    path = tmp_path / "error.pdf"
    path.write_text("<html><body>404 页面不存在</body></html>", encoding="utf-8")
    out = _cli("parse-file", str(path), "--json")
    assert out.returncode == 0
    doc = json.loads(out.stdout)["document"]
    assert doc["parse_status"] in ("unsupported", "failed") and doc["status_reason"]


def test_parse_file_on_an_empty_file_prints_its_status(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    out = _cli("parse-file", str(path), "--json")
    assert out.returncode == 0
    assert json.loads(out.stdout)["document"]["parse_status"] in ("unsupported", "failed")


def test_query_without_a_corpus_says_how_to_build_one(tmp_path: Path) -> None:
    out = _cli("query", "--data-dir", str(tmp_path), "select 1")
    assert out.returncode == 1
    assert "budget-corpus build" in out.stderr


def test_data_dir_defaults_to_the_environment_variable(tmp_path: Path, monkeypatch) -> None:
    from archive.cli import default_data_dir

    monkeypatch.setenv("BUDGET_CORPUS_DATA", str(tmp_path / "x"))
    assert default_data_dir() == tmp_path / "x"


def test_crawl_with_an_unknown_portal_id_is_a_usage_error(tmp_path: Path) -> None:
    registry = tmp_path / "portals.toml"
    registry.write_text('[[portal]]\nid = "a"\nname = "甲"\nregion_code = "510000"\n'
                        'family = "trs"\nstart_urls = ["http://127.0.0.1:9/index.html"]\n'
                        'allowed_domains = ["127.0.0.1"]\n', encoding="utf-8")
    out = _cli("crawl", "--portals", str(registry), "--portal", "b", "--data-dir", str(tmp_path))
    assert out.returncode == 2 and "no portal with id b" in out.stderr


def test_portals_check_passes_the_shipped_registry() -> None:
    out = _cli("portals", "check", str(Path(__file__).parents[1] / "crawler" / "portals.toml"))
    assert out.returncode == 0 and "ok" in out.stderr


def test_portals_check_lists_each_problem_and_fails(tmp_path: Path) -> None:
    registry = tmp_path / "portals.toml"
    registry.write_text('[[portal]]\nid = "a"\nname = "甲"\nregion_code = "99"\n'
                        'family = "nope"\nstart_urls = ["http://127.0.0.1:9/"]\n'
                        'allowed_domains = ["127.0.0.1"]\n', encoding="utf-8")
    out = _cli("portals", "check", str(registry))
    assert out.returncode == 1 and "region" in out.stderr and "nope" in out.stderr


def test_replay_of_something_never_archived_exits_1(tmp_path: Path) -> None:
    out = _cli("replay", "--data-dir", str(tmp_path), "ab" * 32)
    assert out.returncode == 1 and "not archived" in out.stderr
