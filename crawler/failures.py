"""Why a fetch failed, in the catalog's words (fetch_status + status_reason).

Web application firewalls answer with a challenge page instead of the file: 瑞数 (Ruishu) with
412 and an inline `$_ts` script, 加速乐 (Jiasule) with 521, `X-Via-JSL` and a `__jsluid` cookie,
others by redirecting through `WZWSREL…`. They are recorded as `challenged`, never retried in a
loop and never broken (crawler.middlewares turns them into a `ChallengedError` before Scrapy's
redirect, retry or HTTP-error handling can act on them).

Answers the downloader middlewares refuse are `RefusedResponse`s that say why and keep the
response (and so its WARC record): a challenge, a redirect loop, a body that does not decode as
its Content-Encoding says, a document cut short where HTTP could not tell.

Answers over DOWNLOAD_MAXSIZE are `too_large`: Scrapy refuses one whose Content-Length is over
the cap before reading its body (DownloadCancelledError saying how big it said it was), and
cancels one without a Content-Length once the cap is passed (a DownloadCancelledError without a
message: nothing else in the download path cancels a download — a timeout is a TimeoutError).
"""

from __future__ import annotations

import re
from typing import Mapping

from scrapy import Request
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure

EXPECTED_SIZE = re.compile(r"Expected to receive (\d+) bytes which is larger than download max size \((\d+)\)")


class OffsiteRequest(IgnoreRequest):
    """A request for a host outside the portal's allowed_domains, refused before it was sent."""


class RefusedResponse(Exception):
    """An answer the crawl will not use: its catalog fetch_status, and why."""

    fetch_status = "error"

    def __init__(self, response: Response, reason: str):
        super().__init__(reason)
        self.response = response
        self.reason = reason


class ChallengedError(RefusedResponse):
    """A response that is a firewall's challenge, not the page or file asked for."""

    fetch_status = "challenged"


class RedirectLoopError(RefusedResponse):
    """A redirect back to a URL already in its own chain."""


class CorruptEncodingError(RefusedResponse):
    """A body that does not decode as its Content-Encoding says."""


class TruncatedBodyError(RefusedResponse):
    """A document cut short where HTTP could not tell: a body without a Content-Length to check
    it against, or a gzip stream that ended early."""


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


def retried(request: Request | None) -> str:
    """How often the request was tried, for a reason that ends its retries."""
    times = (request.meta.get("retry_times", 0) if request is not None else 0) + 1
    return f" ({times} tries)" if times > 1 else ""


def data_loss_reason(exc: ResponseDataLossError) -> str:
    """Twisted's ResponseFailed (the cause) says whether the server closed or reset."""
    causes = getattr(exc.__cause__, "reasons", [])
    closed = any(isinstance(c, Failure) and c.check(ConnectionDone) for c in causes)
    how = "closed" if closed else "reset"
    return f"body truncated: the connection was {how} before the Content-Length was received"


def classify_failure(failure: Failure) -> tuple[str, int | None, str]:
    """(fetch_status, HTTP status or None, reason) for a request's errback failure."""
    exc = failure.value
    request = getattr(failure, "request", None)
    if isinstance(exc, RefusedResponse):
        return exc.fetch_status, exc.response.status, exc.reason + retried(request)
    if isinstance(exc, HttpError):
        response = exc.response
        reason = challenge(response.status, header_dict(response.headers), response.body)
        if reason:
            return "challenged", response.status, reason
        return "http_error", response.status, f"HTTP {response.status}" + retried(request)
    if isinstance(exc, OffsiteRequest):
        return "error", None, str(exc)
    if isinstance(exc, IgnoreRequest) and "robots.txt" in str(exc):
        return "robots", None, "forbidden by robots.txt"
    if isinstance(exc, (DownloadCancelledError, CancelledError)):
        return "too_large", None, too_large_reason(exc)
    if isinstance(exc, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(exc):  # decompression bomb
        return "too_large", None, str(exc)
    if isinstance(exc, IgnoreRequest) and "max redirections" in str(exc):
        return "error", None, "too many redirects (over REDIRECT_MAX_TIMES)"
    if isinstance(exc, ResponseDataLossError):
        return "error", None, data_loss_reason(exc) + retried(request)
    if isinstance(exc, DownloadTimeoutError):
        return "error", None, f"timed out: {exc}" + retried(request)
    return "error", None, f"{type(exc).__name__}: {exc}" + retried(request)
