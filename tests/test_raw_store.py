"""The raw store: objects by content, written whole, and what killed writers leave cleaned up."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from archive.atomic import TEMP_PREFIX
from archive.store import RawStore


def _leftover(store: RawStore, pid: int, name: str = "abc") -> Path:
    folder = store.root / "ab" / "cd"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{TEMP_PREFIX}{pid}-{name}"
    path.write_bytes(b"%PDF-half")
    return path


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_the_same_bytes_are_stored_once_under_their_hash(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    first, second = store.put(b"%PDF-1.4 a"), store.put(b"%PDF-1.4 a")
    assert first == second and store.get(first) == b"%PDF-1.4 a"
    assert [p.name for p in (tmp_path / "raw").rglob("*") if p.is_file()] == [first]


def test_a_dead_writers_temporary_file_is_removed(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    leftover = _leftover(store, _dead_pid())
    assert store.remove_stale_temporaries() == [leftover] and not leftover.exists()


def test_a_running_writers_young_temporary_file_is_kept(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    in_flight = _leftover(store, os.getpid())
    assert store.remove_stale_temporaries() == [] and in_flight.exists()


def test_an_old_temporary_file_is_removed_whoever_wrote_it(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    old = _leftover(store, os.getpid())
    an_hour_ago = time.time() - 7200
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert store.remove_stale_temporaries() == [old]
