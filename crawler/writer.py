"""The crawl's disk work on one thread of its own, in the order it was handed over.

A crawl with politeness off is bound by its reactor thread. Writing an exchange's WARC records,
storing a document's bytes and appending its catalog row cost little CPU each, but awaited on
the reactor (a coroutine, an executor future and a wake-up per response and per item) they cost
the crawl as much again as the work itself. So the WARC recorder and the archive pipeline only
hand jobs to this writer and return at once; the writer does them one after another.

One thread, first in first out, is what keeps the archive consistent: a response's WARC job is
handed over (by the downloader middleware) before the spider sees the response, so by the time
the writer reaches the job of an item made from it, the record is written and its locator known;
and the per-item order that makes a crash harmless (WARC record, raw object, catalog row) holds.
The queue is bounded, so a slow disk slows the crawl down instead of filling memory.
"""

from __future__ import annotations

import logging
import queue
import threading
import weakref
from typing import Any, Callable

logger = logging.getLogger(__name__)

QUEUE_JOBS = 512  # at most this many jobs wait; the crawl waits for the writer beyond it
_STOP = object()


class ArchiveWriter:
    """A worker thread running jobs in order; shared by the components of one crawler."""

    def __init__(self, name: str = "archive-writer", on_error: Callable[[], None] | None = None):
        # SimpleQueue: no Python-level lock for the reactor to queue up behind; the bound is kept
        # with two counters, each written by one thread only.
        self.jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.submitted = 0
        self.finished = 0
        self.on_error = on_error
        self.users = 0
        self.errors = 0
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            job = self.jobs.get()
            if job is _STOP:
                return
            try:
                job()
            except Exception:  # one failed write must not stop the others; it is logged and counted
                self.errors += 1
                logger.exception("archive write failed")
                if self.on_error is not None:
                    self.on_error()
            finally:
                self.finished += 1

    def submit(self, job: Callable[[], None]) -> None:
        """Queue a job; returns at once unless QUEUE_JOBS are already waiting."""
        self.submitted += 1
        self.jobs.put(job)
        if self.submitted - self.finished > QUEUE_JOBS:
            self.wait()

    def wait(self) -> None:
        """Block until every job handed over so far is done."""
        done = threading.Event()
        self.submitted += 1
        self.jobs.put(done.set)
        done.wait()

    def acquire(self) -> ArchiveWriter:
        self.users += 1
        return self

    def release(self) -> None:
        """The last user to let go drains the queue and stops the thread."""
        self.users -= 1
        if self.users <= 0 and self.thread.is_alive():
            self.jobs.put(_STOP)
            self.thread.join()


_writers: weakref.WeakKeyDictionary[Any, ArchiveWriter] = weakref.WeakKeyDictionary()


def archive_writer(crawler: Any) -> ArchiveWriter:
    """The writer of this crawler (one per crawler: each portal's crawl has its own WARC file)."""
    writer = _writers.get(crawler)
    if writer is None or not writer.thread.is_alive():
        stats = getattr(crawler, "stats", None)
        writer = ArchiveWriter(on_error=(lambda: stats.inc_value("archive/write_errors")) if stats else None)
        _writers[crawler] = writer
    return writer
