"""The demo portal serves simulated TRS and list-style government sites over real HTTP."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from archive.demo.documents import DemoDocument
from archive.demo.portal import DemoPortal
from crawler.registry import load_registry


def _doc(key: str, site: str, title: str, filename: str, kind: str = "budget",
         date: str = "2024-03-15") -> DemoDocument:
    return DemoDocument(key, site, title, filename, b"%PDF-1.4\n% " + key.encode(), date, kind,
                        "510000")


DOCS = [
    *[_doc(f"t{i}", "trs", f"四川省第{i}厅2024年部门预算", f"P02024031555688135191{i}.pdf",
           date=f"2024-03-{10 + i}") for i in range(6)],
    _doc("tn", "trs", "关于开展政府采购检查的通知", "P020240301000000000001.pdf", "notice",
         "2024-03-01"),
    *[_doc(f"l{i}", "list", f"重庆市第{i}局2023年部门预算", f"24021115573023413{i}.pdf",
           date=f"2024-02-{10 + i}") for i in range(7)],
]


@pytest.fixture(scope="module")
def portal():
    with DemoPortal(DOCS) as running:
        yield running


def _get(portal: DemoPortal, path: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(portal.base_url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_trs_listing_pages_are_announced_only_by_create_page_html(portal) -> None:
    status, _, body = _get(portal, "/trs/czt/bmys/index.html")
    page = body.decode()
    assert status == 200
    assert 'createPageHTML(2, 0, "index", "html")' in page
    assert "index_1" not in page.replace('createPageHTML(2, 0, "index", "html")', "")
    assert _get(portal, "/trs/czt/bmys/index_1.html")[0] == 200
    assert _get(portal, "/trs/czt/bmys/index_2.html")[0] == 404


def test_trs_articles_and_attachments_are_relative_to_their_folders(portal) -> None:
    page = _get(portal, "/trs/czt/bmys/index.html")[2].decode()
    article = re.search(r'href="\./(\d{6}/t\d{8}_\d+\.html)"', page).group(1)
    status, _, body = _get(portal, f"/trs/czt/bmys/{article}")
    text = body.decode("gbk" if b'charset="gb2312"' in body else "utf-8")
    attachment = re.search(r'href="\./(P\d+\.pdf)"', text).group(1)
    assert status == 200 and '<meta name="ArticleTitle"' in text and '<meta name="PubDate"' in text
    folder = article.split("/")[0]
    assert _get(portal, f"/trs/czt/bmys/{folder}/{attachment}")[2].startswith(b"%PDF-")


def test_exactly_one_trs_article_is_gbk_declared_gb2312(portal) -> None:
    gbk = [path for path, resource in portal.site.items()
           if b'<meta charset="gb2312">' in resource.body]
    assert len(gbk) == 1
    status, headers, body = _get(portal, gbk[0])
    assert headers["Content-Type"] == "text/html"  # the charset is only in the page
    newest = max((d for d in DOCS if d.site == "trs"), key=lambda d: d.publish_date)
    assert newest.title in body.decode("gbk")


def test_list_site_pages_chain_by_next_page_links(portal) -> None:
    page1 = _get(portal, "/list/news?page=1")[2].decode()
    page2 = _get(portal, "/list/news?page=2")[2].decode()
    assert '<a href="/list/news?page=2">下一页</a>' in page1
    assert "下一页" not in page2
    articles = re.findall(r'href="(/list/article/\d+\.html)"', page1 + page2)
    assert len(articles) == 7
    article = _get(portal, articles[0])[2].decode()
    assert re.search(r'href="/list/uploadfiles/\d{6}/\d{2}/\d+\.pdf">(点击下载|附件：)', article)


def test_a_notice_is_listed_with_its_attachment(portal) -> None:
    listing = "".join(_get(portal, f"/trs/czt/bmys/{p}")[2].decode()
                      for p in ("index.html", "index_1.html"))
    assert "关于开展政府采购检查的通知" in listing
    assert _get(portal, "/trs/czt/bmys/202403/P020240301000000000001.pdf")[0] == 200


def test_answers_carry_real_headers(portal) -> None:
    status, headers, body = _get(portal, "/list/uploadfiles/202402/10/240211155730234130.pdf")
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert int(headers["Content-Length"]) == len(body)
    assert re.fullmatch(r'"[0-9a-f]{16}"', headers["ETag"])
    assert parsedate_to_datetime(headers["Last-Modified"]).date().isoformat() == "2024-02-10"


def test_a_matching_if_none_match_gets_304(portal) -> None:
    path = "/list/uploadfiles/202402/10/240211155730234130.pdf"
    etag = _get(portal, path)[1]["ETag"]
    assert _get(portal, path, {"If-None-Match": etag})[0] == 304
    assert _get(portal, path, {"If-None-Match": '"0000000000000000"'})[0] == 200


def test_if_modified_since_gets_304_unless_changed_since(portal) -> None:
    path = "/list/uploadfiles/202402/10/240211155730234130.pdf"
    assert _get(portal, path, {"If-Modified-Since": "Sun, 11 Feb 2024 00:00:00 GMT"})[0] == 304
    assert _get(portal, path, {"If-Modified-Since": "Fri, 09 Feb 2024 00:00:00 GMT"})[0] == 200


def test_robots_txt_disallows_the_private_folder(portal) -> None:
    status, _, body = _get(portal, "/robots.txt")
    assert status == 200 and "Disallow: /trs/private/" in body.decode()


def test_the_request_log_records_method_path_headers_and_times(portal) -> None:
    _get(portal, "/robots.txt", {"X-Probe": "log-me"})
    (record,) = [r for r in portal.requests if r.headers.get("X-Probe") == "log-me"]
    assert (record.method, record.path, record.status) == ("GET", "/robots.txt", 200)
    assert record.started <= record.ended


def test_the_written_registry_names_both_sites_on_this_server(portal, tmp_path: Path) -> None:
    portals = load_registry(portal.write_registry(tmp_path / "portals.toml"))
    assert [(p.id, p.family, p.region_code) for p in portals] == [
        ("demo-trs-czt", "trs", "510000"), ("demo-list-cz", "listing", "500000")]
    assert all(p.start_urls[0].startswith(portal.base_url) for p in portals)
    assert all(p.allowed_domains == ("127.0.0.1",) for p in portals)
