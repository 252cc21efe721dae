"""A loopback HTTP server for simulated portals, with a log of every request it answered.

Routes map a path (with its query, as the crawler sends it) to an answer: a fixed `Page`, a
`Redirect`, a `Flaky` answer (an error status the first times, then the page), or a function
of the request (Hanweb's list proxy, gkmlpt's JSON API), looked up by path without the query
when no exact route matches. The log is the witness for what a crawler asked for.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, ClassVar, Self, Union
from urllib.parse import parse_qs, urlsplit

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str = HTML
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Redirect:
    location: str  # a path on the same server, or an absolute URL
    status: int = 302


@dataclass
class Flaky:
    """`fail_status` for the first `failures` requests, then `page`."""

    page: Page
    fail_status: int = 500
    failures: int = 1
    hits: int = 0


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with the query
    query: dict[str, str]  # first value of each parameter
    form: dict[str, str]  # a POST's urlencoded body
    headers: dict[str, str]


Answer = Union[Page, Redirect, Flaky, Callable[[Request], Page]]


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    form: dict[str, str]
    headers: dict[str, str]
    status: int
    started: float
    ended: float


def _first(values: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[0] for k, v in values.items()}


NOT_FOUND = Page("<html><body><h1>404 Not Found</h1></body></html>".encode(), status=404)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(b"")

    def do_POST(self) -> None:  # noqa: N802
        self._answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _answer(self, body: bytes) -> None:
        started = time.monotonic()
        site = self.server.site
        parts = urlsplit(self.path)
        request = Request(self.command, self.path, _first(parse_qs(parts.query, keep_blank_values=True)),
                          _first(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)),
                          dict(self.headers.items()))
        answer = site.routes.get(self.path) or site.routes.get(parts.path) or NOT_FOUND
        headers: list[tuple[str, str]] = []
        if isinstance(answer, Redirect):
            page = Page(b"", status=answer.status)
            headers.append(("Location", answer.location))
        elif isinstance(answer, Flaky):
            with site.lock:
                answer.hits += 1
                failing = answer.hits <= answer.failures
            page = Page(b"<html><body>Internal Server Error</body></html>", status=answer.fail_status) \
                if failing else answer.page
        elif isinstance(answer, Page):
            page = answer
        else:
            page = answer(request)
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        for name, value in [*headers, *page.headers]:
            self.send_header(name, value)
        site.record(Logged(self.command, self.path, request.form, request.headers, page.status,
                           started, time.monotonic()))
        self.end_headers()
        self.wfile.write(page.body)

    def log_message(self, format: str, *args: Any) -> None:  # the request log replaces stderr
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: SiteServer


@dataclass
class SiteServer:
    """Serves `routes` on `host` (a loopback address) in a background thread. A server with
    other routes and answers (tests/sites/faults.py) subclasses it with its own handler."""

    routes: dict[str, Any]
    host: str = "127.0.0.1"
    log: list[Any] = field(default_factory=list)  # Logged entries, as the handler logs them
    lock: threading.Lock = field(default_factory=threading.Lock)
    server_class: ClassVar[type[ThreadingHTTPServer]] = _Server
    handler_class: ClassVar[type[BaseHTTPRequestHandler]] = _Handler

    def __post_init__(self) -> None:
        self._server = self.server_class((self.host, 0), self.handler_class)
        self._server.site = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._server.server_address[1]}"

    def record(self, entry: Logged) -> None:
        with self.lock:
            self.log.append(entry)

    def paths(self) -> list[str]:
        with self.lock:
            return [entry.path for entry in self.log]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
