"""The parse stage: a pool where every document runs in a child under time and memory limits.

Hostile documents are exercised with a parse function injected through `parse_archive(parse=…)`
(the test hook), never by altering what the real parser returns.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from archive import parse as stage
from archive.catalog import CatalogWriter
from archive.parse import Limits, parse_archive
from archive.parse_cache import ParseCache
from archive.store import RawStore
from parsing.schema import PARSER_VERSION
from tests.parse_results import parse_result

LIMITS = Limits(timeout_s=2, memory_bytes=8 * 1024**3)


def benign_parse(data: bytes, name: str) -> dict:
    """A valid parse result with one line item, whatever the bytes."""
    return parse_result(name, [{"row_no": 1, "measure": "total", "amount": "1.5"}],
                        fiscal_year=2024, region_code="510000")


def hostile_parse(data: bytes, name: str) -> dict:
    """Hangs, exhausts memory, dies or breaks the contract, as the bytes ask."""
    if data.startswith(b"HANG"):
        time.sleep(3600)
    if data.startswith(b"MEMORY"):
        hog = bytearray(1 << 40)  # 1 TiB: over any address-space limit
        return {"never": len(hog)}
    if data.startswith(b"KILL"):
        os.kill(os.getpid(), signal.SIGKILL)
    if data.startswith(b"BAD"):
        result = benign_parse(data, name)
        result["line_items"][0]["amount"] = "1.1234567"  # 7 places: not exact in the corpus
        return result
    return benign_parse(data, name)


def archive_documents(data_dir: Path, *contents: bytes) -> list[str]:
    store, catalog = RawStore(data_dir), CatalogWriter(data_dir, "run-1")
    shas = []
    for content in contents:
        sha = store.put(content)
        catalog.append({"url": f"http://127.0.0.1/{sha}.pdf", "fetch_status": "ok",
                        "sha256": sha})
        shas.append(sha)
    catalog.close()
    return shas


def status_of(data_dir: Path, sha: str) -> tuple[str, str | None]:
    document = ParseCache(data_dir, PARSER_VERSION).get(sha)["document"]
    return document["parse_status"], document["status_reason"]


def test_a_hanging_document_is_killed_and_recorded_and_the_others_parse(tmp_path: Path) -> None:
    ok1, hung, ok2 = archive_documents(tmp_path, b"ok 1", b"HANG", b"ok 2")
    started = time.monotonic()
    summary = parse_archive(tmp_path, workers=2, limits=LIMITS, parse=hostile_parse)
    assert time.monotonic() - started < 30
    assert dict(summary.statuses) == {"ok": 2, "failed": 1}
    assert "time limit of 2 s" in summary.failures[hung]
    assert status_of(tmp_path, hung)[0] == "failed"
    assert status_of(tmp_path, ok1)[0] == status_of(tmp_path, ok2)[0] == "ok"


def test_a_document_exhausting_memory_fails_with_the_memory_limit(tmp_path: Path) -> None:
    (boom,) = archive_documents(tmp_path, b"MEMORY")
    summary = parse_archive(tmp_path, workers=1, limits=LIMITS, parse=hostile_parse)
    assert "memory limit of 8192 MiB" in summary.failures[boom]


def test_a_killed_parser_process_is_recorded_and_the_pool_lives_on(tmp_path: Path) -> None:
    killed, *rest = archive_documents(tmp_path, b"KILL", b"ok 1", b"ok 2", b"ok 3")
    summary = parse_archive(tmp_path, workers=2, limits=LIMITS, parse=hostile_parse)
    assert "killed by SIGKILL" in summary.failures[killed]
    assert [status_of(tmp_path, sha)[0] for sha in rest] == ["ok", "ok", "ok"]


def test_a_result_that_breaks_the_contract_is_recorded_as_failed(tmp_path: Path) -> None:
    (bad,) = archive_documents(tmp_path, b"BAD")
    parse_archive(tmp_path, workers=1, limits=LIMITS, parse=hostile_parse)
    status, reason = status_of(tmp_path, bad)
    assert status == "failed" and "more than 6 decimal places" in reason


def test_a_second_run_parses_nothing_already_cached(tmp_path: Path) -> None:
    archive_documents(tmp_path, b"a", b"b")
    parse_archive(tmp_path, workers=1, limits=LIMITS, parse=benign_parse)
    again = parse_archive(tmp_path, workers=1, limits=LIMITS, parse=hostile_parse)
    assert (again.parsed, again.cached) == (0, 2)


def test_a_new_parser_version_parses_everything_into_its_own_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive_documents(tmp_path, b"a", b"b")
    parse_archive(tmp_path, workers=1, limits=LIMITS, parse=benign_parse)
    monkeypatch.setattr(stage, "PARSER_VERSION", "99.0.0")
    summary = parse_archive(tmp_path, workers=1, limits=LIMITS, parse=benign_parse)
    assert (summary.parsed, summary.cached) == (2, 0)
    assert len(list(ParseCache(tmp_path, "99.0.0").entries())) == 2
    assert len(list(ParseCache(tmp_path, PARSER_VERSION).entries())) == 2


def test_retry_failed_reparses_only_the_failed_documents(tmp_path: Path) -> None:
    ok, hung = archive_documents(tmp_path, b"ok", b"HANG")
    quick = Limits(timeout_s=1, memory_bytes=LIMITS.memory_bytes)
    parse_archive(tmp_path, workers=2, limits=quick, parse=hostile_parse)
    plain = parse_archive(tmp_path, workers=1, limits=LIMITS, parse=benign_parse)
    assert plain.parsed == 0  # without the flag a failure stays recorded
    retried = parse_archive(tmp_path, workers=1, limits=LIMITS, parse=benign_parse,
                            retry_failed=True)
    assert (retried.parsed, retried.cached, dict(retried.statuses)) == (1, 1, {"ok": 1})
    assert status_of(tmp_path, hung) == ("ok", None)


def test_progress_reports_every_document(tmp_path: Path) -> None:
    archive_documents(tmp_path, b"a", b"b", b"c")
    seen: list[tuple[int, int]] = []
    parse_archive(tmp_path, workers=2, limits=LIMITS, parse=benign_parse,
                  progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
