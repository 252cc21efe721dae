"""The append-only fetch catalog: one JSON line per fetch, one file per crawl process and run.

No process ever rewrites another's file, so several crawlers (and object storage) can share one
catalog; readers take the union of all files. A torn last line (a crash mid-write) is skipped.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any, Iterator

from parsing.schema import CATALOG_FIELDS


class CatalogWriter:
    """Appends fetch rows for one run of one process."""

    def __init__(self, data_dir: Path | str, run_id: str):
        self.run_id = run_id
        folder = Path(data_dir) / "catalog" / f"run={run_id}"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"fetches-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        self._fh = open(self.path, "a", encoding="utf-8")

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
        self._fh.close()


def read_catalog(data_dir: Path | str) -> Iterator[dict[str, Any]]:
    """Every fetch row ever written, in file order; torn lines are skipped."""
    root = Path(data_dir) / "catalog"
    for path in sorted(root.glob("run=*/*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue
