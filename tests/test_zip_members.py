"""Zip attachments: the container is kept whole; each member becomes a document of its own,
stored in the raw store and in the corpus, pointing to its container and its path there."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

import archive
from archive.build import build_corpus
from archive.catalog import CatalogWriter
from archive.parse import Limits, parse_archive
from archive.store import RawStore

ZIP_URL = "http://127.0.0.1/czt/bmys/P020240315_budgets.zip"
MEMBERS = {"预算/喀什市建设工程质量安全监督站.pdf": "seed-003", "喀什市某单位.pdf": "seed-004"}


@pytest.fixture(scope="module")
def zipped(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from archive.demo.corpus import demo_documents

    rendered = {doc.key: doc.data for doc in demo_documents()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for path, key in MEMBERS.items():
            bundle.writestr(path, rendered[key])
    data_dir = tmp_path_factory.mktemp("zipped")
    container = RawStore(data_dir).put(buffer.getvalue())
    CatalogWriter(data_dir, "run-1").append({
        "url": ZIP_URL, "fetch_status": "ok", "sha256": container, "portal_id": "xj-kashi",
        "region_code": "653101", "doc_kind": "budget", "fiscal_year": 2021})
    parse_archive(data_dir, workers=1, limits=Limits(timeout_s=120))
    build_corpus(data_dir)
    members = {path: hashlib.sha256(rendered[key]).hexdigest() for path, key in MEMBERS.items()}
    return {"data_dir": data_dir, "container": container, "members": members}


def _rows(data_dir: Path, sql: str, *params: object) -> list[tuple]:
    with archive.connect(data_dir) as con:
        return con.execute(sql, list(params)).fetchall()


def test_each_member_is_stored_in_the_raw_store(zipped: dict) -> None:
    store = RawStore(zipped["data_dir"])
    assert all(store.has(sha) for sha in zipped["members"].values())


def test_each_member_is_a_document_pointing_to_its_container_and_path(zipped: dict) -> None:
    rows = _rows(zipped["data_dir"], "SELECT member_path, doc_id, parse_status FROM documents "
                 "WHERE container_id = ? ORDER BY member_path", zipped["container"])
    assert rows == [(path, sha, "ok") for path, sha in sorted(zipped["members"].items())]


def test_the_container_stays_a_document_of_its_own(zipped: dict) -> None:
    rows = _rows(zipped["data_dir"], "SELECT format, container_id, member_path FROM documents "
                 "WHERE doc_id = ?", zipped["container"])
    assert rows == [("zip", None, None)]


def test_a_members_tables_reach_the_corpus(zipped: dict) -> None:
    sha = zipped["members"]["喀什市某单位.pdf"]
    (items,) = _rows(zipped["data_dir"], "SELECT count(*) FROM line_items WHERE doc_id = ?", sha)[0]
    assert items > 0


def test_a_member_comes_from_where_its_container_was_fetched(zipped: dict) -> None:
    rows = _rows(zipped["data_dir"], "SELECT DISTINCT source_url, portal_id FROM documents "
                 "WHERE container_id = ?", zipped["container"])
    assert rows == [(ZIP_URL, "xj-kashi")]
