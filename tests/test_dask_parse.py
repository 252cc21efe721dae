"""The parse stage on a real Dask cluster (two worker processes on loopback): the same results as
the local pool, each document still isolated in its own child with its limits."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from archive.cli import main
from archive import executors
from archive.executors import SCHEDULER_ENV
from archive.parse import Limits, parse_archive
from archive.parse_cache import ParseCache
from parsing.schema import PARSER_VERSION
from tests.test_parse_stage import LIMITS, archive_documents, hostile_parse, status_of

distributed = pytest.importorskip("distributed")

# Small, quick documents of every kind the demo publishes: two seeds, final accounts, a notice.
DEMO_KEYS = ("seed-003", "seed-004", "final-sc-2023-aky", "notice-2024-cgyx")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def demo_pdfs() -> list[bytes]:
    from archive.demo.corpus import demo_documents

    by_key = {doc.key: doc.data for doc in demo_documents()}
    return [by_key[key] for key in DEMO_KEYS]


def no_local_pool(*args: object) -> None:
    raise AssertionError("the local pool was used")


def cached_results(data_dir: Path, shas: list[str]) -> list[dict]:
    cache = ParseCache(data_dir, PARSER_VERSION)
    return [cache.get(sha) for sha in shas]


def test_the_cluster_caches_the_same_results_as_the_local_pool(
        tmp_path: Path, scheduler: str, demo_pdfs: list[bytes]) -> None:
    local_dir, dask_dir = tmp_path / "local", tmp_path / "dask"
    shas = archive_documents(local_dir, *demo_pdfs)
    assert archive_documents(dask_dir, *demo_pdfs) == shas
    parse_archive(local_dir, workers=2, limits=Limits(timeout_s=60))
    summary = parse_archive(dask_dir, limits=Limits(timeout_s=60), scheduler=scheduler)
    assert (summary.parsed, dict(summary.statuses)) == (4, {"ok": 4})
    assert cached_results(dask_dir, shas) == cached_results(local_dir, shas)


def test_a_hostile_document_fails_alone_on_the_cluster(tmp_path: Path, scheduler: str) -> None:
    ok1, hung, killed, ok2 = archive_documents(tmp_path, b"ok 1", b"HANG", b"KILL", b"ok 2")
    summary = parse_archive(tmp_path, limits=LIMITS, parse=hostile_parse, scheduler=scheduler)
    assert dict(summary.statuses) == {"ok": 2, "failed": 2}
    assert "time limit of 2 s" in summary.failures[hung]
    assert "killed by SIGKILL" in summary.failures[killed]
    assert status_of(tmp_path, ok1)[0] == status_of(tmp_path, ok2)[0] == "ok"


def test_the_parse_command_sends_documents_to_the_scheduler(
        tmp_path: Path, scheduler: str, demo_pdfs: list[bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SCHEDULER_ENV, "")  # so the value the command sets is undone after
    monkeypatch.setattr(executors, "local_pool", no_local_pool)
    shas = archive_documents(tmp_path, *demo_pdfs[:2])
    assert main(["parse", "--data-dir", str(tmp_path), "--scheduler", scheduler]) == 0
    assert [r["document"]["parse_status"] for r in cached_results(tmp_path, shas)] == ["ok"] * 2
