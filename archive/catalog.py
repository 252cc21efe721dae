"""The append-only fetch catalog: one JSON line per fetch, one file per crawl process and run.

No process ever rewrites another's file, so several crawlers (and object storage) can share one
catalog; readers take the union of all files. A torn last line (a crash mid-write) is skipped.
Object storage has no append: there a writer keeps its lines in a local spool file and puts the
file whole when it closes (crawls to object storage stage locally anyway: archive.runs).
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any, Iterator

from archive.storage import Location, lines, location
from parsing.schema import CATALOG_FIELDS


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

    def append(self, row: dict[str, Any]) -> dict[str, Any]:
        unknown = set(row) - set(CATALOG_FIELDS)
        if unknown:
            raise ValueError(f"unknown catalog fields: {sorted(unknown)}")
        full = {name: row.get(name) for name in CATALOG_FIELDS}
        full["run_id"] = self.run_id
        self._fh.write(json.dumps(full, ensure_ascii=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return full

    def close(self) -> None:
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
