"""The crawl's protective components, one concern each, switched on and ordered in settings.py.

Downloader middlewares see a response on its way back in decreasing order of their number:

- `crawler.recorder.WarcRecorderMiddleware` (950, nearest the network) writes each exchange to
  the run's WARC file before any of these change it.
- `ChallengeRedirectMiddleware` (650): a redirect into a WZWS firewall challenge is not
  followed (RedirectMiddleware would loop through it up to REDIRECT_MAX_TIMES).
- `RedirectGuardMiddleware` (640): a redirect back into its own chain is a `RedirectLoopError`;
  any other redirect is followed even to a URL already fetched, so the URL the spider asked for
  always gets its catalog row (the duplicate filter would drop it without a word); it stays on
  the portal all the same (AllowedDomainsMiddleware).
- `CheckedDecompressionMiddleware` (590, in place of Scrapy's HttpCompressionMiddleware): a
  body that does not decode as its Content-Encoding says is a `CorruptEncodingError`, not an
  anonymous zlib error; a gzip stream cut short (Scrapy keeps what it gave) is flagged.
- `PageTypeMiddleware` (587): what a response is comes from its bytes, not its Content-Type: an
  HTML page served as application/pdf is read as a page, a PDF served as text/html is a file.
- `PageCharsetMiddleware` (585, after decompression): pages are decoded by their declared
  charset, and when none is declared or it is wrong, by detection.
- `CompleteBodyMiddleware` (575): a document from a cut gzip stream, or one whose body ended
  with the connection (no Content-Length) and lacks its end marker (a PDF's `%%EOF`, a zip's
  directory), was cut short: it is retried, then refused as a `TruncatedBodyError`, never
  archived as the document.

Before a request is sent (increasing order):

- `AllowedDomainsMiddleware` (60, after Scrapy's OffsiteMiddleware at 50, before robots.txt at
  100): no request leaves the portal's allowed_domains. Scrapy's own check lets every
  `dont_filter` request through — each retry, and each redirect of a retried request.

Spider middlewares:

- `ChallengeMiddleware` (45, before HttpErrorMiddleware): a firewall's challenge, whatever its
  status, reaches the request's errback as a `ChallengedError`, so it is recorded as
  `challenged`, once, and not parsed as a page.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from charset_normalizer import from_bytes
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding
from w3lib.url import safe_url_string

from crawler.failures import (
    ChallengedError,
    CorruptEncodingError,
    OffsiteRequest,
    RedirectLoopError,
    TruncatedBodyError,
    challenge,
    header_dict,
)
from parsing.sniff import detect_type

DOCUMENT_KINDS = frozenset({"pdf", "doc", "xls", "ole", "docx", "xlsx", "zip", "rar", "7z"})
SNIFF_BYTES = 4096  # enough for detect_type to tell a page from a document
PARTIAL = "partial"  # Scrapy's flag: the body ended with the connection (no length to check)
CUT_STREAM = "cut-stream"  # our flag: the gzip stream ended early; Scrapy decoded what there was
CUT_STREAM_ENCODINGS = ("gzip", "x-gzip")
REDIRECTS = (301, 302, 303, 307, 308)


def on_domains(url: str, domains: list[str]) -> bool:
    """Whether the URL's host is one of `domains` or under one (ports aside, as Scrapy's
    OffsiteMiddleware reads allowed_domains)."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in (d.lower().strip(".") for d in domains))


class AllowedDomainsMiddleware:
    """Requests outside the spider's allowed_domains are refused, dont_filter or not."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowedDomainsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        domains = getattr(self.crawler.spider, "allowed_domains", None)
        if domains and not on_domains(request.url, domains):
            raise OffsiteRequest(f"off-site: {urlsplit(request.url).hostname} is not in allowed_domains "
                                 f"({', '.join(domains)}); not requested")


class ChallengeRedirectMiddleware:
    """A redirect into a WZWS challenge (`…WZWSREL…`) is answered as is, not followed."""

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location", b"") or b""
        if 300 <= response.status < 400 and b"WZWSREL" in location:
            request.meta["dont_redirect"] = True
        return response


class RedirectGuardMiddleware:
    """Redirect loops end in a catalog row; other redirects are followed past the duplicate
    filter (REDIRECT_MAX_TIMES still bounds a chain)."""

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECTS or not location or request.meta.get("dont_redirect"):
            return response
        target = urljoin(request.url, safe_url_string(location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            raise RedirectLoopError(response, "redirect loop: " + " → ".join([*chain, target]))
        request.dont_filter = True  # RedirectMiddleware gives the redirected request this flag
        return response


def gzip_whole(stream: bytes, decoded: bytes) -> bool:
    """A gzip stream ends with the length of what it decodes to, mod 2**32 (ISIZE, RFC 1952):
    a stream cut short ends with whatever compressed bytes were there instead."""
    return len(stream) >= 18 and int.from_bytes(stream[-4:], "little") == len(decoded) % 2**32


class CheckedDecompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, with a body that does not decode refused as such."""

    def process_response(self, request: Request, response: Response) -> Response:  # type: ignore[override]
        encoding = b", ".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
        try:
            decoded = super().process_response(request, response)
        except IgnoreRequest:  # over DOWNLOAD_MAXSIZE once decoded: too_large
            raise
        except Exception as exc:  # zlib, gzip, brotli, zstd: each decoder fails its own way
            raise CorruptEncodingError(response, f"corrupt {encoding} Content-Encoding: "
                                                 f"{exc or type(exc).__name__}") from exc
        if encoding.strip().lower() in CUT_STREAM_ENCODINGS and not gzip_whole(response.body, decoded.body):
            decoded.flags.append(CUT_STREAM)
        return decoded


def plain_response(response: Response) -> Response:
    """The same answer as a plain Response (Response.replace cannot drop TextResponse's
    encoding)."""
    return Response(**{name: getattr(response, name) for name in Response.attributes})


class PageTypeMiddleware:
    """A page is what sniffs as HTML; a file is what sniffs as a document, whatever the
    Content-Type said."""

    def process_response(self, request: Request, response: Response) -> Response:
        kind = detect_type(response.body[:SNIFF_BYTES])
        if kind == "html" and not isinstance(response, TextResponse):
            return response.replace(cls=HtmlResponse)
        if kind in DOCUMENT_KINDS and isinstance(response, TextResponse):
            return plain_response(response)
        return response


def ends_whole(body: bytes, kind: str) -> bool | None:
    """Whether a body of this kind ends as a whole one does: a PDF with `%%EOF` near its end, a
    zip (docx, xlsx) with its end-of-central-directory record; an empty body never (a reset can
    even discard what had arrived). None when the kind has no end marker to look for."""
    if kind == "empty":
        return False
    if kind == "pdf":
        return b"%%EOF" in body[-2048:]
    if kind in ("zip", "docx", "xlsx"):
        return b"PK\x05\x06" in body[-(65535 + 22):]
    return None


class CompleteBodyMiddleware:
    """A document that may have been cut short, and looks it, is asked again; when every try is
    cut short, it is refused (its WARC record keeps what came). May have been: its body ended
    with the connection (no length to check it against), or its gzip stream was cut (Scrapy
    decodes what there is without a word)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CompleteBodyMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status != 200 or not {PARTIAL, CUT_STREAM} & set(response.flags):
            return response
        kind = detect_type(response.body[:SNIFF_BYTES])
        whole = ends_whole(response.body, kind)
        if CUT_STREAM in response.flags and kind in DOCUMENT_KINDS and whole is not True:
            reason = f"body truncated: a {kind} from a cut {CUT_STREAM_ENCODINGS[0]} stream"
        elif PARTIAL in response.flags and whole is False:
            cut = "empty" if kind == "empty" else f"a {kind} without its end marker"
            reason = f"body truncated: {cut}, received without a Content-Length"
        else:
            return response
        retry = get_retry_request(request, spider=self.crawler.spider, reason=reason)
        if retry is not None:
            return retry
        raise TruncatedBodyError(response, reason)


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
