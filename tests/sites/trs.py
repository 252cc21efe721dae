"""A TRS WCM portal (四川省财政厅 style): `index.html`, `index_1.html` … counted only by the inline
`createPageHTML(n, cur, "index", "html")`, articles `./202403/t20240320_5410.html` with TRS
<meta> tags, attachments `./P0….pdf` relative to the article's folder."""

from __future__ import annotations

import html

from tests.sites.scenario import (
    DOCS, ROBOTS_TXT, Doc, Site, article_body, calendar, encode_article, file_answers, html_page,
    meta_tags, pages)
from tests.sites.server import Answer, Page

COLUMN = "/czt/bmys/"


def _article_path(doc: Doc) -> str:
    return f"{COLUMN}{doc.date[:7].replace('-', '')}/t{doc.date.replace('-', '')}_{doc.file or '5420'}" \
           .removesuffix(".pdf") + ".html"


def build(offsite_base: str) -> Site:
    routes: dict[str, Answer] = {"/robots.txt": Page(ROBOTS_TXT, "text/plain")}
    offsite: dict[str, Answer] = {}
    articles, files = {}, {}
    for doc in DOCS:
        path = _article_path(doc)
        folder = path.rsplit("/", 1)[0]
        name = f"P0{doc.date.replace('-', '')}{doc.file}" if doc.file else ""
        href = f"./{name}"
        file_path = f"{folder}/{name}"
        if doc.obstacle == "robots":
            href = file_path = f"/private/{doc.date[:7]}/{name}"
        if doc.obstacle == "offsite":
            href = file_path = f"{offsite_base}{folder}/{name}"
            offsite.update(file_answers(doc, f"{folder}/{name}"))
        elif doc.file:
            moved = f"/czt/uploads/{name}" if doc.obstacle == "redirect" else None
            routes.update(file_answers(doc, file_path, moved))
        link = f'<p>附件：<a href="{href}" target="_blank">{html.escape(doc.link_text)}</a></p>'
        body, content_type = encode_article(doc, html_page(f"{doc.title}_四川省财政厅",
                                            article_body(doc, link), meta_tags(doc, "四川省财政厅", "部门预算")))
        routes[path] = Page(body, content_type)
        articles[doc.key] = path
        if doc.file:
            files[doc.key] = file_path
    listing = pages(DOCS)
    for n, entries in enumerate(listing):
        items = "".join(
            f'<li><a href="./{_article_path(d)[len(COLUMN):]}" target="_blank" title="{html.escape(d.title)}">'
            f'{html.escape(d.title)}</a><span class="date">{d.date}</span></li>\n' for d in entries)
        body = (f'<div class="list"><h2>部门预算</h2><ul>\n{items}</ul>\n'
                f'<div class="page"><script type="text/javascript">var currentPage = {n};var countPage = {len(listing)};'
                f'createPageHTML(countPage, currentPage, "index", "html");</script></div></div>'
                f"{calendar(COLUMN + 'index.html')}")
        routes[f"{COLUMN}{'index' if n == 0 else f'index_{n}'}.html"] = Page(
            html_page("部门预算_四川省财政厅", body).encode())
    return Site("trs", routes, offsite, f"{COLUMN}index.html", articles, files)
