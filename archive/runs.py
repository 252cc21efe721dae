"""`budget-corpus run` (crawl + parse + build, for cron and systemd timers) and the run log:
what each run — and each stage run alone — fetched, parsed and built.

One JSON file per run in `<data_dir>/runs/`, rewritten (temporary name, then rename) as the run
moves on, so a run that crashed still shows what it got through and `status: running`. Runs never
write each other's files, so several schedulers can share a data directory. The corpus database
reads the folder live as the `runs` view.

With a data directory on object storage (archive.storage) a record is one PUT each time, the
`run` lock is a local file in the location's cache folder (it keeps one machine's timer from
overlapping itself, not two machines), and the crawl runs into a local staging folder whose new
files are uploaded when it ends (`crawl_to`): the crawler's WARC writer needs a local file.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import tempfile
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from archive.parse import Limits, ParseSummary
from archive.storage import Location, location
from parsing.schema import PARSER_VERSION

RUNS_DIR = "runs"

# Column → DuckDB type of the `runs` view; a record holds a subset, the rest read as NULL.
RUN_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR",
    "command": "VARCHAR",  # run | crawl | parse | build
    "status": "VARCHAR",  # running | ok | failed
    "error": "VARCHAR",
    "started_at": "TIMESTAMP",  # UTC
    "finished_at": "TIMESTAMP",
    "seconds": "DOUBLE",
    "crawl_run_id": "VARCHAR",  # the run=… folder of the fetch catalog
    "requests": "BIGINT",
    "fetches": "BIGINT",
    "fetch_statuses": "MAP(VARCHAR, BIGINT)",
    "documents_fetched": "BIGINT",
    "new_documents": "BIGINT",
    "parsed": "BIGINT",
    "already_parsed": "BIGINT",
    "parse_statuses": "MAP(VARCHAR, BIGINT)",
    "parser_version": "VARCHAR",
    "build_id": "VARCHAR",
    "built_rows": "MAP(VARCHAR, BIGINT)",
}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def new_run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


class Run:
    """One run's record, saved after every change."""

    def __init__(self, data_dir: Location | Path | str, command: str, run_id: str | None = None):
        self.location = location(data_dir)
        self.folder = self.location.path(RUNS_DIR)
        self.record: dict[str, Any] = {"run_id": run_id or new_run_id(), "command": command,
                                       "status": "running", "started_at": _now()}
        self._started = dt.datetime.now(dt.UTC)
        self.save()

    @property
    def run_id(self) -> str:
        return self.record["run_id"]

    @property
    def path(self) -> Path | str:
        return self.location.path(RUNS_DIR, f"{self.run_id}.json")

    def update(self, **fields: Any) -> None:
        unknown = set(fields) - set(RUN_COLUMNS)
        if unknown:
            raise ValueError(f"unknown run log fields: {sorted(unknown)}")
        self.record.update(fields)
        self.save()

    def finish(self, status: str, error: str | None = None) -> None:
        seconds = (dt.datetime.now(dt.UTC) - self._started).total_seconds()
        self.update(status=status, error=error, finished_at=_now(), seconds=round(seconds, 3))

    def save(self) -> None:
        if not isinstance(self.folder, Path):
            self.location.write_bytes(self.path, json.dumps(self.record, ensure_ascii=False)
                                      .encode("utf-8"))
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.record, fh, ensure_ascii=False)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@contextmanager
def logged_run(data_dir: Location | Path | str, command: str) -> Iterator[Run]:
    """A run recorded as ok when the block ends, failed (with the error) when it raises."""
    run = Run(data_dir, command)
    try:
        yield run
    except BaseException as exc:
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        run.finish("failed", last)
        raise
    run.finish("ok")


def read_runs(data_dir: Location | Path | str, limit: int | None = None
              ) -> list[dict[str, Any]]:
    """Run records, newest first (unreadable files, e.g. from another tool, are skipped)."""
    loc = location(data_dir)
    records = []
    for path in loc.glob(RUNS_DIR, "*.json"):
        try:
            records.append(json.loads(loc.read_bytes(path).decode("utf-8")))
        except (OSError, ValueError):
            continue
    records.sort(key=lambda r: (str(r.get("started_at")), str(r.get("run_id"))), reverse=True)
    return records[:limit] if limit else records


def runs_view(data_dir: Location | Path | str) -> dict[str, str]:
    """The `runs` view of corpus.duckdb: the run log folder, read live."""
    loc = location(data_dir)
    if loc.local is not None:
        loc = Location(loc.local.resolve())
    if not loc.glob(RUNS_DIR, "*.json"):
        empty = ", ".join(f"NULL::{kind} AS {name}" for name, kind in RUN_COLUMNS.items())
        return {"runs": f"SELECT {empty} WHERE false"}
    folder = loc.path(RUNS_DIR)
    glob = f"{folder.as_posix() if isinstance(folder, Path) else folder}/*.json"
    glob = glob.replace("'", "''")
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in RUN_COLUMNS.items())
    return {"runs": f"SELECT * FROM read_json('{glob}', columns = {{{columns}}}, "
                    "format = 'auto') ORDER BY started_at DESC"}


def crawl_fields(summary: Any) -> dict[str, Any]:
    """The run log's view of a crawler.run.CrawlSummary."""
    return {"crawl_run_id": summary.run_id, "requests": summary.requests,
            "fetches": summary.fetches, "fetch_statuses": dict(summary.by_status),
            "documents_fetched": summary.documents, "new_documents": summary.new_documents}


def parse_fields(summary: ParseSummary) -> dict[str, Any]:
    return {"parsed": summary.parsed, "already_parsed": summary.cached,
            "parse_statuses": dict(summary.statuses), "parser_version": PARSER_VERSION}


class RunInProgress(RuntimeError):
    """Another `run` holds this data directory (a timer fired before the last run ended)."""


@contextmanager
def exclusive(data_dir: Location | Path | str) -> Iterator[None]:
    """One `run` at a time per data directory: a lock file in the run log folder (for one on
    object storage, in its local cache folder)."""
    loc = location(data_dir)
    folder = loc.local / RUNS_DIR if loc.local is not None else loc.cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunInProgress(f"another run is in progress in {data_dir}; "
                                "this one is skipped") from None
        yield


def crawl_to(portals_file: Path, data_dir: Location | Path | str,
             portal_ids: list[str] | None = None, **options: Any) -> Any:
    """Crawl into the data directory; return the crawler's summary.

    For one on object storage the crawl runs in a local staging folder (`<cache>/staging`):
    the catalog is fetched there first (so the crawl is incremental and knows what was stored
    before), and afterwards every new file — raw objects, WARC files, this run's catalog,
    reports and logs — is uploaded; objects already there are skipped.
    """
    from crawler.run import run_crawl

    loc = location(data_dir)
    if loc.local is not None:
        return run_crawl(portals_file, loc.local, portal_ids=portal_ids, **options)
    staging = loc.cache_dir() / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    loc.download(staging / "catalog", "catalog", skip_existing=True)
    summary = run_crawl(portals_file, staging, portal_ids=portal_ids, **options)
    for folder in ("raw", "warc", "catalog", "logs"):
        if (staging / folder).is_dir():
            loc.upload(staging / folder, folder, skip_existing=True)
    return summary


def run_pipeline(portals_file: Path, data_dir: Path | str, portal_ids: list[str] | None = None,
                 workers: int | None = None, limits: Limits = Limits(), console: Any = None,
                 always_build: bool = False) -> dict[str, Any]:
    """Crawl, parse what is new, and rebuild the corpus if anything new was parsed (or there
    is no corpus yet); return the run's log record. Each stage is recorded as it ends, so a
    run that fails part-way still says what it got through."""
    from archive.build import build_corpus
    from archive.progress import parse_with_progress

    loc = location(data_dir)
    if loc.local is not None:
        loc.local.mkdir(parents=True, exist_ok=True)
    data_dir = loc.local if loc.local is not None else loc.url
    say = console.print if console is not None else (lambda *_: None)
    with exclusive(data_dir), logged_run(data_dir, "run") as run:
        crawled = crawl_to(portals_file, data_dir, portal_ids=portal_ids)
        run.update(**crawl_fields(crawled))
        say(f"crawl: {crawled}")
        if console is not None:
            parsed = parse_with_progress(data_dir, workers, console, limits=limits)
        else:
            from archive.parse import parse_archive

            parsed = parse_archive(data_dir, workers=workers, limits=limits)
        run.update(**parse_fields(parsed))
        if always_build or parsed.parsed or loc.current_build() is None:
            built = build_corpus(data_dir)
            run.update(build_id=built.build_id, built_rows=built.rows)
            say(f"built corpus {built.build_id} in {built.seconds:.1f} s")
        else:
            say("nothing new parsed: the corpus is kept as it is")
    return run.record
