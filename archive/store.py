"""Content-addressed raw store: `raw/sha256/ab/cd/<sha256>`.

Files are named by their hash, never by anything a server said, and written through a temporary
name then renamed, so a crash leaves either the whole object or nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from archive.atomic import atomic_file


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class RawStore:
    """The raw objects of one data directory."""

    def __init__(self, data_dir: Path | str):
        self.root = Path(data_dir) / "raw" / "sha256"

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def put(self, data: bytes) -> str:
        """Store `data` once; return its sha256. Storing the same bytes again writes nothing."""
        digest = sha256_hex(data)
        target = self.path(digest)
        if target.is_file():
            return digest
        with atomic_file(target) as fh:
            fh.write(data)
        return digest
