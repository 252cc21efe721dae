"""Two crawler processes sharing one Redis frontier crawl the demo portal together: every document
is archived once, no URL is asked for twice, and the crawl ends.

A real `redis-server` on loopback (a free port, no persistence) serves the module; the demo
portal's request log is the witness for what both processes asked for.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
import redis

from archive.catalog import read_catalog
from archive.demo.documents import DemoDocument
from archive.demo.portal import DemoPortal
from archive.store import sha256_hex
from crawler.frontier import FrontierUnavailable, frontier_settings
from crawler.run import run_crawl

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None,
                                reason="redis-server is not installed (apt-get install redis-server)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_documents(per_site: int) -> list[DemoDocument]:
    """`per_site` budgets on each demo site, each its own PDF, dated a day apart."""
    docs = []
    for i in range(per_site):
        day = (date(2024, 1, 1) + timedelta(days=i)).isoformat()
        body = b"%PDF-1.4\n% frontier demo " + str(i).encode()
        docs.append(DemoDocument(f"trs-{i}", "trs", f"四川省第{i}厅2024年部门预算",
                                 f"P020240315556881{i:06d}.pdf", body + b" trs", day, "budget", "510000"))
        docs.append(DemoDocument(f"list-{i}", "list", f"重庆市第{i}局2023年部门预算",
                                 f"2402111557{i:06d}.pdf", body + b" list", day, "budget", "500000"))
    return docs


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory):
    port = _free_port()
    server = subprocess.Popen([REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port),
                               "--save", "", "--appendonly", "no",
                               "--dir", str(tmp_path_factory.mktemp("redis"))],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait(10)


DOCS = demo_documents(12)


@pytest.fixture(scope="module")
def shared_crawl(redis_url: str, tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("crawl")
    with DemoPortal(DOCS, delay=0.05) as portal:
        registry = portal.write_registry(data_dir / "portals.toml")
        with ThreadPoolExecutor(2) as pool:
            runs = [pool.submit(run_crawl, registry, data_dir, run_id=f"worker-{n}", frontier=redis_url)
                    for n in (1, 2)]
            summaries = [run.result(timeout=60) for run in runs]
        yield {"data_dir": data_dir, "summaries": summaries, "log": portal.requests,
               "rows": list(read_catalog(data_dir)), "redis_url": redis_url}


def test_every_document_is_archived_once_across_both_processes(shared_crawl) -> None:
    ok = Counter(r["sha256"] for r in shared_crawl["rows"] if r["fetch_status"] == "ok")
    assert ok == Counter(sha256_hex(d.data) for d in DOCS)
    objects = [p.name for p in (shared_crawl["data_dir"] / "raw").rglob("*") if p.is_file()]
    assert sorted(objects) == sorted(ok)


def test_no_url_is_requested_twice(shared_crawl) -> None:
    """robots.txt aside: each process reads it for itself, as Scrapy's middleware does."""
    paths = Counter(r.path for r in shared_crawl["log"] if r.path != "/robots.txt")
    assert paths and paths.most_common(1)[0][1] == 1


def test_both_processes_finish_and_share_the_work(shared_crawl) -> None:
    fetched = [s.by_status.get("ok", 0) for s in shared_crawl["summaries"]]
    assert sum(fetched) == len(DOCS) and all(fetched)


def test_the_finished_crawl_leaves_no_frontier_keys(shared_crawl) -> None:
    client = redis.Redis.from_url(shared_crawl["redis_url"])
    assert client.keys("budget-corpus:frontier:*") == []


def test_a_frontier_with_no_server_fails_before_crawling() -> None:
    with pytest.raises(FrontierUnavailable):
        frontier_settings(f"redis://127.0.0.1:{_free_port()}/0")


@pytest.mark.parametrize("command", ["crawl", "run"])
def test_an_unreachable_frontier_is_a_usage_error(command: str, shared_crawl, tmp_path: Path) -> None:
    from archive.cli import main

    registry = shared_crawl["data_dir"] / "portals.toml"
    dead = f"redis://127.0.0.1:{_free_port()}/0"
    assert main([command, "--portals", str(registry), "--data-dir", str(tmp_path),
                 "--frontier", dead]) == 2
