"""Write a file so that readers see all of it or none: a temporary name, fsync, then rename."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

TEMP_PREFIX = ".tmp-"  # then the writer's pid, so a sweep can tell a dead writer's leftovers
_made: set[Path] = set()  # folders this process made or found (one removed since: see below)


def writer_pid(temporary: Path) -> int | None:
    """The pid in a temporary file's name (None for a name without one)."""
    head = temporary.name[len(TEMP_PREFIX):].split("-", 1)[0]
    return int(head) if head.isdigit() else None


@contextmanager
def atomic_file(target: Path) -> Iterator[BinaryIO]:
    """Yield a binary file that becomes `target` only when the block ends without an error."""
    if target.parent not in _made:  # a crawl writes thousands of objects into the same folders
        target.parent.mkdir(parents=True, exist_ok=True)
        _made.add(target.parent)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f"{TEMP_PREFIX}{os.getpid()}-")
    except FileNotFoundError:  # removed since (a test's tmp folder, a pruned build): make it again
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f"{TEMP_PREFIX}{os.getpid()}-")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
