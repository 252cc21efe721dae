"""Archival fetching against a portal that misbehaves the way real ones do (PORTALS.md § Obstacles).

A TRS-style column served on loopback by this module, crawled twice through `run_crawl`: a
gzip-encoded attachment, pages in GBK with no charset declared or the wrong one, attachments over
the size cap (with and without Content-Length), the three firewalls' challenges, an HTML page
served as a PDF; between the runs one file changes, one is withdrawn, one is delisted, one is
added. The server's own log says what was asked, and how much of a body went out.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archive.catalog import CatalogWriter, read_catalog
from archive.demo.portal import registry_toml
from archive.replay import replay
from archive.store import RawStore
from crawler.conditional import ConditionalRequestMiddleware
from crawler.middlewares import PageCharsetMiddleware
from crawler.report import format_report, read_reports, run_report, troubled_portals, write_run_report
from crawler.run import run_crawl
from crawler.warc import WarcLocator, iter_records, read_record

CAP = 100_000
HUGE = 20_000_000  # far more than loopback socket buffers hold: a refused body cannot all go out
COLUMN = "/czt/bmys/"


def pdf(tag: str) -> bytes:
    return b"%PDF-1.4\n% " + tag.encode() + b"\n" + b"0" * 2000


@dataclass
class Answer:
    status: int = 200
    body: bytes | Callable[[], Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False  # no Content-Length: the body goes out as HTTP/1.1 chunks
    first: Answer | None = None  # what the first request for the path gets instead


@dataclass
class Logged:
    path: str
    headers: dict[str, str]
    status: int
    sent: int  # body bytes the server managed to write


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def do_GET(self) -> None:  # noqa: N802
        answer = self.server.site.get(self.path, Answer(404, b"<html><body>404</body></html>"))
        if answer.first is not None and self.path not in self.server.served:
            self.server.served.add(self.path)
            answer = answer.first
        etag = '"' + hashlib.sha256(answer.body if isinstance(answer.body, bytes) else b"").hexdigest()[:12] + '"'
        if answer.status == 200 and isinstance(answer.body, bytes) and self.headers.get("If-None-Match") == etag:
            answer = Answer(304)
        sent = 0
        try:
            self.send_response(answer.status)
            headers = {"Content-Type": "text/html; charset=utf-8", **answer.headers}
            if answer.status in (200, 304):
                headers |= {"ETag": etag, "Last-Modified": formatdate(1_700_000_000, usegmt=True)}
            for name, value in headers.items():
                self.send_header(name, value)
            if answer.chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for chunk in answer.body():
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                self.wfile.write(b"0\r\n\r\n")
            else:
                body = answer.body if isinstance(answer.body, bytes) else b"".join(answer.body())
                body = b"" if answer.status == 304 else body
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for start in range(0, len(body), 1 << 16):
                    self.wfile.write(body[start:start + (1 << 16)])
                    sent += len(body[start:start + (1 << 16)])
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with self.server.lock:
                self.server.log.append(Logged(self.path, dict(self.headers.items()), answer.status, sent))

    def log_message(self, *args: Any) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.site: dict[str, Answer] = {}
        self.log: list[Logged] = []
        self.served: set[str] = set()
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def article(title: str, attachment: str | None, charset: str = "utf-8", declared: str | None = "utf-8") -> bytes:
    meta = f'<meta charset="{declared}">' if declared else ""
    link = f'<p>附件：<a href="./{attachment}">{title}</a></p>' if attachment else ""
    return (f"<html><head>{meta}<title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>发布时间：2024-03-15</p>{link}</body></html>").encode(charset)


ARTICLES = {  # t-number -> (title, attachment file name)
    1: ("四川省第一厅2024年部门预算", "P01.pdf"),  # gzip-encoded on the wire
    2: ("四川省第二厅2024年部门预算", "P02.pdf"),  # GBK, no charset anywhere
    3: ("四川省第三厅2024年部门预算", "P03.pdf"),  # GBK, declared utf-8
    4: ("四川省第四厅2024年部门预算", "P04.pdf"),  # Content-Length over the cap
    5: ("四川省第五厅2024年部门预算", "P05.pdf"),  # chunked, over the cap
    6: ("四川省第六厅2024年部门预算", "P06.pdf"),  # 瑞数 412
    7: ("四川省第七厅2024年部门预算", "P07.pdf"),  # 加速乐 521
    8: ("四川省第八厅2024年部门预算", "P08.pdf"),  # 302 into WZWSREL
    9: ("四川省第九厅2024年部门预算", "P09.pdf"),  # an HTML error page served as a PDF
    10: ("四川省第十厅2024年部门预算", None),  # the article itself is a WZWS challenge page
    11: ("四川省第十一厅2024年部门预算", "P11.pdf"),  # changes between the runs
    12: ("四川省第十二厅2024年部门预算", "P12.pdf"),  # withdrawn (404) in the second run
    13: ("四川省第十三厅2024年部门预算", "P13.pdf"),  # delisted in the second run
    15: ("四川省第十五厅2024年部门预算", "P15.pdf"),  # 500 first, then 200
    16: ("四川省第十六厅2024年部门预算", "P16.pdf"),  # moved: 301 to the file
}
RUISHU = b"<html><script>$_ts=window['$_ts'];if(!$_ts)$_ts={};</script></html>"
WZWS_PAGE = b'<html><script>location="/WZWSREL2N6dC9ibXlz?wzwschallenge=V1pXU19DT05GSVJN"</script></html>'


def _huge() -> Any:
    block = b"0" * (1 << 16)
    return (block for _ in range(HUGE // len(block)))


def build_site(server: Server, second_run: bool = False) -> None:
    site: dict[str, Answer] = {"/robots.txt": Answer(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})}
    listed = {n: v for n, v in ARTICLES.items() if not (second_run and n == 13)}
    if second_run:
        listed[14] = ("四川省第十四厅2024年部门预算", "P14.pdf")
    items = "".join(f'<li><a href="./202403/t20240315_{n}.html">{title}</a><span>2024-03-15</span></li>'
                    for n, (title, _) in listed.items())
    site[COLUMN + "index.html"] = Answer(200, f"<html><head><meta charset='utf-8'></head><body><ul>{items}</ul>"
                                         f"<script>createPageHTML(1, 0, \"index\", \"html\");</script></body></html>"
                                         .encode())
    for n, (title, attachment) in {**ARTICLES, **listed}.items():
        page = {2: article(title, attachment, "gbk", None), 3: article(title, attachment, "gbk", "utf-8")}.get(
            n, article(title, attachment))
        headers = {"Content-Type": "text/html"} if n in (2, 3) else {}
        site[f"{COLUMN}202403/t20240315_{n}.html"] = Answer(200, page, headers)
        if attachment:
            site[f"{COLUMN}202403/{attachment}"] = Answer(200, pdf(f"{n}"), {"Content-Type": "application/pdf"})
    files = COLUMN + "202403/"
    site[files + "P01.pdf"] = Answer(200, gzip.compress(pdf("1"), mtime=0),
                                     {"Content-Type": "application/pdf", "Content-Encoding": "gzip"})
    site[files + "P04.pdf"] = Answer(200, _huge, {"Content-Type": "application/pdf"})
    site[files + "P05.pdf"] = Answer(200, _huge, {"Content-Type": "application/pdf"}, chunked=True)
    site[files + "P06.pdf"] = Answer(412, RUISHU)
    site[files + "P07.pdf"] = Answer(521, b"<script>document.cookie='__jsl_clearance_s=1'</script>",
                                     {"X-Via-JSL": "e5b3f2c,-", "Set-Cookie": "__jsluid_s=8a1d3c; path=/"})
    site[files + "P08.pdf"] = Answer(302, b"", {"Location": "/WZWSREL2N6dC9ibXlz?wzwsconfirm=1"})
    site[files + "P09.pdf"] = Answer(200, "<html><body><h1>404 页面不存在</h1></body></html>".encode(),
                                     {"Content-Type": "application/pdf"})
    site[f"{COLUMN}202403/t20240315_10.html"] = Answer(200, WZWS_PAGE)
    site[files + "P15.pdf"] = Answer(200, pdf("15"), {"Content-Type": "application/pdf"},
                                     first=Answer(500, b"<html><body>500</body></html>"))
    site[files + "P16.pdf"] = Answer(301, b"", {"Location": COLUMN + "202403/moved/P16.pdf"})
    site[files + "moved/P16.pdf"] = Answer(200, pdf("16"), {"Content-Type": "application/pdf"})
    if second_run:
        site[files + "P11.pdf"] = Answer(200, pdf("11, revised"), {"Content-Type": "application/pdf"})
        site[files + "P12.pdf"] = Answer(404, b"<html><body>404</body></html>")
    server.site = site


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("archival")
    server = Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        build_site(server)
        registry = data_dir / "portals.toml"
        registry.write_text(registry_toml([{
            "id": "obstacles", "name": "四川省财政厅（障碍）", "region_code": "510000", "family": "trs",
            "start_urls": [server.base_url + COLUMN + "index.html"], "allowed_domains": ["127.0.0.1"],
            "settings": {"AUTOTHROTTLE_START_DELAY": 0.01, "DOWNLOAD_DELAY": 0.0, "DOWNLOAD_MAXSIZE": CAP,
                         "DOWNLOAD_WARNSIZE": 0}}]), encoding="utf-8")
        run_crawl(registry, data_dir, run_id="first")
        first_log = list(server.log)
        build_site(server, second_run=True)
        run_crawl(registry, data_dir, run_id="second")
        yield {"data_dir": data_dir, "rows": list(read_catalog(data_dir)), "first_log": first_log,
               "second_log": server.log[len(first_log):], "base": server.base_url + COLUMN + "202403/"}
    finally:
        server.shutdown()
        server.server_close()


def _row(crawl, name: str, run_id: str = "first") -> dict:
    (row,) = [r for r in crawl["rows"] if r["run_id"] == run_id and r["url"] == crawl["base"] + name]
    return row


def _asked(log: list[Logged], name: str) -> list[Logged]:
    return [entry for entry in log if entry.path.endswith("/" + name) or entry.path.startswith("/" + name)]


def test_a_gzip_encoded_file_is_stored_decoded_and_archived_as_received(crawl) -> None:
    row = _row(crawl, "P01.pdf")
    assert (row["fetch_status"], row["sha256"]) == ("ok", hashlib.sha256(pdf("1")).hexdigest())
    record = read_record(crawl["data_dir"], WarcLocator.from_row(row))
    assert record.http_headers["Content-Encoding"] == "gzip"
    assert record.warc_headers["WARC-Payload-Digest"] != row["sha256"]  # the digest is of the gzip bytes
    assert replay(crawl["data_dir"], row["sha256"]) == pdf("1")


@pytest.mark.parametrize("n", [2, 3], ids=["undeclared", "declared-wrongly"])
def test_a_gbk_page_is_read_in_gbk(crawl, n: int) -> None:
    title, attachment = ARTICLES[n]
    row = _row(crawl, attachment)
    assert (row["fetch_status"], row["title"], row["department"]) == ("ok", title, title[:6])


def test_a_file_whose_content_length_is_over_the_cap_is_refused_unread(crawl) -> None:
    row = _row(crawl, "P04.pdf")
    size = HUGE - HUGE % (1 << 16)  # what the server announced
    assert row["fetch_status"] == "too_large"
    assert f"Content-Length {size} bytes is over DOWNLOAD_MAXSIZE ({CAP} bytes)" in row["status_reason"]
    (asked,) = _asked(crawl["first_log"], "P04.pdf")
    assert asked.sent < HUGE // 2  # the client hung up: most of the body never left the server


def test_a_file_without_content_length_is_cut_at_the_cap(crawl) -> None:
    row = _row(crawl, "P05.pdf")
    assert row["fetch_status"] == "too_large" and "without a Content-Length" in row["status_reason"]
    (asked,) = _asked(crawl["first_log"], "P05.pdf")
    assert asked.sent < HUGE // 2
    assert not [p for p in (crawl["data_dir"] / "raw").rglob("*") if p.is_file() and p.stat().st_size > CAP]


@pytest.mark.parametrize("name,status,firewall", [
    ("P06.pdf", 412, "瑞数"), ("P07.pdf", 521, "加速乐"), ("P08.pdf", 302, "WZWS")])
def test_a_firewall_challenge_is_recorded_once_and_never_retried(crawl, name: str, status: int, firewall: str) -> None:
    row = _row(crawl, name)
    assert (row["fetch_status"], row["status"]) == ("challenged", status) and firewall in row["status_reason"]
    assert len(_asked(crawl["first_log"], name)) == 1
    assert read_record(crawl["data_dir"], WarcLocator.from_row(row)).status == status


def test_a_wzwsrel_redirect_is_not_followed(crawl) -> None:
    assert not _asked(crawl["first_log"] + crawl["second_log"], "WZWSREL")


def test_a_challenge_page_in_place_of_an_article_is_recorded(crawl) -> None:
    row = _row(crawl, "t20240315_10.html")
    assert (row["fetch_status"], row["status"]) == ("challenged", 200)


def test_an_html_page_served_as_a_pdf_is_not_a_document(crawl) -> None:
    row = _row(crawl, "P09.pdf")
    assert (row["fetch_status"], row["detected_type"], row["sha256"]) == ("not_a_document", "html", None)
    assert b"404" in read_record(crawl["data_dir"], WarcLocator.from_row(row)).payload


def test_the_second_run_reports_new_changed_unchanged_and_gone(crawl) -> None:
    (first,) = run_report(crawl["data_dir"], "first")
    (second,) = run_report(crawl["data_dir"], "second")
    url = crawl["base"].__add__
    kept = [url(a) for n, (_, a) in ARTICLES.items() if n in (1, 2, 3, 15, 16)]
    assert sorted(first.new) == sorted(kept + [url("P11.pdf"), url("P12.pdf"), url("P13.pdf")])
    assert (first.changed, first.unchanged, first.gone) == ([], [], [])
    assert second.new == [url("P14.pdf")] and second.changed == [url("P11.pdf")]
    assert second.unchanged == sorted(kept) and second.gone == [url("P12.pdf"), url("P13.pdf")]
    assert (first.challenged, first.errors) == (4, {"too_large": 2, "not_a_document": 1})
    assert first.status == "ok" and first.pages == len(crawl["first_log"]) - 2  # the two cut short
    assert first.stored == 8 and second.stored == 2


def test_an_unchanged_file_is_asked_conditionally_and_not_stored_again(crawl) -> None:
    (asked,) = _asked(crawl["second_log"], "P02.pdf")
    assert asked.status == 304 and asked.headers["If-None-Match"]
    assert _row(crawl, "P02.pdf", "second")["fetch_status"] == "not_modified"


def test_the_run_report_is_kept_in_the_catalog_and_troubles_are_listed(crawl, tmp_path: Path) -> None:
    for run_id in ("first", "second"):
        write_run_report(crawl["data_dir"], run_id)
    assert [[r.run_id for r in reports] for reports in read_reports(crawl["data_dir"])] == [["first"], ["second"]]
    assert troubled_portals(crawl["data_dir"]) == {}


def test_a_short_undeclared_gbk_page_is_not_taken_for_korean() -> None:
    body = "<html><body><h1>丙2024年部门预算</h1></body></html>".encode("gbk")
    page = HtmlResponse("http://x.gov.cn/t1.html", body=body, headers={"Content-Type": "text/html"})
    assert page.css("h1::text").get() != "丙2024年部门预算"  # statistics alone guess cp949
    repaired = PageCharsetMiddleware().process_response(Request(page.url), page)
    assert (repaired.css("h1::text").get(), repaired.body) == ("丙2024年部门预算", body)


def _catalogue(data_dir: Path, run_id: str, when: str, rows: list[dict]) -> None:
    writer = CatalogWriter(data_dir, run_id)
    for row in rows:
        writer.append({"fetched_at": when, "url": f"http://{row['portal_id']}.gov.cn/{row.pop('name', 'a.pdf')}",
                       **row})
    writer.close()


def test_portals_challenged_unreachable_or_empty_are_listed_as_such(tmp_path: Path) -> None:
    ok = {"portal_id": "a", "fetch_status": "ok", "status": 200, "sha256": "1" * 64}
    _catalogue(tmp_path, "r1", "2024-01-01T00:00:00+00:00", [
        ok, {"portal_id": "b", "fetch_status": "challenged", "status": 412},
        {"portal_id": "c", "fetch_status": "error", "status": None},
        {"portal_id": "d", "fetch_status": "http_error", "status": 404, "name": "index.html"}])
    _catalogue(tmp_path, "r2", "2024-02-01T00:00:00+00:00", [
        {"portal_id": "a", "fetch_status": "error", "status": None},
        {"portal_id": "b", "fetch_status": "challenged", "status": 521}])
    first = {r.portal_id: r for r in write_run_report(tmp_path, "r1")}
    second = {r.portal_id: r for r in write_run_report(tmp_path, "r2")}
    assert {p: r.status for p, r in first.items()} == {"a": "ok", "b": "challenged", "c": "unreachable", "d": "empty"}
    assert second["a"].status == "unreachable" and second["a"].gone == []  # unknown, not gone
    assert troubled_portals(tmp_path) == {"a": [("r2", "unreachable"), ("r1", "ok")],
                                          "b": [("r2", "challenged"), ("r1", "challenged")],
                                          "c": [("r1", "unreachable")], "d": [("r1", "empty")]}
    text = format_report(list(second.values()), troubled_portals(tmp_path))
    assert "b: challenged (r2), challenged (r1)" in text and text.splitlines()[1].startswith("a ")


def test_a_file_missing_from_the_raw_store_is_asked_for_in_full(tmp_path: Path) -> None:
    kept, lost = b"%PDF-1.4 kept", b"%PDF-1.4 lost"
    writer = CatalogWriter(tmp_path, "r1")
    for name, data in (("kept", kept), ("lost", lost)):
        writer.append({"url": f"http://x.gov.cn/{name}.pdf", "portal_id": "p", "fetch_status": "ok",
                       "sha256": hashlib.sha256(data).hexdigest(), "etag": f'"{name}"',
                       "fetched_at": "2024-01-01T00:00:00+00:00"})
    writer.close()
    RawStore(tmp_path).put(kept)
    middleware = ConditionalRequestMiddleware(get_crawler(settings_dict={"ARCHIVE_DATA_DIR": str(tmp_path)}))
    middleware.spider_opened(SimpleNamespace(portal=SimpleNamespace(id="p")))
    asked = {name: Request(f"http://x.gov.cn/{name}.pdf", meta={"conditional": True}) for name in ("kept", "lost")}
    for request in asked.values():
        middleware.process_request(request)
    assert asked["kept"].headers.get("If-None-Match") == b'"kept"'
    assert "If-None-Match" not in asked["lost"].headers and "previous_sha256" not in asked["lost"].meta


def test_a_retried_answer_and_a_redirect_are_archived_too(crawl) -> None:
    retried, moved = _row(crawl, "P15.pdf"), _row(crawl, "P16.pdf")
    assert [e.status for e in _asked(crawl["first_log"], "P15.pdf")] == [500, 200]
    assert (retried["fetch_status"], moved["fetch_status"], moved["final_url"]) == (
        "ok", "ok", crawl["base"] + "moved/P16.pdf")
    record = read_record(crawl["data_dir"], WarcLocator.from_row(moved))
    assert record.warc_headers["WARC-Target-URI"] == moved["final_url"]
    (warc,) = (crawl["data_dir"] / "warc").glob("first-*.warc.gz")
    answers = [(r.warc_headers["WARC-Target-URI"].rsplit("/", 1)[1], r.status)
               for _, r in iter_records(crawl["data_dir"], warc.name) if r.rec_type == "response"]
    assert [a for a in answers if a[0] == "P15.pdf"] == [("P15.pdf", 500), ("P15.pdf", 200)]
    assert [a for a in answers if a[0] == "P16.pdf"] == [("P16.pdf", 301), ("P16.pdf", 200)]
