"""The parse stage: every archived document not yet parsed by this parser version, in a pool.

Each document is parsed in a child process of its own, forked by a pool worker, under an
address-space limit (RLIMIT_AS) and a wall-clock limit: a file that hangs the parser (even inside
C code, where no Python signal reaches) is killed, one that exhausts memory or crashes the
interpreter only ends its child, and either way the document is recorded as `failed` with the
reason while the pool goes on. The unit of work, `parse_isolated`, is a plain function of
picklable arguments, so any `concurrent.futures` executor can run it (DESIGN.md § Scale).
`parse_limited` puts one file under the same limits without a data directory: `parse-file`.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing as mp
import resource
import signal
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from archive.catalog import read_catalog
from archive.executors import open_executor
from archive.parse_cache import ContractError, ParseCache, document_statuses
from archive.storage import location, read_bytes
from archive.store import RawStore
from parsing.schema import DOCUMENT_FIELDS, PARSER_VERSION

DEFAULT_TIMEOUT_S = 300.0
DEFAULT_MEMORY_BYTES = 4 * 1024**3

# A parser: file bytes and a name → the parse-result contract's dict. The real one is
# parsing.parse.parse_bytes; tests pass hanging or exploding ones to exercise the limits.
ParseFunction = Callable[[bytes, str], dict[str, Any]]


@dataclass(frozen=True)
class Limits:
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_bytes: int = DEFAULT_MEMORY_BYTES


@dataclass
class ParseSummary:
    parsed: int = 0  # parsed in this run (retries included)
    cached: int = 0  # already in the parse cache for this parser version
    missing: int = 0  # in the catalog but not in the raw store
    statuses: Counter = field(default_factory=Counter)  # of what was parsed in this run
    failures: dict[str, str] = field(default_factory=dict)  # sha256 -> reason


def parse_bytes(data: bytes, name: str) -> dict[str, Any]:
    """The real parser (imported in the worker, so the parent never loads pdfplumber)."""
    from parsing.parse import parse_bytes as parse

    return parse(data, name=name)


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


def _store(cache: ParseCache, sha256: str, result: dict[str, Any], replace: bool) -> None:
    (cache.replace if replace else cache.put)(sha256, result)


def _parse_guarded(data: bytes, name: str, sha256: str, limits: Limits,
                   parse: ParseFunction) -> dict[str, Any]:
    """In a child process: limit its memory, parse; a parser that raises still gives a result."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    try:
        return parse(data, name)
    except MemoryError:
        return failure_result(sha256, "parse exceeded the memory limit of "
                                      f"{limits.memory_bytes // 2**20} MiB")
    except Exception as exc:  # the parser promises not to raise; if it does, record why
        return failure_result(sha256, f"parser error: {type(exc).__name__}: {exc}")


def _child(conn: Any, raw_path: str, sha256: str, data_dir: str, limits: Limits,
           parse: ParseFunction, replace: bool) -> None:
    """In the document's own process: parse, write the cache entry, report."""
    data = read_bytes(raw_path)
    result = _parse_guarded(data, sha256, sha256, limits, parse)
    cache = ParseCache(data_dir, PARSER_VERSION)
    _store_members(cache, RawStore(data_dir), data, result, replace)
    try:
        _store(cache, sha256, result, replace)
    except ContractError as exc:
        result = failure_result(sha256, f"the parse result breaks the contract: {exc}")
        _store(cache, sha256, result, replace)
    document = result["document"]
    conn.send((document["parse_status"], document.get("status_reason") or ""))
    conn.close()


def _store_members(cache: ParseCache, store: RawStore, data: bytes, result: dict[str, Any],
                   replace: bool) -> None:
    """A zip's members become documents of their own (DESIGN.md § Raw archive): each is stored
    as a raw object with a cache entry of its own (its document names the container and its
    path there; nested zips likewise), and the container's entry lists them by path and sha256."""
    members = result.get("members") or []
    if not members:
        return
    from parsing.archives import zip_members  # read again: the parse kept results, not bytes

    stored = {member.path: member.data for member in zip_members(data)}
    for member in members:
        body, digest = stored.get(member["member_path"]), member["sha256"]
        if body is None or hashlib.sha256(body).hexdigest() != digest:
            continue  # cannot happen with the same zip; never store what was not parsed
        store.put(body)
        _store_members(cache, store, body, member["result"], replace)
        try:
            _store(cache, digest, member["result"], replace)
        except ContractError as exc:
            failed = failure_result(digest, f"the parse result breaks the contract: {exc}")
            failed["document"].update({key: member["result"]["document"].get(key)
                                       for key in ("container_id", "member_path")})
            _store(cache, digest, failed, replace)
    result["members"] = [{"member_path": m["member_path"], "sha256": m["sha256"]} for m in members]


def _in_child(target: Callable[..., None], args: tuple[Any, ...],
              limits: Limits) -> tuple[Any, str | None]:
    """Run `target(conn, *args)` in a forked child under the time limit; return what it sent
    (None if nothing) and, if it sent nothing, why."""
    ctx = mp.get_context("fork")
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_forked, daemon=True, args=(target, writer, *args))
    child.start()
    writer.close()
    message: Any = None
    if reader.poll(limits.timeout_s):  # a message, or end of file if the child died
        try:
            message = reader.recv()
        except EOFError:
            message = None
        reason = _death(child)
    else:
        child.kill()
        reason = f"parse exceeded the time limit of {limits.timeout_s:g} s (killed)"
    child.join()
    reader.close()
    if message is None:
        reason = reason or _death(child) or "the parser process ended without a result"
    return message, reason


def _forked(target: Callable[..., None], *args: Any) -> None:
    """In the forked child: keep what it inherited out of the garbage collector's reach, then
    run `target(*args)`.

    Some inherited objects cannot be finalized in a child: fsspec drops its cached filesystems
    after a fork, and s3fs's finalizer for a parent's S3 session then waits a second on the
    parent's event-loop thread, which the child does not have: a second per filesystem, taken
    from the document's time limit. The child is short-lived and shares those pages with its
    parent, so nothing is lost by never collecting them.
    """
    gc.freeze()
    target(*args)


def parse_isolated(raw_path: str, sha256: str, data_dir: str, limits: Limits,
                   parse: ParseFunction = parse_bytes, replace: bool = False) -> tuple[str, str]:
    """Parse one stored document into the cache in a child process; return (status, reason).

    Whatever happens to the child, the document ends with a cache entry.
    """
    _allow_children()
    if parse is parse_bytes:  # import once in this worker, not again in every child it forks
        import parsing.parse  # noqa: F401
        import parsing.pdf  # noqa: F401  (pdfplumber: imported lazily by the parser)
    report, reason = _in_child(_child, (raw_path, sha256, data_dir, limits, parse, replace), limits)
    if report is not None:
        return report
    _store(ParseCache(data_dir, PARSER_VERSION), sha256, failure_result(sha256, reason or ""),
           replace=True)  # the child may have died after writing: the failure is the truth
    return "failed", reason or ""


def parse_limited(data: bytes, name: str, limits: Limits = Limits(),
                  parse: ParseFunction = parse_bytes) -> dict[str, Any]:
    """Parse one file in a child process under `limits` and return its parse result; a child
    that hangs, exhausts memory or dies gives a `failed` result that says so."""
    result, reason = _in_child(_limited_child, (data, name, limits, parse), limits)
    return result if result is not None else failure_result(hashlib.sha256(data).hexdigest(), reason or "")


def _limited_child(conn: Any, data: bytes, name: str, limits: Limits, parse: ParseFunction) -> None:
    conn.send(_parse_guarded(data, name, hashlib.sha256(data).hexdigest(), limits, parse))
    conn.close()


def _allow_children() -> None:
    """Let a daemonic process (a Dask worker is one) fork the document's child.

    multiprocessing refuses children to daemons so none outlives its parent; here the parent
    always reaps or kills the child before `parse_isolated` returns, so the rule has no work.
    """
    if mp.current_process().daemon:
        mp.current_process()._config.pop("daemon", None)


def _death(child: Any) -> str | None:
    """Why a finished child died, in words (None while it runs or when it exited cleanly)."""
    child.join(timeout=5)
    code = child.exitcode
    if code is None or code == 0:
        return None
    if code < 0:
        name = signal.Signals(-code).name
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"the parser process was killed by {name}{hint}"
    return f"the parser process exited with status {code}"


def parse_archive(
    data_dir: Path | str,
    workers: int | None = None,
    limits: Limits = Limits(),
    progress: Callable[[int, int], None] | None = None,
    retry_failed: bool = False,
    parse: ParseFunction = parse_bytes,
    scheduler: str | None = None,
) -> ParseSummary:
    """Parse what the archive holds and the cache lacks (and, with `retry_failed`, what
    failed before); return what happened.

    With `scheduler` (a Dask address, default $BUDGET_CORPUS_SCHEDULER) the documents go to
    that cluster instead of a local pool of `workers` processes (archive.executors).
    """
    data_dir = location(data_dir)  # a local folder or an fsspec URL (archive.storage)
    store = RawStore(data_dir)
    cache = ParseCache(data_dir, PARSER_VERSION)
    summary = ParseSummary()
    failed = ({doc_id for doc_id, status, _ in document_statuses(cache) if status == "failed"}
              if retry_failed else set())
    todo: list[tuple[str, bool]] = []  # (sha256, replace an earlier failure)
    for sha in archived_documents(data_dir):
        if not store.has(sha):
            summary.missing += 1
        elif sha in failed:
            todo.append((sha, True))
        elif cache.has(sha):
            summary.cached += 1
        else:
            todo.append((sha, False))
    total = len(todo)
    if progress:
        progress(0, total)

    def record(sha: str, status: str, reason: str) -> None:
        summary.parsed += 1
        summary.statuses[status] += 1
        if status == "failed":
            summary.failures[sha] = reason
        if progress:
            progress(summary.parsed, total)

    while todo:
        todo = _run_pool(todo, store, data_dir, workers, scheduler, limits, parse, record)
    return summary


def _run_pool(todo: list[tuple[str, bool]], store: RawStore, data_dir: Path,
              workers: int | None, scheduler: str | None, limits: Limits, parse: ParseFunction,
              record: Callable[[str, str, str], None]) -> list[tuple[str, bool]]:
    """Run one pool over `todo`; return what is left if a pool worker itself died.

    Workers only fork and wait, so this is a backstop: the documents in flight when a worker
    dies are recorded as failed (each already had its own child and limits), the rest go on in
    a new pool. A task a cluster gives up on (its worker died too often) fails alone.
    """
    pending: dict[Future, tuple[str, bool]] = {}
    queue = list(reversed(todo))
    with open_executor(workers, scheduler) as pool:
        try:
            while queue or pending:
                while queue and len(pending) < pool.slots * 2:
                    sha, replace = queue.pop()
                    future = pool.executor.submit(parse_isolated, str(store.path(sha)), sha,
                                                  str(data_dir), limits, parse, replace)
                    pending[future] = (sha, replace)
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    error = future.exception()
                    if isinstance(error, BrokenProcessPool):
                        raise error
                    sha = pending.pop(future)[0]
                    if error is None:
                        record(sha, *future.result())
                    else:
                        reason = f"the parse worker failed: {type(error).__name__}: {error}"
                        _store(ParseCache(data_dir, PARSER_VERSION), sha,
                               failure_result(sha, reason), replace=True)
                        record(sha, "failed", reason)
        except BrokenProcessPool:
            for future, (sha, replace) in pending.items():
                if future.done() and future.exception() is None:
                    record(sha, *future.result())
                else:
                    reason = "the parse worker process died"
                    _store(ParseCache(data_dir, PARSER_VERSION), sha,
                           failure_result(sha, reason), replace=True)
                    record(sha, "failed", reason)
            return list(reversed(queue))
    return []
