"""The crawl's archive of record: every HTTP exchange into the run's WARC file.

- `WarcRecorderMiddleware` (downloader, 950, nearest the network): writes the exchange to the
  run's WARC file before anything changes it — before HttpCompressionMiddleware (590) decodes
  gzip, before RedirectMiddleware (600) and RetryMiddleware (550) act on a 3xx or 5xx, so
  redirects, errors and retried answers are archived too. It sees the request after every other
  middleware has added its headers (User-Agent, Accept-Encoding, cookies, If-None-Match).
- `WarcLocatorMiddleware` (spider): gives the items made from a response the WARC locator of
  that response, so every catalog row leads back to its record (spiders need not know about WARC).
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, is_dataclass
from datetime import datetime, timezone
from hashlib import sha256
from http import HTTPStatus
from typing import Any, AsyncIterator, Iterable, Iterator
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from archive.catalog import read_catalog
from crawler.items import FetchedFile, FetchError
from crawler.warc import (
    REVISIT_IDENTICAL, REVISIT_NOT_MODIFIED, Original, WarcFile, WarcLocator, index_warc, original_of,
    payload_digest, read_record)

WARC_META = "warc_record"  # request.meta key: the locator of the record holding the answer's bytes
SENT_META = "warc_sent_at"  # request.meta key: when the request left


def warc_date(moment: datetime | None = None) -> str:
    """WARC 1.1 dates carry microseconds."""
    moment = moment or datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy's Headers as (name, value) pairs, one per value, as they went over the wire."""
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]


def _statusline(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _metadata(request: Request) -> dict[str, str]:
    """What the crawler knew when it asked (the spider's provenance): a WARC-JSON-Metadata
    header, so the WARC alone can rebuild a catalog row after a crash."""
    provenance = request.cb_kwargs.get("provenance")
    if not is_dataclass(provenance):
        return {}
    redirected = request.meta.get("redirect_urls") or [request.url]
    data = {"url": redirected[0], **{f.name: getattr(provenance, f.name) for f in fields(provenance)}}
    return {"WARC-JSON-Metadata": json.dumps(data, ensure_ascii=False, separators=(",", ":"))}


class WarcRecorderMiddleware:
    """Every HTTP exchange, as received, into the run's WARC file (one per portal and process).

    An answer whose payload is already archived becomes a revisit record: a 304 with the
    server-not-modified profile, a 200 with the same bytes as an earlier response record (by
    SHA-256, this run's or the catalog's) with the identical-payload-digest profile. The locator
    put in `request.meta["warc_record"]` is always that of the record holding the bytes.
    """

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED", True):
            raise NotConfigured("WARC_ENABLED is off")
        self.data_dir = settings.get("ARCHIVE_DATA_DIR")
        self.run_id = settings.get("CRAWL_RUN_ID")
        if not self.data_dir or not self.run_id:
            raise NotConfigured("ARCHIVE_DATA_DIR and CRAWL_RUN_ID must be set (crawler.run does)")
        self.crawler = crawler
        self.warc: WarcFile | None = None
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warc")
        self.originals: dict[str, Original | None] = {}  # sha256 hex of a payload -> its record
        self.catalogued: dict[str, WarcLocator] = {}  # sha256 hex -> a catalog row's locator
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcRecorderMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        portal = getattr(spider, "portal", None)
        portal_id = getattr(portal, "id", spider.name)
        for row in read_catalog(self.data_dir):
            locator = WarcLocator.from_row(row)
            if locator and row.get("sha256"):
                self.catalogued.setdefault(row["sha256"], locator)
        self.warc = WarcFile(self.data_dir, self.run_id, portal_id, {
            "software": "budget-corpus (Scrapy)", "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "run-id": self.run_id, "portal-id": portal_id,
            "region-code": getattr(portal, "region_code", ""),
            "http-header-user-agent": self.crawler.settings.get("USER_AGENT"),
            "robots": "obey" if self.crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        })

    def spider_closed(self, spider: Spider) -> None:
        if self.warc is not None:
            self.warc.close()
            index_warc(self.warc.path, self.warc.size)  # its writer knows where it ends
            self.warc = None
        self.writer.shutdown()

    def process_request(self, request: Request) -> None:
        request.meta[SENT_META] = datetime.now(timezone.utc)

    async def process_response(self, request: Request, response: Response) -> Response:
        if self.warc is None:
            return response
        # Digests, gzip and the write run in this file's own thread (one, so records stay in
        # order): zlib and hashlib release the GIL, so the crawl goes on meanwhile.
        loop = asyncio.get_running_loop()
        request.meta[WARC_META] = await loop.run_in_executor(self.writer, self.record, request, response)
        return response

    def original(self, digest_hex: str | None) -> Original | None:
        """The response record holding this payload: this run's, else the catalog's."""
        if not digest_hex:
            return None
        if digest_hex not in self.originals:
            locator = self.catalogued.get(digest_hex)
            found = None
            if locator is not None:
                try:
                    found = read_record(self.data_dir, locator, payload=False).original(locator)
                except (OSError, ValueError, StopIteration):
                    found = None
            self.originals[digest_hex] = found
        return self.originals[digest_hex]

    def record(self, request: Request, response: Response) -> WarcLocator | None:
        """Write the exchange; return the locator of the record that holds its bytes."""
        assert self.warc is not None
        date = warc_date(request.meta.get(SENT_META))  # capture began when the request left
        url, body = response.url, response.body
        answer_args = (url, response.protocol or "HTTP/1.1", _statusline(response.status),
                       _header_pairs(response.headers))
        digest_hex = sha256(body).hexdigest()
        original = None
        if response.status == 304:
            original = self.original(request.meta.get("previous_sha256"))
            answer = self.warc.revisit(*answer_args, date, REVISIT_NOT_MODIFIED, original, None)
        elif 200 <= response.status < 300 and body and self.holds_payload(digest_hex):
            original = self.original(digest_hex)
            answer = self.warc.revisit(*answer_args, date, REVISIT_IDENTICAL, original, None)
        else:
            ip_address = str(response.ip_address) if response.ip_address else None
            answer = self.warc.response(*answer_args, body, date, ip_address, payload_digest(digest_hex))
        answer_at, _ = self.warc.write(answer, self.request_record(request, url, date, answer))
        if answer.rec_type == "revisit":
            return original.locator if original else None
        if 200 <= response.status < 300 and body and self.originals.get(digest_hex) is None:
            self.originals[digest_hex] = original_of(answer, answer_at)
        return answer_at

    def holds_payload(self, digest_hex: str) -> bool:
        """Whether an earlier response record has exactly these bytes as its payload."""
        original = self.original(digest_hex)
        return original is not None and original.payload_digest == payload_digest(digest_hex)

    def request_record(self, request: Request, url: str, date: str, answer: Any) -> Any:
        assert self.warc is not None
        split = urlsplit(url)
        headers = _header_pairs(request.headers)
        if not any(name.lower() == "host" for name, _ in headers):  # Twisted adds it when sending
            headers.insert(0, ("Host", split.netloc))
        path = (split.path or "/") + (f"?{split.query}" if split.query else "")
        return self.warc.request(url, request.method, path, headers, request.body, date, {
            "WARC-Concurrent-To": answer.rec_headers.get_header("WARC-Record-ID"), **_metadata(request)})


class WarcLocatorMiddleware:
    """Items made from a response carry the locator of its WARC record."""

    @staticmethod
    def _located(response: Response, item: Any) -> Any:
        locator = response.meta.get(WARC_META)
        if locator is not None and isinstance(item, (FetchedFile, FetchError)) and item.warc is None \
                and response.url in (item.url, getattr(item, "final_url", None)):
            item.warc = locator
        return item

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for item in result:
            yield self._located(response, item)

    async def process_spider_output_async(self, response: Response,
                                          result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in result:
            yield self._located(response, item)
