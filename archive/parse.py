"""The parse stage: every archived document not yet parsed by this parser version, in a process pool.

Each document is parsed in a worker process under a CPU-time alarm and an address-space limit,
so one hostile file ends as a `failed` result with its reason instead of taking the run down.
A worker that dies outright breaks the pool; its documents are recorded as failed and the pool is
started again for the rest.
"""

from __future__ import annotations

import os
import resource
import signal
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from archive.catalog import read_catalog
from archive.parse_cache import ParseCache
from archive.store import RawStore
from parsing.schema import DOCUMENT_FIELDS, PARSER_VERSION

DEFAULT_TIMEOUT_S = 300
DEFAULT_MEMORY_BYTES = 4 * 1024**3


@dataclass
class ParseSummary:
    parsed: int = 0
    cached: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)  # sha256 -> reason


def archived_documents(data_dir: Path) -> list[str]:
    """sha256 of every stored document, in first-fetched order."""
    seen: dict[str, None] = {}
    for row in read_catalog(data_dir):
        if row.get("fetch_status") == "ok" and row.get("sha256"):
            seen.setdefault(row["sha256"], None)
    return list(seen)


def failure_result(sha256: str, reason: str) -> dict[str, Any]:
    """A parse result for a document the parser could not finish: recorded, never dropped."""
    document = {name: None for name in DOCUMENT_FIELDS}
    document.update(doc_id=sha256, parse_status="failed", status_reason=reason,
                    parser_version=PARSER_VERSION, checks_passed=0, checks_total=0)
    return {"document": document, "tables": [], "cells": [], "line_items": [], "checks": []}


def _limit_worker(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


class _Timeout(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Timeout()


def parse_one(raw_path: str, sha256: str, cache_root: str, timeout_s: int) -> tuple[str, str]:
    """Parse one stored document into the cache (in a worker); return (status, reason)."""
    from parsing.parse import parse_bytes

    cache = ParseCache(Path(cache_root).parent.parent, PARSER_VERSION)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(timeout_s)
    try:
        result = parse_bytes(Path(raw_path).read_bytes(), name=sha256)
    except _Timeout:
        result = failure_result(sha256, f"parse exceeded the time limit of {timeout_s} s")
    except MemoryError:
        result = failure_result(sha256, "parse exceeded the memory limit")
    except Exception as exc:  # the parser promises not to raise; if it does, record why
        result = failure_result(sha256, f"parser error: {type(exc).__name__}: {exc}")
    finally:
        signal.alarm(0)
    cache.put(sha256, result)
    doc = result["document"]
    return doc["parse_status"], doc.get("status_reason") or ""


def parse_archive(
    data_dir: Path | str,
    workers: int | None = None,
    timeout_s: int = DEFAULT_TIMEOUT_S,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> ParseSummary:
    """Parse what the archive holds and the cache lacks; return what happened."""
    data_dir = Path(data_dir)
    store = RawStore(data_dir)
    cache = ParseCache(data_dir, PARSER_VERSION)
    summary = ParseSummary()
    todo = []
    for sha in archived_documents(data_dir):
        if cache.has(sha):
            summary.cached += 1
        elif store.has(sha):
            todo.append(sha)
    total = len(todo)
    if progress:
        progress(0, total)
    workers = workers or os.cpu_count() or 1

    def tick() -> None:
        if progress:
            progress(summary.parsed, total)

    while todo:
        todo, suspects = _run_pool(todo, store, cache, workers, timeout_s, memory_bytes,
                                   summary, tick)
        # A dead worker breaks every future in flight: retry those alone, so only the document
        # that kills a pool of its own is recorded as failed.
        for sha in suspects:
            _, again = _run_pool([sha], store, cache, 1, timeout_s, memory_bytes, summary, tick)
            if again:
                reason = "the parser process died (killed or crashed)"
                cache.put(sha, failure_result(sha, reason))
                _record(summary, sha, "failed", reason)
                tick()
    return summary


def _run_pool(todo: list[str], store: RawStore, cache: ParseCache, workers: int, timeout_s: int,
              memory_bytes: int, summary: ParseSummary,
              tick: Callable[[], None]) -> tuple[list[str], list[str]]:
    """Run one pool over `todo`; if a worker dies, return (not yet started, in flight)."""
    pending: dict[Future, str] = {}
    queue = list(reversed(todo))
    with ProcessPoolExecutor(max_workers=workers, initializer=_limit_worker,
                             initargs=(memory_bytes,)) as pool:
        try:
            while queue or pending:
                while queue and len(pending) < workers * 2:
                    sha = queue.pop()
                    pending[pool.submit(parse_one, str(store.path(sha)), sha, str(cache.root),
                                        timeout_s)] = sha
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    status, reason = fut.result()  # raises BrokenProcessPool before the pop
                    _record(summary, pending.pop(fut), status, reason)
                    tick()
        except BrokenProcessPool:
            suspects = []
            for fut, sha in pending.items():
                if fut.done() and fut.exception() is None:
                    _record(summary, sha, *fut.result())
                    tick()
                else:
                    suspects.append(sha)
            return list(reversed(queue)), suspects
    return [], []


def _record(summary: ParseSummary, sha: str, status: str, reason: str) -> None:
    summary.parsed += 1
    summary.statuses[status] += 1
    if status == "failed":
        summary.failures[sha] = reason
