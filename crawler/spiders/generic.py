"""Generic listing sites: pages linked by 下一页 (next page) or numbered `?page=N` links.

The family for CMSs without a family of their own, and for dedicated disclosure platforms
(预决算公开平台) whose lists are plain pages. Articles are links whose URL matches
`article_pattern` (by default `…<digits>.html` or an `?id=`-style query; a registry entry can
give its own) and whose text is long enough to be a title, which leaves out pager numbers and
更多 (more). Files linked from the list itself are taken by extension, by a download endpoint
(`…/document/download?fileUrl=…&fileName=…`) or by link text (附件, 点击下载).

Listing pages are followed by their pager: a link whose text is a "next" word (`next_texts`),
or a link to the same path differing only in a paging parameter (`page_params`). Calendar
widgets and endless pagers are bounded by the trap guard (crawler/spiders/traps.py).
"""

from __future__ import annotations

from typing import Iterator
from urllib.parse import parse_qsl, urlsplit

from scrapy.http import TextResponse

from crawler.spiders import options
from crawler.spiders.base import BudgetSpider, Link, page_links

NEXT_TEXTS = ("下一页", "下页", "后一页", "next", "next page", ">", "›", "»", ">>")
PAGE_PARAMS = ("page", "pageno", "pagenum", "pageindex", "curpage", "currentpage", "p", "pn")
MIN_TITLE_CHARS = 4


class GenericSpider(BudgetSpider):
    family = "generic"
    article_pattern = (r"(?i)\d+\.s?html?$|[?&](?:id|articleid|contentid|infoid|docid|newsid)"
                       r"=[\w-]+(?:&|$)")
    options = BudgetSpider.options | {"next_texts": options.texts, "page_params": options.texts}

    def is_article(self, link: Link) -> bool:
        return len(link.text) >= MIN_TITLE_CHARS and super().is_article(link)

    def next_pages(self, response: TextResponse) -> Iterator[str]:
        next_texts = {t.lower() for t in self.option("next_texts") or NEXT_TEXTS}
        params = {p.lower() for p in self.option("page_params") or PAGE_PARAMS}
        here = urlsplit(response.url)
        for link in page_links(response):
            there = urlsplit(link.url)
            numbered = (there.path == here.path and there.netloc == here.netloc
                        and any(k.lower() in params for k, _ in parse_qsl(there.query)))
            if numbered or link.text.strip().lower() in next_texts:
                yield link.url
