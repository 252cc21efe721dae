"""The crawl's WARC files: every exchange recorded, every catalogued document replayable from them.

Two runs of the demo portal over loopback (the second one conditional) serve the crawl tests;
the WARC files are read back with warcio and the CDXJ indexes with plain JSON, as any web-archive
tool would read them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from archive.catalog import read_catalog
from archive.demo.documents import DemoDocument
from archive.demo.portal import DemoPortal
from archive.replay import NotArchived, export_wacz, replay
from crawler.run import run_crawl
from crawler.warc import (
    REVISIT_IDENTICAL, REVISIT_NOT_MODIFIED, WarcFile, WarcLocator, complete_length, index_warc, iter_records,
    payload_digest, read_record, warc_dir)


def _doc(key: str, title: str, filename: str, data: bytes) -> DemoDocument:
    return DemoDocument(key, "list", title, filename, data, "2024-02-10", "budget", "500000")


PDF = b"%PDF-1.4\n% demo budget %d\n"
DOCS = [_doc(f"d{i}", f"重庆市第{i}局2024年部门预算", f"24021100{i}.pdf", PDF.replace(b"%d", str(i).encode()))
        for i in range(3)]
DUPLICATE = _doc("dup", "重庆市第0局2024年部门预算（重复发布）", "240211009.pdf", DOCS[0].data)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("warc")
    with DemoPortal([*DOCS, DUPLICATE]) as portal:
        registry = portal.write_registry(data_dir / "portals.toml")
        run_crawl(registry, data_dir, run_id="first")
        first_log = portal.requests
        run_crawl(registry, data_dir, run_id="second")
        yield {"data_dir": data_dir, "rows": list(read_catalog(data_dir)), "first_log": first_log,
               "base_url": portal.base_url,
               "second_log": portal.requests[len(first_log):]}


def _records(data_dir: Path, run_id: str) -> list:
    (path,) = warc_dir(data_dir).glob(f"{run_id}-*.warc.gz")
    return [record for _, record in iter_records(data_dir, path.name)]


def _ok(crawl, run_id: str) -> list[dict]:
    return [r for r in crawl["rows"] if r["run_id"] == run_id and r["fetch_status"] in ("ok", "not_modified")]


def test_a_record_is_one_gzip_member_found_again_by_its_locator(tmp_path: Path) -> None:
    warc = WarcFile(tmp_path, "r", "p", {"portal-id": "p"})
    body = b"%PDF-1.4 gzip-encoded on the wire"
    on_the_wire = gzip.compress(body)
    response = warc.response("http://x.gov.cn/a.pdf", "HTTP/1.1", "200 OK",
                             [("Content-Encoding", "gzip")], on_the_wire, "2024-03-15T10:00:00.000001Z")
    request = warc.request("http://x.gov.cn/a.pdf", "GET", "/a.pdf", [("Host", "x.gov.cn")], b"",
                           "2024-03-15T10:00:00.000001Z")
    at, request_at = warc.write(response, request)
    warc.close()
    assert request_at.offset == at.offset + at.length
    member = (warc_dir(tmp_path) / at.file).read_bytes()[at.offset:at.offset + at.length]
    assert gzip.decompress(member).startswith(b"WARC/1.1\r\n")
    record = read_record(tmp_path, at)
    assert (record.rec_type, record.status, record.payload) == ("response", 200, body)
    assert record.warc_headers["WARC-Payload-Digest"] == payload_digest(hashlib.sha256(on_the_wire).hexdigest())


def test_a_torn_last_record_is_left_out_of_reading_and_the_index(tmp_path: Path) -> None:
    warc = WarcFile(tmp_path, "r", "p", {"portal-id": "p"})
    date = "2024-03-15T10:00:00.000001Z"
    kept = warc.write(warc.response("http://x.gov.cn/1.pdf", "HTTP/1.1", "200 OK", [], b"%PDF-1", date))[0]
    torn = warc.write(warc.response("http://x.gov.cn/2.pdf", "HTTP/1.1", "200 OK", [], b"%PDF-2", date))[0]
    warc.close()
    path = warc_dir(tmp_path) / warc.name
    path.write_bytes(path.read_bytes()[:torn.offset + torn.length // 2])  # a writer killed mid-record
    assert complete_length(path) == kept.offset + kept.length
    assert [loc for loc, rec in iter_records(tmp_path, warc.name) if rec.rec_type == "response"] == [kept]
    (line,) = index_warc(path).read_text().splitlines()
    assert json.loads(line.split(" ", 2)[2])["url"] == "http://x.gov.cn/1.pdf"


def test_every_catalogued_document_replays_from_the_warc_to_its_sha256(crawl) -> None:
    rows = _ok(crawl, "first") + _ok(crawl, "second")
    assert rows and all(r["warc_file"] for r in rows)
    for row in rows:
        assert hashlib.sha256(replay(crawl["data_dir"], row["sha256"])).hexdigest() == row["sha256"]
        assert hashlib.sha256(replay(crawl["data_dir"], row["url"])).hexdigest() == row["sha256"]


def test_every_answer_the_server_gave_is_a_record_with_its_request(crawl) -> None:
    for run_id, log in (("first", crawl["first_log"]), ("second", crawl["second_log"])):
        records = _records(crawl["data_dir"], run_id)
        answers = [r for r in records if r.rec_type in ("response", "revisit")]
        requests = {r.warc_headers["WARC-Concurrent-To"]: r for r in records if r.rec_type == "request"}
        assert sorted(r.warc_headers["WARC-Target-URI"].split("/", 3)[3] for r in answers) == sorted(
            e.path.lstrip("/") for e in log)
        assert all(a.warc_headers["WARC-Record-ID"] in requests for a in answers)
        assert all(r.warc_headers["WARC-Date"] == requests[r.warc_headers["WARC-Record-ID"]]
                   .warc_headers["WARC-Date"] for r in answers)


def test_an_unchanged_file_is_a_server_not_modified_revisit_of_the_first_record(crawl) -> None:
    revisits = [r for r in _records(crawl["data_dir"], "second") if r.rec_type == "revisit"
                and r.warc_headers["WARC-Profile"] == REVISIT_NOT_MODIFIED]
    assert len(revisits) == len(DOCS) + 1 and all(r.status == 304 for r in revisits)
    first = {r["url"]: r for r in _ok(crawl, "first")}
    for revisit in revisits:
        original = read_record(crawl["data_dir"], WarcLocator.from_row(first[revisit.warc_headers["WARC-Target-URI"]]),
                               payload=False)
        assert revisit.warc_headers["WARC-Refers-To"] == original.warc_headers["WARC-Record-ID"]
        assert revisit.warc_headers["WARC-Payload-Digest"] == original.warc_headers["WARC-Payload-Digest"]


def test_a_duplicate_attachment_is_an_identical_payload_revisit(crawl) -> None:
    (revisit,) = [r for r in _records(crawl["data_dir"], "first") if r.rec_type == "revisit"]
    assert revisit.warc_headers["WARC-Profile"] == REVISIT_IDENTICAL
    rows = [r for r in _ok(crawl, "first") if r["sha256"] == hashlib.sha256(DOCS[0].data).hexdigest()]
    assert len(rows) == 2 and len({(r["warc_file"], r["warc_offset"]) for r in rows}) == 1
    assert revisit.warc_headers["WARC-Payload-Digest"] == payload_digest(rows[0]["sha256"])


def test_each_warc_file_has_a_sorted_cdxj_index_of_its_answers(crawl) -> None:
    for path in warc_dir(crawl["data_dir"]).glob("*.warc.gz"):
        lines = path.with_name(path.name.replace(".warc.gz", ".cdxj")).read_text().splitlines()
        answers = [r for _, r in iter_records(crawl["data_dir"], path.name) if r.rec_type in ("response", "revisit")]
        assert len(lines) == len(answers) and lines == sorted(lines)
        for line in lines:
            entry = json.loads(line.split(" ", 2)[2])
            record = read_record(crawl["data_dir"], WarcLocator(entry["filename"], int(entry["offset"]),
                                                                int(entry["length"])), payload=False)
            assert record.warc_headers["WARC-Target-URI"] == entry["url"]


def test_a_listing_page_replays_by_url_through_the_index(crawl) -> None:
    url = crawl["base_url"] + "/list/news?page=1"
    assert "重庆市第0局2024年部门预算" in replay(crawl["data_dir"], url).decode("utf-8")
    with pytest.raises(NotArchived):
        replay(crawl["data_dir"], url + "&never=fetched")


def test_the_wacz_export_packages_warcs_index_and_pages_with_checksums(crawl, tmp_path: Path) -> None:
    path = export_wacz(crawl["data_dir"], tmp_path / "budget.wacz")
    with zipfile.ZipFile(path) as wacz:
        names = set(wacz.namelist())
        package = json.loads(wacz.read("datapackage.json"))
        for resource in package["resources"]:
            assert resource["hash"] == "sha256:" + hashlib.sha256(wacz.read(resource["path"])).hexdigest()
        assert {i.compress_type for i in wacz.infolist() if i.filename.startswith("archive/")} == {zipfile.ZIP_STORED}
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        index = wacz.read("indexes/index.cdx").decode().splitlines()
        digest = json.loads(wacz.read("datapackage-digest.json"))["hash"]
        package_bytes = wacz.read("datapackage.json")
    assert {"datapackage.json", "datapackage-digest.json", "indexes/index.cdx", "pages/pages.jsonl"} <= names
    assert {n for n in names if n.startswith("archive/")} == {
        f"archive/{p.name}" for p in warc_dir(crawl["data_dir"]).glob("*.warc.gz")}
    assert digest == "sha256:" + hashlib.sha256(package_bytes).hexdigest()
    assert pages[0]["format"] == "json-pages-1.0"
    assert {p["url"] for p in pages[1:]} == {r["url"] for r in _ok(crawl, "first")}
    assert index == sorted(index)


def test_the_request_record_is_the_request_as_sent_with_what_the_crawler_knew(crawl) -> None:
    requests = [r for r in _records(crawl["data_dir"], "second") if r.rec_type == "request"]
    (conditional,) = [r for r in requests if r.warc_headers["WARC-Target-URI"].endswith(DOCS[1].filename)]
    headers = {k.lower(): v for k, v in conditional.http_headers.items()}
    metadata = json.loads(conditional.warc_headers["WARC-JSON-Metadata"])
    assert metadata["title"] == DOCS[1].title and metadata["portal_id"] == "demo-list-cz"
    assert headers["accept-encoding"] == "gzip, deflate, br"  # no zstd: warcio could not replay it
    assert headers["if-none-match"] and headers["user-agent"].startswith("budget-corpus/")
