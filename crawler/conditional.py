"""Incremental crawls: ask for a file only if it changed since the archive last stored it.

A downloader middleware (one concern, one component, as Scrapy's own): for requests marked
`meta["conditional"]`, it adds If-None-Match / If-Modified-Since from the fetch catalog's last
`ok` fetch of the same URL, and puts that row's sha256 in `meta["previous_sha256"]`, so a 304
still points at the stored object — only while that object is in the raw store: one that went
missing is fetched in full again. Listing and article pages are always fetched in full: their
links are what leads to new files.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.store import RawStore
from crawler.history import history


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler):
        data_dir = crawler.settings.get("ARCHIVE_DATA_DIR")
        if not data_dir:
            raise NotConfigured("ARCHIVE_DATA_DIR is not set")
        self.crawler = crawler
        self.data_dir = data_dir
        self.run_id = crawler.settings.get("CRAWL_RUN_ID")
        self.store = RawStore(data_dir)
        self.previous: dict[str, dict[str, Any]] = {}  # url -> its last `ok` fetch (this portal)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        # the portal's own dict, which the archive pipeline's re-linked rows join
        self.previous = history(self.data_dir, self.run_id).last_ok.setdefault(spider.portal.id, {})

    def process_request(self, request: Request) -> None:
        row = self.previous.get(request.url) if request.meta.get("conditional") else None
        if row is None or not self.store.has(row["sha256"]):
            return
        request.meta["previous_sha256"] = row["sha256"]
        if row.get("etag"):
            request.headers.setdefault("If-None-Match", row["etag"])
        if row.get("last_modified"):
            request.headers.setdefault("If-Modified-Since", row["last_modified"])
