"""Run a crawl of registry portals into a data directory, in a child process.

Twisted's reactor cannot be restarted in one process, and callers (the CLI, the tests, a
scheduler) crawl many times, so `run_crawl` starts `python -m crawler.run …` and reads back what
that run wrote to the fetch catalog. The child prints one progress line per fetch on stdout, and
a last `crawl-stats {json}` line; Scrapy's own log goes to `<data_dir>/logs/crawl-<run_id>.log`.

Portals whose first start URL is on the same host are crawled one after another, so that host
never sees more than CONCURRENT_REQUESTS_PER_DOMAIN connections, even from several portals (a
province-wide platform is often many registry entries); different hosts are crawled at once.
"""

from __future__ import annotations

import argparse
import dataclasses
import asyncio
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.log import configure_logging
from scrapy.utils.reactor import install_reactor

from archive.catalog import read_catalog
from crawler.frontier import FRONTIER_ENV, frontier_settings
from crawler.report import PortalReport, write_run_report
from crawler.registry import Portal, load_registry, select_portals
from crawler.spiders import SPIDERS

STATS_PREFIX = "crawl-stats "
# Scrapy 2.19's asyncio downloader starts every queued request for a host at once when the
# download delay is 0, whatever CONCURRENT_REQUESTS_PER_DOMAIN says (the slot counts a request
# as transferring only once its task runs); any delay above 0 restores the limit.
MIN_DOWNLOAD_DELAY = 0.001
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class CrawlFailed(RuntimeError):
    """The crawl process itself failed (not a fetch: those are catalog rows)."""


@dataclass(frozen=True)
class CrawlSummary:
    """What one crawl run did, read back from its catalog rows and Scrapy's stats."""

    run_id: str
    requests: int  # HTTP requests sent, robots.txt and pages included
    fetches: int  # catalog rows written by this run
    by_status: dict[str, int] = field(default_factory=dict)  # fetch_status -> rows
    documents: int = 0  # distinct documents fetched ok
    new_documents: int = 0  # of which no earlier run had stored
    reports: tuple[PortalReport, ...] = ()  # per portal: new, changed, unchanged, gone, errors
    reactor_cpu_s: float = 0.0  # CPU time of the crawl's reactor thread, its bottleneck

    def __str__(self) -> str:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items()))
        return (f"run {self.run_id}: {self.requests} requests, {self.fetches} fetches "
                f"({statuses or 'none'}), {self.documents} documents ({self.new_documents} new)")


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def run_crawl(portals_file: Path, data_dir: Path, portal_ids: list[str] | None = None,
              run_id: str | None = None, progress: Callable[[str], None] | None = None,
              settings: dict[str, object] | None = None,
              frontier: str | None = None) -> CrawlSummary:
    """Crawl the registry's portals (or those in `portal_ids`) into `data_dir`.

    `progress` receives each progress line (one per fetch); `settings` are Scrapy settings for
    every portal, over the registry's. `frontier` (redis://HOST:PORT; default
    $BUDGET_CORPUS_FRONTIER) shares the request queue and duplicate filter with every other crawl
    process given the same one (crawler/frontier.py).
    Raises RegistryError for a bad registry or unknown id, FrontierUnavailable when no Redis
    answers at `frontier`, CrawlFailed when the crawl process fails.
    """
    select_portals(load_registry(portals_file), portal_ids)  # fail here, with a clear message
    frontier = frontier or os.environ.get(FRONTIER_ENV)
    if frontier:
        settings = {**(settings or {}), **frontier_settings(frontier)}
    run_id = run_id or new_run_id()
    command = [sys.executable, "-m", "crawler.run", "--portals", str(portals_file),
               "--data-dir", str(data_dir), "--run-id", run_id]
    for portal_id in portal_ids or ():
        command += ["--portal", portal_id]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
    stats: dict[str, int] = {}
    log_path = Path(data_dir) / "logs" / f"crawl-{run_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(log_path, "wb") as log, subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=log, text=True, encoding="utf-8",
                env=env) as child:
            assert child.stdout is not None
            for line in child.stdout:
                if line.startswith(STATS_PREFIX):
                    stats = json.loads(line[len(STATS_PREFIX):])
                elif progress is not None:
                    progress(line.rstrip("\n"))
    finally:
        reports = tuple(write_run_report(data_dir, run_id))  # a failed run is reported too
    if child.returncode != 0:
        raise CrawlFailed(f"crawl process exited with status {child.returncode} "
                          f"(Scrapy's log: {log_path})")
    return dataclasses.replace(summarize(data_dir, run_id, stats.get("requests", 0)),
                               reports=reports, reactor_cpu_s=stats.get("reactor_cpu_s", 0.0))


def summarize(data_dir: Path, run_id: str, requests: int) -> CrawlSummary:
    rows, earlier = [], set()
    for row in read_catalog(data_dir):
        if row.get("run_id") == run_id:
            rows.append(row)
        elif row.get("fetch_status") == "ok" and row.get("sha256"):
            earlier.add(row["sha256"])
    documents = {row["sha256"] for row in rows if row["fetch_status"] == "ok" and row["sha256"]}
    return CrawlSummary(run_id, requests, len(rows), dict(Counter(row["fetch_status"] for row in rows)),
                        len(documents), len(documents - earlier))


# -- the child process ----------------------------------------------------------------------


def _host_groups(portals: list[Portal]) -> list[list[Portal]]:
    groups: dict[str, list[Portal]] = {}
    for portal in portals:
        groups.setdefault(urlsplit(portal.start_urls[0]).hostname or "", []).append(portal)
    return list(groups.values())


def portal_settings(settings: Settings, portal: Portal) -> Settings:
    """The crawl's settings under the registry entry's own (the command line's still win)."""
    merged = settings.copy()
    merged.setdict(dict(portal.settings), priority="spider")
    if merged.getfloat("DOWNLOAD_DELAY") < MIN_DOWNLOAD_DELAY:
        merged.set("DOWNLOAD_DELAY", MIN_DOWNLOAD_DELAY, priority=merged.getpriority("DOWNLOAD_DELAY"))
    return merged


def _crawl(portals: list[Portal], settings: Settings) -> dict[str, int]:
    """Run the spiders in this process's reactor; return the summed Scrapy stats we report."""
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet import reactor  # the one install_reactor just installed

    runner = AsyncCrawlerRunner(settings)
    crawlers: list[Crawler] = []
    failed: list[str] = []

    async def in_turn(group: list[Portal]) -> None:
        for portal in group:
            crawler = Crawler(SPIDERS[portal.family], portal_settings(settings, portal))
            crawlers.append(crawler)
            try:
                await runner.crawl(crawler, portal=portal)
            except Exception:  # one portal's crash does not stop the others
                logging.getLogger(__name__).exception("crawl of %s failed", portal.id)
                failed.append(portal.id)

    async def crawl_all() -> None:
        await asyncio.gather(*(in_turn(group) for group in _host_groups(portals)))

    done = deferred_from_coro(crawl_all())
    done.addBoth(lambda _: reactor.stop())
    started = time.thread_time()
    reactor.run()
    reactor_cpu_s = time.thread_time() - started
    if failed:
        raise CrawlFailed(f"the crawl of {', '.join(failed)} failed")
    return {"requests": sum(c.stats.get_value("downloader/request_count", 0) for c in crawlers),
            "reactor_cpu_s": round(reactor_cpu_s, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__)
    parser.add_argument("--portals", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--run-id", default=None)
    parser.add_argument("--portal", action="append", default=None)
    parser.add_argument("-s", dest="set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)

    portals = select_portals(load_registry(args.portals), args.portal)
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for assignment in args.set:
        name, _, value = assignment.partition("=")
        settings.set(name, value, priority="cmdline")
    settings.set("ARCHIVE_DATA_DIR", str(args.data_dir), priority="cmdline")
    settings.set("CRAWL_RUN_ID", args.run_id or new_run_id(), priority="cmdline")
    configure_logging(settings)
    progress = logging.getLogger("crawler.progress")
    progress.addHandler(logging.StreamHandler(sys.stdout))
    progress.setLevel(logging.INFO)
    progress.propagate = False

    stats = _crawl(portals, settings)
    print(STATS_PREFIX + json.dumps(stats), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
