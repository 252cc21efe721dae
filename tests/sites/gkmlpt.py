"""A Guangdong gkmlpt catalogue: an empty shell page whose script sets `SID:'…'`, the lists in
JSON from `/gkmlpt/api/all/{category}?page=N&sid=…` (absolute article URLs, Unix times),
articles `/gkmlpt/content/5/5410/post_5410.html`, files `/attachment/0/541/5410/….pdf`.

The start URL names its category in the fragment (`/gkmlpt/index#2471`); another category
(2472) holds other notices and is not crawled. A wrong SID gets an empty list, as on real sites.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timedelta, timezone

from tests.sites.scenario import (
    DOCS, PER_PAGE, ROBOTS_TXT, Doc, Site, article_body, calendar, encode_article, file_answers,
    html_page, meta_tags)
from tests.sites.server import Answer, Page, Request

SID, CATEGORY, OTHER_CATEGORY, SITE_NAME = "755031", "2471", "2472", "四川省财政厅"
BEIJING = timezone(timedelta(hours=8))


def _number(doc: Doc) -> str:
    return (doc.file or "5420.pdf")[:-4]


def _article_path(doc: Doc) -> str:
    n = _number(doc)
    return f"/gkmlpt/content/5/{n}/post_{n}.html"


def _api(category: str):
    def answer(request: Request) -> Page:
        docs = DOCS if category == CATEGORY and request.query.get("sid") == SID else []
        page = int(request.query.get("page", 1))
        host = request.headers.get("Host", "")
        articles = [{"id": int(_number(d)), "title": d.title, "url": f"http://{host}{_article_path(d)}",
                     "publisher": SITE_NAME, "display_publish_time": int(datetime.fromisoformat(d.date)
                                                                        .replace(hour=9, tzinfo=BEIJING).timestamp())}
                    for d in docs[(page - 1) * PER_PAGE:page * PER_PAGE]]
        body = json.dumps({"total": len(docs), "articles": articles, "page": page}, ensure_ascii=False)
        return Page(body.encode(), "application/json;charset=UTF-8")
    return answer


def build(offsite_base: str) -> Site:
    routes: dict[str, Answer] = {"/robots.txt": Page(ROBOTS_TXT, "text/plain"),
                                 f"/gkmlpt/api/all/{CATEGORY}": _api(CATEGORY),
                                 f"/gkmlpt/api/all/{OTHER_CATEGORY}": _api(OTHER_CATEGORY)}
    offsite: dict[str, Answer] = {}
    articles, files = {}, {}
    for doc in DOCS:
        n = _number(doc)
        path = f"/attachment/0/{n[:3]}/{n}/{n}.pdf"
        if doc.obstacle == "robots":
            href = path = f"/private/attachment/{n}.pdf"
            routes.update(file_answers(doc, path))
        elif doc.obstacle == "offsite":
            href = f"{offsite_base}{path}"
            offsite.update(file_answers(doc, path))
        elif doc.file:
            href = path
            moved = f"/attachment/1/{n[:3]}/{n}/{n}.pdf" if doc.obstacle == "redirect" else None
            routes.update(file_answers(doc, path, moved))
        link = (f'<div class="attachment"><a href="{href}">{html.escape(doc.link_text)}</a></div>'
                if doc.file else "")
        body = (f'<table class="classify"><tr><th>索引号：</th><td>11440000006939{n}/2024-0{n[-1]}</td>'
                f"<th>分类：</th><td>财政预决算</td></tr><tr><th>发布机构：</th><td>{SITE_NAME}</td>"
                f"<th>成文日期：</th><td>{doc.date}</td></tr></table>" + article_body(doc, link))
        page, content_type = encode_article(doc, html_page(f"{doc.title}_{SITE_NAME}", body,
                                                           meta_tags(doc, SITE_NAME, "财政预决算")))
        routes[_article_path(doc)] = Page(page, content_type)
        articles[doc.key] = _article_path(doc)
        if doc.file:
            files[doc.key] = href
    shell = html_page(f"政府信息公开 - {SITE_NAME}", (
        '<div id="app"></div>\n<script type="text/javascript">\n'
        f"  var TEMPLATE_CONFIG = {{ SID:'{SID}', SITE_NAME:'{SITE_NAME}', LANG:'zh-cn' }};\n</script>\n"
        '<script src="/gkmlpt/static/js/app.js"></script>\n' + calendar("/gkmlpt/index")))
    routes["/gkmlpt/index"] = Page(shell.encode())
    return Site("gkmlpt", routes, offsite, f"/gkmlpt/index#{CATEGORY}", articles, files)
