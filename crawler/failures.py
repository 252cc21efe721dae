"""Why a fetch failed, in the catalog's words (fetch_status + status_reason).

Web application firewalls answer with a challenge page instead of the file: 瑞数 (Ruishu) with
412 and an inline `$_ts` script, 加速乐 (Jiasule) with 521, `X-Via-JSL` and a `__jsluid` cookie,
others by redirecting through `WZWSREL…`. They are recorded as `challenged`, never retried in a
loop and never broken.
"""

from __future__ import annotations

from typing import Mapping

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure


def challenge(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """A description of the firewall challenge this answer is, or None."""
    if status == 412 and b"$_ts" in body:
        return "瑞数 (Ruishu) challenge: 412 with an inline $_ts script"
    lowered = {k.lower(): v for k, v in headers.items()}
    if status == 521 and ("x-via-jsl" in lowered or "__jsluid" in lowered.get("set-cookie", "")):
        return "加速乐 (Jiasule) challenge: 521 with X-Via-JSL / __jsluid cookie"
    if b"WZWSREL" in body[:65536]:
        return "WZWS challenge: redirect through WZWSREL"
    return None


def header_dict(headers: Mapping[bytes, list[bytes]]) -> dict[str, str]:
    """Scrapy's Headers as plain strings, repeated values joined as HTTP joins them."""
    return {k.decode("latin-1"): ", ".join(v.decode("latin-1") for v in values)
            for k, values in headers.items()}


def classify_failure(failure: Failure) -> tuple[str, int | None, str]:
    """(fetch_status, HTTP status or None, reason) for a request's errback failure."""
    exc = failure.value
    if isinstance(exc, HttpError):
        response = exc.response
        reason = challenge(response.status, header_dict(response.headers), response.body)
        if reason:
            return "challenged", response.status, reason
        return "http_error", response.status, f"HTTP {response.status}"
    if isinstance(exc, IgnoreRequest) and "robots.txt" in str(exc):
        return "robots", None, "forbidden by robots.txt"
    if isinstance(exc, DownloadCancelledError):  # over DOWNLOAD_MAXSIZE
        return "too_large", None, str(exc)
    return "error", None, f"{type(exc).__name__}: {exc}"
