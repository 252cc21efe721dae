"""Generic listings: pagers followed, traps bounded, files found by extension, endpoint or text."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.items import Provenance
from crawler.registry import Portal
from crawler.spiders.base import Link, attachment_document, is_attachment, link_title
from crawler.spiders.generic import GenericSpider
from tests.sites import generic
from tests.sites.crawl import crawl


def test_an_endless_pager_is_followed_one_empty_page_past_the_end() -> None:
    listing = [p for p in crawl("generic").paths() if p.startswith(generic.LISTING)]
    assert sorted(listing) == [f"{generic.LISTING}?page={n}" for n in (1, 2, 3, 4)]


def test_a_file_linked_from_the_list_is_archived_with_the_lists_text() -> None:
    site = crawl("generic")
    (row,) = site.rows_for(site.site.files[generic.LISTED_FILE])
    assert row["fetch_status"] == "ok" and row["referer"] == site.base_url + f"{generic.LISTING}?page=1"
    assert (row["doc_kind"], row["department"], row["publish_date"]) == ("budget", "四川省财政厅", "2024-03-19")


def test_download_endpoints_are_fetched_with_or_without_a_file_name() -> None:
    site = crawl("generic")
    for key in ("final", "dup-b"):
        (row,) = site.rows_for(site.site.files[key])
        assert "/document/download?" in row["url"] and row["fetch_status"] == "ok"


def test_files_are_recognised_by_extension_endpoint_or_text() -> None:
    assert is_attachment(Link("http://x.gov.cn/upfiles/admininfo/20260327/a.XLS", "表"))
    assert is_attachment(Link("http://x.gov.cn/attachments/1/202401/28/b.pdf?sid=3", "表"))
    assert is_attachment(Link("http://x.gov.cn/document/download?fileUrl=%2Fu%2Fa.pdf&fileName=a", "表"))
    assert is_attachment(Link("http://x.gov.cn/servlet/FileDownload.do?id=7", "甲局2024年预算"))
    assert not is_attachment(Link("http://x.gov.cn/download.html", "下载中心"))
    assert not is_attachment(Link("http://x.gov.cn/xzzx/index.html", "下载中心"))


def test_an_attachments_own_text_can_say_it_is_final_accounts() -> None:
    article = Provenance("p", "510000", title="甲局2024年部门预算", doc_kind="budget", fiscal_year=2024,
                         department="甲局")
    link = Link("http://x.gov.cn/a.pdf", "附件2：乙中心2023年度单位决算.pdf")
    document = attachment_document(Provenance("p", "510000"), article, link)
    assert document is not None
    assert (document.doc_kind, document.fiscal_year, document.department) == ("final_accounts", 2023, "乙中心")
    assert attachment_document(Provenance("p", "510000"), None, Link("http://x.gov.cn/b.pdf", "附件1")) is None
    assert link_title("附件1：甲局2024年部门预算.pdf") == "甲局2024年部门预算"


def test_keywords_and_a_list_selector_narrow_what_a_listing_offers() -> None:
    portal = Portal("p", "甲", "500000", "generic", ("http://x.gov.cn/news",), ("x.gov.cn",),
                    {"keywords": ("预算",), "list_selector": "ul.list"})
    page = HtmlResponse("http://x.gov.cn/news", encoding="utf-8", request=Request("http://x.gov.cn/news"), body=(
        '<ul class="nav"><li><a href="/a/1.html">甲局2024年部门预算</a></li></ul><ul class="list">'
        '<li><a href="/a/2.html">乙局2024年部门预算</a></li><li><a href="/a/3.html">关于开展检查的通知</a></li>'
        "</ul>").encode())
    requests = list(GenericSpider(portal=portal).parse_listing(page, Provenance("p", "500000")))
    assert [r.url for r in requests] == ["http://x.gov.cn/a/2.html"]
