"""What earlier runs archived, read from the fetch catalog once per crawl process.

Three components look things up in the catalog when a portal's crawl opens: the WARC recorder
(is this payload already in a record? then write a revisit), the conditional-request middleware
(the last `ok` fetch of a URL: its ETag and Last-Modified) and the archive pipeline (which
objects have a row). Each used to read the whole catalog for each portal: with a year of
catalog rows and hundreds of portals in one process, that is the crawl's slowest part. So the
catalog is read once per run and process, when the first portal opens, into the three small
indexes they need. Rows this run writes later are not in it: at worst a payload another portal
fetched meanwhile gets a response record instead of a revisit. Rows an earlier, killed process
of the same run wrote are in it, which is what lets a resumed crawl ask conditionally and
re-link nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.catalog import read_catalog
from crawler.warc import WarcLocator

# What the conditional-request middleware needs of a URL's last `ok` fetch.
CONDITIONAL_FIELDS = ("url", "sha256", "etag", "last_modified", "fetched_at")


@dataclass
class History:
    locators: dict[str, WarcLocator] = field(default_factory=dict)  # sha256 -> first record
    last_ok: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # portal -> url -> row
    stored: set[str] = field(default_factory=set)  # sha256 of every catalogued object

    def add(self, row: dict[str, Any]) -> None:
        sha = row.get("sha256")
        if not sha:
            return
        self.stored.add(sha)
        locator = WarcLocator.from_row(row)
        if locator is not None:
            self.locators.setdefault(sha, locator)
        if row.get("fetch_status") == "ok" and row.get("url"):
            urls = self.last_ok.setdefault(row.get("portal_id") or "", {})
            known = urls.get(row["url"])
            if known is None or (row.get("fetched_at") or "") >= (known.get("fetched_at") or ""):
                urls[row["url"]] = {name: row.get(name) for name in CONDITIONAL_FIELDS}


_histories: dict[tuple[str, str | None], History] = {}


def history(data_dir: Path | str, run_id: str | None) -> History:
    """The catalog as this process first found it during run `run_id`."""
    key = (str(data_dir), run_id)
    if key not in _histories:
        found = History()
        for row in read_catalog(data_dir):
            found.add(row)
        _histories[key] = found
    return _histories[key]
