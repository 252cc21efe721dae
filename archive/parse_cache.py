"""Parse cache: one JSON document per (parser version, raw document), written once.

`parse-cache/<parser_version>/ab/<sha256>.json.gz`. A new parser version parses into a new folder,
so an old result is never mixed with a new one and re-parsing needs no new crawl.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator


class ParseCache:
    def __init__(self, data_dir: Path | str, parser_version: str):
        self.parser_version = parser_version
        self.root = Path(data_dir) / "parse-cache" / parser_version

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.json.gz"

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def get(self, sha256: str) -> dict[str, Any]:
        with gzip.open(self.path(sha256), "rt", encoding="utf-8") as fh:
            return json.load(fh)

    def put(self, sha256: str, result: dict[str, Any]) -> Path:
        """Write a result once (temporary name, then rename); an existing entry is kept."""
        target = self.path(sha256)
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = gzip.compress(json.dumps(result, ensure_ascii=False).encode("utf-8"), mtime=0)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def entries(self) -> Iterator[str]:
        """The sha256 of every cached document."""
        for path in sorted(self.root.glob("*/*.json.gz")):
            yield path.name.removesuffix(".json.gz")
