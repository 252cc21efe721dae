"""TRS WCM: the page count comes from createPageHTML in whichever dialect the site writes it."""

from __future__ import annotations

import pytest

from crawler.spiders.trs import page_count
from tests.sites.crawl import crawl


@pytest.mark.parametrize("script,expected", [
    ('createPageHTML(3, 0, "index", "html");', (3, "index", "html")),
    ("var currentPage = 1;var countPage = 12\ncreatePageHTML(countPage, currentPage, 'index', 'shtml');",
     (12, "index", "shtml")),
    ("createPageHTML('page_div', 5, 1, 'index', 'html', 72);", (5, "index", "html")),
    ("createPageHTML(pages, 0, 'index', 'html');", None),  # a variable it cannot see
    ("<p>no pager</p>", None),
])
def test_page_count_dialects(script: str, expected) -> None:
    assert page_count(script) == expected


def test_every_index_page_is_requested_once_from_the_first() -> None:
    listing = [p for p in crawl("trs").paths() if "/index" in p]
    assert sorted(listing) == ["/czt/bmys/index.html", "/czt/bmys/index_1.html", "/czt/bmys/index_2.html"]
