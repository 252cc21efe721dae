"""Benchmark: pages per second of the parser against naive pdfplumber, on the same files in the
same run, and with 2 worker processes against 1.

- naive: `pdfplumber.open`, then `extract_text()` and `extract_tables()` on every page — what
  a first script does;
- parser: `parsing.parse.parse_bytes` (everything: triage, tables, stitching, line items,
  checks, metadata, facts), which reads pages with pypdfium2 and only the pages that may
  hold a table in full;
- reference: the same parser reading every page with pdfplumber (pdfminer):
  `read_pdf(…, triage=False, reader="pdfminer")`, whose tables, cells and line items must be
  identical (bounding boxes to 0.02 pt): the speed costs nothing in what is read. (Prose pages are read as text lines by
  pdfium on the fast path, so narrative text and what is taken from it — facts, narrative
  checks, the cover title — may differ in spacing and line order; those files are listed.)

Each file is read from memory; every timing is the best of `--repeat` runs of the whole set.
The worker run parses the files in a process pool (biggest first), as `budget-corpus parse`
does.

    python benchmarks/parser_speed.py [DIR …] [--repeat 3] [--workers 2]

DIR defaults to ../shared/real (recursively, *.pdf).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pdfplumber  # noqa: E402

import parsing.pdf  # noqa: E402
from parsing.parse import parse_bytes  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "real"
_COMPARED = ("tables", "cells", "line_items")


def naive(data: bytes) -> int:
    """extract_text + extract_tables on every page; the number of pages."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()
            page.close()
        return len(pdf.pages)


def parse(data: bytes) -> int:
    return parse_bytes(data)["document"]["n_pages"] or 0


def reference(data: bytes) -> dict:
    """The parser with every page read by pdfplumber (pdfminer), no triage."""
    full = parsing.pdf.read_pdf

    def every_page(data: bytes, *args: object, **kwargs: object) -> object:
        return full(data, *args, **{**kwargs, "triage": False, "reader": "pdfminer"})

    with mock.patch.object(parsing.pdf, "read_pdf", every_page):
        return parse_bytes(data)


def best_of(repeat: int, run: object, files: list[bytes]) -> tuple[float, int]:
    best, pages = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        pages = sum(run(data) for data in files)  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best, pages


def pooled(workers: int, repeat: int, files: list[bytes]) -> float:
    ordered = sorted(files, key=len, reverse=True)
    best = float("inf")
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(parse, ordered[:workers]))  # start the workers (imports) untimed
        for _ in range(repeat):
            started = time.perf_counter()
            list(pool.map(parse, ordered, chunksize=1))
            best = min(best, time.perf_counter() - started)
    return best


BBOX_TOLERANCE = 0.02  # points: pdfium computes in single precision, pdfminer in double


def _same(a: object, b: object) -> bool:
    """Equal, bounding boxes within BBOX_TOLERANCE (a cell edge at 375.285 rounds either way)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        boxes = {k for k in a if k == "bbox" and a[k] and b[k]}
        return all(abs(x - y) <= BBOX_TOLERANCE for k in boxes for x, y in zip(a[k], b[k])) \
            and all(_same(a[k], b[k]) for k in a if k not in boxes)
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def differences(files: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """(files whose tables differ between the triaged and the every-page path, files whose
    document row or text-derived output differs)."""
    tables, text = [], []
    for name, data in files.items():
        fast, slow = parse_bytes(data), reference(data)
        tables += [f"{name}: {key}" for key in _COMPARED if not _same(fast[key], slow[key])]
        text += [f"{name}: {key}" for key in fast
                 if key not in _COMPARED and not _same(fast[key], slow.get(key))]
    return tables, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[DEFAULT_DIR])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    paths = sorted(p for d in args.dirs for p in d.rglob("*.pdf"))
    files = {str(p.relative_to(p.parents[1])): p.read_bytes() for p in paths}
    data = list(files.values())
    print(f"{len(files)} files from {', '.join(map(str, args.dirs))}")

    differing, text = differences(files)
    same = len(files) - len({d.split(":")[0] for d in differing})
    print(f"identical tables, cells and line items with and without triage: {same}/"
          f"{len(files)} files" + "".join(f"\n    differs: {d}" for d in differing))
    print(f"text-derived output (document row, facts, narrative checks) differs in "
          f"{len({d.split(':')[0] for d in text})} files: {', '.join(text) or '-'}")

    naive_s, pages = best_of(args.repeat, naive, data)
    ours_s, _ = best_of(args.repeat, parse, data)
    print(f"pages: {pages}")
    print(f"naive pdfplumber (extract_text + extract_tables): {naive_s:7.2f} s "
          f"{pages / naive_s:7.1f} pages/s {1000 * naive_s / pages:6.1f} ms/page")
    print(f"parser, 1 process:                                {ours_s:7.2f} s "
          f"{pages / ours_s:7.1f} pages/s {1000 * ours_s / pages:6.1f} ms/page")
    print(f"parser / naive: {naive_s / ours_s:.2f}x")
    if args.workers > 1:
        one = pooled(1, args.repeat, data)
        many = pooled(args.workers, args.repeat, data)
        print(f"parser, pool of 1 worker:                         {one:7.2f} s "
              f"{pages / one:7.1f} pages/s")
        print(f"parser, pool of {args.workers} workers:                        {many:7.2f} s "
              f"{pages / many:7.1f} pages/s")
        print(f"{args.workers} workers / 1 worker: {one / many:.2f}x")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
