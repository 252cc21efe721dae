"""Where a data directory lives: a local folder, or an fsspec URL (`s3://bucket/prefix`).

A `Location` wraps one data directory. Local folders keep their plain `pathlib` code paths
(atomic renames, symlinks, flock); a URL goes through an fsspec filesystem (s3fs for `s3://`,
with the endpoint and keys from the usual AWS environment variables: AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL).

Object stores have no rename, so nothing there is published by renaming: every object is
written once under a name no one else writes (content addresses, build and run ids), and a
build is published by a small pointer object (`corpus.current`) written last. One PUT is atomic
on S3, so a reader sees a whole object or none.

What must stay on local disk for a remote data directory (the DuckDB database of views, the
crawl's staging area, lock files) goes in a cache folder of its own:
`$BUDGET_CORPUS_CACHE/<hash of the URL>/`, by default under `~/.cache/budget-corpus/`.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

from archive.atomic import atomic_file

CACHE_ENV = "BUDGET_CORPUS_CACHE"
# How long a reading connection trusts a folder listing (sizes included): corpus builds never
# change once written, and knowing a partition's files from one listing instead of two HEAD
# requests per file is what keeps a query on many partitions fast. Only the `runs` view reads
# objects that are rewritten (a run's record as it moves on): their listing is dropped at every
# new connection, so only a connection kept open may see a record up to this old.
READ_LISTING_SECONDS = 10
POINTER = "corpus.current"  # on object storage: the id of the published corpus build


def is_url(text: str | os.PathLike) -> bool:
    """An fsspec URL other than a plain local file (`file://` is a local path)."""
    text = os.fspath(text)
    return "://" in text and not text.startswith(("file://", "local://"))


def data_dir_arg(text: str) -> Path | str:
    """A `--data-dir` value as the stages take it: a Path, or the URL untouched (a Path would
    fold its `//`)."""
    if is_url(text):
        return text.rstrip("/")
    return Path(text.removeprefix("file://").removeprefix("local://"))


class Location:
    """One data directory, local or remote; paths inside it are given as parts."""

    def __init__(self, data_dir: Path | str):
        text = os.fspath(data_dir)
        if is_url(text):
            self.protocol, _, rest = text.partition("://")
            self.root = rest.strip("/")  # the filesystem's own path: `bucket/prefix`
            self.local: Path | None = None
        else:
            self.protocol = "file"
            self.local = Path(data_dir_arg(text))
            self.root = self.local.as_posix()

    @property
    def is_local(self) -> bool:
        return self.local is not None

    @property
    def url(self) -> str:
        return self.root if self.is_local else f"{self.protocol}://{self.root}"

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"Location({self.url!r})"

    @cached_property
    def fs(self) -> Any:
        """The fsspec filesystem (listings uncached: other processes write here too)."""
        import fsspec

        if self.is_local:
            return fsspec.filesystem("file")
        return fsspec.filesystem(self.protocol, use_listings_cache=False)

    @cached_property
    def reading_fs(self) -> Any:
        """The filesystem for query connections: listings cached for READ_LISTING_SECONDS."""
        import fsspec

        return fsspec.filesystem(self.protocol, use_listings_cache=True,
                                 listings_expiry_time=READ_LISTING_SECONDS)

    # -- names -----------------------------------------------------------------------------

    def path(self, *parts: str) -> Path | str:
        """A Path locally; the full URL remotely (what DuckDB and the parse workers open)."""
        if self.local is not None:
            return self.local.joinpath(*parts)
        return "/".join([self.url, *parts])

    def key(self, *parts: str) -> str:
        """The filesystem's path (no protocol), for fsspec calls."""
        return "/".join([self.root, *parts])

    def _key(self, path: Path | str) -> str:
        return path.as_posix() if isinstance(path, Path) else path.split("://", 1)[-1]

    # -- objects ---------------------------------------------------------------------------

    def is_file(self, path: Path | str) -> bool:
        if isinstance(path, Path):
            return path.is_file()
        return self.fs.isfile(self._key(path))

    def read_bytes(self, path: Path | str) -> bytes:
        if isinstance(path, Path):
            return path.read_bytes()
        return self.fs.cat_file(self._key(path))

    def write_bytes(self, path: Path | str, data: bytes) -> None:
        """The whole object or nothing: a rename locally, one PUT remotely."""
        if isinstance(path, Path):
            with atomic_file(path) as fh:
                fh.write(data)
        else:
            self.fs.pipe_file(self._key(path), data)

    def remove_file(self, path: Path | str) -> None:
        """Delete one object; nothing if absent."""
        if isinstance(path, Path):
            path.unlink(missing_ok=True)
        elif self.fs.isfile(self._key(path)):
            self.fs.rm_file(self._key(path))

    def glob(self, *parts: str) -> list[Path | str]:
        """Paths matching a pattern under the data directory, sorted."""
        if self.local is not None:
            return sorted(self.local.glob("/".join(parts)))
        return [f"{self.protocol}://{key}" for key in sorted(self.fs.glob(self.key(*parts)))]

    def remove(self, *parts: str) -> None:
        """Delete a folder (or object) and everything under it; nothing if absent."""
        key = self.key(*parts)
        if self.fs.exists(key):
            self.fs.rm(key, recursive=True)

    def upload(self, source: Path, *parts: str, skip_existing: bool = False) -> int:
        """Copy a local folder's files under `parts` (in one batch, concurrently); with
        `skip_existing`, objects already there with the same size are left alone (content
        addresses and run files never change). Return how many files were sent."""
        existing: dict[str, int] = {}
        if skip_existing and self.fs.exists(self.key(*parts)):
            existing = {k: int(v.get("size") or 0) for k, v in
                        self.fs.find(self.key(*parts), detail=True).items()}
        sources, targets = [], []
        for file in sorted(p for p in source.rglob("*") if p.is_file()):
            target = self.key(*parts, file.relative_to(source).as_posix())
            if existing.get(target) == file.stat().st_size:
                continue
            sources.append(str(file))
            targets.append(target)
        if sources:
            self.fs.put(sources, targets)
        return len(sources)

    def download(self, target: Path, *parts: str, skip_existing: bool = False) -> int:
        """Copy every object under `parts` into a local folder (with `skip_existing`, not
        those already there with the same size); return how many were fetched."""
        base = self.key(*parts)
        found = self.fs.find(base, detail=True) if self.fs.exists(base) else {}
        keys, files = [], []
        for key, info in sorted(found.items()):
            file = target / key[len(base):].lstrip("/")
            if skip_existing and file.is_file() and file.stat().st_size == info.get("size"):
                continue
            file.parent.mkdir(parents=True, exist_ok=True)
            keys.append(key)
            files.append(str(file))
        if keys:
            self.fs.get(keys, files)
        return len(keys)

    # -- DuckDB and local state --------------------------------------------------------------

    def register(self, con: Any, reading: bool = False) -> Any:
        """Let a DuckDB connection read (and write) this location's URLs: the fsspec
        filesystem is registered, so no httpfs extension is needed (or downloaded). A
        `reading` connection (queries) gets the one that caches listings."""
        if self.is_local:
            return con
        if reading:
            self.reading_fs.invalidate_cache(self.key("runs"))  # archive.runs.RUNS_DIR
        if not con.filesystem_is_registered(self.protocol):
            # Connections to one database file share its instance and its filesystems.
            con.register_filesystem(self.reading_fs if reading else self.fs)
        return con

    def cache_dir(self) -> Path:
        """Local state of this data directory: itself when local, else a folder per URL."""
        if self.local is not None:
            return self.local
        base = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "budget-corpus")
        folder = base / hashlib.sha256(self.url.encode()).hexdigest()[:16]
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def database_path(self, build_id: str | None = None) -> Path:
        """corpus.duckdb: in the data directory when local; for a remote one, in the cache,
        one file per published build (so a reader never sees views of a half-known build)."""
        if self.local is not None:
            return self.local / "corpus.duckdb"
        return self.cache_dir() / "corpus" / f"{build_id}.duckdb"

    # -- the published build -------------------------------------------------------------------

    def current_build(self) -> str | None:
        """The id of the published corpus build, or None before the first build."""
        if self.local is not None:
            link = self.local / "corpus"
            return link.resolve().name if link.is_dir() else None
        try:
            return self.fs.cat_file(self.key(POINTER)).decode().strip() or None
        except FileNotFoundError:
            return None

    def publish(self, build_id: str) -> None:
        """Point readers at a complete build (remote only: locally the `corpus` symlink is
        swapped by the build)."""
        self.fs.pipe_file(self.key(POINTER), build_id.encode() + b"\n")


def location(data_dir: Location | Path | str) -> Location:
    return data_dir if isinstance(data_dir, Location) else Location(data_dir)


def read_bytes(path: Path | str) -> bytes:
    """A file's bytes, given as a local path or a URL (what a parse worker is handed)."""
    if is_url(path):
        return location(str(path).rsplit("/", 1)[0]).read_bytes(str(path))
    return Path(path).read_bytes()


def lines(loc: Location, path: Path | str) -> Iterator[str]:
    """A text file's lines, streamed locally, read whole remotely."""
    if isinstance(path, Path):
        with open(path, encoding="utf-8") as fh:
            yield from fh
    else:
        yield from io.StringIO(loc.read_bytes(path).decode("utf-8"))
