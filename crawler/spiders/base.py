"""The crawl every CMS family shares: listing pages → articles → attachments.

A listing page leads to articles and to more listing pages; an article's title says whether it
is a budget (预算) or final accounts (决算) — only those have their attachments fetched, so a
notice's attachment is never downloaded; an attachment is handed to the archive pipeline as it
came. Every request's failure comes back as a `FetchError` item (errback), so nothing the crawl
tried is lost without a catalog row. Off-site links are dropped by Scrapy's OffsiteMiddleware
(`allowed_domains` from the registry), robots.txt by its RobotsTxtMiddleware.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, ClassVar, Iterable, Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.failures import classify_failure, header_dict
from crawler.items import FetchedFile, FetchError, Provenance
from parsing.titles import classify_title

if TYPE_CHECKING:
    from crawler.registry import Portal

WANTED_KINDS = ("budget", "final_accounts")
DOCUMENT_LINK = re.compile(r"\.(?:pdf|docx?|xlsx?|zip|rar)(?:$|[?#&])", re.IGNORECASE)
ATTACHMENT_TEXTS = ("附件", "点击下载", "下载")
DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
LABELLED_DATE = re.compile(r"(?:发布|更新|成文)?(?:时间|日期)[:：]\s*" + DATE.pattern)
TITLE_SUFFIX = re.compile(r"\s*[-_|—]+\s*[^-_|—]*$")  # "标题_四川省财政厅" → "标题"


@dataclass(frozen=True)
class Link:
    url: str  # absolute
    text: str
    date: str | None = None  # ISO, when printed beside the link (listing pages)


def iso_date(text: str | None) -> str | None:
    found = DATE.search(text or "")
    if not found:
        return None
    year, month, day = (int(g) for g in found.groups())
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else None


def squash_text(parts: Iterable[str]) -> str:
    return " ".join("".join(parts).split())


def page_links(response: TextResponse, dated: bool = False) -> Iterator[Link]:
    """Every followable <a href> of a page, absolute, with its text (or title attribute) and,
    when `dated`, the date printed beside it (a listing's `<li><a…>…</a><span>2024-03-15`)."""
    seen: set[str] = set()
    for a in response.css("a[href]"):
        href = a.attrib["href"].strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = response.urljoin(href)
        if url in seen:
            continue
        seen.add(url)
        text = squash_text(a.css("::text").getall()) or a.attrib.get("title", "").strip()
        yield Link(url, text, iso_date(squash_text(a.xpath("..//text()").getall())) if dated else None)


class BudgetSpider(scrapy.Spider):
    """Crawls one portal of the registry (`portal` argument) for its budget documents.

    To add a CMS family, write one module in crawler/spiders/ and add it to SPIDERS there:

    1. subclass BudgetSpider; set `family` (the registry's name for it) and `article_pattern`
       (a regex searched in article URLs; a registry entry may override it);
    2. implement `next_pages(response)`: the listing pages a listing page leads to;
    3. override `article_links(response)` if articles are not links matching the pattern, and
       add any option the family needs to `options` (name → a reader that checks and converts
       the registry's value), so the registry rejects a bad value before any crawl.
    """

    family: ClassVar[str]
    article_pattern: ClassVar[str]
    options: ClassVar[dict[str, Callable[[Any], Any]]] = {"article_pattern": re.compile}

    def __init__(self, portal: Portal, **kwargs: Any):
        super().__init__(name=portal.id, **kwargs)
        self.portal = portal
        self.allowed_domains = list(portal.allowed_domains)
        self.article_re = portal.options.get("article_pattern") or re.compile(self.article_pattern)

    # -- what a family defines -------------------------------------------------------------

    def article_links(self, response: TextResponse) -> Iterable[Link]:
        return (link for link in page_links(response, dated=True)
                if self.article_re.search(link.url))

    def next_pages(self, response: TextResponse) -> Iterable[str]:
        raise NotImplementedError

    # -- the crawl ---------------------------------------------------------------------------

    def request(self, url: str, callback: Any, provenance: Provenance, **meta: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.fetch_failed,
                              cb_kwargs={"provenance": provenance}, meta=meta)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        provenance = Provenance(self.portal.id, self.portal.region_code)
        for url in self.portal.start_urls:
            yield self.request(url, self.parse_listing, provenance)

    def parse_listing(self, response: Response, provenance: Provenance) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield FetchError(response.url, "error", response.status,
                             "listing page is not text", provenance)
            return
        here = replace(provenance, referer=response.url)
        for link in self.article_links(response):
            yield self.request(link.url, self.parse_article,
                               replace(here, link_text=link.text, publish_date=link.date))
        for url in self.next_pages(response):
            yield self.request(url, self.parse_listing, here)

    def parse_article(self, response: Response, provenance: Provenance) -> Iterator[Any]:
        if not isinstance(response, TextResponse):  # the listing linked the file itself
            document = as_document(provenance, provenance.link_text, None)
            if document is not None:
                yield self.fetched(response, document)
            return
        document = as_document(provenance, article_title(response) or provenance.link_text,
                               article_date(response))
        if document is None:
            return  # a notice or other news: its attachments are not ours
        attachments = [link for link in page_links(response) if is_attachment(link)]
        for link in attachments:
            yield self.request(link.url, self.parse_attachment,
                               replace(document, referer=response.url, link_text=link.text),
                               conditional=True, handle_httpstatus_list=[304])
        if not attachments and response.xpath('//table[contains(., "合计") or contains(., "总计")]'):
            yield self.fetched(response, document, is_article=True)  # tables inline (重庆 style)

    def parse_attachment(self, response: Response, provenance: Provenance) -> Iterator[FetchedFile]:
        yield self.fetched(response, provenance)

    def fetched(self, response: Response, provenance: Provenance, is_article: bool = False) -> FetchedFile:
        original = (response.meta.get("redirect_urls") or [response.url])[0]
        return FetchedFile(original, response.url, response.status, header_dict(response.headers),
                           response.body, provenance, is_article,
                           response.meta.get("previous_sha256"))

    def fetch_failed(self, failure: Failure) -> Iterator[FetchError]:
        request = failure.request  # type: ignore[attr-defined]
        fetch_status, status, reason = classify_failure(failure)
        yield FetchError(request.url, fetch_status, status, reason, request.cb_kwargs["provenance"])


def as_document(provenance: Provenance, title: str | None, date: str | None) -> Provenance | None:
    """The provenance of a budget or final accounts titled `title`; None for anything else."""
    info = classify_title(title)
    if info.doc_kind not in WANTED_KINDS:
        return None
    return replace(provenance, title=title, doc_kind=info.doc_kind, fiscal_year=info.fiscal_year,
                   department=info.department, publish_date=date or provenance.publish_date)


def is_attachment(link: Link) -> bool:
    """A file link: by its extension, or by a link text such as 附件：… / 点击下载."""
    path = urlsplit(link.url)
    return bool(DOCUMENT_LINK.search(path.path) or DOCUMENT_LINK.search(path.query)
                or any(word in link.text for word in ATTACHMENT_TEXTS))


def article_title(response: TextResponse) -> str | None:
    """TRS's ArticleTitle meta tag, else the page's heading, else <title> without the site name."""
    for query in ('//meta[@name="ArticleTitle"]/@content', "(//h1)[1]//text()",
                  '(//*[contains(@class, "title")])[1]//text()'):
        text = squash_text(response.xpath(query).getall())
        if text:
            return text
    title = squash_text(response.xpath("//title//text()").getall())
    return TITLE_SUFFIX.sub("", title) or None


def article_date(response: TextResponse) -> str | None:
    """TRS's PubDate meta tag, else a 发布时间：/ 发布日期：… date printed on the page."""
    meta = response.xpath('//meta[@name="PubDate"]/@content').get()
    if meta:
        return iso_date(meta)
    found = LABELLED_DATE.search(squash_text(response.xpath("//body//text()").getall()))
    return iso_date(found.group(0)) if found else None
