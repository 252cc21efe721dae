"""`budget-corpus release VERSION`: freeze the current corpus build into a dataset release that
anyone can verify, load and cite (DESIGN.md § Releases).

The release is written under `releases/.VERSION.partial` and renamed to `releases/VERSION` only
once complete, so a release is whole or absent; an existing version is refused, never replaced.
The Parquet files are copied (not linked), because builds are pruned and releases are forever.

A data directory on object storage (archive.storage) has no rename and no lock: there the
release is made in a local scratch folder from a download of the published build (and of the
previous release, for CHANGES.md), then uploaded under `releases/VERSION/` with
`datapackage.json` last — a release there is complete once its `datapackage.json` exists.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from archive.build import PARTITIONS, SCHEMAS
from archive.dictionary import TABLES, data_dictionary_markdown, table_schema
from archive.query import CorpusNotBuilt
from archive.storage import Location, location
from parsing.regions import PROVINCES
from parsing.schema import PARSER_VERSION, SCHEMA_VERSION

DATASET_NAME = "china-budget-disclosures"
TITLE = "Chinese government budget disclosures (部门预算 / 决算)"
DESCRIPTION = (
    "Budgets (部门预算 / 单位预算) and final accounts (决算) that Chinese government bodies "
    "publish on their portals, parsed into one queryable dataset: every document, every table "
    "as printed, every printed amount as an exact line item in 万元, and the accounting "
    "identities that show whether each table adds up.")
AUTHOR = "budget-corpus contributors"
DISTRIBUTION = "budget-corpus"
KEYWORDS = ["public finance", "government budget", "final accounts", "China", "部门预算", "决算",
            "三公经费"]
LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Attribution 4.0 International"}
LICENSE_NOTE = (
    "The figures are extracted from budget and final-accounts documents that Chinese government "
    "bodies publish as public disclosures (预决算公开); `documents.source_url` leads to each "
    "publisher's original. This compilation is released under CC-BY-4.0: cite the release, and "
    "the publishing body when you quote its figures.")
DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
VERSION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
HIVE_TYPES = "{'province_code': 'VARCHAR', 'fiscal_year': 'INTEGER'}"  # as build.parquet_sql
_CHUNK = 1 << 20


class ReleaseError(Exception):
    """A release that cannot be made as asked; nothing was left behind."""


class ReleaseExists(ReleaseError):
    """Releases are immutable: a version is written once."""


class InvalidVersion(ReleaseError, ValueError):
    pass


@dataclass(frozen=True)
class DataFile:
    path: str  # inside the release, POSIX
    bytes: int
    sha256: str
    rows: int


@dataclass(frozen=True)
class Resource:
    """One corpus table in the release: its files, and their bytes and hash read end to end
    in `path` order (the Data Package view of a multi-file resource as one file)."""

    name: str
    files: list[DataFile]
    bytes: int
    sha256: str

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)


def validate_version(version: str) -> str:
    if not VERSION_PATTERN.fullmatch(version or ""):
        raise InvalidVersion(
            f"invalid release version {version!r}: use letters, digits and . _ + - (at most 64, "
            "starting with a letter or digit), e.g. 2024.1 or v1.0.0")
    return version


def current_build(data_dir: Path) -> Path:
    """The build folder `corpus` points to."""
    link = data_dir / "corpus"
    if not link.is_dir():
        raise CorpusNotBuilt(f"no corpus in {data_dir}: run `budget-corpus build` first")
    return link.resolve()


def release_corpus(data_dir: Location | Path | str, version: str,
                   registry: Path | str | None = None) -> Path | str:
    """Freeze the current build into `releases/VERSION/` and return that folder (a URL for a
    data directory on object storage)."""
    validate_version(version)
    registry = Path(registry) if registry is not None else None
    if registry is not None and not registry.is_file():
        raise ReleaseError(f"no such registry file: {registry}")
    loc = location(data_dir)
    if loc.local is None:
        return _release_remote(loc, version, registry)
    data_dir = loc.local.resolve()
    build = current_build(data_dir)
    releases = data_dir / "releases"
    releases.mkdir(exist_ok=True)
    final = releases / version
    with _exclusive(releases):
        if final.exists():
            raise ReleaseExists(f"release {version} already exists at {final}: releases are "
                                "immutable, choose a new version")
        previous = previous_release(releases)
        partial = releases / f".{version}.partial"
        shutil.rmtree(partial, ignore_errors=True)  # what a crashed release left
        partial.mkdir()
        try:
            write_release(partial, build, version, registry, previous)
            os.rename(partial, final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        _fsync_dir(releases)
    return final


def _release_remote(loc: Location, version: str, registry: Path | None) -> str:
    build_id = loc.current_build()
    if build_id is None:
        raise CorpusNotBuilt(f"no corpus in {loc}: run `budget-corpus build` first")
    if loc.is_file(loc.path("releases", version, "datapackage.json")):
        raise ReleaseExists(f"release {version} already exists at "
                            f"{loc.path('releases', version)}: releases are immutable, choose "
                            "a new version")
    loc.remove("releases", version)  # what a crashed upload left (it had no datapackage.json)
    with tempfile.TemporaryDirectory(dir=loc.cache_dir(), prefix=".release-") as scratch:
        scratch_dir = Path(scratch)
        build = scratch_dir / "builds" / build_id
        loc.download(build, "corpus.builds", build_id)
        previous = _previous_remote(loc, scratch_dir / "previous")
        target = scratch_dir / "release" / version
        target.mkdir(parents=True)
        write_release(target, build, version, registry, previous)
        package = scratch_dir / "datapackage.json"
        (target / "datapackage.json").rename(package)
        loc.upload(target, "releases", version)
        loc.fs.put_file(str(package), loc.key("releases", version, "datapackage.json"))
    return str(loc.path("releases", version))


def _previous_remote(loc: Location, scratch: Path) -> Path | None:
    """The most recently created complete release on object storage, downloaded."""
    def created(package: str) -> str:
        try:
            provenance = loc.read_bytes(package.rsplit("/", 1)[0] + "/provenance.json")
            return str(json.loads(provenance)["created"])
        except (OSError, ValueError, KeyError, TypeError):
            return ""
    names = {str(p).rsplit("/", 2)[-2]: created(str(p))
             for p in loc.glob("releases", "*", "datapackage.json")}
    if not names:
        return None
    name = max(names, key=lambda n: (names[n], n))
    loc.download(scratch / name, "releases", name)
    return scratch / name


@contextmanager
def _exclusive(releases: Path) -> Iterator[None]:
    """One release at a time per data directory (a lock on the releases folder itself)."""
    fd = os.open(releases, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReleaseError(f"another release is being written in {releases}") from None
        yield
    finally:
        os.close(fd)


def previous_release(releases: Path) -> Path | None:
    """The most recently created complete release, if any."""
    def created(path: Path) -> str:
        try:
            return str(json.loads((path / "provenance.json").read_text("utf-8"))["created"])
        except (OSError, ValueError, KeyError, TypeError):
            return ""
    done = [p for p in releases.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / "datapackage.json").is_file()]
    return max(done, key=lambda p: (created(p), p.name), default=None)


def write_release(target: Path, build: Path, version: str, registry: Path | None,
                  previous: Path | None) -> None:
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    resources = [copy_table(build, name, target) for name in SCHEMAS]
    known = {f.path: f.sha256 for r in resources for f in r.files}
    with duckdb.connect() as con:
        for resource in resources:
            con.execute(f"CREATE VIEW {resource.name} AS "
                        f"SELECT * FROM {scan(target, resource.name)}")
        broken_keys = {r.name: key_violations(con, TABLES[r.name].primary_key, r.name)
                       for r in resources}
        totals = province_year_totals(con)
        parser_versions = [v for (v,) in con.execute(
            "SELECT DISTINCT parser_version FROM documents WHERE parser_version IS NOT NULL "
            "ORDER BY 1").fetchall()]
        try:
            changes = compare_with(con, previous) if previous else None
        except duckdb.Error as exc:
            raise ReleaseError(f"cannot read the previous release {previous} to compare with: "
                               f"{exc}") from exc
    if registry is not None:
        shutil.copyfile(registry, target / "registry.toml")
    in_files = {r.name: partitions_in_files(target, r) for r in resources}
    provenance = provenance_record(version, created, build, registry, resources, parser_versions)
    documents = {
        "datapackage.json": json.dumps(datapackage(version, created, resources, broken_keys,
                                                   in_files), ensure_ascii=False, indent=2),
        "DATA_DICTIONARY.md": data_dictionary_markdown(broken_keys),
        "README.md": dataset_card(version, provenance, resources, totals,
                                  all(in_files.values())),
        "CHANGES.md": changes_markdown(version, changes, totals),
        "CITATION.cff": citation_cff(version, created),
        "provenance.json": json.dumps(provenance, ensure_ascii=False, indent=2),
    }
    for name, text in documents.items():
        _write_text(target / name, text + "\n")
    write_sha256sums(target, known)


def _write_text(path: Path, text: str) -> None:
    with open(path, "x", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- data ------------------------------------------------------------------------------------

def copy_table(build: Path, name: str, target: Path) -> Resource:
    """Copy one table's Parquet files, hashing each (and the whole) in the one read."""
    source = build / name
    paths = sorted(source.glob("*/*/*.parquet"), key=lambda p: p.as_posix())
    if not paths:
        raise ReleaseError(f"build {build.name} has no Parquet files for table {name}")
    whole = hashlib.sha256()
    files = []
    for src in paths:
        rel = Path("data", name, src.relative_to(source)).as_posix()
        size, digest = copy_hashing(src, target / rel, whole)
        files.append(DataFile(rel, size, digest, pq.read_metadata(target / rel).num_rows))
    return Resource(name, files, sum(f.bytes for f in files), whole.hexdigest())


def copy_hashing(src: Path, dst: Path, *also: Any) -> tuple[int, str]:
    """Copy src to a new file dst; return its size and sha256, feeding the bytes to `also`."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(src, "rb") as fin, open(dst, "xb") as fout:
        while chunk := fin.read(_CHUNK):
            fout.write(chunk)
            digest.update(chunk)
            for other in also:
                other.update(chunk)
            size += len(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    return size, digest.hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def scan(root: Path, table: str) -> str:
    """DuckDB table function reading one table of a release, partition columns typed."""
    glob = (root / "data" / table / "*" / "*" / "*.parquet").as_posix().replace("'", "''")
    return (f"read_parquet('{glob}', hive_partitioning = true, union_by_name = true, "
            f"hive_types = {HIVE_TYPES})")


def partitions_in_files(target: Path, resource: Resource) -> bool:
    """Whether the files themselves hold the partition columns (not only their folder names)."""
    names = set(pq.read_schema(target / resource.files[0].path).names)
    return all(name in names for name, _ in PARTITIONS)


def key_violations(con: duckdb.DuckDBPyConnection, key: tuple[str, ...], table: str) -> int:
    """Rows that break the table's primary key (a null part, or a key shared with another row)."""
    cols = ", ".join(f'"{c}"' for c in key)
    nulls = " OR ".join(f'"{c}" IS NULL' for c in key)
    (shared,) = con.execute(f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {table} "
                            f"GROUP BY {cols} HAVING count(*) > 1)").fetchone()
    (null,) = con.execute(f"SELECT count(*) FROM {table} WHERE {nulls}").fetchone()
    return int(shared) + int(null)


def province_year_totals(con: duckdb.DuckDBPyConnection,
                         prefix: str = "") -> dict[tuple[str, int], tuple]:
    """(province_code, fiscal_year) → (documents, line items, sum of line_items.amount)."""
    rows = con.execute(f"""
        WITH d AS (SELECT province_code, fiscal_year, count(*) AS n FROM {prefix}documents
                   GROUP BY ALL),
             li AS (SELECT province_code, fiscal_year, count(*) AS n, sum(amount) AS amount
                    FROM {prefix}line_items GROUP BY ALL)
        SELECT province_code, fiscal_year, coalesce(d.n, 0), coalesce(li.n, 0), li.amount
        FROM d FULL JOIN li USING (province_code, fiscal_year)""").fetchall()
    return {(p, y): (docs, items, amount) for p, y, docs, items, amount in rows}


# -- changes against the previous release ----------------------------------------------------

@dataclass
class Changes:
    previous: str
    added: list[tuple[Any, ...]]  # doc_id, province_code, fiscal_year, department, title
    removed: list[tuple[Any, ...]]
    changed: list[tuple[tuple[Any, ...], list[str]]]  # the document, what changed in words
    unchanged: int
    previous_totals: dict[tuple[str, int], tuple]  # as province_year_totals


_DOC_COLUMNS = "doc_id, province_code, fiscal_year, department, title"


def compare_with(con: duckdb.DuckDBPyConnection, previous: Path) -> Changes:
    """What differs between this release (the views of `con`) and the previous one."""
    for name in SCHEMAS:
        con.execute(f"CREATE VIEW old_{name} AS SELECT * FROM {scan(previous, name)}")
    order = "ORDER BY province_code, fiscal_year, doc_id"
    added = con.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE doc_id NOT IN "
                        f"(SELECT doc_id FROM old_documents) {order}").fetchall()
    removed = con.execute(f"SELECT {_DOC_COLUMNS} FROM old_documents WHERE doc_id NOT IN "
                          f"(SELECT doc_id FROM documents) {order}").fetchall()
    old_columns = {r[0] for r in con.execute("DESCRIBE old_documents").fetchall()}
    compared = [c for c in SCHEMAS["documents"].names if c in old_columns and c != "doc_id"]
    differing = ", ".join(f"CASE WHEN n.\"{c}\" IS DISTINCT FROM o.\"{c}\" THEN '{c}' END"
                          for c in compared)
    common = con.execute(f"""
        SELECT n.doc_id, n.province_code, n.fiscal_year, n.department, n.title,
               [{differing}]
        FROM documents n JOIN old_documents o ON n.doc_id = o.doc_id
        ORDER BY n.province_code, n.fiscal_year, n.doc_id""").fetchall()
    old_counts, new_counts = _rows_per_document(con, "old_"), _rows_per_document(con, "")
    changed, unchanged = [], 0
    for *doc, fields in common:
        what = [f"{field} changed" for field in fields if field]
        for label, old, new in zip(_COUNTED, old_counts[doc[0]], new_counts[doc[0]],
                                   strict=True):
            if old != new:
                what.append(f"{label} {_plain(old)} → {_plain(new)}")
        if what:
            changed.append((tuple(doc), what))
        else:
            unchanged += 1
    return Changes(previous.name, added, removed, changed, unchanged,
                   province_year_totals(con, "old_"))


_COUNTED = ("tables", "cells", "line items", "checks", "checks passed", "sum of line item amounts")


def _rows_per_document(con: duckdb.DuckDBPyConnection, prefix: str) -> dict[str, tuple]:
    rows = con.execute(f"""
        WITH t AS (SELECT doc_id, count(*) AS n FROM {prefix}tables GROUP BY doc_id),
             c AS (SELECT doc_id, count(*) AS n FROM {prefix}cells GROUP BY doc_id),
             li AS (SELECT doc_id, count(*) AS n, sum(amount) AS amount FROM {prefix}line_items
                    GROUP BY doc_id),
             ch AS (SELECT doc_id, count(*) AS n, count(*) FILTER (WHERE passed) AS ok
                    FROM {prefix}checks GROUP BY doc_id)
        SELECT d.doc_id, coalesce(t.n, 0), coalesce(c.n, 0), coalesce(li.n, 0), coalesce(ch.n, 0),
               coalesce(ch.ok, 0), li.amount
        FROM {prefix}documents d LEFT JOIN t USING (doc_id) LEFT JOIN c USING (doc_id)
        LEFT JOIN li USING (doc_id) LEFT JOIN ch USING (doc_id)""").fetchall()
    return {doc_id: tuple(rest) for doc_id, *rest in rows}


def _plain(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _md(text: Any) -> str:
    return _plain(text).replace("|", "\\|").replace("\n", " ")


def changes_markdown(version: str, changes: Changes | None,
                     totals: dict[tuple[str, int], tuple]) -> str:
    """CHANGES.md: documents added, removed and changed, and totals per province-year."""
    out = [f"# Changes in {version}", ""]
    if changes is None:
        out += ["First release: there is no earlier release to compare with.", ""]
        old_totals: dict = {}
    else:
        out += [f"Compared with release {changes.previous}, documents added: "
                f"{len(changes.added)}, removed: {len(changes.removed)}, changed: "
                f"{len(changes.changed)}, unchanged: {changes.unchanged}.", ""]
        for title, docs in (("Added documents", changes.added),
                            ("Removed documents", changes.removed)):
            out += [f"## {title}", ""]
            out += _document_table(docs, None) if docs else ["None.", ""]
        out += ["## Changed documents", ""]
        out += _document_table([d for d, _ in changes.changed],
                               ["; ".join(w) for _, w in changes.changed]) \
            if changes.changed else ["None.", ""]
        old_totals = changes.previous_totals
    out += ["## Totals per province and fiscal year", "",
            "The sum of every line item's amount (万元) is a fingerprint of the data, not a "
            "budget figure: it adds totals and their parts alike.", ""]
    if changes is None:
        out += ["| province_code | province | fiscal_year | documents | line items | "
                "sum of amounts |", "| --- | --- | --- | --- | --- | --- |"]
        for (p, y), (docs, items, amount) in sorted(totals.items()):
            out.append(f"| {p} | {PROVINCES.get(p, 'unknown')} | {y} | {docs} | {items} | "
                       f"{_plain(amount)} |")
    else:
        out += ["| province_code | province | fiscal_year | documents | line items | "
                f"sum of amounts ({changes.previous} → {version}) | difference |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for key in sorted(set(totals) | set(old_totals)):
            old, new = old_totals.get(key, (0, 0, None)), totals.get(key, (0, 0, None))
            diff = (new[2] or 0) - (old[2] or 0)
            out.append(f"| {key[0]} | {PROVINCES.get(key[0], 'unknown')} | {key[1]} | "
                       f"{_arrow(old[0], new[0])} | {_arrow(old[1], new[1])} | "
                       f"{_arrow(old[2], new[2])} | {_plain(diff) if diff else '0'} |")
    out.append("")
    return "\n".join(out)


def _arrow(old: Any, new: Any) -> str:
    return _plain(new) if old == new else f"{_plain(old)} → {_plain(new)}"


def _document_table(docs: list[tuple], what: list[str] | None) -> list[str]:
    head = "| doc_id | province_code | fiscal_year | department | title |"
    rows = [head + (" what changed |" if what else ""),
            "| --- | --- | --- | --- | --- |" + (" --- |" if what else "")]
    for i, (doc_id, province, year, department, title) in enumerate(docs):
        cells = [f"`{doc_id}`", _md(province), _md(year), _md(department), _md(title)]
        if what:
            cells.append(_md(what[i]))
        rows.append("| " + " | ".join(cells) + " |")
    return rows + [""]


# -- metadata --------------------------------------------------------------------------------

def _timestamp(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def code_version() -> dict[str, Any]:
    """The installed budget-corpus version and, in a git checkout, the commit it runs from."""
    try:
        version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = None
    commit, dirty = _git_state(Path(__file__).resolve().parent.parent)
    return {"distribution": DISTRIBUTION, "version": version, "git_commit": commit,
            "git_dirty": dirty}


def _git_state(repo: Path) -> tuple[str | None, bool | None]:
    if not (repo / ".git").exists():
        return None, None
    git = ["git", "--no-optional-locks", "-C", str(repo)]
    try:
        commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        status = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit or None, bool(status.strip())


def provenance_record(version: str, created: dt.datetime, build: Path, registry: Path | None,
                      resources: list[Resource], parser_versions: list[str]) -> dict[str, Any]:
    return {
        "release": version,
        "created": _timestamp(created),
        "build_id": build.name,
        "schema_version": SCHEMA_VERSION,
        "parser_version": PARSER_VERSION,
        "parser_versions_in_data": parser_versions,
        "code": code_version(),
        "registry": None if registry is None else {
            "path": "registry.toml", "source_name": registry.name,
            "sha256": sha256_file(registry)},
        "license": {"data": LICENSE["name"], "url": LICENSE["path"], "note": LICENSE_NOTE},
        "tables": {r.name: {"rows": r.rows, "files": len(r.files), "bytes": r.bytes}
                   for r in resources},
    }


def datapackage(version: str, created: dt.datetime, resources: list[Resource],
                broken_keys: dict[str, int], in_files: dict[str, bool]) -> dict[str, Any]:
    """The Frictionless Data Package (v2) descriptor."""
    described = []
    for r in resources:
        key = TABLES[r.name].primary_key
        notes = [TABLES[r.name].description,
                 "Hive-partitioned Parquet: `province_code` and `fiscal_year` are in the folder "
                 "names" + (" and in the files." if in_files[r.name] else ", not in the files."),
                 "`bytes` and `hash` are of the files read end to end in `path` order; `files` "
                 "gives each file's own."]
        if broken_keys[r.name]:
            notes.append(f"No primaryKey: {broken_keys[r.name]} rows of this release have a null "
                         f"or shared ({', '.join(key)}).")
        schema = table_schema(r.name, with_primary_key=not broken_keys[r.name])
        described.append({
            "name": r.name,
            "type": "table",
            "path": [f.path for f in r.files],
            "format": "parquet",
            "mediatype": "application/vnd.apache.parquet",
            "description": " ".join(notes),
            "bytes": r.bytes,
            "hash": f"sha256:{r.sha256}",
            "files": [{"path": f.path, "bytes": f.bytes, "hash": f"sha256:{f.sha256}",
                       "rows": f.rows} for f in r.files],
            "schema": schema,
        })
    return {
        "$schema": DATAPACKAGE_PROFILE,
        "name": DATASET_NAME,
        "title": TITLE,
        "description": DESCRIPTION,
        "version": version,
        "created": _timestamp(created),
        "keywords": KEYWORDS,
        "licenses": [LICENSE],
        "contributors": [{"title": AUTHOR, "roles": ["creator"]}],
        "sources": [{"title": "Budget and final-accounts disclosures (预决算公开) on Chinese "
                              "government portals"}],
        "resources": described,
    }


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(value, ensure_ascii=False)


def citation_cff(version: str, created: dt.datetime) -> str:
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use these data, please cite them as below."',
        "type: dataset",
        f"title: {_yaml(TITLE)}",
        f"version: {_yaml(version)}",
        f"date-released: {created.date().isoformat()}",
        f"license: {LICENSE['name']}",
        "authors:",
        f"  - name: {_yaml(AUTHOR)}",
        f"abstract: {_yaml(DESCRIPTION)}",
        "keywords:",
        *(f"  - {_yaml(k)}" for k in KEYWORDS),
    ]
    return "\n".join(lines)


def dataset_card(version: str, provenance: dict[str, Any], resources: list[Resource],
                 totals: dict[tuple[str, int], tuple], partitions_in_all_files: bool) -> str:
    """README.md: what the data are, how to load them, how to check them, how to cite them."""
    front = ["---", f"pretty_name: {_yaml(TITLE)}", "license: cc-by-4.0", "language:", "- zh",
             "tags:", "- public-finance", "- government-budget", "- china", "configs:"]
    for r in (r for r in resources if r.rows):  # `datasets` fails on a table with no rows
        front += [f"- config_name: {r.name}",
                  f"  data_files: {_yaml(f'data/{r.name}/*/*/*.parquet')}"]
        if r.name == "line_items":
            front.append("  default: true")
    front.append("---")
    code = provenance["code"]
    provinces = sorted({p for p, _ in totals if p != "00"})
    years = sorted({y for _, y in totals if y})
    documents = sum(docs for docs, _, _ in totals.values())
    coverage = (f"{documents} documents from {len(provinces)} provinces"
                + (f", fiscal years {years[0]}–{years[-1]}" if years else "") + ".")
    contents = ["| table | rows | files | bytes | what it holds |",
                "| --- | --- | --- | --- | --- |"]
    contents += [f"| `{r.name}` | {r.rows} | {len(r.files)} | {r.bytes} | "
                 f"{_md(TABLES[r.name].description)} |" for r in resources]
    hf_note = ([] if partitions_in_all_files else [
        "", "In this release `province_code` and `fiscal_year` are only in the folder names: "
        "`datasets` does not read hive folders, so use DuckDB, pyarrow or pandas (above) "
        "when you need them."])
    body = [
        f"# {TITLE} — release {version}", "",
        DESCRIPTION, "",
        f"{coverage} Built {provenance['created']} from corpus build `{provenance['build_id']}` "
        f"with parser {provenance['parser_version']}, schema {provenance['schema_version']}, "
        f"budget-corpus {code['version'] or 'unknown'}"
        + (f" (commit `{code['git_commit']}`)" if code["git_commit"] else "") + ".", "",
        "## Contents", "",
        *contents, "",
        "Every column and vocabulary is described in `DATA_DICTIONARY.md` (and, "
        "machine-readably, in `datapackage.json`). Amounts are in 万元 as exact DECIMAL(20,6); "
        "keep them decimal when you load them. An unknown province is `00`, an unknown year `0`.",
        "",
        "## Loading", "",
        "DuckDB:", "",
        "```sql",
        "SELECT * FROM read_parquet('data/line_items/*/*/*.parquet', hive_partitioning = true,",
        f"    hive_types = {HIVE_TYPES})",
        "WHERE province_code = '51' AND fiscal_year = 2024;",
        "```", "",
        "pyarrow and pandas (amounts stay decimals):", "",
        "```python",
        "import pandas as pd",
        "import pyarrow as pa",
        "import pyarrow.dataset as ds",
        "",
        "partitioning = ds.partitioning(",
        "    pa.schema([(\"province_code\", pa.string()), (\"fiscal_year\", pa.int32())]),"
        " flavor=\"hive\")",
        "line_items = ds.dataset(\"data/line_items\", partitioning=partitioning).to_table()",
        "df = line_items.to_pandas(types_mapper=pd.ArrowDtype)",
        "```", "",
        "Hugging Face `datasets` (one configuration per table):", "",
        "```python",
        "from datasets import load_dataset",
        "",
        "line_items = load_dataset(\"path/to/this/release\", \"line_items\", split=\"train\")",
        "```",
        *hf_note, "",
        "## Checking", "",
        "`SHA256SUMS` lists every file of the release: `sha256sum -c SHA256SUMS`, or "
        f"`budget-corpus verify releases/{version}`, which also checks the sizes and hashes "
        "in `datapackage.json`.", "",
        "## Files", "",
        "- `data/<table>/province_code=NN/fiscal_year=YYYY/*.parquet` — the tables",
        "- `datapackage.json` — Frictionless Data Package v2: each table's Table Schema, files, "
        "sizes and hashes",
        "- `DATA_DICTIONARY.md` — every column and vocabulary in words",
        "- `CHANGES.md` — what changed since the previous release",
        "- `provenance.json` — schema, parser and code versions, corpus build, portal registry, "
        "licence",
        *(["- `registry.toml` — the portal registry the archive was crawled with"]
          if provenance["registry"] else []),
        "- `CITATION.cff` — how to cite this release",
        "- `SHA256SUMS` — checksums of all of the above", "",
        "## Licence", "",
        LICENSE_NOTE, "",
        "## Citation", "",
        f"{AUTHOR}, *{TITLE}*, release {version} ({provenance['created'][:10]}). "
        "See `CITATION.cff`.",
    ]
    return "\n".join(front + [""] + body)


def write_sha256sums(target: Path, known: dict[str, str]) -> None:
    """SHA256SUMS in `sha256sum` format: every file of the release but itself."""
    lines = []
    for path in sorted((p for p in target.rglob("*") if p.is_file()),
                       key=lambda p: p.relative_to(target).as_posix()):
        rel = path.relative_to(target).as_posix()
        if rel == "SHA256SUMS":
            continue
        if "\n" in rel or "\\" in rel:
            raise ReleaseError(f"file name not expressible in SHA256SUMS: {rel!r}")
        lines.append(f"{known.get(rel) or sha256_file(path)}  {rel}\n")
    _write_text(target / "SHA256SUMS", "".join(lines))
