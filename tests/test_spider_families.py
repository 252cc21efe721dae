"""Every CMS family's spider, crawling its simulated portal over real HTTP, meets the same obstacles
(tests/sites/scenario.py) with the same outcome: exactly the budgets and final accounts archived,
and the server's own request log showing what was — and was not — asked for."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.sites.crawl import Crawl, crawl
from tests.sites.scenario import ARCHIVED, DOCS, NEVER_REQUESTED

FAMILIES = ["trs", "hanweb", "gkmlpt", "generic"]
BY_KEY = {d.key: d for d in DOCS}


@pytest.fixture(params=FAMILIES)
def site(request: pytest.FixtureRequest) -> Crawl:
    return crawl(request.param)


def _ok_rows(site: Crawl) -> list[dict]:
    return [r for r in site.rows if r["fetch_status"] == "ok"]


def _row(site: Crawl, key: str) -> dict:
    (row,) = site.rows_for(site.site.files[key])
    return row


def test_exactly_the_budgets_and_final_accounts_are_archived(site: Crawl) -> None:
    files = {d.sha256 for d in ARCHIVED if d.file}
    (inline,) = [r for r in _ok_rows(site) if r["detected_type"] == "html"]
    assert {r["sha256"] for r in _ok_rows(site)} == files | {inline["sha256"]}
    assert site.raw_objects() == files | {inline["sha256"]}


def test_each_archived_file_is_classified_by_its_title(site: Crawl) -> None:
    for doc in ARCHIVED:
        if doc.file:
            row = _row(site, doc.key)
            assert (row["fetch_status"], row["doc_kind"], row["fiscal_year"]) == (
                "ok", doc.kind, int(doc.title.split("年")[0][-4:])), doc.key
            assert row["department"] and row["department"] in doc.title


def test_the_summary_counts_each_outcome_once(site: Crawl) -> None:
    assert site.summary.by_status == {"ok": 7, "not_a_document": 1, "robots": 1}
    assert (site.summary.documents, site.summary.new_documents) == (6, 6)


def test_robots_txt_is_read_and_the_disallowed_file_never_requested(site: Crawl) -> None:
    assert site.paths()[0] == "/robots.txt"
    assert not [p for p in site.paths() if p.startswith("/private/")]
    (row,) = [r for r in site.rows if r["fetch_status"] == "robots"]
    assert "/private/" in row["url"] and row["title"] == BY_KEY["robots"].title


def test_an_off_site_file_is_never_requested(site: Crawl) -> None:
    assert site.offsite_log == []
    assert site.rows_for(site.site.files["offsite"]) == []


def test_a_notice_attachment_is_never_requested(site: Crawl) -> None:
    assert site.site.files["notice"] not in site.paths()
    assert all(BY_KEY[key] in NEVER_REQUESTED for key in ("notice", "robots", "offsite"))


def test_a_500_is_retried_and_the_file_archived(site: Crawl) -> None:
    name = BY_KEY["flaky"].file  # the file's own path ends with it (after any redirect)
    assert [e.status for e in site.log if e.path.endswith(name) and e.status != 302] == [500, 200]
    assert _row(site, "flaky")["sha256"] == BY_KEY["flaky"].sha256


def test_a_soft_404_is_recorded_and_not_stored(site: Crawl) -> None:
    row = _row(site, "soft404")
    assert (row["fetch_status"], row["detected_type"], row["sha256"]) == ("not_a_document", "html", None)
    assert row["status"] == 200


def test_a_file_under_two_urls_is_one_raw_object_and_two_fetches(site: Crawl) -> None:
    first, second = _row(site, "dup-a"), _row(site, "dup-b")
    assert first["url"] != second["url"]
    assert first["sha256"] == second["sha256"] == BY_KEY["dup-a"].sha256
    assert BY_KEY["dup-a"].sha256 in site.raw_objects()


def test_a_redirected_file_keeps_the_linked_and_the_final_url(site: Crawl) -> None:
    row = _row(site, "final")
    assert row["url"] == site.base_url + site.site.files["final"]
    assert row["final_url"] != row["url"] and row["final_url"].startswith(site.base_url)
    assert row["final_url"][len(site.base_url):] in site.paths()


def test_the_gbk_article_is_decoded(site: Crawl) -> None:
    assert _row(site, "gbk")["title"] == BY_KEY["gbk"].title


def test_a_budget_published_inline_is_archived_as_its_article(site: Crawl) -> None:
    (row,) = site.rows_for(site.site.articles["inline"])
    assert (row["fetch_status"], row["detected_type"], row["doc_kind"]) == ("ok", "html", "budget")
    assert row["title"] == BY_KEY["inline"].title


def test_every_article_is_requested_once_and_no_page_twice(site: Crawl) -> None:
    counts = Counter((e.method, e.path) for e in site.log if e.status != 500)
    assert {path for (_, path) in counts} >= set(site.site.articles.values())
    assert max(counts.values()) == 1


def test_no_calendar_page_is_requested(site: Crawl) -> None:
    assert not [p for p in site.paths() if "date=" in p or "month=" in p]
