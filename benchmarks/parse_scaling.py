"""Benchmark: parse-stage throughput on a Dask cluster of 1 and 2 workers against the local pool,
and the per-document costs docs/scaling.md builds its plan on.

Every configuration parses the same documents from an empty parse cache through
`archive.parse.parse_archive` — the whole stage, each document in its own child process — and
is timed from the call to its return (a Dask run includes connecting to the scheduler, not
starting the cluster). The clusters are `distributed.LocalCluster`s of single-threaded worker
processes on loopback, so "2 workers" is two cores, as the local pool of 2 is.

    python benchmarks/parse_scaling.py [DIR …] [--copies 1]

DIR defaults to ../shared/real (recursively, *.pdf); without it, the demo corpus's PDFs.
`--copies N` archives each file N times (a byte appended makes each copy a new document).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from distributed import LocalCluster  # noqa: E402

from archive.catalog import CatalogWriter  # noqa: E402
from archive.parse import Limits, parse_archive  # noqa: E402
from archive.store import RawStore  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "real"
LIMITS = Limits(timeout_s=600)


def load_documents(dirs: list[Path], copies: int) -> list[bytes]:
    files = sorted(p for d in dirs for p in d.rglob("*.pdf"))
    if files:
        originals = [p.read_bytes() for p in files]
    else:
        from archive.demo.corpus import demo_documents

        originals = [doc.data for doc in demo_documents() if doc.data.startswith(b"%PDF")]
    return [data + b"\n" * copy for copy in range(copies) for data in originals]


def archive(data_dir: Path, documents: list[bytes]) -> None:
    store, catalog = RawStore(data_dir), CatalogWriter(data_dir, "bench")
    for data in documents:
        sha = store.put(data)
        catalog.append({"url": f"http://127.0.0.1/{sha}.pdf", "fetch_status": "ok",
                        "sha256": sha})
    catalog.close()


def timed_parse(documents: list[bytes], **where: object) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        archive(Path(tmp), documents)
        started = time.perf_counter()
        summary = parse_archive(tmp, limits=LIMITS, **where)
        seconds = time.perf_counter() - started
    assert summary.parsed == len(documents), summary
    return seconds


def per_document_costs(documents: list[bytes]) -> list[float]:
    """Seconds of one core per document, the parser alone, in this process."""
    from parsing.parse import parse_bytes

    costs = []
    for data in documents:
        started = time.process_time()
        parse_bytes(data, name=None)
        costs.append(time.process_time() - started)
    return costs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args(argv)
    dirs = args.dirs or ([DEFAULT_DIR] if DEFAULT_DIR.is_dir() else [])
    documents = load_documents(dirs, args.copies)
    n, size = len(documents), sum(map(len, documents))
    print(f"{n} documents, {size / 2**20:.1f} MiB ({size / n / 1024:.0f} KiB mean)")

    costs = per_document_costs(documents[: n // args.copies])
    print(f"parser CPU per document: mean {statistics.mean(costs):.3f} s, "
          f"median {statistics.median(costs):.3f} s, max {max(costs):.3f} s, "
          f"{sum(costs) / (size / args.copies / 2**20):.3f} s per MiB")

    runs: dict[str, float] = {}
    for workers in (1, 2):
        runs[f"local pool of {workers}"] = timed_parse(documents, workers=workers)
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None) as cluster:
            runs[f"dask, {workers} worker(s)"] = timed_parse(
                documents, scheduler=cluster.scheduler_address)

    base = runs["local pool of 1"]
    print(f"\n{'run':<22} {'seconds':>8} {'docs/s':>7} {'vs local pool of 1':>19}")
    for name, seconds in runs.items():
        print(f"{name:<22} {seconds:8.2f} {n / seconds:7.2f} {base / seconds:18.2f}×")
    print(f"\ndask 2 / dask 1: {runs['dask, 1 worker(s)'] / runs['dask, 2 worker(s)']:.2f}×; "
          f"dask 2 / local pool of 2: "
          f"{runs['local pool of 2'] / runs['dask, 2 worker(s)']:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
