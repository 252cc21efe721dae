"""gkmlpt: the SID read from the catalogue page, the JSON API paged for the start URL's category."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.items import FetchError, Provenance
from crawler.registry import Portal
from crawler.spiders.gkmlpt import GkmlptSpider, api_url, entry_date
from tests.sites import gkmlpt
from tests.sites.crawl import crawl


def test_the_api_is_paged_for_the_start_urls_category_with_the_pages_sid() -> None:
    api = sorted(p for p in crawl("gkmlpt").paths() if "/api/" in p)
    assert api == [f"/gkmlpt/api/all/{gkmlpt.CATEGORY}?page={n}&sid={gkmlpt.SID}" for n in (1, 2, 3)]


def test_an_articles_date_comes_from_the_api_in_beijing_time() -> None:
    assert entry_date({"display_publish_time": 1711382400}) == "2024-03-26"  # 00:00 +08:00
    assert entry_date({"date": "2024-03-25 16:00"}) == "2024-03-25"
    assert entry_date({"title": "甲"}) is None


def test_a_site_under_a_prefix_keeps_it_in_the_api_url() -> None:
    assert api_url("http://www.szlh.gov.cn/lhqkjhgyxxhj/gkmlpt/index#2811", "2811", 2, "755325") == \
        "http://www.szlh.gov.cn/lhqkjhgyxxhj/gkmlpt/api/all/2811?page=2&sid=755325"


def _spider(**options) -> GkmlptSpider:
    return GkmlptSpider(portal=Portal("p", "甲", "440000", "gkmlpt", ("http://czt.gd.gov.cn/gkmlpt/index",),
                                      ("gd.gov.cn",), options))


def test_a_page_without_a_sid_is_recorded_unless_the_registry_gives_one() -> None:
    url = "http://czt.gd.gov.cn/gkmlpt/index"
    page = HtmlResponse(url, body=b"<div id='app'></div>", encoding="utf-8", request=Request(url))
    (item,) = _spider().more_listings(page, Provenance("p", "440000"), 1)
    assert isinstance(item, FetchError) and "SID" in item.reason
    requests = list(_spider(sid="2", categories=("5", "12")).more_listings(page, Provenance("p", "440000"), 1))
    assert [r.url for r in requests] == ["http://czt.gd.gov.cn/gkmlpt/api/all/5?page=1&sid=2",
                                         "http://czt.gd.gov.cn/gkmlpt/api/all/12?page=1&sid=2"]


def test_without_a_category_the_whole_catalogue_is_read() -> None:
    assert _spider().categories() == ("0",)
