"""A generic CMS portal (重庆市财政局 style), GBK throughout: `list?page=N` listing pages with a
numbered pager and 下一页; articles `/zwgk/yjsgk/content/5410.html`; files under
`/uploadfiles/202403/20/…` behind link texts 附件：… and 点击下载, or behind download endpoints
(`/document/download?fileUrl=…&fileName=…` redirecting to the file, `/document/download?id=…`
naming no file at all). One budget is linked from the list straight to its PDF.

Two traps: a calendar widget (a page per day and a "»" to the next month, forever, all on the
listing's own path with `page=1`), and an endless pager — the last page still offers 下一页,
and every page past it is an empty list offering the next.
"""

from __future__ import annotations

import html
from urllib.parse import quote

from tests.sites.scenario import (
    DOCS, ROBOTS_TXT, Doc, Site, article_body, calendar, file_answers, html_page, pages)
from tests.sites.server import Answer, Page, Request

LISTING = "/zwgk/yjsgk/list"
SITE_NAME = "重庆市财政局"
GBK_HTML = "text/html"  # the charset is only in the page's <meta>
LISTED_FILE = "plain"  # the document the list links straight to its PDF


def _gbk(title: str, body: str) -> Page:
    return Page(html_page(title, body, charset="gbk").encode("gbk"), GBK_HTML)


def _upload(doc: Doc) -> str:
    return f"/uploadfiles/{doc.date[:7].replace('-', '')}/{doc.date[8:]}/{doc.file}"


def _article_path(doc: Doc) -> str:
    return f"/zwgk/yjsgk/content/{(doc.file or '5420.pdf')[:-4]}.html"


def _listing(request: Request) -> Page:
    """Page N of the list, for any query; past the last page, an empty list that still has 下一页."""
    listing = pages(DOCS)
    n = int(request.query.get("page", 1) or 1)
    entries = listing[n - 1] if 1 <= n <= len(listing) else []
    items = []
    for doc in entries:
        href = _upload(doc) if doc.key == LISTED_FILE else _article_path(doc)
        items.append(f'<li><a href="{href}" title="{html.escape(doc.title)}">{html.escape(doc.title)}</a>'
                     f"<span>{doc.date}</span></li>")
    pager = [f'<a href="{LISTING}?page=1">首页</a>']
    if n > 1:
        pager.append(f'<a href="{LISTING}?page={n - 1}">上一页</a>')
    pager += [f'<a href="{LISTING}?page={k}">{k}</a>' for k in range(1, len(listing) + 1)]
    pager.append(f'<a href="{LISTING}?page={n + 1}">下一页</a>')  # even on the last page
    body = (f'<div class="news"><h2>预决算公开</h2><ul class="news-list">{"".join(items)}</ul>'
            f'<div class="pager">{" ".join(pager)}</div></div>{calendar(LISTING)}')
    return _gbk(f"预决算公开-{SITE_NAME}", body)


def build(offsite_base: str) -> Site:
    routes: dict[str, Answer] = {"/robots.txt": Page(ROBOTS_TXT, "text/plain"), LISTING: _listing}
    offsite: dict[str, Answer] = {}
    articles, files = {}, {}
    for doc in DOCS:
        upload = _upload(doc) if doc.file else ""
        href, text = upload, f"附件：{doc.link_text}"
        if doc.obstacle == "robots":
            href = upload = f"/private{upload}"
        elif doc.obstacle == "offsite":
            href = f"{offsite_base}{upload}"
        elif doc.obstacle == "redirect":  # a download endpoint that redirects to the file
            href = f"/document/download?fileUrl={quote(upload)}&fileName={quote(doc.file)}"
            text = "点击下载"
        elif doc.key == "dup-b":  # an endpoint naming no file: found by its path alone
            href, text = f"/document/download?id={doc.file[:-4]}", doc.title
        if doc.obstacle == "offsite":
            offsite.update(file_answers(doc, upload))
        elif doc.file:
            routes.update(file_answers(doc, href if doc.key == "dup-b" else upload))
            if doc.obstacle == "redirect":
                routes.update(file_answers(doc, href, upload))
            files[doc.key] = href
        if doc.key == "offsite":
            files[doc.key] = href
        if doc.key == LISTED_FILE:
            continue
        link = f'<p><a href="{html.escape(href)}">{html.escape(text)}</a></p>' if doc.file else ""
        body = article_body(doc, link).replace('<div class="info">', f'<div class="info">来源：{SITE_NAME}　')
        routes[_article_path(doc)] = _gbk(f"{doc.title}-{SITE_NAME}", body)
        articles[doc.key] = _article_path(doc)
    return Site("generic", routes, offsite, f"{LISTING}?page=1", articles, files)
