"""A loopback portal whose URLs misbehave on a script, with a log of every request it answered.

Real portals fail in ways a clean test server never does: a 503 burst while a CMS restarts, a
socket reset halfway through a PDF, a Content-Length the body never reaches, an answer that
comes after the crawler gave up, a redirect loop, a firewall's challenge, an error page served
as the file, a body over the size cap, a wrong Content-Type, a gzip stream that is not one.

Each path answers from a `Script`: a list of steps, one per request, the last repeating — so
"503 twice, then the file" is `Script([Answer(503), Answer(503), Answer(pdf)])` and "always
reset" is `Script([Reset(pdf)])`. `fault_classes` gives, per fault class, its links (`Link`:
the path, the script, and what the crawl should make of it: the document archived, or the
fetch_status and reason recorded, after how many requests); `good_links` gives the good
documents; `portal_routes` lays them out as a generic-family portal (a listing page linking
straight to files titled as budgets, and article pages). The server's log (`FaultServer.log`,
written as each request arrives) is the witness for how often each URL was asked.
"""

from __future__ import annotations

import gzip
import html
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from hashlib import sha256
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from typing import Any, ClassVar, Union

from reportlab.pdfgen import canvas

from tests.sites.server import SiteServer

PDF = "application/pdf"
HTML = "text/html; charset=utf-8"
LISTING = "/yjsgk/list"
RUISHU = b"<html><script>$_ts=window['$_ts'];if(!$_ts)$_ts={};</script></html>"
JIASULE = b"<script>document.cookie='__jsl_clearance_s=1';location.reload()</script>"
SOFT_404 = "<!DOCTYPE html><html><head><title>404</title></head><body>页面不存在</body></html>".encode()


@cache
def good_pdf(key: str, padding: int = 0) -> bytes:
    """A real one-page PDF, distinct per key (reportlab, invariant: the same bytes every run);
    `padding` bytes of a PDF comment make it as large as a test needs."""
    out = BytesIO()
    page = canvas.Canvas(out, invariant=1)
    page.setTitle(key)
    page.drawString(72, 720, f"budget document {key}")
    page.save()
    return out.getvalue() + (b"%" + b"0" * (padding - 2) + b"\n" if padding else b"")


# -- how one request is answered ---------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A complete answer; `chunked` sends it without a Content-Length."""

    status: int = 200
    body: bytes = b""
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()
    chunked: bool = False


@dataclass(frozen=True)
class Reset:
    """Announce the whole body (unless not `announced`: then the body ends with the
    connection), send `sent` bytes of it, then reset the connection (RST)."""

    body: bytes
    sent: int = 1000
    content_type: str = PDF
    announced: bool = True


@dataclass(frozen=True)
class Truncated:
    """Announce the whole body, send `sent` bytes of it, then close the connection cleanly."""

    body: bytes
    sent: int = 1000
    content_type: str = PDF
    announced: bool = True


@dataclass(frozen=True)
class Stall:
    """Say nothing for `seconds` (past the crawler's timeout), then answer."""

    seconds: float
    then: Answer


Step = Union[Answer, Reset, Truncated, Stall]


@dataclass
class Script:
    """The steps of one path, one per request; the last one repeats."""

    steps: list[Step]
    hits: int = 0

    def next(self, lock: threading.Lock) -> Step:
        with lock:
            self.hits += 1
            return self.steps[min(self.hits, len(self.steps)) - 1]


@dataclass
class Logged:
    """One request, logged as it arrives (a stalled answer may outlive the crawl)."""

    host: str
    path: str
    step: str  # the kind of step that answers: Answer, Reset, Truncated, Stall
    headers: dict[str, str]
    status: int | None = None  # None until (unless) a status line went out
    sent: int = 0  # body bytes written before the end (or the failure)


NOT_FOUND = Answer(404, b"<html><body><h1>404 Not Found</h1></body></html>")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        site = self.server.site
        script = site.routes.get(self.path) or site.routes.get(self.path.split("?")[0])
        step = script.next(site.lock) if script else NOT_FOUND
        entry = Logged(self.server.server_address[0], self.path, type(step).__name__, dict(self.headers.items()))
        site.record(entry)
        try:
            if isinstance(step, Stall):
                time.sleep(step.seconds)
                step = step.then
            if isinstance(step, Answer):
                entry.status, entry.sent = step.status, self._answer(step)
            else:
                entry.status = 200
                self._head(200, step.content_type,
                           [("Content-Length", str(len(step.body)))] if step.announced else [])
                self.wfile.write(step.body[:step.sent])
                self.wfile.flush()
                entry.sent = step.sent
                self.close_connection = True
                if isinstance(step, Reset):  # linger 0: close() sends RST, not FIN
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
        except OSError:  # the crawler hung up first (a timeout, a refused size)
            self.close_connection = True

    def _head(self, status: int, content_type: str, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def _answer(self, answer: Answer) -> int:
        headers = list(answer.headers)
        if answer.chunked:
            self._head(answer.status, answer.content_type, headers + [("Transfer-Encoding", "chunked")])
            sent = 0
            for start in range(0, len(answer.body), 1 << 16):
                chunk = answer.body[start:start + (1 << 16)]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            self.wfile.write(b"0\r\n\r\n")
            return sent
        self._head(answer.status, answer.content_type, headers + [("Content-Length", str(len(answer.body)))])
        self.wfile.write(answer.body)
        return len(answer.body)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:  # the socket was reset on purpose
            pass

    def log_message(self, format: str, *args: Any) -> None:  # the request log replaces stderr
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: FaultServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a reset on purpose, or the crawler hanging up: the log says what happened


@dataclass
class FaultServer(SiteServer):
    """Serves `routes` (path, with or without its query → Script) on a loopback `host`."""

    routes: dict[str, Script] = field(default_factory=dict)
    server_class: ClassVar[type[ThreadingHTTPServer]] = _Server
    handler_class: ClassVar[type[BaseHTTPRequestHandler]] = _Handler

    def asked(self, path: str) -> list[Logged]:
        """The requests for `path` (with its query, as sent)."""
        with self.lock:
            return [entry for entry in self.log if entry.path == path]


def serve(routes: dict[str, Step | list[Step] | Script]) -> dict[str, Script]:
    """Routes given as one step, a list of steps or a Script, all as Scripts."""
    return {path: r if isinstance(r, Script) else Script(r if isinstance(r, list) else [r])
            for path, r in routes.items()}


# -- the portal --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """One entry of the portal: a file linked from the listing, or an article page."""

    path: str
    title: str  # a budget's title: the spider follows it
    steps: list[Step]
    good: bytes | None = None  # the document it should archive, when it should
    expect: str = "ok"  # the catalog's fetch_status for it
    reason: str | None = None  # a word the status_reason must contain
    requests: int | None = None  # how many times the server should be asked (None: not checked)
    article: bool = False  # an article page (its attachment is the next Link)
    also: tuple[tuple[str, Step], ...] = ()  # more routes it needs (a redirect's targets)
    row_path: str | None = None  # where its catalog row is, when not at `path` (a failed redirect's end)


@dataclass(frozen=True)
class FaultClass:
    name: str
    links: tuple[Link, ...]


def _title(n: int) -> str:
    return f"四川省第{n}厅2024年部门预算"


def fault_classes(retries: int, cap: int, stall: float, max_redirects: int) -> dict[str, FaultClass]:
    """Every fault class as links, for a crawl with RETRY_TIMES `retries`, DOWNLOAD_MAXSIZE
    `cap`, REDIRECT_MAX_TIMES `max_redirects` and a DOWNLOAD_TIMEOUT shorter than `stall`."""
    tries = retries + 1
    n = iter(range(100, 1000))

    def link(name: str, steps: list[Step], good: bytes | None = None, **kw: Any) -> Link:
        return Link(f"/uploadfiles/{name}.pdf", _title(next(n)), steps, good, **kw)

    def pdf(name: str) -> bytes:
        return good_pdf(f"fault-{name}")

    def ok(name: str, content_type: str = PDF) -> Answer:
        return Answer(200, pdf(name), content_type)

    def moved(target: str, status: int = 302) -> Answer:
        return Answer(status, headers=(("Location", f"/uploadfiles/{target}.pdf"),))

    def gzipped(body: bytes) -> Answer:
        return Answer(200, body, PDF, (("Content-Encoding", "gzip"),))

    error_page = b"<html><body>Service Unavailable</body></html>"
    hops = max_redirects + 2
    classes = [
        FaultClass("5xx burst", (
            link("burst500", [Answer(500, error_page)] * retries + [ok("burst500")], pdf("burst500"),
                 requests=tries),
            link("burst502", [Answer(502, error_page), ok("burst502")], pdf("burst502"), requests=2),
            link("burst503", [Answer(503, error_page)], expect="http_error", reason="HTTP 503",
                 requests=tries),
        )),
        FaultClass("connection reset", (
            link("reset-once", [Reset(pdf("reset-once")), ok("reset-once")], pdf("reset-once"), requests=2),
            link("reset-always", [Reset(pdf("reset-always"))], expect="error", reason="reset",
                 requests=tries),
            link("reset-unannounced-once", [Reset(pdf("reset-unannounced-once"), announced=False),
                                            ok("reset-unannounced-once")],
                 pdf("reset-unannounced-once"), requests=2),
            link("reset-unannounced", [Reset(pdf("reset-unannounced"), announced=False)],
                 expect="error", reason="truncated", requests=tries),
        )),
        FaultClass("truncated body", (
            link("short-once", [Truncated(pdf("short-once")), ok("short-once")], pdf("short-once"),
                 requests=2),
            link("short-always", [Truncated(pdf("short-always"))], expect="error", reason="truncated",
                 requests=tries),
        )),
        FaultClass("slow response", (
            link("slow-once", [Stall(stall, ok("slow-once")), ok("slow-once")], pdf("slow-once"), requests=2),
            link("slow-always", [Stall(stall, ok("slow-always"))], expect="error", reason="timed out",
                 requests=tries),
        )),
        FaultClass("redirect loop", (
            link("loop-a", [moved("loop-b")], expect="error", reason="redirect loop", requests=1,
                 also=(("/uploadfiles/loop-b.pdf", moved("loop-a")),), row_path="/uploadfiles/loop-b.pdf"),
            link("loop-self", [moved("loop-self", 301)], expect="error", reason="redirect loop", requests=1),
            link("hop0", [moved("hop1")], expect="error", reason="too many redirects", requests=1,
                 also=tuple((f"/uploadfiles/hop{i}.pdf", moved(f"hop{i + 1}")) for i in range(1, hops)),
                 row_path=f"/uploadfiles/hop{max_redirects}.pdf"),
            link("twin", [ok("twin")], pdf("twin"), requests=None),
            link("twin-moved", [moved("twin")], pdf("twin"), requests=1),
        )),
        FaultClass("challenge", (
            link("ruishu", [Answer(412, RUISHU)], expect="challenged", reason="瑞数", requests=1),
            link("jiasule", [Answer(521, JIASULE, headers=(
                ("X-Via-JSL", "e5b3f2c,-"), ("Set-Cookie", "__jsluid_s=8a1d3c; path=/")))],
                 expect="challenged", reason="加速乐", requests=1),
        )),
        FaultClass("soft 404", (
            link("soft404", [Answer(200, SOFT_404, HTML)], expect="not_a_document", reason="html",
                 requests=1),
        )),
        FaultClass("oversized body", (
            link("huge", [Answer(200, good_pdf("huge", 4 * cap), PDF)], expect="too_large",
                 reason="DOWNLOAD_MAXSIZE", requests=1),
            link("huge-chunked", [Answer(200, good_pdf("huge-chunked", 4 * cap), PDF, chunked=True)],
                 expect="too_large", reason="DOWNLOAD_MAXSIZE", requests=1),
        )),
        FaultClass("wrong content type", (
            link("pdf-as-html", [ok("pdf-as-html", HTML)], pdf("pdf-as-html"), requests=1),
            link("html-as-pdf", [Answer(200, "<html><body><p>页面</p></body></html>".encode(), PDF)],
                 expect="not_a_document", reason="html", requests=1),
            Link("/yjsgk/content.jsp?id=901", _title(901), [Answer(200, b"", PDF)], article=True, requests=1),
            link("under-pdf-article", [ok("under-pdf-article")], pdf("under-pdf-article"), requests=1),
            Link("/yjsgk/content.jsp?id=902", _title(902), [ok("pdf-at-article", HTML)], pdf("pdf-at-article"),
                 requests=1),
        )),
        FaultClass("corrupt gzip", (
            link("bad-gzip", [gzipped(gzip.compress(pdf("bad-gzip"), mtime=0)[:10] + b"\x00garbage" * 50)],
                 expect="error", reason="corrupt gzip", requests=1),
            link("cut-gzip", [gzipped(gzip.compress(pdf("cut-gzip"), mtime=0)[:-300])],
                 expect="error", reason="truncated", requests=tries),
        )),
    ]
    return {c.name: c for c in classes}


GOOD_DOCUMENTS = 3  # per portal, beside its faults


def good_links(portal: str) -> list[Link]:
    return [Link(f"/uploadfiles/good-{portal}-{i}.pdf", f"四川省{portal}{i}局2024年部门预算",
                 [Answer(200, good_pdf(f"good-{portal}-{i}"), PDF)], good_pdf(f"good-{portal}-{i}"), requests=1)
            for i in range(GOOD_DOCUMENTS)]


def _article(title: str, attachment: Link) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f'<body><h1>{html.escape(title)}</h1><p>发布日期：2024-03-15</p>'
            f'<p>附件：<a href="{attachment.path}">{html.escape(attachment.title)}.pdf</a></p>'
            f"</body></html>").encode()


def portal_routes(links: list[Link], robots: bytes = b"User-agent: *\nDisallow: /private/\n") -> dict[str, Script]:
    """The routes of a portal listing `links`: robots.txt, the listing, each link's script. An
    article link's page links the link after it (which the listing then leaves out)."""
    items, routes = [], {"/robots.txt": Script([Answer(200, robots, "text/plain")])}
    attached = {links[i + 1].path for i, link in enumerate(links) if link.article}
    for i, link in enumerate(links):
        steps = link.steps
        if link.article:
            steps = [s if s.body else Answer(s.status, _article(link.title, links[i + 1]), s.content_type, s.headers)
                     for s in steps if isinstance(s, Answer)]
        routes[link.path] = Script(list(steps))
        routes.update((path, Script([step])) for path, step in link.also)
        if link.path not in attached:
            items.append(f'<li><a href="{link.path}">{html.escape(link.title)}</a><span>2024-03-15</span></li>')
    page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>预决算公开</title></head><body>'
            f'<ul class="news-list">{"".join(items)}</ul></body></html>').encode()
    routes[LISTING] = Script([Answer(200, page)])
    return routes


def digest(data: bytes) -> str:
    return sha256(data).hexdigest()
