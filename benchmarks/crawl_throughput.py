"""Benchmark: crawl throughput with archiving on, against a bare Scrapy spider, in one run.

A large simulated TRS WCM portal (default 250 listing pages × 20 articles, each article with
one PDF attachment: 10,251 responses) is served by a small asyncio HTTP server in its own
process, so the crawler has the other core to itself. The same portal is crawled, alternately,

- by the project's crawl (`crawler.run.run_crawl`: the TRS spider, WARC records, raw store,
  fetch catalog, conditional requests — everything a real crawl does), and
- by a bare Scrapy spider (below) that follows the same links (createPageHTML pages, every
  `<a href>` of a page) and keeps nothing,

both with politeness off and the same concurrency. Throughput is pages (HTTP responses) per
second as the server saw them: requests answered between the crawl's first and last request,
so process start-up is left out of both. The ratio archive/bare is the figure (target ≥ 0.9).

    python benchmarks/crawl_throughput.py [--listing-pages 250] [--per-page 20] [--rounds 2]
        [--data-dir /work/bench-data/crawl] [--concurrent-items 4] [--set NAME=VALUE …]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import resource
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

COLUMN = "/czt/bmys/"
STATS_PATH = "/__stats__"
REACTOR_CPU = "reactor-cpu-s"  # the bare crawl's last line: its reactor thread's CPU seconds
ATTACHMENT_BYTES = 32 * 1024
# Politeness off, identical for both crawls. DOWNLOAD_DELAY stays above 0 because Scrapy 2.19
# ignores the per-host concurrency limit at 0 (see crawler/run.py); 16 concurrent requests;
# CONCURRENT_ITEMS as the project sets it (crawler/settings.py) for both, so that the ratio is
# the cost of archiving alone (`--concurrent-items 100`: Scrapy's default, for both).
POLITENESS_OFF = {"ROBOTSTXT_OBEY": True, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0.001,
                  "DOWNLOAD_DELAY_JITTER": 0, "CONCURRENT_REQUESTS": 16,
                  "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "CONCURRENT_ITEMS": 4, "LOG_LEVEL": "WARNING"}


# -- the portal -----------------------------------------------------------------------------


def _html(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body>{body}</body></html>").encode()


def build_portal(listing_pages: int, per_page: int, seed: int = 1) -> dict[str, tuple[str, bytes]]:
    """path -> (content type, body): a TRS column of budgets, each with its PDF."""
    rng = random.Random(seed)
    site: dict[str, tuple[str, bytes]] = {"/robots.txt": ("text/plain", b"User-agent: *\nDisallow:\n")}
    filler = "<p>" + "根据《中华人民共和国预算法》有关规定，现将部门预算公开如下。" * 20 + "</p>"
    for page in range(listing_pages):
        items = []
        for i in range(per_page):
            n = page * per_page + i
            title = f"四川省第{n}厅2024年部门预算"
            folder, name = f"2024{n % 12 + 1:02d}", f"t2024{n % 12 + 1:02d}15_{100000 + n}.html"
            pdf = f"P020240315{n:012d}.pdf"
            items.append(f'<li><a href="./{folder}/{name}">{title}</a><span>2024-03-15</span></li>')
            meta = (f'<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2024-03-15 09:30">')
            site[f"{COLUMN}{folder}/{name}"] = ("text/html; charset=utf-8", _html(
                title, f'{meta}<h1>{title}</h1>{filler}<p>附件：<a href="./{pdf}">{title}.pdf</a></p>'))
            body = b"%PDF-1.4\n" + rng.randbytes(ATTACHMENT_BYTES) + b"\n%%EOF\n"
            site[f"{COLUMN}{folder}/{pdf}"] = ("application/pdf", body)
        script = f'<script>createPageHTML({listing_pages}, {page}, "index", "html");</script>'
        site[f"{COLUMN}{'index' if page == 0 else f'index_{page}'}.html"] = (
            "text/html; charset=utf-8", _html("部门预算", f"<ul>{''.join(items)}</ul>{script}"))
    return site


def serve(site: dict[str, tuple[str, bytes]], port: int, ready: Any) -> None:
    """A keep-alive HTTP/1.1 server on 127.0.0.1 that counts what it answers (its own process)."""
    stats: dict[str, Any] = {"count": 0, "first": None, "last": None, "not_found": []}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                if path == STATS_PATH:
                    body = json.dumps(stats).encode()
                    stats.update(count=0, first=None, last=None, not_found=[])
                    content_type, status = "application/json", b"200 OK"
                else:
                    now = time.time()
                    stats["count"] += 1
                    stats["first"] = stats["first"] or now
                    stats["last"] = now
                    content_type, body = site.get(path, ("text/html", b""))
                    status = b"200 OK" if path in site else b"404 Not Found"
                    if path not in site:
                        stats["not_found"].append(path)
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + content_type.encode()
                             + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=256)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def server_stats(port: int) -> dict[str, Any]:
    """What the server answered since the last call (and reset its counters)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{STATS_PATH}") as answer:
        return json.loads(answer.read())


# -- the two crawls -------------------------------------------------------------------------


def bare_crawl(start_url: str) -> None:
    """The baseline: a plain Scrapy spider following the same links, keeping nothing."""
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.http import TextResponse

    pages = re.compile(r"createPageHTML\((\d+),")

    class BareSpider(scrapy.Spider):
        name = "bare"
        start_urls = [start_url]

        def parse(self, response: Any) -> Any:
            if not isinstance(response, TextResponse):
                return
            count = pages.search(response.text)
            if count and response.url.endswith("/index.html"):  # the pager, from the first page
                for n in range(1, int(count.group(1))):  # once: no work for the dupefilter
                    yield response.follow(f"index_{n}.html")
            for href in response.css("a::attr(href)").getall():
                yield response.follow(href)

    process = CrawlerProcess({**POLITENESS_OFF, "TELNETCONSOLE_ENABLED": False})
    process.crawl(BareSpider)
    started = time.thread_time()
    process.start()
    print(f"{REACTOR_CPU} {time.thread_time() - started:.3f}", flush=True)


def archive_crawl(start_url: str, data_dir: Path, extra: dict[str, str]) -> float:
    """Crawl with the project's crawler; return its reactor thread's CPU seconds."""
    from archive.demo.portal import registry_toml
    from crawler.run import run_crawl

    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    registry = data_dir / "portals.toml"
    registry.write_text(registry_toml([{
        "id": "bench-trs", "name": "基准门户", "region_code": "510000", "family": "trs",
        "start_urls": [start_url], "allowed_domains": ["127.0.0.1"],
        "max_pages": 100000, "max_per_pattern": 100000}]), encoding="utf-8")
    summary = run_crawl(registry, data_dir, settings={**POLITENESS_OFF, **extra})
    print(f"    {summary}", flush=True)
    return summary.reactor_cpu_s


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(kind: str, start_url: str, port: int, data_dir: Path, extra: dict[str, str]) -> dict[str, float]:
    server_stats(port)  # reset
    started, cpu = time.perf_counter(), _children_cpu()
    if kind == "bare":
        child = subprocess.run([sys.executable, __file__, "--bare", start_url, "--concurrent-items",
                                str(POLITENESS_OFF["CONCURRENT_ITEMS"])], check=True, cwd=PROJECT_ROOT,
                               stdout=subprocess.PIPE, text=True)
        reactor_cpu = float(child.stdout.rsplit(REACTOR_CPU, 1)[1].split()[0])
    else:
        reactor_cpu = archive_crawl(start_url, data_dir, extra)
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu
    seen = server_stats(port)
    span = seen["last"] - seen["first"]
    result = {"pages": seen["count"], "not_found": seen["not_found"][:5], "crawl_s": span,
              "pages_per_s": seen["count"] / span, "wall_s": wall,
              "cpu_s": cpu, "cpu_ms_per_page": 1000 * cpu / seen["count"],
              "reactor_ms_per_page": 1000 * reactor_cpu / seen["count"]}
    print(f"  {kind:8} {result['pages']} pages in {span:.2f} s = {result['pages_per_s']:.0f} pages/s; "
          f"wall {wall:.2f} s with process start, crawler CPU {cpu:.2f} s "
          f"({result['cpu_ms_per_page']:.2f} ms/page), reactor thread {result['reactor_ms_per_page']:.2f} ms/page",
          flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listing-pages", type=int, default=250)
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=Path("/work/bench-data/crawl"))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting for the archive crawl only, e.g. WARC_ENABLED=False "
                             "(to see what a component costs)")
    parser.add_argument("--concurrent-items", type=int, default=POLITENESS_OFF["CONCURRENT_ITEMS"],
                        help="Scrapy's CONCURRENT_ITEMS for both crawls")
    parser.add_argument("--bare", metavar="URL", help=argparse.SUPPRESS)  # the baseline's child process
    args = parser.parse_args()
    POLITENESS_OFF["CONCURRENT_ITEMS"] = args.concurrent_items
    if args.bare:
        bare_crawl(args.bare)
        return 0

    extra = dict(assignment.partition("=")[::2] for assignment in args.set)
    site = build_portal(args.listing_pages, args.per_page)
    port = args.port or _free_port()
    ready = mp.Event()
    server = mp.Process(target=serve, args=(site, port, ready), daemon=True)
    server.start()
    ready.wait(30)
    start_url = f"http://127.0.0.1:{port}{COLUMN}index.html"
    print(f"portal: {len(site)} resources ({args.listing_pages} listing pages × {args.per_page} "
          f"articles + PDFs of {ATTACHMENT_BYTES // 1024} KiB), {os.cpu_count()} cores", flush=True)
    results: dict[str, list[dict[str, float]]] = {"bare": [], "archive": []}
    try:
        for n in range(args.rounds):
            print(f"round {n + 1}", flush=True)
            for kind in ("bare", "archive"):
                results[kind].append(timed(kind, start_url, port, args.data_dir, extra))
    finally:
        server.terminate()
        server.join()
    bare = statistics.median(r["pages_per_s"] for r in results["bare"])
    archive = statistics.median(r["pages_per_s"] for r in results["archive"])
    cpu_bare = statistics.median(r["cpu_ms_per_page"] for r in results["bare"])
    cpu_archive = statistics.median(r["cpu_ms_per_page"] for r in results["archive"])
    reactor_bare = statistics.median(r["reactor_ms_per_page"] for r in results["bare"])
    reactor_archive = statistics.median(r["reactor_ms_per_page"] for r in results["archive"])
    print(json.dumps({"pages": results["archive"][-1]["pages"], "bare_pages_per_s": round(bare, 1),
                      "archive_pages_per_s": round(archive, 1), "ratio": round(archive / bare, 3),
                      "bare_cpu_ms_per_page": round(cpu_bare, 3), "archive_cpu_ms_per_page": round(cpu_archive, 3),
                      "rounds": results}, indent=None))
    print(f"throughput ratio (archive / bare, pages/s, medians): {archive / bare:.3f}  (target ≥ 0.9)")
    print(f"CPU ratio (bare / archive, crawler ms per page):     {cpu_bare / cpu_archive:.3f}")
    print(f"reactor thread CPU ratio (bare / archive, ms/page):  {reactor_bare / reactor_archive:.3f}"
          "  (the load-independent figure: a crawl with politeness off is bound by this thread)")
    return 0


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
