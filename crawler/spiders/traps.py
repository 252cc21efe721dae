"""Crawler traps: link structures that would make a crawl of one portal never end.

Real portals have calendar widgets (a page per day, a "»" to the next month, forever), pagers
that keep offering a 下一页 past the last page, and CMSs that append the same parameter to every
link they render, so query strings grow without end. Rather than recognise every trap, every
listing page a spider wants to follow passes one guard that bounds the crawl four ways:

- depth: how many listing hops from a start URL (a 下一页 chain counts one per page);
- URL shape: at most `max_per_pattern` pages whose URLs differ only in their numbers
  (`/news?page=7` and `/news?page=8` are one pattern), and `max_pages` pages in all;
- query strings: none longer than `MAX_QUERY_CHARS`, none that repeats a parameter;
- calendars: no URL whose query names a date (`?date=2024-03-01`, `?month=2024-04`).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

MAX_QUERY_CHARS = 256
CALENDAR_KEYS = frozenset({"date", "day", "month", "year", "calendar", "riqi", "rq", "ym"})
DATE_VALUE = re.compile(r"^(?:19|20)\d{2}(?:(?:[-/.]\d{1,2}){1,2}|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))$")
DIGITS = re.compile(r"\d+")


def url_pattern(url: str) -> str:
    """The URL with every run of digits replaced by '9' and query keys sorted: its shape."""
    parts = urlsplit(url)
    query = "&".join(sorted(f"{k}={DIGITS.sub('9', v)}" for k, v in parse_qsl(parts.query, True)))
    return f"{parts.netloc}{DIGITS.sub('9', parts.path)}?{query}"


def query_trap(url: str) -> str | None:
    """Why the URL's query string looks like a trap, or None."""
    query = urlsplit(url).query
    if len(query) > MAX_QUERY_CHARS:
        return f"query string longer than {MAX_QUERY_CHARS} characters"
    pairs = parse_qsl(query, keep_blank_values=True)
    keys = [k.lower() for k, _ in pairs]
    if len(keys) != len(set(keys)):
        return "a query parameter repeated"
    for key, value in pairs:
        if key.lower() in CALENDAR_KEYS or DATE_VALUE.match(value):
            return f"a calendar link ({key}={value})"
    return None


class TrapGuard:
    """Decides, for one portal's crawl, whether a listing page may be followed."""

    def __init__(self, max_depth: int, max_pages: int, max_per_pattern: int):
        self.max_depth = max_depth
        self.max_pages = max_pages
        self.max_per_pattern = max_per_pattern
        self.pages = 0
        self.per_pattern: dict[str, int] = {}

    def refuse(self, url: str, depth: int) -> str | None:
        """Why the listing page at `url` (reached `depth` hops from a start URL) is not
        followed, or None — and then it counts against the limits."""
        if depth > self.max_depth:
            return f"deeper than {self.max_depth} listing pages"
        if self.pages >= self.max_pages:
            return f"more than {self.max_pages} listing pages"
        reason = query_trap(url)
        if reason:
            return reason
        pattern = url_pattern(url)
        if self.per_pattern.get(pattern, 0) >= self.max_per_pattern:
            return f"more than {self.max_per_pattern} listing pages shaped {pattern}"
        self.per_pattern[pattern] = self.per_pattern.get(pattern, 0) + 1
        self.pages += 1
        return None
