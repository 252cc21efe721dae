"""The crawl's archive of record: every HTTP exchange into the run's WARC file.

- `WarcRecorderMiddleware` (downloader, 950, nearest the network): writes the exchange to the
  run's WARC file before anything changes it — before HttpCompressionMiddleware (590) decodes
  gzip, before RedirectMiddleware (600) and RetryMiddleware (550) act on a 3xx or 5xx, so
  redirects, errors and retried answers are archived too. It sees the request after every other
  middleware has added its headers (User-Agent, Accept-Encoding, cookies, If-None-Match).

The spiders give each item the `RecordRef` of the response it was made from
(`response.meta[WARC_META]`), so every catalog row leads back to its record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime, timezone
from hashlib import sha256
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.history import history
from crawler.warc import (
    REVISIT_IDENTICAL, REVISIT_NOT_MODIFIED, Original, RecordRef, WarcFile, WarcLocator, index_warc,
    original_of, payload_digest, read_record)
from crawler.writer import archive_writer

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


def _metadata(provenance: Any, first_url: str) -> dict[str, str]:
    """What the crawler knew when it asked (the spider's provenance): a WARC-JSON-Metadata
    header, so the WARC alone can rebuild a catalog row after a crash."""
    if not is_dataclass(provenance):
        return {}
    data = {"url": first_url, **{f.name: getattr(provenance, f.name) for f in fields(provenance)}}
    return {"WARC-JSON-Metadata": json.dumps(data, ensure_ascii=False, separators=(",", ":"))}


@dataclass(frozen=True)
class Exchange:
    """A request and its answer as the writer thread needs them, taken on the reactor thread
    (the Request object itself goes on changing: redirects and retries copy and annotate it)."""

    sent_at: datetime | None
    method: str
    headers: list[tuple[str, str]]
    body: bytes
    previous_sha256: str | None
    provenance: Any  # the spider's (a frozen dataclass), for the request record's metadata
    first_url: str  # before redirects
    url: str
    protocol: str
    status: int
    answer_headers: list[tuple[str, str]]
    answer_body: bytes
    ip_address: str | None

    @classmethod
    def of(cls, request: Request, response: Response) -> Exchange:
        return cls(request.meta.get(SENT_META), request.method, _header_pairs(request.headers),
                   request.body, request.meta.get("previous_sha256"), request.cb_kwargs.get("provenance"),
                   (request.meta.get("redirect_urls") or [request.url])[0],
                   response.url, response.protocol or "HTTP/1.1", response.status,
                   _header_pairs(response.headers), response.body,
                   str(response.ip_address) if response.ip_address else None)


class WarcRecorderMiddleware:
    """Every HTTP exchange, as received, into the run's WARC file (one per portal and process).

    An answer whose payload is already archived becomes a revisit record: a 304 with the
    server-not-modified profile, a 200 with the same bytes as an earlier response record (by
    SHA-256, this run's or the catalog's) with the identical-payload-digest profile. The records are
    written by the crawl's writer thread (crawler/writer.py); the `RecordRef` put in
    `request.meta["warc_record"]` points, once written, at the record holding the bytes.
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
        self.writer = archive_writer(crawler).acquire()
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
        self.catalogued = history(self.data_dir, self.run_id).locators
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
            self.writer.submit(self.close_warc)  # after every record handed over
        self.writer.release()

    def close_warc(self) -> None:
        assert self.warc is not None
        self.warc.close()
        index_warc(self.warc.path, self.warc.size)  # its writer knows where it ends
        self.warc = None

    def process_request(self, request: Request) -> None:
        request.meta[SENT_META] = datetime.now(timezone.utc)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.warc is None:
            return response
        ref = request.meta[WARC_META] = RecordRef()
        exchange = Exchange.of(request, response)
        self.writer.submit(lambda: self.record(ref, exchange))
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

    def record(self, ref: RecordRef, exchange: Exchange) -> None:
        """Write the exchange; point `ref` at the record that holds its bytes (writer thread)."""
        assert self.warc is not None
        date = warc_date(exchange.sent_at)  # capture began when the request left
        body = exchange.answer_body
        answer_args = (exchange.url, exchange.protocol, _statusline(exchange.status), exchange.answer_headers)
        digest_hex = sha256(body).hexdigest()
        original = None
        if exchange.status == 304:
            original = self.original(exchange.previous_sha256)
            answer = self.warc.revisit(*answer_args, date, REVISIT_NOT_MODIFIED, original, None)
        elif 200 <= exchange.status < 300 and body and self.holds_payload(digest_hex):
            original = self.original(digest_hex)
            answer = self.warc.revisit(*answer_args, date, REVISIT_IDENTICAL, original, None)
        else:
            answer = self.warc.response(*answer_args, body, date, exchange.ip_address, payload_digest(digest_hex))
        answer_at, _ = self.warc.write(answer, self.request_record(exchange, date, answer))
        if answer.rec_type == "revisit":
            ref.locator = original.locator if original else None
            return
        if 200 <= exchange.status < 300 and body and self.originals.get(digest_hex) is None:
            self.originals[digest_hex] = original_of(answer, answer_at)
        ref.locator = answer_at

    def holds_payload(self, digest_hex: str) -> bool:
        """Whether an earlier response record has exactly these bytes as its payload."""
        original = self.original(digest_hex)
        return original is not None and original.payload_digest == payload_digest(digest_hex)

    def request_record(self, exchange: Exchange, date: str, answer: Any) -> Any:
        assert self.warc is not None
        split = urlsplit(exchange.url)
        headers = list(exchange.headers)
        if not any(name.lower() == "host" for name, _ in headers):  # Twisted adds it when sending
            headers.insert(0, ("Host", split.netloc))
        path = (split.path or "/") + (f"?{split.query}" if split.query else "")
        return self.warc.request(exchange.url, exchange.method, path, headers, exchange.body, date, {
            "WARC-Concurrent-To": answer.rec_headers.get_header("WARC-Record-ID"),
            **_metadata(exchange.provenance, exchange.first_url)})
