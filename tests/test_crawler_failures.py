"""Failed fetches become catalog rows that say why; none is dropped silently."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from archive.catalog import read_catalog
from archive.demo.portal import DemoPortal, registry_toml
from crawler.failures import classify_failure
from crawler.run import run_crawl


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_missing_listing_and_an_unreachable_portal_are_recorded(tmp_path: Path) -> None:
    with DemoPortal([]) as portal:
        entries = [
            {"id": "missing", "name": "甲", "region_code": "510000", "family": "trs",
             "start_urls": [portal.base_url + "/trs/gone/index.html"], "allowed_domains": ["127.0.0.1"],
             "settings": {"AUTOTHROTTLE_START_DELAY": 0.01}},
            {"id": "unreachable", "name": "乙", "region_code": "500000", "family": "listing",
             "start_urls": [f"http://127.0.0.1:{_closed_port()}/news"], "allowed_domains": ["127.0.0.1"],
             "settings": {"AUTOTHROTTLE_START_DELAY": 0.01, "RETRY_TIMES": 0}},
        ]
        registry = tmp_path / "portals.toml"
        registry.write_text(registry_toml(entries), encoding="utf-8")
        summary = run_crawl(registry, tmp_path / "data")
    rows = {row["portal_id"]: row for row in read_catalog(tmp_path / "data")}
    assert (rows["missing"]["fetch_status"], rows["missing"]["status"]) == ("http_error", 404)
    assert rows["missing"]["status_reason"] == "HTTP 404"
    assert rows["unreachable"]["fetch_status"] == "error"
    assert "ConnectionRefused" in rows["unreachable"]["status_reason"]
    assert summary.by_status == {"http_error": 1, "error": 1}


def _failure(exc: Exception) -> Failure:
    try:
        raise exc
    except Exception:
        return Failure()


def _http_error(status: int, body: bytes = b"", headers: dict | None = None) -> Failure:
    response = Response("http://x.gov.cn/a.pdf", status=status, body=body, headers=headers,
                        request=Request("http://x.gov.cn/a.pdf"))
    return _failure(HttpError(response, "Ignoring non-200 response"))


@pytest.mark.parametrize("failure,expected", [
    (_http_error(404), ("http_error", 404, "HTTP 404")),
    (_http_error(412, b"<script>$_ts=window['$_ts'];</script>"), ("challenged", 412, None)),
    (_http_error(521, b"<script>", {"X-Via-JSL": "abc", "Set-Cookie": "__jsluid_s=1"}),
     ("challenged", 521, None)),
    (_failure(IgnoreRequest("Forbidden by robots.txt")), ("robots", None, "forbidden by robots.txt")),
    (_failure(DownloadCancelledError("Cancelling download: 200 MB is larger than 100 MB")),
     ("too_large", None, None)),
    (_failure(DNSLookupError("no such host")), ("error", None, None)),
])
def test_failures_are_classified_for_the_catalog(failure: Failure, expected: tuple) -> None:
    fetch_status, status, reason = classify_failure(failure)
    assert (fetch_status, status) == expected[:2]
    assert reason == expected[2] if expected[2] else reason
