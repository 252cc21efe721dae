"""What each CMS family's spider reads from a page: listing pages, articles, attachments."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse, Response

from crawler.items import FetchedFile, Provenance
from crawler.registry import Portal
from crawler.spiders import SPIDERS
from crawler.spiders.base import Link, article_date, article_title, is_attachment
from crawler.spiders.generic import GenericSpider
from crawler.spiders.gkmlpt import GkmlptSpider
from crawler.spiders.hanweb import HanwebSpider
from crawler.spiders.trs import TrsSpider


def _page(url: str, html: str, encoding: str = "utf-8") -> HtmlResponse:
    return HtmlResponse(url, body=html.encode(encoding), encoding=encoding)


def _spider(cls, url: str):
    return cls(portal=Portal("p", "甲", "510000", cls.family, (url,), ("gov.cn",)))


def _articles(spider, page: HtmlResponse) -> list[Link]:
    return [link for link in spider.listing_links(page) if spider.is_article(link)]


def test_trs_paging_comes_from_create_page_html() -> None:
    url = "http://czt.sc.gov.cn/bmys/index_1.html"
    page = _page(url, '<script>createPageHTML(4, 1, "index", "shtml");</script>')
    assert list(_spider(TrsSpider, url).next_pages(page)) == [
        "http://czt.sc.gov.cn/bmys/index.shtml", "http://czt.sc.gov.cn/bmys/index_1.shtml",
        "http://czt.sc.gov.cn/bmys/index_2.shtml", "http://czt.sc.gov.cn/bmys/index_3.shtml"]


def test_trs_articles_are_dated_t_links_relative_to_the_column() -> None:
    url = "http://czt.sc.gov.cn/bmys/index.html"
    page = _page(url, '<ul><li><a href="./202403/t20240315_534977.html">甲2024年部门预算</a>'
                      '<span>2024-03-15</span></li><li><a href="../about.html">关于我们</a></li></ul>')
    assert _articles(_spider(TrsSpider, url), page) == [
        Link("http://czt.sc.gov.cn/bmys/202403/t20240315_534977.html", "甲2024年部门预算",
             "2024-03-15")]


def test_listing_follows_next_page_and_numbered_page_links() -> None:
    url = "http://cz.cq.gov.cn/news?page=1"
    page = _page(url, '<a href="/news?page=2">2</a> <a href="/more/list_2.html">下一页</a>'
                      '<a href="/other?page=3">3</a> <a href="/news/1.html">重庆市甲局2024年预算</a>')
    assert list(_spider(GenericSpider, url).next_pages(page)) == [
        "http://cz.cq.gov.cn/news?page=2", "http://cz.cq.gov.cn/more/list_2.html"]


def test_listing_articles_need_a_title_not_a_pager_number() -> None:
    url = "http://cz.cq.gov.cn/news?page=1"
    page = _page(url, '<a href="/list_2.html">2</a><a href="/article/12.html">重庆市甲局2024年预算</a>')
    assert [link.url for link in _articles(_spider(GenericSpider, url), page)] == [
        "http://cz.cq.gov.cn/article/12.html"]


def test_attachments_are_found_by_extension_or_by_link_text() -> None:
    assert is_attachment(Link("http://x.gov.cn/P0202403.PDF", "甲.PDF"))
    assert is_attachment(Link("http://x.gov.cn/down.jsp?filename=a.xlsx", "甲"))
    assert is_attachment(Link("http://x.gov.cn/download?id=3", "点击下载"))
    assert is_attachment(Link("http://x.gov.cn/file?id=3", "附件：甲部门预算"))
    assert not is_attachment(Link("http://x.gov.cn/202403/t20240315_1.html", "甲部门预算"))


def test_a_trs_article_is_titled_and_dated_by_its_meta_tags() -> None:
    page = _page("http://x.gov.cn/a.html", '<meta name="ArticleTitle" content="甲2024年部门预算">'
                 '<meta name="PubDate" content="2024-03-15 09:30"><h1>标题</h1>')
    assert (article_title(page), article_date(page)) == ("甲2024年部门预算", "2024-03-15")


def test_a_plain_article_is_titled_by_its_heading_and_dated_by_its_label() -> None:
    page = _page("http://x.gov.cn/a.html", "<title>乙2023年部门决算-重庆市财政局</title>"
                 "<h2 class='title'>乙2023年部门决算</h2><p>浏览次数：2024-01-01 发布日期：2024年2月1日</p>")
    assert (article_title(page), article_date(page)) == ("乙2023年部门决算", "2024-02-01")


def test_a_page_declared_gb2312_is_decoded() -> None:
    page = HtmlResponse("http://x.gov.cn/a.html", body='<meta charset="gb2312"><h1>丙2024年部门预算</h1>'
                        .encode("gbk"), headers={"Content-Type": "text/html"})
    assert article_title(page) == "丙2024年部门预算"


def test_a_budget_file_linked_straight_from_the_listing_is_kept() -> None:
    spider = _spider(GenericSpider, "http://x.gov.cn/news")
    listed = Provenance("p", "510000", "http://x.gov.cn/news", "甲局2024年部门预算", None, "2024-03-01")
    url = "http://x.gov.cn/a/1.html"
    (item,) = spider.parse_article(Response(url, body=b"%PDF-1.4", request=Request(url)), listed)
    assert isinstance(item, FetchedFile) and item.body == b"%PDF-1.4"
    assert (item.provenance.doc_kind, item.provenance.fiscal_year) == ("budget", 2024)
    notice = Provenance("p", "510000", link_text="关于开展检查的通知")
    assert list(spider.parse_article(Response(url, body=b"%PDF-", request=Request(url)), notice)) == []


def test_each_family_name_maps_to_its_spider() -> None:
    assert SPIDERS == {"trs": TrsSpider, "hanweb": HanwebSpider, "gkmlpt": GkmlptSpider,
                       "generic": GenericSpider, "listing": GenericSpider}
