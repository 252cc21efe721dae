"""The archive pipeline: every fetch becomes one catalog row; every document, one raw object.

What a file is comes from its bytes (parsing.sniff), never from its name or Content-Type: an
HTML error page served as `….pdf` with status 200 is recorded as `not_a_document` (or
`challenged`, when it is a firewall's) and not stored.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.catalog import CatalogWriter
from archive.store import RawStore
from crawler.failures import challenge
from crawler.items import FetchedFile, FetchError
from parsing.sniff import detect_type

# What the archive keeps as a document (zip and rar are kept whole; members come later).
DOCUMENT_TYPES = frozenset({"pdf", "doc", "xls", "ole", "docx", "xlsx", "zip", "rar", "7z"})

progress = logging.getLogger("crawler.progress")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.catalog = CatalogWriter(self.data_dir, self.run_id)

    def close_spider(self) -> None:
        self.catalog.close()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FetchedFile):
            row = self.fetched_row(item)
        elif isinstance(item, FetchError):
            row = {"url": item.url, "status": item.status, "fetch_status": item.fetch_status,
                   "status_reason": item.reason}
        else:
            return item
        row.update(asdict(item.provenance), fetched_at=_now())
        self.catalog.append(row)
        self.crawler.stats.inc_value(f"archive/fetch_status/{row['fetch_status']}")
        progress.info("%-14s %s", row["fetch_status"], row["url"])
        return item

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
