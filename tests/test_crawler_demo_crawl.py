"""Crawling the demo portal over real HTTP on loopback, twice: what is fetched, stored, skipped.

One crawl (and one incremental re-crawl) serves every test of this module; the server's own
request log is the witness for what the crawler asked for, and when.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.catalog import read_catalog
from archive.demo.documents import DemoDocument
from archive.demo.portal import DemoPortal
from archive.store import sha256_hex
from crawler.run import CrawlSummary, run_crawl


def _doc(key: str, site: str, title: str, filename: str, kind: str = "budget",
         date: str = "2024-03-15", data: bytes | None = None) -> DemoDocument:
    body = data if data is not None else b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n% demo " + key.encode()
    return DemoDocument(key, site, title, filename, body, date, kind, "510000")


INLINE_TABLE = "<table><tr><td>项目</td><td>金额</td></tr><tr><td>合计</td><td>190.98</td></tr></table>"
DOCS = [
    # TRS: two listing pages, the newest article GBK-encoded
    *[_doc(f"trs-{i}", "trs", f"四川省第{i}厅2024年部门预算", f"P0202403155568813519{i:02d}.pdf",
           date=f"2024-03-{10 + i}") for i in range(5)],
    _doc("trs-final", "trs", "四川省教育厅2023年度部门决算", "P020240901556881351999.pdf",
         "final_accounts", "2024-09-01"),
    _doc("trs-notice", "trs", "关于开展政府采购检查的通知", "P020240301000000000001.pdf", "notice",
         "2024-03-01"),
    _doc("trs-broken", "trs", "四川省第9厅2024年部门预算", "P020240302000000000009.pdf",
         date="2024-03-02", data="<html><body><h1>404 页面不存在</h1></body></html>".encode()),
    # list: two listing pages, one budget inline as an HTML article
    *[_doc(f"list-{i}", "list", f"重庆市第{i}局2023年部门预算", f"24021115573023413{i}.pdf",
           date=f"2024-02-{10 + i}") for i in range(5)],
    _doc("list-inline", "list", "石柱县老干部活动中心2023年单位预算", "", date="2024-02-20",
         data=INLINE_TABLE.encode()),
    _doc("list-notice", "list", "重庆市财政局2023年政府信息公开工作年度报告", "240211000000000.pdf",
         "notice", "2024-01-05"),
]
WANTED = [d for d in DOCS if d.kind in ("budget", "final_accounts") and d.key != "trs-broken"]
FILES = [d for d in WANTED if d.filename]  # the inline budget's document is its article page


def _raw_objects(data_dir: Path) -> set[str]:
    return {p.name for p in (data_dir / "raw").rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory):
    """Two runs of the demo crawl; a mirror on 127.0.0.2 stands for an off-site host."""
    data_dir = tmp_path_factory.mktemp("crawl")
    lines: list[str] = []
    with DemoPortal([], host="127.0.0.2") as mirror, \
            DemoPortal(DOCS, mirror_url=mirror.base_url, delay=0.02) as portal:
        registry = portal.write_registry(data_dir / "portals.toml")
        first = run_crawl(registry, data_dir, run_id="first", progress=lines.append)
        first_log = portal.requests
        objects = _raw_objects(data_dir)
        second = run_crawl(registry, data_dir, run_id="second")
        second_log = portal.requests[len(first_log):]
        rows = list(read_catalog(data_dir))
        yield {"data_dir": data_dir, "first": first, "second": second, "rows": rows,
               "first_log": first_log, "second_log": second_log, "objects": objects,
               "mirror_log": mirror.requests, "lines": lines, "portal": portal}


def _rows(crawl, run_id: str, **match) -> list[dict]:
    return [r for r in crawl["rows"] if r["run_id"] == run_id
            and all(r[k] == v for k, v in match.items())]


def _paths(log) -> list[str]:
    return [r.path for r in log]


def test_every_budget_document_is_archived_exactly_once(crawl) -> None:
    ok = _rows(crawl, "first", fetch_status="ok")
    files = sorted(r["sha256"] for r in ok if r["detected_type"] == "pdf")
    (page,) = [r["sha256"] for r in ok if r["detected_type"] == "html"]
    assert files == sorted(sha256_hex(d.data) for d in FILES)
    assert crawl["objects"] == {*files, page}


def test_every_attachment_is_requested_once(crawl) -> None:
    files = [p for p in _paths(crawl["first_log"]) if p.endswith(".pdf")]
    assert len(files) == len(set(files)) == len([d for d in DOCS if d.kind != "notice" and d.filename])


def test_the_trs_second_listing_page_is_found_through_create_page_html(crawl) -> None:
    assert "/trs/czt/bmys/index_1.html" in _paths(crawl["first_log"])


def test_final_accounts_are_catalogued_as_final_accounts(crawl) -> None:
    (final,) = [d for d in DOCS if d.kind == "final_accounts"]
    (row,) = _rows(crawl, "first", sha256=sha256_hex(final.data))
    assert (row["doc_kind"], row["fiscal_year"], row["department"]) == (
        "final_accounts", 2023, "四川省教育厅")


def test_rows_carry_title_date_region_and_referer(crawl) -> None:
    by_sha = {sha256_hex(d.data): d for d in FILES}
    for row in _rows(crawl, "first", fetch_status="ok", detected_type="pdf"):
        doc = by_sha[row["sha256"]]
        assert (row["title"], row["publish_date"]) == (doc.title, doc.publish_date)
        assert row["region_code"] == {"trs": "510000", "list": "500000"}[doc.site]
        assert row["referer"].startswith(crawl["portal"].base_url)
        assert row["etag"] and row["last_modified"] and row["fetched_at"]


def test_the_gbk_article_title_is_decoded(crawl) -> None:
    newest = max((d for d in DOCS if d.site == "trs"), key=lambda d: d.publish_date)
    (row,) = _rows(crawl, "first", sha256=sha256_hex(newest.data))
    assert row["title"] == newest.title
    assert row["link_text"] == newest.title + ".pdf"


def test_a_notice_attachment_is_never_requested(crawl) -> None:
    notices = [d.filename for d in DOCS if d.kind == "notice"]
    requested = _paths(crawl["first_log"]) + _paths(crawl["second_log"])
    assert not [p for p in requested if any(p.endswith(name) for name in notices)]


def test_robots_txt_is_read_and_the_disallowed_path_never_requested(crawl) -> None:
    paths = _paths(crawl["first_log"])
    assert "/robots.txt" in paths
    assert not [p for p in paths if p.startswith("/trs/private/")]
    (row,) = _rows(crawl, "first", fetch_status="robots")
    assert "/trs/private/" in row["url"]


def test_an_off_site_link_is_never_followed(crawl) -> None:
    assert crawl["mirror_log"] == []


def test_an_html_page_served_as_pdf_is_recorded_not_stored(crawl) -> None:
    (row,) = _rows(crawl, "first", fetch_status="not_a_document")
    assert row["url"].endswith("P020240302000000000009.pdf")
    assert (row["detected_type"], row["sha256"], row["content_type"]) == ("html", None, "application/pdf")


def test_a_budget_published_as_an_html_article_is_archived(crawl) -> None:
    (row,) = [r for r in _rows(crawl, "first", fetch_status="ok") if r["detected_type"] == "html"]
    assert row["title"] == "石柱县老干部活动中心2023年单位预算"
    assert INLINE_TABLE.encode() in (crawl["data_dir"] / "raw").joinpath(
        "sha256", row["sha256"][:2], row["sha256"][2:4], row["sha256"]).read_bytes()


def test_no_more_than_two_requests_overlap_at_the_server(crawl) -> None:
    log = crawl["first_log"] + crawl["second_log"]
    edges = sorted([(r.started, 1) for r in log] + [(r.ended, -1) for r in log])
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    assert most <= 2


def test_a_second_run_asks_conditionally_and_stores_nothing_new(crawl) -> None:
    paths = {d.filename for d in FILES}
    files = [r for r in crawl["second_log"] if r.path.rsplit("/", 1)[1] in paths]
    assert len(files) == len(FILES)
    assert all(r.status == 304 and r.headers.get("If-None-Match") for r in files)
    assert _raw_objects(crawl["data_dir"]) == crawl["objects"]
    not_modified = _rows(crawl, "second", fetch_status="not_modified")
    assert sorted(r["sha256"] for r in not_modified) == sorted(sha256_hex(d.data) for d in FILES)


def test_the_summary_counts_what_the_catalog_holds(crawl) -> None:
    first, second = crawl["first"], crawl["second"]
    assert isinstance(first, CrawlSummary)
    assert first.by_status == {"ok": len(WANTED), "not_a_document": 1, "robots": 1}
    assert (first.documents, first.new_documents) == (len(WANTED), len(WANTED))
    assert second.new_documents == 0 and second.by_status["not_modified"] == len(FILES)
    assert first.requests == len(crawl["first_log"])


def test_progress_is_one_line_per_fetch(crawl) -> None:
    assert len(crawl["lines"]) == crawl["first"].fetches
    assert any(line.startswith("ok") and line.endswith(".pdf") for line in crawl["lines"])


def test_run_crawl_reports_new_then_unchanged_documents_per_portal(crawl) -> None:
    first = {r.portal_id: r for r in crawl["first"].reports}
    second = {r.portal_id: r for r in crawl["second"].reports}
    assert first.keys() == second.keys() and first
    assert sum(len(r.new) for r in first.values()) == crawl["first"].documents
    assert all(not r.new and not r.changed and not r.gone for r in second.values())
    assert sum(len(r.unchanged) for r in second.values()) == crawl["first"].documents
