"""The archive pipeline: every fetch becomes one catalog row; every document, one raw object.

What a file is comes from its bytes (parsing.sniff), never from its name or Content-Type: an
HTML error page served as `….pdf` with status 200 is recorded as `not_a_document` (or
`challenged`, when it is a firewall's) and not stored.

Crash safety, in the order things are written for one document: its WARC record (by the
downloader middleware), its raw object (atomic rename, fsynced), the WARC file synced to disk,
then its catalog row (to the operating system at once, fsynced within a second: archive.catalog). A process killed anywhere in between leaves either a complete row whose
locator and object exist, or an object without a row; the next crawl of the portal re-links such
objects from the killed process's WARC file (`relink_interrupted`), and a torn last catalog line
is skipped by every reader. That order holds per item: the pipeline hands each item to the
crawl's writer thread (crawler/writer.py), which writes WARC records, objects and rows in the
order they were handed over, so the reactor never waits for the disk.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import asdict, fields
from datetime import datetime, timezone
from hashlib import sha256
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.catalog import CatalogWriter, read_catalog
from archive.store import RawStore
from crawler.failures import challenge
from crawler.history import history
from crawler.items import FetchedFile, FetchError, Provenance
from crawler.warc import (
    StoredRecord, WarcLocator, index_warc, iter_records, read_record, stale_warcs, warc_dir)
from crawler.writer import archive_writer
from parsing.sniff import detect_type

# What the archive keeps as a document (zip and rar are kept whole; members come later).
DOCUMENT_TYPES = frozenset({"pdf", "doc", "xls", "ole", "docx", "xlsx", "zip", "rar", "7z"})
PROVENANCE_FIELDS = [f.name for f in fields(Provenance)]

progress = logging.getLogger("crawler.progress")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def sync_warc(data_dir: Path | str, locator: WarcLocator, synced: dict[str, int]) -> None:
    """Make a WARC record durable before a catalog row points at it (any descriptor of a file
    flushes the file's pages). `synced` (file -> bytes known durable) spares an fsync for a
    record an earlier one already covered: when the writer is behind, one serves several."""
    if locator.offset + locator.length <= synced.get(locator.file, 0):
        return
    fd = os.open(warc_dir(data_dir) / locator.file, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        os.fsync(fd)
        synced[locator.file] = size
    finally:
        os.close(fd)


class ArchivePipeline:
    def __init__(self, crawler: Crawler):
        data_dir = crawler.settings.get("ARCHIVE_DATA_DIR")
        run_id = crawler.settings.get("CRAWL_RUN_ID")
        if not data_dir or not run_id:
            raise NotConfigured("ARCHIVE_DATA_DIR and CRAWL_RUN_ID must be set (crawler.run does)")
        self.crawler = crawler
        self.data_dir = data_dir
        self.run_id = run_id
        self.store = RawStore(data_dir)
        self.writer = archive_writer(crawler).acquire()
        self.synced: dict[str, int] = {}  # WARC file -> bytes made durable (writer thread only)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.catalog = CatalogWriter(self.data_dir, self.run_id)
        self.store.remove_stale_temporaries()  # a killed crawl's half-written objects
        portal = getattr(self.crawler.spider, "portal", None)
        if portal is not None:
            earlier = history(self.data_dir, self.run_id)
            for row in relink_interrupted(self.data_dir, portal.id, self.store, earlier.stored):
                earlier.add(self.catalog.append(row))  # so the crawl asks for it conditionally
                self.counted(row)

    def close_spider(self) -> None:
        self.writer.submit(self.catalog.close)  # after every row handed over
        self.writer.release()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, (FetchedFile, FetchError)):
            self.writer.submit(lambda: self.counted(self.archive(item)))
        return item

    def archive(self, item: FetchedFile | FetchError) -> dict[str, Any]:
        """Store the item's bytes and catalogue it, in the crash-safe order; return its row.
        Runs on the writer thread, after the WARC job of the response the item came from."""
        if isinstance(item, FetchedFile):
            row = self.fetched_row(item)
        else:
            row = {"url": item.url, "status": item.status, "fetch_status": item.fetch_status,
                   "status_reason": item.reason}
        locator = item.warc.locator if item.warc is not None else None
        if locator is not None:
            sync_warc(self.data_dir, locator, self.synced)
            row.update(locator.as_row())
        row.update(asdict(item.provenance), fetched_at=_now())
        return self.catalog.append(row)

    def counted(self, row: dict[str, Any]) -> None:
        self.crawler.stats.inc_value(f"archive/fetch_status/{row['fetch_status']}")
        progress.info("%-14s %s", row["fetch_status"], row["url"])

    def fetched_row(self, item: FetchedFile) -> dict[str, Any]:
        headers = {k.lower(): v for k, v in item.headers.items()}
        row: dict[str, Any] = {
            "url": item.url, "final_url": item.final_url, "status": item.status,
            "content_type": headers.get("content-type"), "etag": headers.get("etag"),
            "last_modified": headers.get("last-modified"),
        }
        if item.status == 304:
            return row | {"fetch_status": "not_modified", "sha256": item.previous_sha256}
        detected = detect_type(item.body)
        row |= {"detected_type": detected, "bytes": len(item.body)}
        is_document = detected == "html" if item.is_article else detected in DOCUMENT_TYPES
        if not is_document:
            reason = challenge(item.status, item.headers, item.body)
            if reason:
                return row | {"fetch_status": "challenged", "status_reason": reason}
            return row | {"fetch_status": "not_a_document",
                          "status_reason": f"expected a document, the bytes are {detected}"}
        return row | {"fetch_status": "ok", "sha256": self.store.put(item.body)}


# -- after a crash -----------------------------------------------------------------------------


def _warc_portal(data_dir: Path | str, file: str) -> str | None:
    """The portal a WARC file belongs to, from its warcinfo record."""
    for _, record in iter_records(data_dir, file, payload=True):
        if record.rec_type != "warcinfo":
            return None
        info = record.payload.decode("utf-8", "replace")
        for line in info.splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "portal-id":
                return value.strip()
        return None
    return None


def _payload_sha256(data_dir: Path | str, locator: WarcLocator, record: StoredRecord) -> str:
    """The raw store's name for a response's payload: its digest, unless it was content-encoded."""
    digest = record.warc_headers.get("WARC-Payload-Digest", "")
    encoded = any(k.lower() == "content-encoding" for k in record.http_headers)
    if digest.startswith("sha256:") and not encoded:
        return base64.b32decode(digest[7:]).hex()
    return sha256(read_record(data_dir, locator).payload).hexdigest()


def _fetched_at(warc_date: str) -> str:
    moment = datetime.strptime(warc_date[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return moment.isoformat(timespec="seconds")


def relink_interrupted(data_dir: Path | str, portal_id: str, store: RawStore,
                       known: set[str] | None = None) -> list[dict[str, Any]]:
    """Catalog rows for the raw objects a killed crawl of this portal stored but never catalogued.

    A killed writer leaves its WARC file unindexed; for each such file of the portal, every 200
    response whose payload is in the raw store and in no catalog row gets its row back, with
    the provenance its request record carries (WARC-JSON-Metadata). The file is indexed after,
    which marks it done.
    """
    mine = [path for path in stale_warcs(data_dir) if _warc_portal(data_dir, path.name) == portal_id]
    if not mine:
        return []
    if known is None:  # every catalogued object (crawler.history has them read already)
        known = {row["sha256"] for row in read_catalog(data_dir) if row.get("sha256")}
    rows: list[dict[str, Any]] = []
    for path in mine:
        responses: list[tuple[WarcLocator, StoredRecord, str]] = []
        requests: dict[str, dict[str, Any]] = {}  # response record id -> its request's metadata
        for locator, record in iter_records(data_dir, path.name):
            if record.rec_type == "request" and "WARC-JSON-Metadata" in record.warc_headers:
                requests[record.warc_headers.get("WARC-Concurrent-To", "")] = json.loads(
                    record.warc_headers["WARC-JSON-Metadata"])
            elif record.rec_type == "response" and record.status == 200:
                digest = _payload_sha256(data_dir, locator, record)
                if digest not in known and store.has(digest):
                    responses.append((locator, record, digest))
                    known.add(digest)
        for locator, record, digest in responses:
            metadata = requests.get(record.warc_headers["WARC-Record-ID"], {})
            rows.append(_relinked_row(data_dir, locator, record, digest,
                                      {"portal_id": portal_id, **metadata}))
        index_warc(path)
    return rows


def _relinked_row(data_dir: Path | str, locator: WarcLocator, record: StoredRecord, digest: str,
                  metadata: dict[str, Any]) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in record.http_headers.items()}
    data = RawStore(data_dir).get(digest)
    target = record.warc_headers["WARC-Target-URI"]
    row = {name: metadata.get(name) for name in PROVENANCE_FIELDS}
    return row | locator.as_row() | {
        "url": metadata.get("url") or target, "final_url": target, "status": record.status,
        "fetch_status": "ok", "status_reason": f"re-linked from {locator.file} after an interrupted crawl",
        "content_type": headers.get("content-type"), "detected_type": detect_type(data),
        "bytes": len(data), "sha256": digest, "etag": headers.get("etag"),
        "last_modified": headers.get("last-modified"),
        "fetched_at": _fetched_at(record.warc_headers["WARC-Date"])}
