"""What spiders hand to the archive pipeline: a fetched file, or an error — never nothing.

As in kingfisher-collect (`File` / `FileError`), a failed fetch is an item that flows through the
same pipeline as a successful one, so every request the crawl made that matters ends as a row of
the fetch catalog.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.warc import RecordRef


@dataclass(frozen=True)
class Provenance:
    """What the crawler knew about a URL when it asked for it: the catalog's context columns."""

    portal_id: str
    region_code: str
    referer: str | None = None  # the page that linked it (listing or article)
    link_text: str | None = None
    title: str | None = None  # the article's title
    publish_date: str | None = None  # ISO date
    doc_kind: str | None = None  # budget | final_accounts | other
    fiscal_year: int | None = None
    department: str | None = None


@dataclass
class FetchedFile:
    """A response the archive decides about: an attachment, or an article that is the document."""

    url: str  # as requested (before redirects)
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    provenance: Provenance
    is_article: bool = False  # an HTML article with the budget tables inline
    previous_sha256: str | None = None  # the catalog's last stored object for url (for a 304)
    warc: RecordRef | None = None  # the WARC record holding the bytes (crawler.recorder)


@dataclass
class FetchError:
    """A request that produced no usable response, with why (fetch_status + status_reason)."""

    url: str
    fetch_status: str  # http_error | challenged | too_large | robots | error
    status: int | None  # the HTTP status, when there was a response
    reason: str
    provenance: Provenance
    warc: RecordRef | None = None  # the WARC record of the answer, when there was one
