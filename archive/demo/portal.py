"""The demo portal: simulated government portals of two CMS families, served over real HTTP.

Crawls are tested against what real portals do (../shared/PORTALS.md), so the two sites copy
their habits, including the inconvenient ones:

- site "trs" (TRS WCM, 四川省财政厅 style): `/trs/czt/bmys/index.html`, `index_1.html` …, whose
  page count is given *only* by an inline `createPageHTML(n, cur, "index", "html")`; articles at
  `./202403/t20240315_534977.html` with TRS `<meta>` tags; attachments `./P0….pdf` relative to
  the article's folder; one article page encoded in GBK and declared `gb2312`; a listing link
  into `/trs/private/`, which robots.txt disallows.
- site "list" (a generic CMS, 重庆市财政局 style): `/list/news?page=N` with 下一页 links, articles
  `/list/article/<n>.html`, attachments `/list/uploadfiles/202402/11/<name>` behind link texts
  such as 点击下载 and 附件：…; optionally a link to a mirror on another host (off-site).

Notices are listed beside the budgets, with their attachments. A budget without a file name is
published inline, as an HTML article (as Chongqing does). Every answer carries Content-Type,
Content-Length, ETag and Last-Modified, and conditional requests get 304. The server keeps a log
of every request so tests can check what a crawler asked for, and when.
"""

from __future__ import annotations

import html
import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from functools import cached_property
from hashlib import sha256
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterable, Sequence

from archive.demo.documents import DemoDocument

PER_PAGE = 5
ROBOTS_TXT = "User-agent: *\nDisallow: /trs/private/\n"
TRS_COLUMN = "/trs/czt/bmys/"
TRS_PRIVATE_LINK = "../../private/202403/t20240301_100001.html"  # from the column: robots.txt says no
LIST_NEWS = "/list/news"
# Crawling this machine needs no politeness delay: the registry says so, per portal, so a crawl
# of the demo takes seconds while real portals keep the polite defaults of crawler/settings.py.
LOOPBACK_CRAWL_SETTINGS = {"AUTOTHROTTLE_START_DELAY": 0.05, "DOWNLOAD_DELAY": 0.0}

SITES = {
    "trs": {"id": "demo-trs-czt", "name": "四川省财政厅（演示，TRS WCM）", "region_code": "510000",
            "family": "trs", "start": f"{TRS_COLUMN}index.html"},
    "list": {"id": "demo-list-cz", "name": "重庆市财政局（演示，通用列表）", "region_code": "500000",
             "family": "listing", "start": f"{LIST_NEWS}?page=1"},
}

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".rar": "application/x-rar-compressed",
}
HTML_UTF8 = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Resource:
    """One thing the server answers with: bytes plus the headers real servers send."""

    body: bytes
    content_type: str
    last_modified: datetime

    @cached_property
    def etag(self) -> str:
        return '"' + sha256(self.body).hexdigest()[:16] + '"'


@dataclass(frozen=True)
class LoggedRequest:
    """A request as the server saw it: from its arrival to its answer (time.monotonic())."""

    method: str
    path: str
    headers: dict[str, str]
    started: float
    ended: float
    status: int
    host: str


def _day(iso_date: str) -> datetime:
    return datetime.fromisoformat(iso_date).replace(hour=8, tzinfo=timezone.utc)


def _newest_first(documents: Iterable[DemoDocument]) -> list[DemoDocument]:
    return sorted(documents, key=lambda d: d.publish_date, reverse=True)


def _pages(items: list[Any]) -> list[list[Any]]:
    return [items[i:i + PER_PAGE] for i in range(0, len(items), PER_PAGE)] or [[]]


def _extension(filename: str) -> str:
    return filename[filename.rfind("."):].lower() if "." in filename else ""


def _page(title: str, body: str, head: str = "", charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html>\n<html><head><meta charset="{charset}">\n{head}'
            f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n")


def _inline_or_attachment(doc: DemoDocument, link: str) -> str:
    """The article's document part: the attachment link, or the document itself inline."""
    if doc.filename:
        return link
    if doc.kind != "notice":
        return f'<div class="inline-document">{doc.data.decode("utf-8")}</div>'
    return ""


def _attachment(doc: DemoDocument) -> Resource:
    content_type = CONTENT_TYPES.get(_extension(doc.filename), "application/octet-stream")
    return Resource(doc.data, content_type, _day(doc.publish_date))


def _trs_site(documents: list[DemoDocument]) -> dict[str, Resource]:
    site: dict[str, Resource] = {}
    entries = []
    gbk_done = False
    for i, doc in enumerate(_newest_first(documents)):
        folder = doc.publish_date[:7].replace("-", "")
        name = f"t{doc.publish_date.replace('-', '')}_{534977 + i}.html"
        title = html.escape(doc.title)
        entries.append((f"./{folder}/{name}", doc))
        link = (f'<p>附件：<a href="./{doc.filename}" target="_blank">'
                f"{title}{_extension(doc.filename)}</a></p>")
        head = "".join(f'<meta name="{k}" content="{html.escape(v)}">\n' for k, v in (
            ("SiteName", "四川省财政厅"), ("SiteDomain", "czt.sc.gov.cn"),
            ("SiteIDCode", "5100000011"), ("ColumnName", "部门预算"),
            ("ArticleTitle", doc.title), ("PubDate", f"{doc.publish_date} 09:30"),
            ("ContentSource", "四川省财政厅")))
        body = (f'<div class="article"><h1>{title}</h1>\n'
                f'<div class="info">发布时间：{doc.publish_date}　来源：四川省财政厅</div>\n'
                f'<div class="TRS_Editor"><p>根据《中华人民共和国预算法》有关规定，现将{title}'
                f"公开如下。</p></div>\n"
                f'<div class="fj">{_inline_or_attachment(doc, link)}</div></div>')
        last_modified = _day(doc.publish_date)
        page = Resource(_page(f"{doc.title}_四川省财政厅", body, head).encode(), HTML_UTF8,
                        last_modified)
        if not gbk_done:  # the first article GBK can encode is served the way old sites do
            try:
                page = Resource(_page(f"{doc.title}_四川省财政厅", body, head, "gb2312")
                                .encode("gbk"), "text/html", last_modified)
                gbk_done = True
            except UnicodeEncodeError:
                pass
        site[f"{TRS_COLUMN}{folder}/{name}"] = page
        if doc.filename:
            site[f"{TRS_COLUMN}{folder}/{doc.filename}"] = _attachment(doc)
    pages = _pages(entries)
    for n, page_entries in enumerate(pages):
        items = "".join(
            f'<li><a href="{href}" target="_blank" title="{html.escape(doc.title)}">'
            f'{html.escape(doc.title)}</a><span class="date">{doc.publish_date}</span></li>\n'
            for href, doc in page_entries)
        if n == 0:
            items += (f'<li><a href="{TRS_PRIVATE_LINK}">内部资料：2024年部门预算编制说明（内部）'
                      '</a><span class="date">2024-03-01</span></li>\n')
        body = (f'<div class="list"><h2>部门预算</h2>\n<ul>\n{items}</ul>\n'
                f'<div class="page"><script type="text/javascript">'
                f'createPageHTML({len(pages)}, {n}, "index", "html");</script></div></div>')
        dates = [doc.publish_date for _, doc in page_entries] or ["2024-01-01"]
        site[f"{TRS_COLUMN}{'index' if n == 0 else f'index_{n}'}.html"] = Resource(
            _page("部门预算_四川省财政厅", body).encode(), HTML_UTF8, _day(max(dates)))
    return site


def _list_site(documents: list[DemoDocument], mirror_url: str | None) -> dict[str, Resource]:
    site: dict[str, Resource] = {}
    entries = []
    for i, doc in enumerate(_newest_first(documents)):
        href = f"/list/article/{1001 + i}.html"
        entries.append((href, doc))
        title = html.escape(doc.title)
        path = f"/list/uploadfiles/{doc.publish_date[:7].replace('-', '')}/{doc.publish_date[8:10]}/{doc.filename}"
        text = "点击下载" if i % 2 == 0 else f"附件：{title}{_extension(doc.filename)}"
        link = f'<p><a href="{path}">{text}</a></p>'
        if doc.filename and mirror_url:
            link += f'<p><a href="{mirror_url}{path}">镜像下载</a></p>'
        body = (f'<div class="detail"><h2 class="title">{title}</h2>\n'
                f'<div class="source">发布日期：{doc.publish_date}　来源：重庆市财政局</div>\n'
                f'<div class="text"><p>现将{title}予以公开。</p></div>\n'
                f'<div class="attach">{_inline_or_attachment(doc, link)}</div></div>')
        site[href] = Resource(_page(f"{doc.title}-重庆市财政局", body).encode(), HTML_UTF8,
                              _day(doc.publish_date))
        if doc.filename:
            site[path] = _attachment(doc)
    pages = _pages(entries)
    for n, page_entries in enumerate(pages, start=1):
        items = "".join(
            f'<li><a href="{href}" title="{html.escape(doc.title)}">{html.escape(doc.title)}</a>'
            f"<span>{doc.publish_date}</span></li>\n" for href, doc in page_entries)
        pager = [f'<a href="{LIST_NEWS}?page=1">首页</a>']
        if n > 1:
            pager.append(f'<a href="{LIST_NEWS}?page={n - 1}">上一页</a>')
        pager.append(f"<span>{n}/{len(pages)}</span>")
        if n < len(pages):
            pager.append(f'<a href="{LIST_NEWS}?page={n + 1}">下一页</a>')
        pager.append(f'<a href="{LIST_NEWS}?page={len(pages)}">尾页</a>')
        body = (f'<div class="news"><h2>预决算公开</h2>\n<ul class="news-list">\n{items}</ul>\n'
                f'<div class="pager">{" ".join(pager)}</div></div>')
        dates = [doc.publish_date for _, doc in page_entries] or ["2024-01-01"]
        resource = Resource(_page("预决算公开-重庆市财政局", body).encode(), HTML_UTF8,
                            _day(max(dates)))
        site[f"{LIST_NEWS}?page={n}"] = resource
        if n == 1:
            site[LIST_NEWS] = resource
    return site


def build_sites(documents: Sequence[DemoDocument], mirror_url: str | None = None) -> dict[str, Resource]:
    """Every path (with its query) the demo server answers, mapped to what it answers."""
    site = {"/robots.txt": Resource(ROBOTS_TXT.encode(), "text/plain; charset=utf-8",
                                    _day("2024-01-01"))}
    site.update(_trs_site([d for d in documents if d.site == "trs"]))
    site.update(_list_site([d for d in documents if d.site == "list"], mirror_url))
    return site


def _not_modified(resource: Resource, headers: Any) -> bool:
    """RFC 9110 § 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip() for tag in if_none_match.split(",")}
        return "*" in tags or resource.etag in tags or f"W/{resource.etag}" in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            return resource.last_modified <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers: the crawler's connections persist
    server: _DemoServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        started = time.monotonic()
        portal = self.server.portal
        if portal.delay:
            time.sleep(portal.delay)
        resource = portal.site.get(self.path)
        if resource is None:
            status, body = 404, "<html><body><h1>404 Not Found</h1></body></html>".encode()
            self.send_response(status)
            self.send_header("Content-Type", HTML_UTF8)
            self.send_header("Content-Length", str(len(body)))
        else:
            status = 304 if _not_modified(resource, self.headers) else 200
            body = b"" if status == 304 else resource.body
            self.send_response(status)
            self.send_header("Content-Type", resource.content_type)
            if status == 200:
                self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", resource.etag)
            self.send_header("Last-Modified", format_datetime(resource.last_modified, usegmt=True))
        # Logged before the answer leaves: the client cannot send its next request before
        # `ended`, so overlapping intervals in the log are truly concurrent requests.
        portal.log_request(LoggedRequest(self.command, self.path, dict(self.headers.items()), started,
                                  time.monotonic(), status, self.server.server_address[0]))
        self.end_headers()
        if send_body:
            self.wfile.write(body)
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:  # the request log replaces stderr
        pass


class _DemoServer(ThreadingHTTPServer):
    daemon_threads = True
    portal: DemoPortal


class DemoPortal:
    """The demo sites on one loopback HTTP server, in a background thread.

    `delay` (seconds) holds every answer back, so tests can see overlapping requests;
    `mirror_url` adds a link to each list-site attachment on another host (an off-site link).
    """

    def __init__(self, documents: Sequence[DemoDocument], host: str = "127.0.0.1", port: int = 0,
                 mirror_url: str | None = None, delay: float = 0.0):
        self.documents = list(documents)
        self.site = build_sites(self.documents, mirror_url)
        self.delay = delay
        self._server = _DemoServer((host, port), _Handler)
        self._server.portal = self
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._requests: list[LoggedRequest] = []

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request answered so far, in the order answered."""
        with self._lock:
            return list(self._requests)

    def log_request(self, record: LoggedRequest) -> None:
        with self._lock:
            self._requests.append(record)

    def start(self) -> DemoPortal:
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-portal",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> DemoPortal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def registry_entries(self) -> list[dict[str, Any]]:
        """Registry entries (DESIGN.md § Portals) for the sites that list at least one document."""
        host = self._server.server_address[0]
        listed = {d.site for d in self.documents}
        return [{"id": s["id"], "name": s["name"], "region_code": s["region_code"],
                 "family": s["family"], "start_urls": [self.base_url + s["start"]],
                 "allowed_domains": [host], "settings": dict(LOOPBACK_CRAWL_SETTINGS)}
                for key, s in SITES.items() if key in listed]

    def write_registry(self, path: Path | str) -> Path:
        """Write the registry under a temporary name, then rename: readers never see half."""
        path = Path(path)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(registry_toml(self.registry_entries()), encoding="utf-8")
        os.replace(partial, path)
        return path


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):  # a TOML basic string; JSON's escapes are TOML's
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def registry_toml(entries: list[dict[str, Any]]) -> str:
    """`[[portal]]` tables; a dict value (the per-portal `settings`) becomes a sub-table."""
    out = ["# Registry of the demo portal (archive/demo/portal.py); see DESIGN.md § Portals.\n"]
    for entry in entries:
        out.append("\n[[portal]]\n")
        tables = {k: v for k, v in entry.items() if isinstance(v, dict)}
        out += [f"{k} = {_toml_value(v)}\n" for k, v in entry.items() if k not in tables]
        for name, table in tables.items():
            out.append(f"[portal.{name}]\n")
            out += [f"{k} = {_toml_value(v)}\n" for k, v in table.items()]
    return "".join(out)


def run_demo_portal(host: str = "127.0.0.1", port: int = 0, write_portals: Path | None = None) -> None:
    """Serve the demo portal until Ctrl-C (`budget-corpus demo-portal`)."""
    from archive.demo.corpus import demo_documents

    with DemoPortal(demo_documents(), host=host, port=port) as portal:
        print(f"demo portal at {portal.base_url}")
        for entry in portal.registry_entries():
            print(f"  {entry['id']}: {entry['start_urls'][0]}")
        if write_portals is not None:
            portal.write_registry(write_portals)
            print(f"registry written to {write_portals}")
        print("Ctrl-C to stop", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
