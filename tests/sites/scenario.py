"""What every simulated portal publishes, whatever its CMS family, and the obstacles in it.

Each family's site (tests/sites/<family>.py) renders the same documents in its own markup, so
each family's test asserts the same outcomes: which files are archived, which requests were
made, and which never were. The documents and their obstacles:

- budgets with a plain attachment, one on an article page encoded in GBK (declared gb2312);
- a budget whose attachment answers 500 once, then 200 (retried, archived);
- a budget whose ".pdf" is an HTML error page with status 200 (a soft 404: recorded, not stored);
- a budget whose attachment is under a path robots.txt disallows (never requested);
- a budget whose only attachment is on another loopback host (off-site: never requested);
- two budgets whose attachments are the same bytes under two URLs (one raw object);
- a final accounts (决算) whose attachment answers through a redirect;
- a notice with an attachment (the attachment is never requested);
- a budget published inline, its tables in the article (archived as an HTML document).

Listings span several pages and carry a calendar widget (a trap: a page per day, a "»" to the
next month, forever).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from tests.sites.server import Answer, Flaky, Page, Redirect

PER_PAGE = 4
ROBOTS_TXT = b"User-agent: *\nDisallow: /private/\n"
INLINE_TABLE = ("<table border=\"1\"><tr><td>项目</td><td>预算数</td></tr>"
                "<tr><td>一般公共服务支出</td><td>120.50</td></tr>"
                "<tr><td>合计</td><td>120.50</td></tr></table>")
SOFT_404 = "<!DOCTYPE html><html><head><title>404</title></head><body>页面不存在</body></html>".encode()


def pdf(key: str) -> bytes:
    """Bytes that are a PDF by their signature, distinct per key."""
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n% " + key.encode() + b"\n%%EOF\n"


@dataclass(frozen=True)
class Doc:
    key: str
    title: str
    kind: str  # budget | final_accounts | notice
    date: str  # ISO publish date
    file: str | None  # attachment file name; None: the tables are inline
    data: bytes  # what the attachment (or the inline article's table) is
    obstacle: str | None = None  # gbk | flaky | soft404 | robots | offsite | duplicate | redirect

    @property
    def link_text(self) -> str:
        return f"{self.title}.pdf"

    @property
    def sha256(self) -> str:
        return sha256(self.data).hexdigest()


DOCS = [
    Doc("gbk", "四川省教育厅2024年部门预算", "budget", "2024-03-20", "5410.pdf", pdf("gbk"), "gbk"),
    Doc("plain", "四川省财政厅2024年部门预算", "budget", "2024-03-19", "5411.pdf", pdf("plain")),
    Doc("flaky", "四川省水利厅2024年部门预算", "budget", "2024-03-18", "5412.pdf", pdf("flaky"), "flaky"),
    Doc("soft404", "四川省林草局2024年部门预算", "budget", "2024-03-17", "5413.pdf", SOFT_404, "soft404"),
    Doc("robots", "四川省档案馆2024年单位预算", "budget", "2024-03-16", "5414.pdf", pdf("robots"), "robots"),
    Doc("offsite", "四川省地震局2024年部门预算", "budget", "2024-03-15", "5415.pdf", pdf("offsite"), "offsite"),
    Doc("dup-a", "四川省审计厅2024年部门预算", "budget", "2024-03-14", "5416.pdf", pdf("dup"), "duplicate"),
    Doc("dup-b", "四川省审计厅2024年部门预算（更正）", "budget", "2024-03-14", "5417.pdf", pdf("dup"),
        "duplicate"),
    Doc("final", "四川省民政厅2023年度部门决算", "final_accounts", "2024-03-13", "5418.pdf", pdf("final"),
        "redirect"),
    Doc("notice", "关于开展2024年政府采购检查的通知", "notice", "2024-03-12", "5419.pdf", pdf("notice")),
    Doc("inline", "石柱县老干部活动中心2023年单位预算", "budget", "2024-03-11", None, INLINE_TABLE.encode()),
]

ARCHIVED = [d for d in DOCS if d.kind != "notice" and d.obstacle not in ("soft404", "robots", "offsite")]
NEVER_REQUESTED = [d for d in DOCS if d.obstacle in ("robots", "offsite") or d.kind == "notice"]


def pages(docs: list[Doc]) -> list[list[Doc]]:
    return [docs[i:i + PER_PAGE] for i in range(0, len(docs), PER_PAGE)]


def html_page(title: str, body: str, head: str = "", charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html>\n<html><head><meta charset="{charset}">\n{head}'
            f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n")


def meta_tags(doc: Doc, site: str, column: str) -> str:
    """The <meta> tags government CMSs (TRS, Hanweb, gkmlpt) put on article pages."""
    return "".join(f'<meta name="{k}" content="{html.escape(v)}">\n' for k, v in (
        ("SiteName", site), ("SiteIDCode", "5100000011"), ("ColumnName", column),
        ("ArticleTitle", doc.title), ("PubDate", f"{doc.date} 09:30"), ("ContentSource", site)))


def calendar(listing_path: str, month: str = "2024-03") -> str:
    """A calendar widget: a link per day and a "»" to the next month, on the listing's path."""
    days = "".join(f'<a href="{listing_path}?page=1&amp;date={month}-{d:02d}">{d}</a> ' for d in range(1, 8))
    year, mon = (int(x) for x in month.split("-"))
    following = f"{year + mon // 12}-{mon % 12 + 1:02d}"
    return (f'<div class="calendar"><span>{month}</span> {days}'
            f'<a href="{listing_path}?page=1&amp;month={following}">&raquo;</a></div>')


def article_body(doc: Doc, attachment_html: str) -> str:
    """An article's content: its text, then the attachment links or the inline tables."""
    title = html.escape(doc.title)
    inside = attachment_html if doc.file else INLINE_TABLE
    return (f'<div class="article"><h1>{title}</h1>\n<div class="info">发布日期：{doc.date}</div>\n'
            f"<div class=\"content\"><p>现将{title}公开如下。</p>{inside}</div></div>")


def encode_article(doc: Doc, page: str) -> tuple[bytes, str]:
    """The article's bytes and Content-Type: GBK with no charset in the header for the gbk doc."""
    if doc.obstacle == "gbk":
        return page.replace('charset="utf-8"', 'charset="gb2312"').encode("gbk"), "text/html"
    return page.encode("utf-8"), "text/html; charset=utf-8"


@dataclass
class Site:
    """One family's simulated portal: its routes, and where each document's parts are."""

    family: str
    routes: dict[str, Answer]
    offsite_routes: dict[str, Answer]  # served on the other loopback host
    start: str  # path of the start URL (may carry a #fragment)
    articles: dict[str, str]  # doc key -> article path
    files: dict[str, str]  # doc key -> the path (or off-site URL) its article links
    options: dict[str, Any] = field(default_factory=dict)  # the registry entry's family options


def file_answers(doc: Doc, path: str, moved_to: str | None = None) -> dict[str, Answer]:
    """How the server answers for a document's file at `path`, obstacles included."""
    page = Page(doc.data, "application/pdf")
    if doc.obstacle == "flaky":
        return {path: Flaky(page)}
    if moved_to is not None:
        return {path: Redirect(moved_to), moved_to: page}
    return {path: page}
