"""TRS WCM (拓尔思), the most common government CMS.

Column listings are `index.html`, `index_1.html` … `index_{n-1}.html`, and the page count n is
written only in an inline script — there are no links to the other pages. The call comes in a
few dialects: `createPageHTML(5, 0, "index", "html")`, with variables
(`var countPage = 5; createPageHTML(countPage, currentPage, "index", "html")`), or with a
container id first and a record count last (`createPageHTML('page_div', 5, 0, 'index', 'html', 72)`).
Articles are `./202403/t20240315_534977.html` under the column folder; attachments
(`P020240315556881351916.pdf`, `W0….pdf`) are relative to the article's folder.
"""

from __future__ import annotations

import re
from typing import Iterator

from scrapy.http import TextResponse

from crawler.spiders.base import BudgetSpider

CREATE_PAGE_HTML = re.compile(r"createPageHTML\s*\(([^)]*)\)")
ARGUMENT = re.compile(r"\"([^\"]*)\"|'([^']*)'|(-?\d+)|([A-Za-z_$][\w$]*)")


def page_count(script: str) -> tuple[int, str, str] | None:
    """(page count, file prefix, suffix) from the page's createPageHTML call, or None."""
    found = CREATE_PAGE_HTML.search(script)
    if not found:
        return None
    numbers: list[int] = []
    words: list[str] = []
    for quoted2, quoted1, number, name in ARGUMENT.findall(found.group(1)):
        if number:
            numbers.append(int(number))
        elif name:
            value = re.search(rf"\b{re.escape(name)}\s*=\s*(\d+)", script)
            if value is None:
                return None
            numbers.append(int(value.group(1)))
        elif len(numbers) >= 2:  # strings before the numbers are a container id
            words.append(quoted2 or quoted1)
    if len(numbers) < 2 or len(words) < 2 or not re.fullmatch(r"\w+", words[0] + words[1]):
        return None
    return numbers[0], words[0], words[1]


class TrsSpider(BudgetSpider):
    family = "trs"
    article_pattern = r"/t\d{8}_\d+\.s?html?$"

    def next_pages(self, response: TextResponse) -> Iterator[str]:
        found = page_count(response.text)
        if found is None:
            return
        count, prefix, suffix = found
        for n in range(count):
            yield response.urljoin(f"{prefix}.{suffix}" if n == 0 else f"{prefix}_{n}.{suffix}")
