"""A crawl killed with SIGKILL and started again loses nothing and duplicates nothing.

The reference is an uninterrupted crawl of the demo portal. Each trial starts the crawl process,
kills it (SIGKILL) once the server has answered a random number of its requests, then runs the
same run to the end, and compares: the same raw objects, one `ok` row per file, every row's WARC
locator readable, every WARC file readable to its last whole record and indexed, and a run report
that counts each document once. Three trials run by default; `-m slow` runs twenty more.

The catalog and the raw store must agree both ways: every row's object is there with the row's
size and hash, and every object has a row (an object a killed crawl stored but never catalogued
is re-linked by the resumed crawl, `relink_interrupted`, so none is left an orphan). Every WARC
file must read, with warcio itself, to its last whole record, its CDXJ index must list each of
those records, and a torn record may only be the file's last bytes. Each trial prints its
figures (kill point, documents lost and duplicated, partial files left), and each test a summary.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.limitreader import LimitReader

from archive.catalog import read_catalog
from archive.demo.documents import DemoDocument
from archive.demo.portal import DemoPortal
from archive.replay import replay
from archive.store import RawStore
from crawler.pipelines import relink_interrupted
from crawler.report import run_report
from crawler.run import PROJECT_ROOT, run_crawl
from crawler.warc import (
    complete_length,
    gzip_members,
    index_path,
    iter_records,
    stale_warcs,
    warc_dir,
)


def _doc(key: str, site: str, title: str, filename: str, n: int) -> DemoDocument:
    data = b"%PDF-1.4\n% " + key.encode() + b"\n" + bytes(random.Random(n).randbytes(20_000))
    return DemoDocument(key, site, title, filename, data, f"2024-03-{10 + n:02d}", "budget", "510000")


DOCS = [*(_doc(f"trs-{i}", "trs", f"四川省第{i}厅2024年部门预算", f"P02024031555688135190{i}.pdf", i)
          for i in range(7)),
        *(_doc(f"list-{i}", "list", f"重庆市第{i}局2024年部门预算", f"24021115573023413{i}.pdf", i + 7)
          for i in range(7))]
SLOW_TRIALS = 20
GZIP_MAGIC = b"\x1f\x8b\x08"  # how every gzip member (every WARC record here) begins
INDEXED_RECORDS = {"response", "revisit", "resource", "metadata"}  # what cdxj-indexer lists
SUMMARY: list[dict] = []  # every trial of this session, for the summary each test prints


def _objects(data_dir: Path) -> set[str]:
    return {p.name for p in (data_dir / "raw").rglob("*") if p.is_file() and not p.name.startswith(".tmp-")}


def _ok_rows(data_dir: Path) -> list[dict]:
    return [r for r in read_catalog(data_dir) if r["fetch_status"] == "ok"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory):
    """An uninterrupted crawl: what every killed-and-resumed one must end with."""
    data_dir = tmp_path_factory.mktemp("reference")
    with DemoPortal(DOCS) as portal:
        run_crawl(portal.write_registry(data_dir / "portals.toml"), data_dir, run_id="run")
        requests = len(portal.requests)
    return {"objects": _objects(data_dir), "requests": requests,
            "documents": {r["url"].split("/", 3)[3]: r["sha256"] for r in _ok_rows(data_dir)}}


def _start(registry: Path, data_dir: Path, run_id: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.Popen([sys.executable, "-m", "crawler.run", "--portals", str(registry), "--data-dir",
                             str(data_dir), "--run-id", run_id], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)


def kill_and_resume(seed: int, data_dir: Path, reference: dict) -> dict:
    """Kill a crawl after a random number of answered requests; resume it; return what it shows."""
    rng = random.Random(seed)
    with DemoPortal(DOCS, delay=0.004) as portal:
        registry = portal.write_registry(data_dir / "portals.toml")
        answered = rng.randrange(1, reference["requests"])
        child = _start(registry, data_dir, "run")
        deadline = time.monotonic() + 60
        while len(portal.requests) < answered and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(rng.uniform(0, 0.02))
        child.kill()  # SIGKILL
        child.wait()
        before_resume = len(portal.requests)
        run_crawl(registry, data_dir, run_id="run")
    return {"seed": seed, "answered_before_kill": before_resume, "of": reference["requests"],
            "killed": child.returncode == -9}


def raw_store_disagreements(data_dir: Path) -> list[str]:
    """Where the catalog and the raw store disagree: a row whose object is missing, or has
    other bytes than the row says; an object no row refers to (an orphan)."""
    store, problems, referenced = RawStore(data_dir), [], set()
    for row in read_catalog(data_dir):
        sha = row.get("sha256")
        if not sha:
            continue
        referenced.add(sha)
        if not store.has(sha):
            problems.append(f"{row['url']}: object {sha} missing")
            continue
        data = store.get(sha)
        if hashlib.sha256(data).hexdigest() != sha:
            problems.append(f"object {sha} holds other bytes")
        if row["fetch_status"] == "ok" and row.get("bytes") != len(data):
            problems.append(f"{row['url']}: row says {row.get('bytes')} bytes, object has {len(data)}")
    problems += [f"orphan object {sha}" for sha in sorted(_objects(data_dir) - referenced)]
    return problems


def _whole_member_at(data: bytes, start: int) -> bool:
    """Whether a whole gzip member starts at `start` of `data`."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        decompressor.decompress(data[start:])
    except zlib.error:
        return False
    return decompressor.eof


def warc_problems(data_dir: Path) -> tuple[list[str], int]:
    """What is wrong with the WARC files (none may be), and how many end in a torn record.

    warcio reads each file's complete part (as `complete_length` finds it) to the end, record
    for record as `gzip_members` splits it; the CDXJ index lists every indexable record of it;
    and after the complete part no whole member follows (a torn record only at the tail).
    """
    problems, torn = [], 0
    for path in sorted(warc_dir(data_dir).glob("*.warc.gz")):
        complete = complete_length(path)
        with open(path, "rb") as fh:
            types = [record.rec_type for record in ArchiveIterator(LimitReader(fh, complete))]
        members = len(list(gzip_members(path)))
        if len(types) != members or types[:1] != ["warcinfo"]:
            problems.append(f"{path.name}: warcio reads {len(types)} records, {members} members")
        index = index_path(path)
        lines = index.read_text(encoding="utf-8").splitlines() if index.is_file() else []
        if len(lines) != sum(t in INDEXED_RECORDS for t in types):
            problems.append(f"{path.name}: {len(lines)} index lines for "
                            f"{sum(t in INDEXED_RECORDS for t in types)} indexable records")
        data = path.read_bytes()
        if len(data) > complete:
            torn += 1
            tail = data[complete:]
            start = tail.find(GZIP_MAGIC, 1)
            while start != -1 and not _whole_member_at(tail, start):
                start = tail.find(GZIP_MAGIC, start + 1)
            if start != -1:
                problems.append(f"{path.name}: a whole record after a torn one, at {complete + start}")
    return problems, torn


def trial_figures(data_dir: Path, reference: dict, trial: dict) -> dict:
    """What one trial ended with, counted before anything is asserted."""
    ok = _ok_rows(data_dir)
    found = {r["url"].split("/", 3)[3]: r["sha256"] for r in ok}
    warc, torn = warc_problems(data_dir)
    return trial | {
        "lost": sum(found.get(path) != sha for path, sha in reference["documents"].items()),
        "duplicated": sum(n - 1 for n in Counter(r["url"] for r in ok).values()),
        "store_disagreements": raw_store_disagreements(data_dir), "warc_problems": warc,
        "torn_warcs": torn,
        "partial_files": sum(1 for p in (data_dir / "raw").rglob(".tmp-*")),
    }


def report_trial(figures: dict, capsys: pytest.CaptureFixture) -> None:
    SUMMARY.append(figures)
    with capsys.disabled():
        print(f"\n[crash/crawl] trial seed={figures['seed']}: killed after "
              f"{figures['answered_before_kill']}/{figures['of']} answered requests "
              f"(hit a running crawl: {figures['killed']}); lost {figures['lost']}, "
              f"duplicated {figures['duplicated']}, catalog/raw-store disagreements "
              f"{len(figures['store_disagreements'])}, WARC problems {len(figures['warc_problems'])}, "
              f"torn WARC tails {figures['torn_warcs']}, raw temp files left {figures['partial_files']}")


def print_summary(capsys: pytest.CaptureFixture) -> None:
    with capsys.disabled():
        print(f"\n[crash/crawl] summary: {len(SUMMARY)} trials, "
              f"{sum(f['killed'] for f in SUMMARY)} kills hit a running crawl, "
              f"lost {sum(f['lost'] for f in SUMMARY)}, duplicated {sum(f['duplicated'] for f in SUMMARY)}, "
              f"catalog/raw-store disagreements {sum(len(f['store_disagreements']) for f in SUMMARY)}, "
              f"WARC problems {sum(len(f['warc_problems']) for f in SUMMARY)}, "
              f"torn WARC tails (tolerated) {sum(f['torn_warcs'] for f in SUMMARY)}, "
              f"raw temp files left {sum(f['partial_files'] for f in SUMMARY)}")


def check_trial(data_dir: Path, reference: dict, trial: dict, capsys: pytest.CaptureFixture) -> None:
    figures = trial_figures(data_dir, reference, trial)
    report_trial(figures, capsys)
    assert (figures["lost"], figures["duplicated"]) == (0, 0)
    assert figures["store_disagreements"] == []
    assert figures["warc_problems"] == []
    check_nothing_lost_or_duplicated(data_dir, reference)


def check_nothing_lost_or_duplicated(data_dir: Path, reference: dict) -> None:
    assert _objects(data_dir) == reference["objects"]
    ok = _ok_rows(data_dir)
    assert {r["url"].split("/", 3)[3]: r["sha256"] for r in ok} == reference["documents"]
    assert max(Counter(r["url"] for r in ok).values()) == 1
    for row in read_catalog(data_dir):
        if row.get("sha256"):
            assert hashlib.sha256(replay(data_dir, row["sha256"])).hexdigest() == row["sha256"]
    for path in warc_dir(data_dir).glob("*.warc.gz"):
        records = list(iter_records(data_dir, path.name))
        assert records and records[-1][0].offset + records[-1][0].length == complete_length(path)
    assert stale_warcs(data_dir) == []
    reports = run_report(data_dir, "run")
    assert sorted(url.split("/", 3)[3] for r in reports for url in r.new) == sorted(reference["documents"])
    assert all(r.changed == [] and r.gone == [] for r in reports)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_crawl_killed_at_a_random_point_and_resumed_loses_and_duplicates_nothing(
        seed: int, tmp_path: Path, reference: dict, capsys: pytest.CaptureFixture) -> None:
    try:
        check_trial(tmp_path, reference, kill_and_resume(seed, tmp_path, reference), capsys)
    finally:
        print_summary(capsys)


@pytest.mark.slow
def test_twenty_random_kills_lose_and_duplicate_nothing(
        tmp_path: Path, reference: dict, capsys: pytest.CaptureFixture) -> None:
    killed = 0
    try:
        for seed in range(100, 100 + SLOW_TRIALS):
            trial = tmp_path / str(seed)
            trial.mkdir()
            result = kill_and_resume(seed, trial, reference)
            killed += result["killed"]
            check_trial(trial, reference, result, capsys)
    finally:
        print_summary(capsys)
    assert killed >= SLOW_TRIALS * 3 // 4  # most trials did kill a running crawl


def test_an_object_a_killed_crawl_never_catalogued_is_relinked_from_its_warc(tmp_path: Path) -> None:
    with DemoPortal(DOCS[:3]) as portal:
        registry = portal.write_registry(tmp_path / "portals.toml")
        run_crawl(registry, tmp_path, run_id="killed")
        # What a kill between storing the objects and cataloguing them leaves: no rows for them,
        # a torn last catalog line, and a WARC file its writer never indexed.
        (catalog,) = (tmp_path / "catalog" / "run=killed").glob("fetches-*.jsonl")
        rows = [json.loads(line) for line in catalog.read_text(encoding="utf-8").splitlines()]
        lost = [r for r in rows if r["fetch_status"] == "ok"][:2]
        kept = [r for r in rows if r not in lost]
        catalog.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept)
                           + json.dumps(lost[0], ensure_ascii=False)[:40], encoding="utf-8")
        for index in warc_dir(tmp_path).glob("*.cdxj"):
            index.unlink()
        assert relink_interrupted(tmp_path, "demo-list-cz", RawStore(tmp_path)) == []  # not its portal
        assert stale_warcs(tmp_path)  # ... whose file is left for its own portal's next crawl
        log_start = len(portal.requests)
        run_crawl(registry, tmp_path, run_id="resumed")
        asked = portal.requests[log_start:]
    relinked = [r for r in read_catalog(tmp_path) if r["run_id"] == "resumed" and r["fetch_status"] == "ok"]
    assert sorted((r["url"], r["sha256"], r["title"], r["doc_kind"]) for r in relinked) == sorted(
        (r["url"], r["sha256"], r["title"], r["doc_kind"]) for r in lost)
    assert all("re-linked" in r["status_reason"] and r["warc_file"].startswith("killed-") for r in relinked)
    lost_paths = {r["url"].split("/", 3)[3] for r in lost}
    assert [e.status for e in asked if e.path.lstrip("/") in lost_paths] == [304, 304]
    assert stale_warcs(tmp_path) == []
