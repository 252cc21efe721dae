"""The run report: per portal, what a crawl run found — and which portals keep failing.

An operator running a monthly crawl of thousands of portals needs to see, per portal, what was
new, changed, unchanged and gone since the last run, what failed and why (`failed`: each URL
with its fetch_status and reason), and which portals were challenged, unreachable or empty in
the last runs. All of it is derived from the fetch catalog
(documents) and from the Scrapy counters each crawl process leaves beside it
(`catalog/run=<id>/stats-<portal>-<pid>.json`: pages, bytes, duration), so a run resumed after a
crash by another process reports as one run. `write_run_report` persists the result as
`catalog/run=<id>/report-<pid>.json`, one row per portal.

Classification of a document URL seen ok or not modified in this run, against all earlier runs:
new (never seen), changed (seen, other bytes now), unchanged (304, or the same bytes). Gone: seen
in the portal's previous run and now 404/410 or not linked any more — not counted when the
portal could not be crawled at all (unreachable or challenged), since then nothing is known.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.catalog import read_catalog

DOCUMENT_STATUSES = ("ok", "not_modified")
GONE_HTTP = (404, 410)
TROUBLE = ("challenged", "unreachable", "empty")


def run_folder(data_dir: Path | str, run_id: str) -> Path:
    return Path(data_dir) / "catalog" / f"run={run_id}"


def _write_json(path: Path, data: Any) -> None:
    """Through a temporary name: readers see the whole file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(partial, path)


class PortalStatsExtension:
    """When a portal's crawl ends, its Scrapy counters go beside the run's catalog rows."""

    def __init__(self, crawler: Crawler):
        self.data_dir = crawler.settings.get("ARCHIVE_DATA_DIR")
        self.run_id = crawler.settings.get("CRAWL_RUN_ID")
        if not self.data_dir or not self.run_id:
            raise NotConfigured("ARCHIVE_DATA_DIR and CRAWL_RUN_ID must be set (crawler.run does)")
        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalStatsExtension:
        return cls(crawler)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        portal_id = getattr(getattr(spider, "portal", None), "id", spider.name)
        started = stats.get_value("start_time") or datetime.now(timezone.utc)
        finished = datetime.now(timezone.utc)
        _write_json(run_folder(self.data_dir, self.run_id) / f"stats-{portal_id}-{os.getpid()}.json", {
            "portal_id": portal_id, "pid": os.getpid(), "finish_reason": reason,
            "started": started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "duration_s": round((finished - started).total_seconds(), 3),
            "requests": stats.get_value("downloader/request_count", 0),
            "pages": stats.get_value("downloader/response_count", 0),
            "bytes": stats.get_value("downloader/response_bytes", 0),
        })


@dataclass
class PortalReport:
    """One portal in one run."""

    run_id: str
    portal_id: str
    status: str  # ok | challenged | unreachable | empty
    started: str = ""  # when the run began (its first fetch or crawl start), ISO 8601
    pages: int = 0  # HTTP responses received (robots.txt, listings, articles, files)
    requests: int = 0
    bytes: int = 0  # as received
    duration_s: float = 0.0
    new: list[str] = field(default_factory=list)  # document URLs
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    stored: int = 0  # raw objects this run stored first
    challenged: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # fetch_status -> rows (not ok, not challenged)
    # URLs this run got no document from, each with its last row's fetch_status, status, reason
    failed: list[dict[str, Any]] = field(default_factory=list)


def _stats(data_dir: Path | str) -> dict[str, list[dict[str, Any]]]:
    """run_id -> every process's counters for every portal."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted((Path(data_dir) / "catalog").glob("run=*/stats-*.json")):
        try:
            found[path.parent.name[4:]].append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            continue
    return found


def _status(rows: list[dict[str, Any]], pages: int) -> str:
    if any(r["fetch_status"] in DOCUMENT_STATUSES for r in rows):
        return "ok"
    if any(r["fetch_status"] == "challenged" for r in rows):
        return "challenged"
    if not any(r.get("status") for r in rows) and pages <= 1 and any(r["fetch_status"] == "error" for r in rows):
        return "unreachable"  # no answer but robots.txt's, at most
    return "empty"


def _first_by_url(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    first: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r.get("fetched_at") or ""):
        first.setdefault(row["url"], row)
    return first


def run_report(data_dir: Path | str, run_id: str) -> list[PortalReport]:
    """Per portal of `run_id`, what it did (computed from the catalog and the counters)."""
    rows_by_run: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in read_catalog(data_dir):
        rows_by_run[row.get("run_id") or ""].append(row)
    stats = _stats(data_dir)
    starts = {run: min([r.get("fetched_at") or "" for r in rows_by_run.get(run, [])]
                       + [s["started"] for s in stats.get(run, [])] or [""])
              for run in set(rows_by_run) | set(stats)}
    mine = rows_by_run.get(run_id, [])
    earlier_runs = sorted((run for run in starts if run != run_id and starts[run] <= starts.get(run_id, "")),
                          key=lambda run: starts[run])
    earlier = [row for run in earlier_runs for row in rows_by_run.get(run, [])]
    known_objects = {r["sha256"] for r in earlier if r.get("sha256") and r["fetch_status"] == "ok"}

    portals = sorted({r["portal_id"] for r in mine if r.get("portal_id")}
                     | {s["portal_id"] for s in stats.get(run_id, [])})
    reports = []
    for portal in portals:
        rows = [r for r in mine if r.get("portal_id") == portal]
        counters = [s for s in stats.get(run_id, []) if s["portal_id"] == portal]
        report = PortalReport(run_id, portal, _status(rows, sum(s["pages"] for s in counters)),
                              started=starts.get(run_id, ""),
                              pages=sum(s["pages"] for s in counters),
                              requests=sum(s["requests"] for s in counters),
                              bytes=sum(s["bytes"] for s in counters),
                              duration_s=round(sum(s["duration_s"] for s in counters), 3))
        before: dict[str, dict[str, Any]] = {}  # URL -> its latest document row before this run
        for row in sorted(earlier, key=lambda r: r.get("fetched_at") or ""):
            if row.get("portal_id") == portal and row["fetch_status"] in DOCUMENT_STATUSES and row.get("sha256"):
                before[row["url"]] = row
        now = _first_by_url(rows)
        for url, row in now.items():
            if row["fetch_status"] not in DOCUMENT_STATUSES:
                continue
            previous = before.get(url)
            if previous is None:
                report.new.append(url)
            elif row["fetch_status"] == "not_modified" or row.get("sha256") == previous["sha256"]:
                report.unchanged.append(url)
            else:
                report.changed.append(url)
        report.stored = len({r["sha256"] for r in rows if r["fetch_status"] == "ok"
                             and r.get("sha256") and r["sha256"] not in known_objects})
        seen_ok = {r["url"] for r in rows if r["fetch_status"] in DOCUMENT_STATUSES}
        report.challenged = sum(r["fetch_status"] == "challenged" for r in rows)
        report.errors = dict(Counter(r["fetch_status"] for r in rows
                                     if r["fetch_status"] not in (*DOCUMENT_STATUSES, "challenged")))
        last = {r["url"]: r for r in sorted(rows, key=lambda r: r.get("fetched_at") or "")}
        report.failed = [{"url": url, "fetch_status": row["fetch_status"], "status": row.get("status"),
                          "reason": row.get("status_reason")}
                         for url, row in sorted(last.items()) if url not in seen_ok]
        previous_run = next((run for run in reversed(earlier_runs)
                             if any(r.get("portal_id") == portal for r in rows_by_run[run])), None)
        if previous_run is not None and report.status in ("ok", "empty"):
            was_there = {r["url"] for r in rows_by_run[previous_run]
                         if r.get("portal_id") == portal and r["fetch_status"] in DOCUMENT_STATUSES}
            failed = {r["url"]: r for r in rows if r["url"] not in seen_ok}
            report.gone = sorted(url for url in was_there if url not in seen_ok and (
                url not in failed or failed[url].get("status") in GONE_HTTP))
        for kind in (report.new, report.changed, report.unchanged):
            kind.sort()
        reports.append(report)
    return reports


def write_run_report(data_dir: Path | str, run_id: str) -> list[PortalReport]:
    """Compute the run's report and keep it in the catalog (`report-<pid>.json`)."""
    reports = run_report(data_dir, run_id)
    _write_json(run_folder(data_dir, run_id) / f"report-{os.getpid()}.json",
                [asdict(report) for report in reports])
    return reports


def read_reports(data_dir: Path | str) -> list[list[PortalReport]]:
    """The persisted report of every run (its latest, if written more than once), oldest run first."""
    runs = []
    for folder in (Path(data_dir) / "catalog").glob("run=*"):
        files = sorted(folder.glob("report-*.json"), key=lambda p: p.stat().st_mtime_ns)
        if files:
            try:
                runs.append([PortalReport(**r) for r in json.loads(files[-1].read_text(encoding="utf-8"))])
            except (OSError, json.JSONDecodeError, TypeError):
                continue
    return sorted((r for r in runs if r), key=lambda reports: reports[0].started)


def troubled_portals(data_dir: Path | str, last: int = 3) -> dict[str, list[tuple[str, str]]]:
    """Portals challenged, unreachable or empty in any of the last `last` runs that crawled
    them: portal -> [(run_id, status)], newest first."""
    history: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for reports in reversed(read_reports(data_dir)):
        for report in reports:
            if len(history[report.portal_id]) < last:
                history[report.portal_id].append((report.run_id, report.status))
    return {portal: runs for portal, runs in sorted(history.items())
            if any(status in TROUBLE for _, status in runs)}


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def format_report(reports: list[PortalReport], troubled: dict[str, list[tuple[str, str]]] | None = None) -> str:
    """The report as a table for a terminal, then the portals in trouble lately."""
    lines = [f"{'portal':<24} {'status':<11} {'pages':>6} {'new':>5} {'chg':>5} {'same':>5} {'gone':>5} "
             f"{'challenged':>10} {'bytes':>9} {'time':>8}  errors"]
    for r in reports:
        errors = ", ".join(f"{k} {v}" for k, v in sorted(r.errors.items())) or "-"
        lines.append(f"{r.portal_id:<24} {r.status:<11} {r.pages:>6} {len(r.new):>5} {len(r.changed):>5} "
                     f"{len(r.unchanged):>5} {len(r.gone):>5} {r.challenged:>10} {_size(r.bytes):>9} "
                     f"{r.duration_s:>7.1f}s  {errors}")
    if troubled:
        lines.append("portals in trouble in their last runs (newest first):")
        for portal, runs in troubled.items():
            lines.append(f"  {portal}: " + ", ".join(f"{status} ({run})" for run, status in runs))
    return "\n".join(lines)
