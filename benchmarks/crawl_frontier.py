"""Benchmark: crawl throughput with 1 vs 2 crawler processes sharing one Redis frontier.

One large simulated TRS WCM portal (crawl_throughput.py's: default 100 listing pages × 20
articles, each with a 32 KiB PDF) is served by an asyncio server in its own process; a
`redis-server` on loopback (started here, or `--frontier URL`) holds the frontier. Each round
crawls the whole portal afresh (new data directory) with `crawler.run.run_crawl(…, frontier=…)`:

- **1 process** with Scrapy's local scheduler (no frontier: what the frontier costs),
- **1 process**, and **2 processes** started together (the same registry and frontier, their
  own run ids, one data directory);

in two regimes:

- **unthrottled**: politeness off, 16 concurrent requests (crawl_throughput.py's settings), so a
  process is bound by its own CPU — on a 2-core machine shared with the server and Redis;
- **polite**: 1 request at a time per process and host, `DOWNLOAD_DELAY` 0.01 s, so a process is
  bound by waiting, as on a real portal (where the processes would be on different machines).

pages/s = responses the server answered between the first and the last request of the round
(process start-up left out). Each round also checks the shared crawl: the server answered as
many requests as the 1-process crawl plus one robots.txt per extra process, and every PDF has
exactly one `ok` catalog row.

    python benchmarks/crawl_frontier.py [--listing-pages 100] [--per-page 20] [--rounds 2]
        [--data-dir /work/bench-data/frontier] [--frontier redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import redis  # noqa: E402
from crawl_throughput import (ATTACHMENT_BYTES, COLUMN, POLITENESS_OFF, _free_port,  # noqa: E402
                              build_portal, serve, server_stats)

from archive.catalog import read_catalog  # noqa: E402
from archive.demo.portal import registry_toml  # noqa: E402
from crawler.run import run_crawl  # noqa: E402

REGIMES = {
    "unthrottled": POLITENESS_OFF,
    "polite": {**POLITENESS_OFF, "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 0.01},
}


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    server = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                               "--appendonly", "no", "--dir", tempfile.gettempdir()],
                              stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            return server, url
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def shared_crawl(processes: int, start_url: str, port: int, data_dir: Path, frontier: str | None,
                 settings: dict[str, object]) -> dict[str, object]:
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    registry = data_dir / "portals.toml"
    registry.write_text(registry_toml([{
        "id": "bench-trs", "name": "基准门户", "region_code": "510000", "family": "trs",
        "start_urls": [start_url], "allowed_domains": ["127.0.0.1"],
        "max_pages": 100000, "max_per_pattern": 100000}]), encoding="utf-8")
    server_stats(port)  # reset
    started = time.perf_counter()
    with ThreadPoolExecutor(processes) as pool:
        runs = [pool.submit(run_crawl, registry, data_dir, run_id=f"worker-{n}", settings=settings,
                            frontier=frontier) for n in range(processes)]
        summaries = [run.result() for run in runs]
    wall = time.perf_counter() - started
    seen = server_stats(port)
    span = seen["last"] - seen["first"]
    ok = Counter(r["sha256"] for r in read_catalog(data_dir) if r["fetch_status"] == "ok")
    result = {"processes": processes, "pages": seen["count"], "crawl_s": round(span, 2),
              "pages_per_s": round(seen["count"] / span, 1), "wall_s": round(wall, 2),
              "ok_per_process": [s.by_status.get("ok", 0) for s in summaries],
              "documents": len(ok), "archived_twice": sum(1 for n in ok.values() if n > 1)}
    label = f"{processes} process(es)" if frontier else "1 process, local scheduler"
    print(f"    {label}: {result['pages']} pages in {span:.2f} s = "
          f"{result['pages_per_s']:.0f} pages/s (wall {wall:.2f} s); documents by process "
          f"{result['ok_per_process']}, archived twice {result['archived_twice']}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listing-pages", type=int, default=100)
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=Path("/work/bench-data/frontier"))
    parser.add_argument("--frontier", default=None, help="a running Redis (default: start one)")
    args = parser.parse_args()

    site = build_portal(args.listing_pages, args.per_page)
    port = _free_port()
    ready = mp.Event()
    server = mp.Process(target=serve, args=(site, port, ready), daemon=True)
    server.start()
    ready.wait(30)
    own_redis, frontier = (None, args.frontier) if args.frontier else start_redis()
    start_url = f"http://127.0.0.1:{port}{COLUMN}index.html"
    print(f"portal: {len(site)} resources ({args.listing_pages} listing pages × {args.per_page} "
          f"articles + PDFs of {ATTACHMENT_BYTES // 1024} KiB), {os.cpu_count()} cores", flush=True)
    results: dict[str, dict[int, list[dict[str, object]]]] = {}
    try:
        for regime, settings in REGIMES.items():
            results[regime] = {0: [], 1: [], 2: []}  # 0: one process without the frontier
            for n in range(args.rounds):
                print(f"{regime}, round {n + 1}", flush=True)
                for processes in (0, 1, 2):
                    results[regime][processes].append(shared_crawl(
                        max(processes, 1), start_url, port, args.data_dir,
                        frontier if processes else None, settings))
    finally:
        server.terminate()
        server.join()
        if own_redis is not None:
            own_redis.terminate()
            own_redis.wait(10)
    for regime, by_processes in results.items():
        local, one, two = (statistics.median(r["pages_per_s"] for r in by_processes[p]) for p in (0, 1, 2))
        print(f"{regime}: local scheduler {local:.0f} pages/s; frontier, 1 process {one:.0f} pages/s, "
              f"2 processes {two:.0f} pages/s; ratio 2/1 = {two / one:.2f} (medians)")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
