"""Reading the archive's WARC files back: one document's bytes, or the whole collection as WACZ.

Every catalog row with a WARC locator (warc_file, warc_offset, warc_length) points at the
record that holds its bytes — for a revisit, the earlier response record — so `replay` is one
range read and one gzip member: the payload, Content-Encoding undone, checked against the row's
sha256. Pages that are not documents (listings, articles) are found through the CDXJ index each
WARC file has beside it.

`export_wacz` packages `warc/` as one WACZ file (Web Archive Collection Zipped, 1.1.1 layout:
archive/, indexes/index.cdx, pages/pages.jsonl, datapackage.json, datapackage-digest.json),
which ReplayWeb.page opens as is. For a local wayback machine instead, with pywb installed:

    wb-manager init budget
    wb-manager add budget <data_dir>/warc/*.warc.gz
    wayback            # then http://localhost:8080/budget/<url>
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from archive.catalog import read_catalog
from crawler.warc import (
    CDXJ_SUFFIX, WARC_SUFFIX, WarcLocator, index_path, index_warc, read_record, stale_warcs, warc_dir)

SHA256 = re.compile(r"[0-9a-f]{64}")
WACZ_VERSION = "1.1.1"


class NotArchived(LookupError):
    """No WARC record holds what was asked for."""


def _from_catalog(data_dir: Path | str, key: str) -> Iterator[tuple[WarcLocator, str | None]]:
    """Locators of rows matching a sha256 or a URL, newest fetch first, with the row's sha256."""
    by_sha = bool(SHA256.fullmatch(key))
    rows = [row for row in read_catalog(data_dir)
            if (row.get("sha256") == key if by_sha else key in (row.get("url"), row.get("final_url")))]
    for row in sorted(rows, key=lambda r: r.get("fetched_at") or "", reverse=True):
        locator = WarcLocator.from_row(row)
        if locator is not None:
            yield locator, row.get("sha256")


def _from_indexes(data_dir: Path | str, url: str) -> Iterator[tuple[WarcLocator, None]]:
    """Response records of a URL in the CDXJ indexes, newest first."""
    found = []
    for index in warc_dir(data_dir).glob("*" + CDXJ_SUFFIX):
        with open(index, encoding="utf-8") as fh:
            for line in fh:
                _, timestamp, data = line.split(" ", 2)
                entry = json.loads(data)
                if entry.get("url") == url and entry.get("mime") != "warc/revisit":
                    found.append((timestamp, WarcLocator(entry["filename"], int(entry["offset"]),
                                                         int(entry["length"]))))
    for _, locator in sorted(found, key=lambda pair: pair[0], reverse=True):
        yield locator, None


def replay(data_dir: Path | str, url_or_sha256: str) -> bytes:
    """The archived bytes of a document (by sha256) or of the newest capture of a URL, read from
    the WARC files. Raises NotArchived when no record holds them."""
    candidates = list(_from_catalog(data_dir, url_or_sha256))
    if not SHA256.fullmatch(url_or_sha256):
        candidates += list(_from_indexes(data_dir, url_or_sha256))
    for locator, expected in candidates:
        try:
            record = read_record(data_dir, locator)
        except (OSError, ValueError, StopIteration):
            continue
        if record.rec_type != "response":
            continue
        if expected and hashlib.sha256(record.payload).hexdigest() != expected:
            continue
        return record.payload
    raise NotArchived(f"no WARC record holds {url_or_sha256}")


# -- WACZ -----------------------------------------------------------------------------------


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def _pages(data_dir: Path | str) -> list[dict[str, Any]]:
    """One entry per archived document URL (its newest fetch): the collection's entry points."""
    latest: dict[str, dict[str, Any]] = {}
    for row in read_catalog(data_dir):
        if row.get("fetch_status") in ("ok", "not_modified") and row.get("warc_file"):
            url = row.get("final_url") or row["url"]
            if url not in latest or (row.get("fetched_at") or "") > (latest[url].get("fetched_at") or ""):
                latest[url] = row
    return [{"id": row["sha256"][:16] if row.get("sha256") else str(n), "url": url,
             "ts": row.get("fetched_at"), "title": row.get("title") or row.get("link_text") or url}
            for n, (url, row) in enumerate(sorted(latest.items()))]


def export_wacz(data_dir: Path | str, out_path: Path | str, title: str = "budget-corpus web archive") -> Path:
    """Package every WARC file of `data_dir` as one WACZ file at `out_path` (written under a
    temporary name, then renamed). Indexes missing or stale ones first."""
    for path in stale_warcs(data_dir):
        index_warc(path)
    warcs = sorted(warc_dir(data_dir).glob("*" + WARC_SUFFIX))
    lines: list[str] = []
    for path in warcs:
        lines += index_path(path).read_text(encoding="utf-8").splitlines(keepends=True)
    index = "".join(sorted(lines)).encode("utf-8")
    pages = "\n".join(json.dumps(line, ensure_ascii=False) for line in [
        {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}, *_pages(data_dir)]).encode() + b"\n"
    out_path = Path(out_path)
    partial = out_path.with_name(out_path.name + ".partial")
    resources = []
    with zipfile.ZipFile(partial, "w", allowZip64=True) as wacz:
        for path in warcs:  # already gzip per record: stored, so a reader can seek into them
            wacz.write(path, f"archive/{path.name}", compress_type=zipfile.ZIP_STORED)
            resources.append({"name": path.name, "path": f"archive/{path.name}",
                              "hash": _file_hash(path), "bytes": path.stat().st_size})
        for name, data in (("indexes/index.cdx", index), ("pages/pages.jsonl", pages)):
            wacz.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
            resources.append({"name": name.rsplit("/", 1)[1], "path": name,
                              "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "bytes": len(data)})
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        package = json.dumps({"profile": "data-package", "wacz_version": WACZ_VERSION, "title": title,
                              "created": now, "modified": now, "software": "budget-corpus",
                              "resources": resources}, ensure_ascii=False, indent=2).encode("utf-8")
        wacz.writestr("datapackage.json", package, compress_type=zipfile.ZIP_DEFLATED)
        wacz.writestr("datapackage-digest.json", json.dumps(
            {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package).hexdigest()}),
            compress_type=zipfile.ZIP_DEFLATED)
    os.replace(partial, out_path)
    return out_path
