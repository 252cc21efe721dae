"""Generic listing sites: pages linked by 下一页 (next page) or numbered `?page=N` links.

The family for CMSs without a family of their own. Articles are links whose URL matches
`article_pattern` (by default any `…<digits>.html`; a registry entry can give its own) and
whose text is long enough to be a title, which leaves out pager numbers and 更多 (more).
"""

from __future__ import annotations

from typing import Iterable, Iterator
from urllib.parse import parse_qs, urlsplit

from scrapy.http import TextResponse

from crawler.spiders.base import BudgetSpider, Link, page_links

NEXT_TEXTS = ("下一页", "下页", "next", "next page", ">", "›", "»")
MIN_TITLE_CHARS = 4


class ListingSpider(BudgetSpider):
    family = "listing"
    article_pattern = r"\d+\.s?html?$"

    def article_links(self, response: TextResponse) -> Iterable[Link]:
        return (link for link in super().article_links(response)
                if len(link.text) >= MIN_TITLE_CHARS)

    def next_pages(self, response: TextResponse) -> Iterator[str]:
        here = urlsplit(response.url)
        for link in page_links(response):
            there = urlsplit(link.url)
            numbered = there.path == here.path and "page" in parse_qs(there.query)
            if numbered or link.text.strip().lower() in NEXT_TEXTS:
                yield link.url
