"""Security: what a server says never chooses a path, the crawl never leaves its portal or breaks
robots.txt, `budget-corpus query` cannot change the corpus, and a release's manifest notices any
change to it.

The crawl is the real one (`run_crawl`) against tests/sites/faults.py servers: the portal on
127.0.0.30, "another site" on 127.0.0.31 (Scrapy's domain scope ignores ports). What was asked
is read from the servers' own request logs, never from the crawler's word.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from archive.build import build_corpus
from archive.catalog import read_catalog
from archive.cli import main as cli
from archive.demo.portal import registry_toml
from archive.release import release_corpus
from tests.sites.faults import (
    LISTING, PDF, Answer, FaultServer, Link, Script, digest, good_pdf, portal_routes, serve)
from tests.test_release import add_document

ESCAPE = f"/tmp/budget-corpus-escape-{uuid.uuid4().hex}"  # where an absolute name would write
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
SETTINGS = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0.0, "RETRY_TIMES": 1}


def _file(n: int, path: str, disposition: str | None = None) -> Link:
    headers = (("Content-Disposition", disposition),) if disposition else ()
    body = good_pdf(f"security-{n}")
    return Link(path, f"四川省安全{n}厅2024年部门预算", [Answer(200, body, PDF, headers)], body)


HOSTILE_NAMES = [
    _file(1, "/uploadfiles/relative.pdf", 'attachment; filename="../../etc/passwd"'),
    _file(2, "/uploadfiles/absolute.pdf", f'attachment; filename="{ESCAPE}/evil.pdf"'),
    _file(3, "/uploadfiles/encoded.pdf", "attachment; filename*=UTF-8''..%2F..%2F..%2Fetc%2Fcron.d%2Fevil"),
    _file(4, "/uploadfiles/..%2F..%2F..%2Fetc%2Fpasswd.pdf"),
    _file(5, "/uploadfiles/%2e%2e/%2e%2e/%2e%2e/escape.pdf"),
]


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(root: Path) -> dict[str, str]:
    """Every file under root (symlinks followed) → its sha256."""
    return {p.relative_to(root).as_posix(): _sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("security")
    cwd, passwd = root / "cwd", _sha256_file(Path("/etc/passwd"))
    cwd.mkdir()
    before = {p for p in root.parent.iterdir()}
    with FaultServer(serve({"/robots.txt": Answer(200, ROBOTS, "text/plain")}), host="127.0.0.31") as offsite:
        off = offsite.base_url
        links = HOSTILE_NAMES + [
            Link(f"{off}/uploadfiles/offsite.pdf", "四川省外站厅2024年部门预算", []),  # linked off-site
            Link(f"{off}/yjsgk/content.jsp?id=7", "四川省外站厅2024年部门预算（文章）", []),
            Link("/private/hidden.pdf", "四川省隐藏厅2024年部门预算", [Answer(200, good_pdf("hidden"), PDF)]),
            Link("/private/content.jsp?id=8", "四川省隐藏厅2024年部门预算（文章）", [Answer(200, b"<html></html>")]),
            Link("/uploadfiles/leave.pdf", "四川省跳转厅2024年部门预算",  # redirected off-site
                 [Answer(302, headers=(("Location", f"{off}/uploadfiles/landing.pdf"),))]),
            Link("/uploadfiles/retry-leave.pdf", "四川省重试厅2024年部门预算",  # a retry redirected off-site
                 [Answer(503), Answer(302, headers=(("Location", f"{off}/uploadfiles/landing.pdf"),))]),
            Link("/uploadfiles/sneak.pdf", "四川省潜入厅2024年部门预算",  # redirected into /private/
                 [Answer(302, headers=(("Location", "/private/sneak.pdf"),))]),
        ]
        routes = portal_routes([link for link in links if not link.path.startswith("http")], ROBOTS)
        page = routes[LISTING].steps[0]
        extra = "".join(f'<li><a href="{link.path}">{link.title}</a></li>' for link in links if link.path.startswith("http"))
        routes[LISTING].steps[0] = Answer(200, page.body.replace(b"</ul>", extra.encode() + b"</ul>"))
        offsite.routes.update(serve({
            "/uploadfiles/offsite.pdf": Answer(200, good_pdf("offsite"), PDF),
            "/uploadfiles/landing.pdf": Answer(200, good_pdf("landing"), PDF),
            "/yjsgk/content.jsp?id=7": Answer(200, b"<html></html>")}))
        routes["/private/sneak.pdf"] = Script([Answer(200, good_pdf("sneak"), PDF)])
        with FaultServer(routes, host="127.0.0.30") as portal:
            registry = root / "portals.toml"
            registry.write_text(registry_toml([{
                "id": "security", "name": "安全门户", "region_code": "510000", "family": "generic",
                "start_urls": [portal.base_url + LISTING], "allowed_domains": ["127.0.0.30"],
                "settings": SETTINGS}]), encoding="utf-8")
            here = os.getcwd()
            os.chdir(cwd)  # a relative name would land here
            try:
                from crawler.run import run_crawl

                run_crawl(registry, root / "data", run_id="security")
            finally:
                os.chdir(here)
            yield {"root": root, "data": root / "data", "cwd": cwd, "passwd": passwd, "base": portal.base_url,
                   "portal_log": list(portal.log), "offsite_log": list(offsite.log),
                   "siblings_before": before, "rows": list(read_catalog(root / "data"))}


# -- (a) no server-supplied name reaches the file system ----------------------------------------


def test_hostile_file_names_are_archived_under_their_content_address_only(crawl: dict[str, Any]) -> None:
    for link in HOSTILE_NAMES:
        (row,) = [r for r in crawl["rows"] if r["url"].endswith(link.path.rsplit("/", 1)[1])]
        assert (row["fetch_status"], row["sha256"]) == ("ok", digest(link.good)), row
        sha = row["sha256"]
        stored = crawl["data"] / "raw" / "sha256" / sha[:2] / sha[2:4] / sha
        assert stored.read_bytes() == link.good


def test_every_file_the_crawl_wrote_is_under_the_data_dir_and_named_by_the_archive(crawl: dict[str, Any]) -> None:
    data = crawl["data"]
    assert set(os.listdir(crawl["root"])) == {"cwd", "data", "portals.toml"}
    assert os.listdir(crawl["cwd"]) == []
    for path in data.rglob("*"):
        rel = path.relative_to(data)
        assert ".." not in rel.parts and not path.is_symlink()
        assert not any(word in rel.as_posix() for word in ("passwd", "evil", "escape", "cron"))
        assert rel.parts[0] in ("raw", "catalog", "warc", "logs"), rel
        if rel.parts[0] == "raw" and path.is_file():
            assert rel.parts[:2] == ("raw", "sha256") and _sha256_file(path) == path.name
            assert rel.parts[2:4] == (path.name[:2], path.name[2:4])
    # nothing beside or above the crawl's folder, nothing where an absolute name pointed
    assert {p for p in crawl["root"].parent.iterdir()} == crawl["siblings_before"]
    assert not Path(ESCAPE).exists() and not Path("/etc/cron.d/evil").exists()
    assert _sha256_file(Path("/etc/passwd")) == crawl["passwd"]


# -- (b) never off-site, never against robots.txt -----------------------------------------------


def test_no_request_ever_leaves_allowed_domains(crawl: dict[str, Any]) -> None:
    assert crawl["offsite_log"] == []  # not a file, not an article, not a redirect target, not robots.txt
    assert {entry.host for entry in crawl["portal_log"]} == {"127.0.0.30"}
    tried = [entry.path for entry in crawl["portal_log"]]
    assert "/uploadfiles/leave.pdf" in tried and tried.count("/uploadfiles/retry-leave.pdf") == 2
    for path in ("/uploadfiles/leave.pdf", "/uploadfiles/retry-leave.pdf"):  # recorded, not dropped
        (row,) = [r for r in crawl["rows"] if (r["status_reason"] or "").endswith(f"(redirected from {crawl['base']}{path})")]
        assert row["fetch_status"] == "error" and "off-site: 127.0.0.31" in row["status_reason"]


def test_no_request_robots_txt_disallows_is_ever_made(crawl: dict[str, Any]) -> None:
    paths = [entry.path for entry in crawl["portal_log"]]
    assert paths[0] == "/robots.txt" and not [p for p in paths if p.startswith("/private/")]
    assert any(p == "/uploadfiles/sneak.pdf" for p in paths)  # the redirect into /private/ was not followed
    robots = {r["url"][len(crawl["base"]):] for r in crawl["rows"] if r["fetch_status"] == "robots"}
    assert {"/private/hidden.pdf", "/private/sneak.pdf"} <= robots


# -- (c) `budget-corpus query` opens the corpus read-only ---------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("corpus")
    add_document(data_dir, b"%PDF-1 a", "510000", 2024, "甲单位")
    add_document(data_dir, b"%PDF-1 b", "500240", 2023, "乙单位")
    build_corpus(data_dir)
    return data_dir


def _a_corpus_parquet(data_dir: Path) -> Path:
    return next(p for p in sorted((data_dir / "corpus").rglob("*.parquet")) if "line_items" in p.parts)


@pytest.mark.parametrize("statement", [
    "CREATE TABLE line_items_copy AS SELECT * FROM line_items",
    "INSERT INTO line_items SELECT * FROM line_items",
    "DROP VIEW line_items",
    pytest.param("COPY (SELECT 1 AS x) TO '{parquet}' (FORMAT parquet)", id="COPY-TO"),
    pytest.param("ATTACH '{data_dir}/corpus.builds/evil.duckdb' AS evil (READ_WRITE)", id="ATTACH"),
    pytest.param("EXPORT DATABASE '{data_dir}/corpus.builds/exported'", id="EXPORT"),
    pytest.param("SELECT 1; COPY (SELECT 1 AS x) TO '{parquet}' (FORMAT parquet)", id="COPY-after-SELECT"),
])
def test_query_cannot_change_the_corpus(corpus: Path, statement: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = _files(corpus)
    saved = {rel: (corpus / rel).read_bytes() for rel in before}
    sql = statement.format(parquet=_a_corpus_parquet(corpus), data_dir=corpus)
    status = cli(["query", "--data-dir", str(corpus), sql])
    error = capsys.readouterr().err
    try:
        assert _files(corpus) == before  # not a byte changed, nothing added
        assert status == 1 and "query failed" in error
    finally:  # a statement that got through must not spoil the next test's corpus
        for rel, sha in _files(corpus).items():
            if rel not in before:
                (corpus / rel).unlink()
            elif sha != before[rel]:
                (corpus / rel).write_bytes(saved[rel])


def test_query_still_answers_a_select(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["query", "--data-dir", str(corpus), "--format", "csv", "SELECT count(*) AS n FROM line_items"]) == 0
    assert capsys.readouterr().out == "n\n2\n"


# -- (d) a release's manifest detects any change ------------------------------------------------


@pytest.fixture(scope="module")
def pristine_release(corpus: Path) -> Path:
    return release_corpus(corpus, "2024.9")


@pytest.fixture
def release(pristine_release: Path, tmp_path: Path) -> Path:
    copy = tmp_path / pristine_release.name
    shutil.copytree(pristine_release, copy)
    return copy


def _targets(release: Path) -> dict[str, Path]:
    return {"parquet": next(iter(sorted((release / "data").rglob("*.parquet")))),
            "datapackage": release / "datapackage.json",
            "sha256sums": release / "SHA256SUMS",
            "readme": next(p for p in sorted(release.iterdir()) if p.suffix == ".md")}


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


CHANGES = {
    "flip-a-byte": _flip_a_byte,
    "append": lambda path: path.write_bytes(path.read_bytes() + b"\n"),
    "delete": Path.unlink,
}


def test_a_pristine_release_verifies(release: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["verify", str(release)]) == 0


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("target", ["parquet", "datapackage", "sha256sums", "readme"])
def test_verify_fails_on_any_change_to_a_released_file(release: Path, change: str, target: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    CHANGES[change](_targets(release)[target])
    assert cli(["verify", str(release)]) == 1
    assert "FAILED" in capsys.readouterr().err


@pytest.mark.parametrize("where", [".", "data", "data/line_items"])
def test_verify_fails_on_an_unlisted_file(release: Path, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    (release / where).mkdir(parents=True, exist_ok=True)
    (release / where / "extra.parquet").write_bytes(b"PAR1")
    assert cli(["verify", str(release)]) == 1
    assert "unlisted file" in capsys.readouterr().err
