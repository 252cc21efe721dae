"""Where the parse stage runs: a local process pool, or a Dask cluster — one setting apart.

Both are `concurrent.futures` executors, so `archive.parse` drives them with the same code: it
submits `parse_isolated` calls and waits on the futures. On a Dask cluster each call runs in a
worker thread that forks the document's own child, with the same time and memory limits as on
one machine. The workers must see the data directory at the same path (a shared file system),
because documents travel as paths, not bytes.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Iterator

# The setting that switches the parse stage to a cluster (also `--scheduler` on the command line).
SCHEDULER_ENV = "BUDGET_CORPUS_SCHEDULER"


@dataclass(frozen=True)
class ParseExecutor:
    executor: Executor
    slots: int  # documents that can be parsed at once: how many to keep in flight


def default_scheduler() -> str | None:
    """The Dask scheduler address from the environment, or None for the local pool."""
    return os.environ.get(SCHEDULER_ENV) or None


@contextmanager
def local_pool(workers: int | None = None) -> Iterator[ParseExecutor]:
    """Forked pool processes (fork: the parse function need not be importable by name)."""
    workers = workers or os.cpu_count() or 1
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
        yield ParseExecutor(pool, workers)


@contextmanager
def dask_cluster(scheduler: str, workers: int | None = None) -> Iterator[ParseExecutor]:
    """A client of the scheduler at `scheduler` (tcp://HOST:PORT) as a futures executor.

    `workers`, when given, caps the documents in flight; by default every worker thread of the
    cluster (as it is when the stage starts) gets one.
    """
    from distributed import Client

    with Client(scheduler, set_as_default=False) as client:
        threads = sum(client.nthreads().values()) or 1
        executor = client.get_executor(pure=False)  # the same document twice is two parses
        try:
            yield ParseExecutor(executor, min(workers, threads) if workers else threads)
        finally:
            executor.shutdown(wait=True)


def open_executor(workers: int | None = None,
                  scheduler: str | None = None) -> AbstractContextManager[ParseExecutor]:
    """The Dask cluster at `scheduler` if given (else at $BUDGET_CORPUS_SCHEDULER), else a
    local pool of `workers` processes."""
    scheduler = scheduler or default_scheduler()
    return dask_cluster(scheduler, workers) if scheduler else local_pool(workers)
