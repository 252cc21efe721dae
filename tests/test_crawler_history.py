"""The catalog as a crawl process looks things up in it: read once per run, indexed three ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.catalog import CatalogWriter
from crawler import history as module
from crawler.history import history
from crawler.warc import WarcLocator

SHA = "a" * 64


def _catalog(data_dir: Path) -> None:
    writer = CatalogWriter(data_dir, "earlier")
    for fetched_at, etag, offset in (("2024-03-01T00:00:00", '"v1"', 0), ("2024-04-01T00:00:00", '"v2"', 900)):
        writer.append({"url": "http://127.0.0.1/a.pdf", "portal_id": "p", "fetch_status": "ok",
                       "sha256": SHA, "etag": etag, "fetched_at": fetched_at,
                       "warc_file": "w.warc.gz", "warc_offset": offset, "warc_length": 10})
    writer.append({"url": "http://127.0.0.1/b.pdf", "portal_id": "p", "fetch_status": "http_error"})
    writer.close()


def test_the_catalog_is_read_once_per_run_whatever_the_number_of_portals(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _catalog(tmp_path)
    reads: list[str] = []
    real = module.read_catalog
    monkeypatch.setattr(module, "read_catalog", lambda d: reads.append(str(d)) or real(d))
    for _portal in range(5):
        history(tmp_path, "run-a")
    history(tmp_path, "run-b")
    assert len(reads) == 2


def test_a_urls_latest_ok_fetch_is_what_a_conditional_request_uses(tmp_path: Path) -> None:
    _catalog(tmp_path)
    row = history(tmp_path, "latest").last_ok["p"]["http://127.0.0.1/a.pdf"]
    assert (row["etag"], row["sha256"]) == ('"v2"', SHA)
    assert "http://127.0.0.1/b.pdf" not in history(tmp_path, "latest").last_ok["p"]


def test_a_payloads_first_record_is_the_one_revisits_refer_to(tmp_path: Path) -> None:
    _catalog(tmp_path)
    assert history(tmp_path, "first").locators[SHA] == WarcLocator("w.warc.gz", 0, 10)
    assert SHA in history(tmp_path, "first").stored
