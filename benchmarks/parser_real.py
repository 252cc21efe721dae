"""Benchmark: the parser on real disclosures (../shared/real, described by its manifest.csv).

Per document: parse status (and reason), tables found and typed (a standard table type, not
`other`), tables stitched / read without rules / on rotated pages, accounting checks passed of
evaluated, and metadata against the manifest (fiscal year, doc kind, department, region code).
Then the totals: documents `ok`, checks passing on the documents the manifest calls consistent,
and whether each document labelled inconsistent fails at least one check.

    python benchmarks/parser_real.py [--real DIR] [-v]

-v lists every failed check and every metadata mismatch.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsing.parse import parse_path  # noqa: E402
from parsing.text import compact  # noqa: E402

DEFAULT_REAL = Path(__file__).resolve().parents[2] / "shared" / "real"
_INCONSISTENT = ("inconsisten", "consistency problems", "planted", "altered")


@dataclass
class DocumentScore:
    file: str
    status: str
    reason: str | None
    pages: int
    tables: int
    typed: int
    flagged: dict[str, int]
    passed: int
    total: int
    metadata: dict[str, bool]
    consistent: bool
    seconds: float
    failures: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)


def labelled_inconsistent(note: str) -> bool:
    return any(word in note.lower() for word in _INCONSISTENT)


def same_body(printed: str | None, known: str) -> bool:
    """The department as the document prints it names the manifest's body (the manifest
    sometimes shortens: 江苏省人大办公厅 for 江苏省人大常委会办公厅, 江苏省委办公厅 for
    中国共产党江苏省委员会办公厅)."""
    a, b = (compact(t).replace("中国共产党", "中共").replace("委员会", "委") for t in (printed, known))
    return bool(a) and (a == b or b in a or a in b
                        or a.replace("常委会", "") == b or b.replace("常委会", "") == a)


def score(row: dict[str, str], real: Path) -> DocumentScore:
    started = time.perf_counter()
    result = parse_path(real / row["file"])
    seconds = time.perf_counter() - started
    document = result["document"]
    tables = result["tables"]
    flagged = {flag: sum(flag in t["flags"] for t in tables)
               for flag in ("stitched", "unruled", "rotated", "header_uncertain")}
    metadata = {
        "year": document["fiscal_year"] == int(row["fiscal_year"]),
        "kind": document["doc_kind"] == row["doc_kind"],
        "body": same_body(document["department"], row["department"]),
        "region": (document["region_code"] or "")[:2] == row["region_code"][:2]
        and (document["region_code"] == row["region_code"] or row["region_code"].endswith("0000")
             and (document["region_code"] or "").endswith("0000")),
    }
    expected = {"year": row["fiscal_year"], "kind": row["doc_kind"], "body": row["department"],
                "region": row["region_code"]}
    got = {"year": document["fiscal_year"], "kind": document["doc_kind"],
           "body": document["department"], "region": document["region_code"]}
    return DocumentScore(
        file=row["file"], status=document["parse_status"], reason=document["status_reason"],
        pages=document["n_pages"] or 0, tables=len(tables),
        typed=sum(t["table_type"] != "other" for t in tables), flagged=flagged,
        passed=document["checks_passed"], total=document["checks_total"], metadata=metadata,
        consistent=not labelled_inconsistent(row.get("note", "")), seconds=seconds,
        failures=[f"{c['name']} [{c['scope']}] expected {c['expected']} got {c['actual']}"
                  for c in result["checks"] if not c["passed"]],
        mismatches=[f"{k}: {got[k]!r}, manifest {expected[k]!r}"
                    for k, ok in metadata.items() if not ok])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    with (args.real / "manifest.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    print(f"{'file':<46}{'status':<9}{'pages':>5}{'typed':>8}{'stch':>5}{'unrl':>5}{'rot':>4}"
          f"{'checks':>10}  year kind body region")
    scores = []
    for row in rows:
        s = score(row, args.real)
        scores.append(s)
        marks = " ".join(("ok  " if s.metadata[k] else "MISS") for k in ("year", "kind", "body",
                                                                        "region"))
        label = "" if s.consistent else "  (labelled inconsistent)"
        print(f"{s.file:<46}{s.status:<9}{s.pages:>5}{s.typed:>4}/{s.tables:<3}"
              f"{s.flagged['stitched']:>5}{s.flagged['unruled']:>5}{s.flagged['rotated']:>4}"
              f"{s.passed:>5}/{s.total:<4}  {marks}{label}")
        if s.status != "ok":
            print(f"    {s.status}: {s.reason}")
        if args.verbose:
            for line in s.mismatches + s.failures:
                print(f"    {line}")
    ok = sum(s.status == "ok" for s in scores)
    consistent = [s for s in scores if s.consistent]
    passed = sum(s.passed for s in consistent)
    total = sum(s.total for s in consistent)
    flagged = [s for s in scores if not s.consistent]
    tables = sum(s.tables for s in scores)
    typed = sum(s.typed for s in scores)
    pages = sum(s.pages for s in scores)
    seconds = sum(s.seconds for s in scores)
    print()
    print(f"documents ok: {ok}/{len(scores)}")
    print(f"tables typed: {typed}/{tables} ({100 * typed / max(tables, 1):.1f}%)")
    print(f"checks passing on consistent documents: {passed}/{total} "
          f"({100 * passed / max(total, 1):.2f}%)")
    print(f"documents labelled inconsistent that fail a check: "
          f"{sum(s.passed < s.total for s in flagged)}/{len(flagged)}")
    for key in ("year", "kind", "body", "region"):
        print(f"metadata {key}: {sum(s.metadata[key] for s in scores)}/{len(scores)}")
    print(f"{pages} pages in {seconds:.1f} s ({pages / seconds:.1f} pages/s, one process)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
