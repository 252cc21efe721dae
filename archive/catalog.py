"""The append-only fetch catalog: one JSON line per fetch, one file per crawl process and run.

No process ever rewrites another's file, so several crawlers (and object storage) can share one
catalog; readers take the union of all files. A torn last line (a crash mid-write) is skipped.
A row reaches the operating system as it is appended, so a killed process loses none; it is
made durable against a power cut within SYNC_EVERY_S and at close (an fsync per row costs a
crawl more than the rest of the row's work). A row a power cut takes is rebuilt by the next
crawl from the WARC record it pointed to (crawler.pipelines.relink_interrupted), which is why
the crawl syncs the record and the object before it appends the row.
Object storage has no append: there a writer keeps its lines in a local spool file and puts the
file whole when it closes (crawls to object storage stage locally anyway: archive.runs).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

from archive.storage import Location, lines, location
from parsing.schema import CATALOG_FIELDS

SYNC_EVERY_S = 1.0


class CatalogWriter:
    """Appends fetch rows for one run of one process."""

    def __init__(self, data_dir: Location | Path | str, run_id: str):
        self.run_id = run_id
        self.location = location(data_dir)
        name = f"fetches-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        self.path = self.location.path("catalog", f"run={run_id}", name)
        if isinstance(self.path, Path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "a", encoding="utf-8")
        else:
            self._fh = tempfile.NamedTemporaryFile(
                "a+", encoding="utf-8", suffix=".jsonl", dir=self.location.cache_dir())
        self._synced = time.monotonic()

    def append(self, row: dict[str, Any]) -> dict[str, Any]:
        unknown = set(row) - set(CATALOG_FIELDS)
        if unknown:
            raise ValueError(f"unknown catalog fields: {sorted(unknown)}")
        full = {name: row.get(name) for name in CATALOG_FIELDS}
        full["run_id"] = self.run_id
        self._fh.write(json.dumps(full, ensure_ascii=False) + "\n")
        self._fh.flush()
        if time.monotonic() - self._synced >= SYNC_EVERY_S:
            self.sync()
        return full

    def sync(self) -> None:
        os.fsync(self._fh.fileno())
        self._synced = time.monotonic()

    def close(self) -> None:
        self._fh.flush()
        self.sync()
        if not isinstance(self.path, Path):
            self._fh.seek(0)
            self.location.write_bytes(self.path, self._fh.read().encode("utf-8"))
        self._fh.close()


def read_catalog(data_dir: Location | Path | str) -> Iterator[dict[str, Any]]:
    """Every fetch row ever written, in file order; torn lines are skipped."""
    loc = location(data_dir)
    for path in loc.glob("catalog", "run=*", "*.jsonl"):
        for line in lines(loc, path):
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue
