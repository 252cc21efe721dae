"""A Hanweb (大汉) JCMS portal: a column page with no list in its HTML, only the jpage script
naming the list proxy's form fields; the list is POSTed for to `dataproxy.jsp` and answered in
XML, three pages at a time; articles `/art/2024/3/20/art_14_5410.html`; files through
`/module/download/downfile.jsp?classid=0&filename=….pdf`, which answers 302 to `/attach/0/….pdf`.

The column page is GBK-encoded and carries a second, unrelated jpage block first (a sidebar
column), so the spider must pick the block of its own column. The proxy answers an empty
datastore unless the form names this column, as real ones do.
"""

from __future__ import annotations

import html

from tests.sites.scenario import (
    DOCS, ROBOTS_TXT, Doc, Site, article_body, calendar, encode_article, file_answers, html_page,
    meta_tags)
from tests.sites.server import Answer, Page, Redirect, Request

COLUMN_ID, UNIT_ID, WEB_ID, SITE_NAME = "1229063412", "4985541", "3", "四川省财政厅"
COLUMN = f"/col/col{COLUMN_ID}/index.html"
PROXY = "/module/web/jpage/dataproxy.jsp"
PERPAGE = 2  # the registry entry's `perpage`: 6 records per POST, so two POSTs for 11 documents


def _jpage(element: str, column: str, unit: str) -> str:
    return (f"<div id=\"{element}\"></div>\n<script type=\"text/javascript\">\n"
            f"$(document).ready(function(){{ $('#{element}').jpage({{ dataStore: [], "
            f"proxyUrl: '{PROXY}', perPage: 15, groupSize: 3, "
            f"ajaxParam: {{col: 1, appid: 1, webid: {WEB_ID}, path: '/', columnid: {column}, "
            f"sourceContentType: 1, unitid: '{unit}', webname: '{SITE_NAME}', permissiontype: 0}} }}); }});\n"
            "</script>")


def _article_path(doc: Doc) -> str:
    year, month, day = (int(x) for x in doc.date.split("-"))
    return f"/art/{year}/{month}/{day}/art_14_{(doc.file or '5420.pdf')[:-4]}.html"


def _record(doc: Doc) -> str:
    title = html.escape(doc.title)
    return (f"<record><![CDATA[<li><a href=\"{_article_path(doc)}\" target=\"_blank\" title=\"{title}\">"
            f"{title}</a><span>{doc.date}</span></li>]]></record>")


def _proxy(request: Request) -> Page:
    """The list proxy: records startrecord…endrecord of the column the form names."""
    form = request.form
    ours = (form.get("columnid"), form.get("unitid"), form.get("webid"), form.get("webname")) == \
        (COLUMN_ID, UNIT_ID, WEB_ID, SITE_NAME)
    docs = DOCS if request.method == "POST" and ours else []
    start, end = int(request.query.get("startrecord", 1)), int(request.query.get("endrecord", 45))
    perpage = int(request.query.get("perpage", 15))
    records = "".join(_record(d) for d in docs[start - 1:end])
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><datastore><nextgroup><![CDATA[<a href="{PROXY}?page=1">'
           f"</a>]]></nextgroup><recordset>{records}</recordset><totalrecord>{len(docs)}</totalrecord>"
           f"<totalpage>{-(-len(docs) // perpage)}</totalpage></datastore>")
    return Page(xml.encode(), "text/xml;charset=UTF-8")


def build(offsite_base: str) -> Site:
    routes: dict[str, Answer] = {"/robots.txt": Page(ROBOTS_TXT, "text/plain"), PROXY: _proxy}
    offsite: dict[str, Answer] = {}
    articles, files = {}, {}
    for doc in DOCS:
        path = _article_path(doc)
        name = f"2403{doc.date[8:]}1530{doc.file}" if doc.file else ""
        download = f"/module/download/downfile.jsp?classid=0&filename={name}"
        if doc.obstacle == "offsite":
            href = f"{offsite_base}{download}"
            offsite[download] = Redirect(f"/attach/0/{name}")
            offsite.update(file_answers(doc, f"/attach/0/{name}"))
        elif doc.file:
            href = download
            target = f"/private/0/{name}" if doc.obstacle == "robots" else f"/attach/0/{name}"
            routes[download] = Redirect(target)
            routes.update(file_answers(doc, target))
        link = (f'<p>附件：<a href="{html.escape(href)}" target="_blank">{html.escape(doc.link_text)}</a></p>'
                if doc.file else "")
        body, content_type = encode_article(doc, html_page(f"{doc.title} - {SITE_NAME}",
                                            article_body(doc, link), meta_tags(doc, SITE_NAME, "部门预算")))
        routes[path] = Page(body, content_type)
        articles[doc.key] = path
        if doc.file:
            files[doc.key] = href
    column = html_page(f"部门预算 - {SITE_NAME}", "\n".join([
        '<div class="sidebar"><h3>最新动态</h3>', _jpage("4985500", "1229000001", "4985500"), "</div>",
        '<div class="main"><h2>部门预算</h2>', _jpage(UNIT_ID, COLUMN_ID, UNIT_ID), "</div>",
        '<script type="text/javascript" src="/module/web/jpage/jpage.js"></script>',
        calendar(COLUMN)]), f'<meta name="SiteName" content="{SITE_NAME}">\n', charset="gbk")
    routes[COLUMN] = Page(column.encode("gbk"), "text/html")
    return Site("hanweb", routes, offsite, COLUMN, articles, files, {"perpage": PERPAGE})
