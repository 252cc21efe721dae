"""Content-addressed raw store: `raw/sha256/ab/cd/<sha256>`.

Files are named by their hash, never by anything a server said, and written whole or not at all
(a temporary name then a rename locally, one PUT on object storage), so a crash leaves either
the whole object or nothing. The same bytes always land on the same name, so writers on many
machines never conflict.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from archive.atomic import TEMP_PREFIX, writer_pid
from archive.storage import Location, location


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class RawStore:
    """The raw objects of one data directory (a local folder or an fsspec URL)."""

    def __init__(self, data_dir: Location | Path | str):
        self.location = location(data_dir)
        self.root = self.location.path("raw", "sha256")

    def path(self, sha256: str) -> Path | str:
        """A Path locally, a URL on object storage."""
        if isinstance(self.root, Path):
            return self.root / sha256[:2] / sha256[2:4] / sha256
        return f"{self.root}/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def has(self, sha256: str) -> bool:
        return self.location.is_file(self.path(sha256))

    def get(self, sha256: str) -> bytes:
        return self.location.read_bytes(self.path(sha256))

    def put(self, data: bytes) -> str:
        """Store `data` once; return its sha256. Storing the same bytes again writes nothing."""
        digest = sha256_hex(data)
        target = self.path(digest)
        if not self.location.is_file(target):
            self.location.write_bytes(target, data)
        return digest

    def remove_stale_temporaries(self, older_than_s: float = 3600.0) -> list[Path]:
        """Delete the temporary files killed writers left (local stores only; object storage
        has none): those of a process that no longer runs here, and any older than
        `older_than_s` (a writer on another machine sharing the folder may still be at work
        on a young one)."""
        if not isinstance(self.root, Path) or not self.root.is_dir():
            return []
        cutoff = time.time() - older_than_s
        removed = []
        for path in self.root.glob(f"*/*/{TEMP_PREFIX}*"):
            try:
                if not _running(writer_pid(path)) or path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
            except FileNotFoundError:  # its writer finished or another sweep got there first
                continue
        return removed


def _running(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
