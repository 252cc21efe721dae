"""Why a fetch failed, in the catalog's words (fetch_status + status_reason).

Web application firewalls answer with a challenge page instead of the file: 瑞数 (Ruishu) with
412 and an inline `$_ts` script, 加速乐 (Jiasule) with 521, `X-Via-JSL` and a `__jsluid` cookie,
others by redirecting through `WZWSREL…`. They are recorded as `challenged`, never retried in a
loop and never broken (crawler.middlewares turns them into a `ChallengedError` before Scrapy's
redirect, retry or HTTP-error handling can act on them).

Answers over DOWNLOAD_MAXSIZE are `too_large`: Scrapy refuses one whose Content-Length is over
the cap before reading its body (DownloadCancelledError saying how big it said it was), and
cancels one without a Content-Length once the cap is passed (a DownloadCancelledError without a
message: nothing else in the download path cancels a download — a timeout is a TimeoutError).
"""

from __future__ import annotations

import re
from typing import Mapping

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

EXPECTED_SIZE = re.compile(r"Expected to receive (\d+) bytes which is larger than download max size \((\d+)\)")


class ChallengedError(Exception):
    """A response that is a firewall's challenge, not the page or file asked for."""

    def __init__(self, response: Response, reason: str):
        super().__init__(reason)
        self.response = response
        self.reason = reason


def challenge(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """A description of the firewall challenge this answer is, or None."""
    if status == 412 and b"$_ts" in body:
        return "瑞数 (Ruishu) challenge: 412 with an inline $_ts script"
    lowered = {k.lower(): v for k, v in headers.items()}
    if status == 521 and ("x-via-jsl" in lowered or "__jsluid" in lowered.get("set-cookie", "")):
        return "加速乐 (Jiasule) challenge: 521 with X-Via-JSL / __jsluid cookie"
    if "WZWSREL" in lowered.get("location", "") or b"WZWSREL" in body[:65536]:
        return "WZWS challenge: redirect through WZWSREL"
    return None


def header_dict(headers: Mapping[bytes, list[bytes]]) -> dict[str, str]:
    """Scrapy's Headers as plain strings, repeated values joined as HTTP joins them."""
    return {k.decode("latin-1"): ", ".join(v.decode("latin-1") for v in values)
            for k, values in headers.items()}


def too_large_reason(exc: Exception) -> str:
    """The size and the cap, in words, from Scrapy's refusal."""
    found = EXPECTED_SIZE.search(str(exc))
    if found:
        size, cap = found.groups()
        return (f"Content-Length {size} bytes is over DOWNLOAD_MAXSIZE ({cap} bytes): "
                f"refused before downloading")
    return "over DOWNLOAD_MAXSIZE without a Content-Length: download stopped at the cap"


def classify_failure(failure: Failure) -> tuple[str, int | None, str]:
    """(fetch_status, HTTP status or None, reason) for a request's errback failure."""
    exc = failure.value
    if isinstance(exc, ChallengedError):
        return "challenged", exc.response.status, exc.reason
    if isinstance(exc, HttpError):
        response = exc.response
        reason = challenge(response.status, header_dict(response.headers), response.body)
        if reason:
            return "challenged", response.status, reason
        return "http_error", response.status, f"HTTP {response.status}"
    if isinstance(exc, IgnoreRequest) and "robots.txt" in str(exc):
        return "robots", None, "forbidden by robots.txt"
    if isinstance(exc, (DownloadCancelledError, CancelledError)):
        return "too_large", None, too_large_reason(exc)
    if isinstance(exc, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(exc):  # decompression bomb
        return "too_large", None, str(exc)
    return "error", None, f"{type(exc).__name__}: {exc}"
