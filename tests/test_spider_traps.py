"""The trap guard bounds listing pages by depth, count, URL shape, query strings and calendars."""

from __future__ import annotations

import pytest

from crawler.spiders.traps import TrapGuard, query_trap, url_pattern


def test_urls_differing_only_in_numbers_share_a_pattern() -> None:
    assert url_pattern("http://x.gov.cn/news/list_7.html?page=8") == url_pattern(
        "http://x.gov.cn/news/list_12.html?page=1") == "x.gov.cn/news/list_9.html?page=9"


@pytest.mark.parametrize("url,reason", [
    ("http://x.gov.cn/news?page=1&date=2024-03-01", "calendar"),
    ("http://x.gov.cn/news?month=2024-04", "calendar"),
    ("http://x.gov.cn/news?d=20240301", "calendar"),
    ("http://x.gov.cn/news?page=2&page=2", "repeated"),
    ("http://x.gov.cn/news?q=" + "a" * 300, "longer than"),
])
def test_trap_shaped_query_strings_are_refused(url: str, reason: str) -> None:
    assert reason in (query_trap(url) or "")


@pytest.mark.parametrize("url", ["http://x.gov.cn/news?page=20116", "http://x.gov.cn/gkmlpt/api/all/5?page=2&sid=200025",
                                 "http://x.gov.cn/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"])
def test_ordinary_paging_is_not_a_trap(url: str) -> None:
    assert query_trap(url) is None


def test_the_guard_counts_pages_per_pattern_and_in_all() -> None:
    guard = TrapGuard(max_depth=10, max_pages=5, max_per_pattern=3)
    assert [guard.refuse(f"http://x.gov.cn/news?page={n}", 1) for n in range(3)] == [None] * 3
    assert "shaped" in guard.refuse("http://x.gov.cn/news?page=9", 1)
    assert guard.refuse("http://x.gov.cn/other/1.html", 1) is None
    assert guard.refuse("http://x.gov.cn/more/1.html", 1) is None
    assert "more than 5 listing pages" in guard.refuse("http://x.gov.cn/last/1.html", 1)


def test_the_guard_refuses_pages_too_deep() -> None:
    guard = TrapGuard(max_depth=2, max_pages=100, max_per_pattern=100)
    assert guard.refuse("http://x.gov.cn/a", 2) is None
    assert "deeper than 2" in guard.refuse("http://x.gov.cn/b", 3)
