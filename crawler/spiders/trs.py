"""TRS WCM (拓尔思), the most common government CMS.

Column listings are `index.html`, `index_1.html` … `index_{n-1}.html`, and the page count n is
written only in an inline script, `createPageHTML(n, current, "index", "html")`: there are no
links to the other pages. Articles are `./202403/t20240315_534977.html` under the column folder;
attachments (`P020240315556881351916.pdf`) are relative to the article's folder.
"""

from __future__ import annotations

import re
from typing import Iterator

from scrapy.http import TextResponse

from crawler.spiders.base import BudgetSpider

CREATE_PAGE_HTML = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")


class TrsSpider(BudgetSpider):
    family = "trs"
    article_pattern = r"/t\d{8}_\d+\.s?html?$"

    def next_pages(self, response: TextResponse) -> Iterator[str]:
        found = CREATE_PAGE_HTML.search(response.text)
        if not found:
            return
        count, _, prefix, suffix = found.groups()
        for n in range(int(count)):
            yield response.urljoin(f"{prefix}.{suffix}" if n == 0 else f"{prefix}_{n}.{suffix}")
