"""The crawl every CMS family shares: listing pages → articles → attachments.

A listing page leads to articles, to files linked from the list itself, and to more listing
pages; an article's title (or a file's link text) says whether it is a budget (预算) or final
accounts (决算) — only those have their files fetched, so a notice's attachment is never
downloaded; a file is handed to the archive pipeline as it came. Every request's failure comes
back as a `FetchError` item (errback), so nothing the crawl tried is lost without a catalog row.
Off-site links are dropped by Scrapy's OffsiteMiddleware (`allowed_domains` from the registry),
robots.txt by its RobotsTxtMiddleware, crawler traps by the spider's `TrapGuard`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, ClassVar, Iterable, Iterator
from urllib.parse import unquote, urlencode, urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.failures import classify_failure, header_dict
from crawler.items import FetchedFile, FetchError, Provenance
from crawler.recorder import WARC_META
from crawler.spiders import options
from crawler.spiders.traps import TrapGuard
from parsing.titles import classify_title

if TYPE_CHECKING:
    from crawler.registry import Portal

WANTED_KINDS = ("budget", "final_accounts")
FILE_EXTENSION = r"\.(?:pdf|docx?|xlsx?|wps|et|zip|rar|7z)"
DOCUMENT_LINK = re.compile(FILE_EXTENSION + r"(?:$|[?#&])", re.IGNORECASE)
# Download endpoints that name no file in their path: …/document/download?fileUrl=…,
# /module/download/downfile.jsp?…, /servlet/FileDownload?id=…
DOWNLOAD_ENDPOINT = re.compile(r"(?:down(?:load)?(?:file)?|file_?down(?:load)?|getfile)"
                               r"(?:\.(?:jsp|do|php|aspx?|action|ashx))?$", re.IGNORECASE)
# 附件：… / 点击下载 / 下载: the texts of file links; not 下载中心 (a site's downloads section)
ATTACHMENT_TEXT = re.compile(r"^\s*附件|点击下载|下载附件|^\s*下载\s*$")
LINK_DECORATION = re.compile(r"^\s*(?:附件\s*\d*\s*[:：.、]?|点击下载\s*[:：]?|下载\s*[:：])\s*|"
                             + FILE_EXTENSION + r"\s*$", re.IGNORECASE)
DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
LABELLED_DATE = re.compile(r"(?:发布|更新|成文)?(?:时间|日期)[:：]\s*" + DATE.pattern)
TITLE_SUFFIX = re.compile(r"\s*[-_|—]+\s*[^-_|—]*$")  # "标题_四川省财政厅" → "标题"
DEPTH = "listing_depth"  # request.meta: listing hops from a start URL


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


def page_links(response: TextResponse, dated: bool = False, scope: str | None = None) -> Iterator[Link]:
    """Every followable <a href> of a page (or of the part `scope`, a CSS selector, picks),
    absolute, with its text (or title attribute) and, when `dated`, the date printed beside it
    (a listing's `<li><a…>…</a><span>2024-03-15`)."""
    seen: set[str] = set()
    anchors = response.css(f"{scope} a[href]" if scope else "a[href]")
    for a in anchors:
        element = a.root  # lxml itself: a Selector per text node costs more than the link is worth
        href = element.get("href", "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = response.urljoin(href)
        if url in seen:
            continue
        seen.add(url)
        text = squash_text(element.xpath("text()")) or element.get("title", "").strip()
        parent = element.getparent()
        yield Link(url, text, iso_date(squash_text(parent.itertext())) if dated and parent is not None else None)


class BudgetSpider(scrapy.Spider):
    """Crawls one portal of the registry (`portal` argument) for its budget documents.

    To add a CMS family, write one module in crawler/spiders/ and add it to SPIDERS there:

    1. subclass BudgetSpider; set `family` (the registry's name for it) and `article_pattern`
       (a regex searched in article URLs; a registry entry may override it);
    2. implement `next_pages(response)`: the listing pages a listing page leads to — or, when
       they are not plain GET pages (a POST, a JSON API), override `more_listings`;
    3. override `listing_links(response)` if a list's entries are not the page's <a> links
       (an XML or JSON answer), and add any option the family needs to `options` (name → a
       reader from crawler/spiders/options.py), so the registry rejects a bad value before any
       crawl.
    """

    family: ClassVar[str]
    article_pattern: ClassVar[str]
    options: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "article_pattern": options.regex,  # article URLs, when the family's default is wrong
        "list_selector": options.css,  # the part of a listing page that holds the list
        "keywords": options.texts,  # follow only entries whose text has one of these
        "max_depth": options.positive_int,  # listing hops from a start URL
        "max_pages": options.positive_int,  # listing pages in all
        "max_per_pattern": options.positive_int,  # listing pages of one URL shape
    }
    defaults: ClassVar[dict[str, Any]] = {"max_depth": 100, "max_pages": 5000, "max_per_pattern": 1000}
    # Scrapy's DEPTH_LIMIT counts every hop (listing → article → file), so on a long 下一页 chain
    # it would drop the files of the last pages silently; the trap guard's max_depth counts
    # listing hops only, and is the bound.
    custom_settings: ClassVar[dict[str, Any]] = {"DEPTH_LIMIT": 0}

    def __init__(self, portal: Portal, **kwargs: Any):
        super().__init__(name=portal.id, **kwargs)
        self.portal = portal
        self.allowed_domains = list(portal.allowed_domains)
        self.article_re = self.option("article_pattern") or re.compile(self.article_pattern)
        self.guard = TrapGuard(self.option("max_depth"), self.option("max_pages"),
                               self.option("max_per_pattern"))
        self.seen_entries: set[str] = set()  # list entries (articles, files) already followed
        self.seen_listings: set[str] = set()  # listing pages already asked for

    def option(self, name: str) -> Any:
        """The registry entry's value for an option, else the family's default (or None)."""
        return self.portal.options.get(name, self.defaults.get(name))

    # -- what a family defines -------------------------------------------------------------

    def listing_links(self, response: TextResponse) -> Iterable[Link]:
        """The entries of a listing page: links to articles or straight to files."""
        return page_links(response, dated=True, scope=self.option("list_selector"))

    def is_article(self, link: Link) -> bool:
        return bool(self.article_re.search(link.url))

    def next_pages(self, response: TextResponse) -> Iterable[str]:
        raise NotImplementedError

    def more_listings(self, response: TextResponse, here: Provenance, depth: int) -> Iterator[scrapy.Request]:
        """Requests for the listing pages this one leads to, `depth` hops from a start URL."""
        for url in self.next_pages(response):
            request = self.listing_request(url, here, depth)
            if request is not None:
                yield request

    # -- the crawl ---------------------------------------------------------------------------

    def request(self, url: str, callback: Any, provenance: Provenance,
                formdata: dict[str, str] | None = None, **meta: Any) -> scrapy.Request:
        if formdata is not None:  # a POST, as Hanweb's list proxy wants
            return scrapy.FormRequest(url, formdata=formdata, callback=callback, errback=self.fetch_failed,
                                      cb_kwargs={"provenance": provenance}, meta=meta)
        return scrapy.Request(url, callback=callback, errback=self.fetch_failed,
                              cb_kwargs={"provenance": provenance}, meta=meta)

    def listing_request(self, url: str, here: Provenance, depth: int,
                        formdata: dict[str, str] | None = None, **meta: Any) -> scrapy.Request | None:
        """A request for a listing page; None when it was asked for already, or when the trap
        guard refuses it."""
        key = url + "\n" + urlencode(sorted((formdata or {}).items()))
        if key in self.seen_listings:
            return None
        self.seen_listings.add(key)
        reason = self.guard.refuse(url, depth)
        if reason:
            self.logger.info("not following %s: %s", url, reason)
            if getattr(self, "crawler", None) is not None:
                self.crawler.stats.inc_value("budget/listing_refused")
            return None
        return self.request(url, self.parse_listing, here, formdata, **{DEPTH: depth}, **meta)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        provenance = Provenance(self.portal.id, self.portal.region_code)
        for url in self.portal.start_urls:  # chosen by hand: no trap guard
            self.seen_listings.add(url + "\n")
            yield self.request(url, self.parse_listing, provenance, **{DEPTH: 0})

    def parse_listing(self, response: Response, provenance: Provenance) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield FetchError(response.url, "error", response.status,
                             "listing page is not text", provenance, response.meta.get(WARC_META))
            return
        here = replace(provenance, referer=response.url)
        keywords = self.option("keywords")
        fresh = 0
        for link in self.listing_links(response):
            if keywords and not any(word in link.text for word in keywords):
                continue
            if is_attachment(link):
                document = as_document(here, link_title(link.text), link.date)
                if document is not None:
                    fresh += link.url not in self.seen_entries
                    self.seen_entries.add(link.url)
                    yield self.file_request(link, replace(document, link_text=link.text))
            elif self.is_article(link):
                fresh += link.url not in self.seen_entries
                self.seen_entries.add(link.url)
                yield self.request(link.url, self.parse_article,
                                   replace(here, link_text=link.text, publish_date=link.date))
        depth = response.meta.get(DEPTH, 0)
        if fresh or depth == 0:  # a page with nothing new ends its chain (endless pagers)
            yield from self.more_listings(response, here, depth + 1)

    def file_request(self, link: Link, document: Provenance) -> scrapy.Request:
        return self.request(link.url, self.parse_attachment, document,
                            conditional=True, handle_httpstatus_list=[304])

    def parse_article(self, response: Response, provenance: Provenance) -> Iterator[Any]:
        if not isinstance(response, TextResponse):  # the listing linked the file itself
            document = as_document(provenance, provenance.link_text, None)
            if document is not None:
                yield self.fetched(response, document)
            return
        title = article_title(response) or provenance.link_text
        article = as_document(provenance, title, article_date(response))
        attachments = [link for link in page_links(response) if is_attachment(link)]
        for link in attachments:
            document = attachment_document(provenance, article, link)
            if document is not None:
                yield self.file_request(link, replace(document, referer=response.url, link_text=link.text))
        if article is not None and not attachments and has_budget_table(response):
            yield self.fetched(response, article, is_article=True)  # tables inline (重庆 style)

    def parse_attachment(self, response: Response, provenance: Provenance) -> Iterator[FetchedFile]:
        yield self.fetched(response, provenance)

    def fetched(self, response: Response, provenance: Provenance, is_article: bool = False) -> FetchedFile:
        original = (response.meta.get("redirect_urls") or [response.url])[0]
        return FetchedFile(original, response.url, response.status, header_dict(response.headers),
                           response.body, provenance, is_article,
                           response.meta.get("previous_sha256"), response.meta.get(WARC_META))

    def fetch_failed(self, failure: Failure) -> Iterator[FetchError]:
        """The failure as a catalog row, leading to the WARC record of the answer when there was
        one (an error status, a challenge, an answer a downloader middleware refused — whose
        response is not yet tied to its request, so the request's meta says where it is)."""
        request = failure.request  # type: ignore[attr-defined]
        fetch_status, status, reason = classify_failure(failure)
        answer = getattr(failure.value, "response", None)
        record = request.meta.get(WARC_META) if answer is not None else None
        linked = (request.meta.get("redirect_urls") or [request.url])[0]
        if linked != request.url:
            reason += f" (redirected from {linked})"
        yield FetchError(request.url, fetch_status, status, reason, request.cb_kwargs["provenance"], record)


def as_document(provenance: Provenance, title: str | None, date: str | None) -> Provenance | None:
    """The provenance of a budget or final accounts titled `title`; None for anything else."""
    info = classify_title(title)
    if info.doc_kind not in WANTED_KINDS:
        return None
    return replace(provenance, title=title, doc_kind=info.doc_kind, fiscal_year=info.fiscal_year,
                   department=info.department, publish_date=date or provenance.publish_date)


def attachment_document(provenance: Provenance, article: Provenance | None, link: Link) -> Provenance | None:
    """What an article's attachment is: its own link text decides when it names a kind
    ("附件2：某局2023年部门决算.pdf" under a 预算 article); else the article's title does. A
    notice's attachment (neither says budget or final accounts) is None: never fetched."""
    own = classify_title(link_title(link.text))
    if own.doc_kind not in WANTED_KINDS:
        return article
    base = article or replace(provenance, title=link_title(link.text))
    return replace(base, doc_kind=own.doc_kind, fiscal_year=own.fiscal_year or base.fiscal_year,
                   department=own.department or base.department)


def link_title(text: str) -> str:
    """A link text without its 附件1： / 点击下载 / .pdf decorations:
    "附件1：甲局2024年部门预算.pdf" → "甲局2024年部门预算"."""
    previous = None
    while previous != text:
        previous, text = text, LINK_DECORATION.sub("", text)
    return text.strip()


def is_attachment(link: Link) -> bool:
    """A file link: by its extension, by a download endpoint, or by a link text such as
    附件：… / 点击下载."""
    parts = urlsplit(link.url)
    path = unquote(parts.path)
    return bool(DOCUMENT_LINK.search(path) or DOCUMENT_LINK.search(unquote(parts.query))
                or DOWNLOAD_ENDPOINT.search(path)
                or ATTACHMENT_TEXT.search(link.text))


def has_budget_table(response: TextResponse) -> bool:
    """An inline table with a total row: a budget published as the article itself."""
    return bool(response.xpath('//table[contains(., "合计") or contains(., "总计")]'))


def article_title(response: TextResponse) -> str | None:
    """The ArticleTitle meta tag (TRS, Hanweb, gkmlpt), else the page's heading, else <title>
    without the site name."""
    for query in ('//meta[@name="ArticleTitle"]/@content', "(//h1)[1]//text()",
                  '(//*[contains(@class, "title")])[1]//text()'):
        text = squash_text(_strings(response, query))
        if text:
            return text
    title = squash_text(_strings(response, "//title//text()"))
    return TITLE_SUFFIX.sub("", title) or None


def article_date(response: TextResponse) -> str | None:
    """The PubDate meta tag, else a 发布时间：/ 发布日期：… date printed on the page."""
    meta = _strings(response, '//meta[@name="PubDate"]/@content')
    if meta:
        return iso_date(meta[0])
    found = LABELLED_DATE.search(squash_text(_strings(response, "//body//text()")))
    return iso_date(found.group(0)) if found else None


def _strings(response: TextResponse, query: str) -> list[str]:
    """The strings an XPath query selects (attributes, text nodes), straight from lxml."""
    return [str(found) for found in response.selector.root.xpath(query)]
