"""Guangdong's 政府信息公开目录平台 (gkmlpt): every body's disclosure catalogue, one JSON API.

The catalogue page (`/gkmlpt/index`, a category in its fragment: `/gkmlpt/index#2471`) is an
empty shell; its script sets the site id (`SID: '440000'`) and the browser reads the lists from
`/gkmlpt/api/all/{category}?page=N&sid={SID}` (N from 1):
`{"total": 236, "articles": [{"id": 4361282, "title": "…",
"url": "…/gkmlpt/content/4/4361/post_4361282.html", "display_publish_time": 1711420200, …}, …]}`. Articles are `…/content/…/post_NNN.html`; files
`/attachment/0/542/542789/4361282.pdf`. Sites under a prefix (`/lhqkjhgyxxhj/gkmlpt/…`) keep it.

A registry entry names its `categories` when the start URL has no fragment (category 0 is
the whole catalogue), and `sid` if the page does not show it.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator
from urllib.parse import urlencode, urlsplit

from scrapy.http import TextResponse

from crawler.items import FetchError, Provenance
from crawler.recorder import WARC_META
from crawler.spiders import options
from crawler.spiders.base import BudgetSpider, Link, iso_date

SID = re.compile(r"\bSID\s*[:=]\s*[\"'](\w+)[\"']")
CATEGORY = re.compile(r"^(\d+)")
API_META = "gkmlpt_api"
BEIJING = timezone(timedelta(hours=8))
DATE_KEYS = ("display_publish_time", "first_publish_time", "publish_time", "date", "created_at")


def api_url(page_url: str, category: str, page: int, sid: str) -> str:
    """The list API of the catalogue that `page_url` belongs to."""
    parts = urlsplit(page_url)
    prefix = parts.path.split("/gkmlpt/", 1)[0] if "/gkmlpt/" in parts.path else ""
    query = urlencode({"page": page, "sid": sid})
    return f"{parts.scheme}://{parts.netloc}{prefix}/gkmlpt/api/all/{category}?{query}"


def entry_date(article: dict[str, Any]) -> str | None:
    """An article's date: a Unix time (as the API gives) in Beijing time, or a printed date."""
    for key in DATE_KEYS:
        value = article.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return datetime.fromtimestamp(value, BEIJING).date().isoformat()
        if isinstance(value, str) and iso_date(value):
            return iso_date(value)
    return None


def api_answer(response: TextResponse) -> dict[str, Any] | None:
    try:
        data = json.loads(response.text)
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("articles"), list) else None


class GkmlptSpider(BudgetSpider):
    family = "gkmlpt"
    article_pattern = r"/post_\d+\.html$"
    options = BudgetSpider.options | {"categories": options.ids, "sid": options.text}

    def listing_links(self, response: TextResponse) -> Iterable[Link]:
        data = api_answer(response) if response.meta.get(API_META) else None
        if data is None:
            return super().listing_links(response)
        return [Link(response.urljoin(a["url"]), str(a.get("title") or "").strip(), entry_date(a))
                for a in data["articles"] if isinstance(a, dict) and isinstance(a.get("url"), str)]

    def categories(self) -> tuple[str, ...]:
        configured = self.option("categories")
        if configured:
            return configured
        fragments = [CATEGORY.match(urlsplit(url).fragment) for url in self.portal.start_urls]
        return tuple(dict.fromkeys(m.group(1) for m in fragments if m)) or ("0",)

    def more_listings(self, response: TextResponse, here: Provenance, depth: int) -> Iterator[Any]:
        api = response.meta.get(API_META)
        if api is None:  # the catalogue page: its SID, then page 1 of each category
            found = SID.search(response.text)
            sid = self.option("sid") or (found.group(1) if found else None)
            if sid is None:
                yield FetchError(response.url, "error", response.status,
                                 "gkmlpt page shows no SID (give `sid` in the registry entry)", here,
                                 response.meta.get(WARC_META))
                return
            for category in self.categories():
                request = self.listing_request(api_url(response.url, category, 1, sid), here, depth,
                                               **{API_META: (category, 1, sid)})
                if request is not None:
                    yield request
            return
        category, page, sid = api
        data = api_answer(response)
        if page != 1 or data is None or not data["articles"]:
            return  # page 1 asked for all the others
        total = data.get("total")
        pages = math.ceil(total / len(data["articles"])) if isinstance(total, int) else 1
        for n in range(2, pages + 1):
            request = self.listing_request(api_url(response.url, category, n, sid), here, depth,
                                           **{API_META: (category, n, sid)})
            if request is not None:
                yield request
