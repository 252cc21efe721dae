"""A data directory on S3 (`s3://bucket/prefix`): parse, build, query, release and verify against
moto's S3 server on loopback, compared with the same archive in a local folder."""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("s3fs")
pytest.importorskip("moto.server")

from archive.build import build_corpus
from archive.catalog import CatalogWriter
from archive.parse import Limits, parse_archive, parse_limited
from archive.parse_cache import ParseCache
from archive.query import connect, run_query
from archive.storage import POINTER, location
from archive.store import RawStore
from parsing.schema import PARSER_VERSION
from tests.parse_results import parse_result

BUCKET = "budget-test"
TOTALS = "select count(*) as n, sum(amount) as total from line_items"
DOCUMENTS = "select doc_id, province_code, fiscal_year, parse_status from documents order by 1"
DEMO_DOCUMENTS = 2  # real PDFs of the demo portal, parsed by the real parser


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server on 127.0.0.1, reached through the usual AWS environment variables."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    settings = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://{host}:{port}",
                "BUDGET_CORPUS_CACHE": str(tmp_path_factory.mktemp("cache"))}
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        import boto3

        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield f"s3://{BUCKET}"
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()


def _archive(data_dir: Path | str) -> None:
    """The first demo documents, stored and catalogued as a crawl would."""
    from archive.demo.corpus import demo_documents

    store, catalog = RawStore(data_dir), CatalogWriter(data_dir, "run-1")
    for doc in [d for d in demo_documents() if d.kind == "budget"][:DEMO_DOCUMENTS]:
        catalog.append({"url": f"http://127.0.0.1/{doc.filename}", "portal_id": "demo",
                        "fetch_status": "ok", "sha256": store.put(doc.data), "title": doc.title,
                        "region_code": doc.region_code})
    catalog.close()


@pytest.fixture(scope="module")
def corpora(s3: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The same archive parsed and built twice: in a local folder and on S3."""
    local, remote = tmp_path_factory.mktemp("local"), f"{s3}/corpora/{uuid.uuid4().hex[:8]}"
    for data_dir in (local, remote):
        _archive(data_dir)
        summary = parse_archive(data_dir, workers=2, limits=Limits(timeout_s=120))
        assert summary.parsed == DEMO_DOCUMENTS and not summary.failures
        build_corpus(data_dir)
    return local, remote


def test_parse_and_build_on_s3_give_the_local_corpus(corpora: tuple[Path, str]) -> None:
    local, remote = corpora
    fs, root = location(remote).fs, location(remote).root
    assert fs.isfile(f"{root}/{POINTER}") and not (local / POINTER).exists()
    assert run_query(remote, DOCUMENTS)[1] == run_query(local, DOCUMENTS)[1]
    assert run_query(remote, TOTALS) == run_query(local, TOTALS)


def test_query_command_on_s3_answers_as_on_the_local_corpus(
        corpora: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    from archive.cli import main

    answers = []
    for data_dir in corpora:
        assert main(["query", "--data-dir", str(data_dir), "--format", "json", TOTALS]) == 0
        answers.append(json.loads(capsys.readouterr().out))
    assert answers[0] == answers[1] and answers[0]["n"] > 0


def test_archive_connect_reads_the_corpus_from_s3(corpora: tuple[Path, str]) -> None:
    import archive

    local, remote = corpora
    with archive.connect(remote) as con:
        n, total = con.execute(TOTALS).fetchone()
    assert (n, total) == run_query(local, TOTALS)[1][0]
    assert isinstance(total, Decimal)
    assert archive.load("documents", data_dir=remote).num_rows == DEMO_DOCUMENTS


def test_a_release_on_s3_verifies(corpora: tuple[Path, str]) -> None:
    from archive.release import release_corpus
    from archive.verify import verify_release

    _, remote = corpora
    released = release_corpus(remote, "2024.1")
    assert released == f"{remote}/releases/2024.1"
    report = verify_release(released)
    assert report.ok, report.problems
    assert report.files_checked > 10


def _result(doc_id: str) -> dict:
    return parse_result(doc_id, [{"row_no": 1, "measure": "total", "amount": "1.5"}],
                        fiscal_year=2024, region_code="510000")


def _collecting_parse(data: bytes, name: str) -> dict:
    """A parse that runs a full garbage collection, as a long parse does, and gives the seconds
    it took as its status_reason."""
    started = time.monotonic()
    gc.collect()
    result = _result(name)
    result["document"]["status_reason"] = str(time.monotonic() - started)
    return result


def test_a_parse_child_spends_no_time_on_the_s3_sessions_of_its_parent(s3: str) -> None:
    RawStore(f"{s3}/fork").put(b"stored")  # this process now holds an S3 session
    result = parse_limited(b"x", "x", Limits(timeout_s=30), parse=_collecting_parse)
    assert float(result["document"]["status_reason"]) < 0.5  # a second per session before


def _add_parsed(data_dir: str, *contents: bytes) -> None:
    store, cache = RawStore(data_dir), ParseCache(data_dir, PARSER_VERSION)
    catalog = CatalogWriter(data_dir, uuid.uuid4().hex[:8])
    for content in contents:
        sha = store.put(content)
        catalog.append({"url": f"http://127.0.0.1/{sha}.pdf", "fetch_status": "ok",
                        "sha256": sha})
        cache.put(sha, _result(sha))
    catalog.close()


def test_a_rebuild_on_s3_is_published_whole(s3: str) -> None:
    remote = f"{s3}/atomic/{uuid.uuid4().hex[:8]}"
    _add_parsed(remote, b"one", b"two")
    build_corpus(remote)
    before = connect(remote)  # connected to the first build
    _add_parsed(remote, b"three", b"four")
    seen: list[int | Exception] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            try:
                with connect(remote) as con:
                    seen.append(con.execute("select count(*) from documents").fetchone()[0])
            except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
                seen.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        build_corpus(remote)
    finally:
        done.set()
        thread.join()
    with connect(remote) as con:
        seen.append(con.execute("select count(*) from documents").fetchone()[0])
    assert len(seen) > 1 and set(seen) <= {2, 4} and seen[-1] == 4, seen
    assert before.execute("select count(*) from documents").fetchone()[0] == 2
    before.close()


def test_run_crawls_parses_and_builds_into_s3(s3: str, tmp_path: Path) -> None:
    from archive.demo.corpus import demo_documents
    from archive.demo.portal import DemoPortal
    from archive.runs import run_pipeline

    remote = f"{s3}/runs/{uuid.uuid4().hex[:8]}"
    documents = [d for d in demo_documents() if d.key in ("seed-004", "notice-2024-aqscy")]
    with DemoPortal(documents) as portal:
        registry = portal.write_registry(tmp_path / "portals.toml")
        first = run_pipeline(registry, remote, workers=1)
        second = run_pipeline(registry, remote, workers=1)
    assert (first["new_documents"], first["parsed"], first["built_rows"]["documents"]) == (1, 1, 1)
    assert (second["new_documents"], second["parsed"], second.get("build_id")) == (0, 0, None)
    loc = location(remote)
    assert loc.glob("raw", "sha256", "*", "*", "*") and loc.glob("warc", "*")
    _, rows = run_query(remote, "select run_id from runs")
    assert [r[0] for r in rows] == [second["run_id"], first["run_id"]]
