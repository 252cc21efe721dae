"""One crawl of each family's simulated portal per test session, shared by the tests that read it.

The portal is served on 127.0.0.1, the off-site host on 127.0.0.2 (Scrapy's domain scope ignores
ports, so "another site" must be another address); the crawl is the real one, `run_crawl` in a
child process, with politeness delays off for loopback.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from archive.catalog import read_catalog
from archive.demo.portal import registry_toml
from crawler.run import CrawlSummary, run_crawl
from tests.sites import generic, gkmlpt, hanweb, trs
from tests.sites.scenario import Site
from tests.sites.server import Logged, SiteServer

BUILDERS = {"trs": trs.build, "hanweb": hanweb.build, "gkmlpt": gkmlpt.build, "generic": generic.build}
LOOPBACK_SETTINGS = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0.0}


@dataclass(frozen=True)
class Crawl:
    site: Site
    base_url: str
    data_dir: Path
    summary: CrawlSummary
    rows: list[dict[str, Any]]  # the catalog rows the crawl wrote
    log: list[Logged]  # the portal's request log
    offsite_log: list[Logged]

    def paths(self) -> list[str]:
        return [entry.path for entry in self.log]

    def rows_for(self, path: str) -> list[dict[str, Any]]:
        """Catalog rows whose URL (as requested) is this path or off-site URL."""
        url = path if path.startswith("http") else self.base_url + path
        return [row for row in self.rows if row["url"] == url]

    def raw_objects(self) -> set[str]:
        return {p.name for p in (self.data_dir / "raw").rglob("*") if p.is_file()}


def registry_entry(site: Site, base_url: str) -> dict[str, Any]:
    return {"id": f"test-{site.family}", "name": f"模拟门户（{site.family}）", "region_code": "510000",
            "family": site.family, "start_urls": [base_url + site.start], "allowed_domains": ["127.0.0.1"],
            **site.options, "settings": dict(LOOPBACK_SETTINGS)}


@cache
def crawl(family: str) -> Crawl:
    workdir = Path(tempfile.mkdtemp(prefix=f"spider-{family}-"))
    atexit.register(shutil.rmtree, workdir, True)
    with SiteServer({}, host="127.0.0.2") as offsite:
        site = BUILDERS[family](offsite.base_url)
        offsite.routes.update(site.offsite_routes)
        with SiteServer(site.routes) as portal:
            registry = workdir / "portals.toml"
            registry.write_text(registry_toml([registry_entry(site, portal.base_url)]), encoding="utf-8")
            summary = run_crawl(registry, workdir / "data", run_id="first")
            rows = [r for r in read_catalog(workdir / "data") if r["run_id"] == "first"]
            return Crawl(site, portal.base_url, workdir / "data", summary, rows, list(portal.log),
                         list(offsite.log))
