"""Server faults: every fault a portal throws is retried or recorded with its class and a reason,
the crawl completes, and every good document is archived exactly once — nothing truncated,
corrupt or wrong is ever stored as a document.

Two real crawls (`run_crawl`, Scrapy in a child process) against tests/sites/faults.py:

- *isolated*: one portal per fault class, each on its own loopback address (so they crawl at
  once, in one process, and one fault cannot hide another), each with good documents beside its
  faults; the per-class tests read it.
- *together*: one portal with every fault and the good documents; its test prints the figures
  (fault class → injected, archived after retries, recorded as) and asserts the totals.

Timeouts, retries, the size cap and the redirect limit are shrunk through the registry entry's
settings, so the whole module takes seconds.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from archive.catalog import read_catalog
from archive.demo.portal import registry_toml
from crawler.report import PortalReport
from crawler.run import CrawlSummary, run_crawl
from crawler.warc import WarcLocator, read_record
from tests.sites.faults import (
    LISTING, FaultClass, FaultServer, Link, Logged, digest, fault_classes, good_links, portal_routes)

RETRIES = 2
CAP = 50_000
TIMEOUT = 1.0
STALL = 1.8  # past TIMEOUT: the crawler has hung up when the answer would come
MAX_REDIRECTS = 4
SETTINGS = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0.0, "DOWNLOAD_TIMEOUT": TIMEOUT,
            "RETRY_TIMES": RETRIES, "DOWNLOAD_MAXSIZE": CAP, "DOWNLOAD_WARNSIZE": 0,
            "REDIRECT_MAX_TIMES": MAX_REDIRECTS, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}
CLASSES = fault_classes(RETRIES, CAP, STALL, MAX_REDIRECTS)


@dataclass
class PortalCrawl:
    """One portal of a crawl: what it served, what the crawl recorded."""

    base_url: str
    links: list[Link]
    log: list[Logged]
    rows: list[dict[str, Any]]
    report: PortalReport

    def rows_for(self, link: Link) -> list[dict[str, Any]]:
        return [row for row in self.rows if row["url"] == self.base_url + (link.row_path or link.path)]

    def asked(self, path: str) -> list[Logged]:
        return [entry for entry in self.log if entry.path == path]


@dataclass
class Crawl:
    data_dir: Path
    summary: CrawlSummary
    portals: dict[str, PortalCrawl]

    def raw_objects(self) -> set[str]:
        return {p.name for p in (self.data_dir / "raw").rglob("*") if p.is_file()}


def crawl_portals(data_dir: Path, portals: dict[str, list[Link]]) -> Crawl:
    """Serve each portal's links on its own loopback address and crawl them all in one run."""
    with ExitStack() as stack:
        servers, entries = {}, []
        for i, (portal_id, links) in enumerate(portals.items()):
            server = stack.enter_context(FaultServer(portal_routes(links), host=f"127.0.0.{20 + i}"))
            servers[portal_id] = server
            entries.append({"id": portal_id, "name": f"故障门户 {portal_id}", "region_code": "510000",
                            "family": "generic", "start_urls": [server.base_url + LISTING],
                            "allowed_domains": [server.host], "settings": SETTINGS})
        registry = data_dir / "portals.toml"
        registry.write_text(registry_toml(entries), encoding="utf-8")
        summary = run_crawl(registry, data_dir / "data", run_id="faults")
    rows = [row for row in read_catalog(data_dir / "data") if row["run_id"] == "faults"]
    reports = {report.portal_id: report for report in summary.reports}
    return Crawl(data_dir / "data", summary, {
        portal_id: PortalCrawl(server.base_url, portals[portal_id], list(server.log),
                               [row for row in rows if row["portal_id"] == portal_id], reports[portal_id])
        for portal_id, server in servers.items()})


def portal_id(name: str) -> str:
    return name.replace(" ", "-")


@pytest.fixture(scope="module")
def isolated(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return crawl_portals(tmp_path_factory.mktemp("isolated"), {
        portal_id(name): good_links(portal_id(name)) + list(fault.links) for name, fault in CLASSES.items()})


@pytest.fixture(scope="module")
def together(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    links = good_links("all") + [link for fault in CLASSES.values() for link in fault.links]
    return crawl_portals(tmp_path_factory.mktemp("together"), {"all": links})


def check_portal(crawl: Crawl, portal: PortalCrawl) -> None:
    """Each link ended as its Link says — once, with its reason, after the expected number of
    requests — and the portal's good documents, and only they, were stored."""
    for link in portal.links:
        if link.article and link.good is None:
            continue  # a page, not a fetch the catalog records as a document
        rows = portal.rows_for(link)
        assert len(rows) == 1, (link.path, rows)
        (row,) = rows
        assert row["fetch_status"] == link.expect, (link.path, row)
        if link.good is not None:
            assert row["sha256"] == digest(link.good) and digest(link.good) in crawl.raw_objects()
        else:
            assert row["sha256"] is None and link.reason in row["status_reason"], (link.path, row)
            assert {"url": row["url"], "fetch_status": link.expect, "status": row["status"],
                    "reason": row["status_reason"]} in portal.report.failed
        if link.requests is not None:
            assert len(portal.asked(link.path)) == link.requests, (link.path, portal.asked(link.path))
    stored = {row["sha256"] for row in portal.rows if row["fetch_status"] == "ok"}
    assert stored == {digest(link.good) for link in portal.links if link.good is not None}
    assert portal.report.status == "ok"


def check_class(crawl: Crawl, name: str) -> PortalCrawl:
    portal = crawl.portals[portal_id(name)]
    check_portal(crawl, portal)
    return portal


def test_a_5xx_burst_is_retried_until_the_file_comes_and_a_lasting_one_is_recorded(isolated: Crawl) -> None:
    portal = check_class(isolated, "5xx burst")
    (lasting,) = portal.rows_for(CLASSES["5xx burst"].links[2])
    assert (lasting["status"], lasting["status_reason"]) == (503, f"HTTP 503 ({RETRIES + 1} tries)")
    assert WarcLocator.from_row(lasting) is not None  # the last error page is in the WARC


def test_a_connection_reset_mid_body_is_retried_and_never_archived_cut_short(isolated: Crawl) -> None:
    portal = check_class(isolated, "connection reset")
    announced, unannounced = portal.rows_for(CLASSES["connection reset"].links[1])[0], \
        portal.rows_for(CLASSES["connection reset"].links[3])[0]
    assert "connection was reset before the Content-Length" in announced["status_reason"]
    # without a Content-Length the client cannot tell a reset from the end: the PDF's missing
    # %%EOF does; the bytes that came are kept in the WARC, never in the raw store
    # (a reset may even discard what had arrived: then the body is empty)
    assert "received without a Content-Length" in unannounced["status_reason"]
    assert read_record(isolated.data_dir, WarcLocator.from_row(unannounced)).payload in (
        b"", CLASSES["connection reset"].links[3].steps[0].body[:1000])


def test_a_body_shorter_than_its_content_length_is_retried_then_recorded_as_truncated(isolated: Crawl) -> None:
    portal = check_class(isolated, "truncated body")
    (row,) = portal.rows_for(CLASSES["truncated body"].links[1])
    assert row["status_reason"] == ("body truncated: the connection was closed before the Content-Length "
                                    f"was received ({RETRIES + 1} tries)")


def test_an_answer_slower_than_the_timeout_is_retried_then_recorded_as_timed_out(isolated: Crawl) -> None:
    portal = check_class(isolated, "slow response")
    (row,) = portal.rows_for(CLASSES["slow response"].links[1])
    assert f"took longer than {TIMEOUT} seconds" in row["status_reason"]


def test_a_redirect_loop_or_chain_is_recorded_under_the_linked_url(isolated: Crawl) -> None:
    portal = check_class(isolated, "redirect loop")
    loop_a, loop_self, chain, twin, twin_moved = CLASSES["redirect loop"].links
    (row,) = portal.rows_for(loop_a)  # at loop-b, whose answer closes the loop
    assert row["status"] == 302 and row["status_reason"].startswith(
        f"redirect loop: {portal.base_url}{loop_a.path} → {portal.base_url}/uploadfiles/loop-b.pdf → ")
    assert row["status_reason"].endswith(f"(redirected from {portal.base_url}{loop_a.path})")
    assert len(portal.asked("/uploadfiles/loop-b.pdf")) == 1
    assert portal.rows_for(loop_self)[0]["status"] == 301
    assert sum(entry.path.startswith("/uploadfiles/hop") for entry in portal.log) == MAX_REDIRECTS + 1
    assert portal.rows_for(chain)[0]["status_reason"].endswith(f"(redirected from {portal.base_url}{chain.path})")
    # a redirect to a file fetched already still gives the linked URL its row
    (moved,) = portal.rows_for(twin_moved)
    assert moved["final_url"] == portal.base_url + twin.path


def test_a_412_or_521_challenge_is_recorded_once_and_never_retried(isolated: Crawl) -> None:
    portal = check_class(isolated, "challenge")
    assert portal.report.challenged == 2
    for link in CLASSES["challenge"].links:
        (row,) = portal.rows_for(link)
        assert read_record(isolated.data_dir, WarcLocator.from_row(row)).status == row["status"]


def test_a_soft_404_is_recorded_as_not_a_document(isolated: Crawl) -> None:
    portal = check_class(isolated, "soft 404")
    assert portal.report.errors == {"not_a_document": 1}


def test_an_oversized_body_is_refused_at_the_cap_and_never_stored(isolated: Crawl) -> None:
    portal = check_class(isolated, "oversized body")
    assert portal.report.errors == {"too_large": 2}
    assert not [p for p in (isolated.data_dir / "raw").rglob("*") if p.is_file() and p.stat().st_size > CAP]


def test_what_a_response_is_comes_from_its_bytes_not_its_content_type(isolated: Crawl) -> None:
    portal = check_class(isolated, "wrong content type")
    pdf_as_html, html_as_pdf, article, under_article, pdf_at_article = CLASSES["wrong content type"].links
    assert portal.rows_for(pdf_as_html)[0]["content_type"].startswith("text/html")
    assert portal.rows_for(html_as_pdf)[0]["detected_type"] == "html"
    # an article page served as application/pdf is still read for its attachment
    assert portal.rows_for(under_article)[0]["referer"] == portal.base_url + article.path


def test_a_corrupt_gzip_body_is_recorded_and_never_archived(isolated: Crawl) -> None:
    portal = check_class(isolated, "corrupt gzip")
    garbage, cut = (portal.rows_for(link)[0] for link in CLASSES["corrupt gzip"].links)
    assert garbage["status"] == 200 and garbage["status_reason"].startswith("corrupt gzip Content-Encoding")
    assert cut["status_reason"] == f"body truncated: a pdf from a cut gzip stream ({RETRIES + 1} tries)"
    assert read_record(isolated.data_dir, WarcLocator.from_row(garbage)).http_headers["Content-Encoding"] == "gzip"


def test_every_portal_completes_and_stores_only_its_good_documents(isolated: Crawl) -> None:
    good = {digest(link.good) for portal in isolated.portals.values() for link in portal.links if link.good}
    assert isolated.raw_objects() == good
    assert {report.portal_id for report in isolated.summary.reports} == set(isolated.portals)
    ok_rows = Counter(row["url"] for row in read_catalog(isolated.data_dir) if row["fetch_status"] == "ok")
    assert set(ok_rows.values()) == {1}  # no URL catalogued twice


def figures(portal: PortalCrawl) -> list[tuple[str, int, int, dict[str, int]]]:
    """(fault class, links injected, archived, {fetch_status: links recorded as it})."""
    out = []
    for name, fault in [("good documents", FaultClass("good", tuple(good_links("all")))), *CLASSES.items()]:
        statuses = Counter(portal.rows_for(link)[0]["fetch_status"] for link in fault.links
                           if not (link.article and link.good is None))
        archived = statuses.pop("ok", 0)
        out.append((name, sum(not (link.article and link.good is None) for link in fault.links), archived,
                    dict(statuses)))
    return out


def format_figures(rows: list[tuple[str, int, int, dict[str, int]]]) -> str:
    lines = [f"{'fault class':<20} {'injected':>8} {'archived':>8}  recorded as",
             *(f"{name:<20} {injected:>8} {archived:>8}  "
               + (", ".join(f"{status} {n}" for status, n in sorted(recorded.items())) or "-")
               for name, injected, archived, recorded in rows)]
    faults = [r for r in rows if r[0] != "good documents"]
    injected = sum(r[1] for r in faults)
    archived = sum(r[2] for r in faults)
    recorded = sum(sum(r[3].values()) for r in faults)
    lines.append(f"{'faults in all':<20} {injected:>8} {archived:>8}  {recorded} recorded, "
                 f"{injected - archived - recorded} unaccounted for")
    return "\n".join(lines)


def test_all_faults_in_one_crawl_lose_nothing_and_store_only_good_documents(
        together: Crawl, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    portal = together.portals["all"]
    check_portal(together, portal)
    rows = figures(portal)
    table = format_figures(rows)
    print(table)
    with capsys.disabled():  # shown whether or not pytest captures output (-s)
        print("\nserver faults, one crawl of every fault class:\n" + table)
    request.node.user_properties.append(("figures", json.dumps(rows, ensure_ascii=False)))

    expected = Counter(link.expect for fault in CLASSES.values() for link in fault.links
                       if not (link.article and link.good is None))
    injected = sum(r[1] for r in rows[1:])
    archived = sum(r[2] for r in rows[1:])
    recorded = Counter()
    for row in rows[1:]:
        recorded.update(row[3])
    assert (injected, archived, dict(recorded)) == (sum(expected.values()), expected.pop("ok"), dict(expected))
    assert injected == archived + sum(recorded.values())  # every fault ended one way or the other
    assert rows[0][1:] == (len(good_links("all")), len(good_links("all")), {})
    assert together.raw_objects() == {digest(link.good) for link in portal.links if link.good}
    assert together.summary.by_status["ok"] == len({link.path for link in portal.links if link.good})
