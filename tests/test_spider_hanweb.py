"""Hanweb JCMS: the list proxy's form read from the column page's script, POSTed in groups."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.items import FetchError, Provenance
from crawler.registry import Portal
from crawler.spiders.hanweb import HanwebSpider, jpage_config, proxy_url
from tests.sites import hanweb
from tests.sites.crawl import crawl

COLUMN_URL = "http://czt.example.gov.cn/col/col1229063412/index.html"


def _page(html: str) -> HtmlResponse:
    return HtmlResponse(COLUMN_URL, body=html.encode(), encoding="utf-8", request=Request(COLUMN_URL))


def test_the_list_is_posted_with_the_form_fields_of_the_pages_own_column() -> None:
    posts = [e for e in crawl("hanweb").log if e.method == "POST"]
    assert [e.path for e in posts] == [
        "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=6&perpage=2",
        "/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=12&perpage=2"]
    assert posts[0].form == {"col": "1", "appid": "1", "webid": hanweb.WEB_ID, "path": "/",
                             "columnid": hanweb.COLUMN_ID, "unitid": hanweb.UNIT_ID,
                             "webname": hanweb.SITE_NAME, "permissiontype": "0"}


def test_downfile_links_are_archived_under_the_link_with_the_redirect_target_kept() -> None:
    site = crawl("hanweb")
    files = [r for r in site.rows if r["fetch_status"] == "ok" and r["detected_type"] == "pdf"]
    assert len(files) == 6
    assert all("/module/download/downfile.jsp?classid=0&filename=" in r["url"] for r in files)
    assert all(r["final_url"].startswith(site.base_url + "/attach/0/") for r in files)


def test_the_form_comes_from_an_inline_datastore_s_nextgroup_link() -> None:
    page = _page('<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/'
                 'dataproxy.jsp?page=1&appid=1&webid=7&path=/&columnid=1229063412&unitid=466101&'
                 'webname=%E6%B1%9F%E8%8B%8F&permissiontype=0"></a>]]></nextgroup></datastore></script>')
    config = jpage_config(page, {})
    assert config is not None and config.proxy_url == "http://czt.example.gov.cn/module/web/jpage/dataproxy.jsp"
    assert (config.form["webid"], config.form["unitid"], config.form["webname"]) == ("7", "466101", "江苏")


def test_a_registry_form_fills_in_what_the_page_does_not_show() -> None:
    page = _page('<meta name="SiteName" content="某省财政厅"><script>var unitid;</script>')
    assert jpage_config(page, {}) is None
    config = jpage_config(page, {"webid": "9", "unitid": "12", "sourceContentType": "1"})
    assert config is not None
    assert config.form == {"col": "1", "appid": "1", "webid": "9", "path": "/", "columnid": "1229063412",
                           "unitid": "12", "webname": "某省财政厅", "permissiontype": "0",
                           "sourceContentType": "1"}


def test_a_column_page_without_a_list_configuration_is_recorded() -> None:
    spider = HanwebSpider(portal=Portal("p", "甲", "330000", "hanweb", (COLUMN_URL,), ("example.gov.cn",)))
    (item,) = spider.more_listings(_page("<p>栏目</p>"), Provenance("p", "330000"), 1)
    assert isinstance(item, FetchError) and "webid/columnid/unitid" in item.reason


def test_records_are_asked_for_three_pages_at_a_time() -> None:
    assert proxy_url("http://x.gov.cn/module/web/jpage/dataproxy.jsp", 46, 15) == \
        "http://x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"
