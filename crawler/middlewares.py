"""The crawl's protective components, one concern each, switched on and ordered in settings.py.

Downloader middlewares see a response on its way back in decreasing order of their number:

- `crawler.recorder.WarcRecorderMiddleware` (950, nearest the network) writes each exchange to
  the run's WARC file before any of these change it.
- `ChallengeRedirectMiddleware` (650): a redirect into a WZWS firewall challenge is not
  followed (RedirectMiddleware would loop through it up to REDIRECT_MAX_TIMES).
- `PageCharsetMiddleware` (585, after decompression): pages are decoded by their declared
  charset, and when none is declared or it is wrong, by detection.

Spider middlewares:

- `ChallengeMiddleware` (45, before HttpErrorMiddleware): a firewall's challenge, whatever its
  status, reaches the request's errback as a `ChallengedError`, so it is recorded as
  `challenged`, once, and not parsed as a page.
"""

from __future__ import annotations


from charset_normalizer import from_bytes
from scrapy import Request
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

from crawler.failures import ChallengedError, challenge, header_dict
from parsing.sniff import detect_type

class ChallengeRedirectMiddleware:
    """A redirect into a WZWS challenge (`…WZWSREL…`) is answered as is, not followed."""

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location", b"") or b""
        if 300 <= response.status < 400 and b"WZWSREL" in location:
            request.meta["dont_redirect"] = True
        return response


# -- charsets ---------------------------------------------------------------------------------

# Chinese government pages without a declaration are UTF-8 or GBK; statistical detection
# misjudges short GBK text (as Big5), so the two likely ones are tried, strictly, first.
LIKELY_ENCODINGS = ("utf-8", "gb18030")
DETECTION_SAMPLE = 256 * 1024


def declared_encoding(content_type: str | None, body: bytes) -> str | None:
    """The charset a page declares: BOM, then HTTP header, then <meta>, as browsers do."""
    bom, _ = read_bom(body)
    declared = bom or http_content_type_encoding(content_type or "") or html_body_declared_encoding(body)
    return resolve_encoding(declared) if declared else None  # gb2312/gbk resolve to gb18030


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def fallback_encoding(content_type: str | None, body: bytes) -> str | None:
    """The encoding to read a page with when its declaration is missing or wrong (the bytes do
    not decode with it): the first likely one that decodes, else charset-normalizer's guess.
    None when the declared charset is right, or nothing better is known."""
    declared = declared_encoding(content_type, body)
    if declared and _decodes(body, declared):
        return None
    for encoding in LIKELY_ENCODINGS:
        if encoding != declared and _decodes(body, encoding):
            return encoding
    best = from_bytes(body[:DETECTION_SAMPLE]).best()
    return resolve_encoding(best.encoding) if best else None


class PageCharsetMiddleware:
    """Pages whose charset is undeclared or wrong get a better one; their bytes are kept."""

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or detect_type(response.body[:1024]) != "html":
            return response
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        encoding = fallback_encoding(content_type, response.body)
        return response if encoding is None else response.replace(encoding=encoding)


# -- spider middlewares -----------------------------------------------------------------------


class ChallengeMiddleware:
    """Answers that are a firewall's challenge go to the errback as ChallengedError."""

    def process_spider_input(self, response: Response) -> None:
        reason = challenge(response.status, header_dict(response.headers), response.body)
        if reason:
            raise ChallengedError(response, reason)
