"""Benchmark: does the parser recover the seed tables exactly, whatever way they are drawn?

Renders every seed document (archive/demo/seeds, the ground truth) in every render style
(archive.demo.render.STYLES: full grid, horizontal rules only, no rules, merged bold headers
over short pages, /Rotate 90 pages, sideways tables), parses each PDF with
`parsing.parse.parse_bytes` (what `budget-corpus parse-file` prints) and compares the tables cell
by cell with the seed:

- numeric cells exact: every amount printed in a seed table body is at the same body row and
  column of the parsed table, with the same text;
- line items: ... and comes out as a line item of that row and column with the exact amount
  (money tables only: a 绩效目标表's 指标值 and 权重 are figures, not amounts);
- tables typed: every seed table with a standard title is found with that table type.

    python benchmarks/parser_accuracy.py [--style grid --style unruled …] [--seed 000 …] [-v]

Target: 100% on every line. Prints one line per style and a total; -v lists every miss.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.demo.fixtures import SeedDoc, SeedTable, is_amount, load_seed, seed_ids  # noqa: E402
from archive.demo.render import STYLES, render_pdf  # noqa: E402
from parsing.amounts import parse_amount, to_wanyuan  # noqa: E402
from parsing.parse import parse_bytes  # noqa: E402
from parsing.tables import clean_title, table_type  # noqa: E402
from parsing.text import compact  # noqa: E402


@dataclass
class Score:
    """Counts for one (style, document) or a sum of them; `misses` says what went wrong."""

    cells: int = 0
    cells_exact: int = 0
    money_cells: int = 0
    items_exact: int = 0
    tables: int = 0
    tables_typed: int = 0
    pages: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    def add(self, other: "Score") -> None:
        for name in ("cells", "cells_exact", "money_cells", "items_exact", "tables",
                     "tables_typed", "pages", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:6.2f}%" if whole else "    n/a"


def match_tables(seed: SeedDoc, parsed: list[dict]) -> list[tuple[SeedTable, dict | None]]:
    """Each seed table with the parsed table of the same title, in document order."""
    pairs = []
    start = 0
    for table in seed.tables:
        want = compact(clean_title(table.title))
        found = None
        for i in range(start, len(parsed)):
            title = compact(parsed[i]["title_raw"])
            if want and title.startswith(want):
                found, start = parsed[i], i + 1
                break
        pairs.append((table, found))
    return pairs


def score_document(seed: SeedDoc, style: str) -> Score:
    data = render_pdf(seed, style)
    started = time.perf_counter()
    result = parse_bytes(data)
    score = Score(pages=result["document"]["n_pages"] or 0,
                  seconds=time.perf_counter() - started)
    where = f"{style} {seed.seed_id}"
    if result["document"]["parse_status"] != "ok":
        score.misses.append(f"{where}: status {result['document']['parse_status']} "
                            f"({result['document']['status_reason']})")
    items = {(i["table_no"], i["row_no"], i["col"]): i for i in result["line_items"]}
    for table, parsed in match_tables(seed, result["tables"]):
        numeric = [(r, c, text) for r, row in enumerate(table.rows) for c, text in enumerate(row)
                   if is_amount(text)]
        expected_type = table_type(table.title)
        if expected_type != "other":
            score.tables += 1
            if parsed is not None and parsed["table_type"] == expected_type:
                score.tables_typed += 1
            else:
                got = parsed["table_type"] if parsed else "not found"
                score.misses.append(f"{where} 「{table.title}」: type {got}, "
                                    f"expected {expected_type}")
        money = expected_type not in ("project_performance", "overall_performance")
        score.cells += len(numeric)
        score.money_cells += len(numeric) if money else 0
        if parsed is None:
            if numeric:
                score.misses.append(f"{where} 「{table.title}」: table not found "
                                    f"({len(numeric)} numeric cells)")
            continue
        rows = parsed["rows"]
        for r, c, text in numeric:
            printed = rows[r][c] if r < len(rows) and c < len(rows[r]) else None
            if printed is not None and compact(printed) == compact(text):
                score.cells_exact += 1
            else:
                score.misses.append(f"{where} 「{table.title}」 row {r + 1} col {c}: "
                                    f"{text!r} read as {printed!r}")
            if not money:
                continue
            item = items.get((parsed["table_no"], r + 1, c))
            amount = to_wanyuan(parse_amount(text) or Decimal(0), parsed["amount_unit"])
            if item is not None and Decimal(item["amount"]) == amount:
                score.items_exact += 1
            else:
                got = item["amount"] if item else "no line item"
                score.misses.append(f"{where} 「{table.title}」 row {r + 1} col {c}: "
                                    f"{text!r} as line item: {got}")
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--style", action="append", choices=sorted(STYLES),
                        help="render style (repeatable; default: all)")
    parser.add_argument("--seed", action="append", help="seed id (repeatable; default: all)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    styles = args.style or list(STYLES)
    seeds = [load_seed(s) for s in (args.seed or seed_ids())]
    total = Score()
    print(f"{'style':<11} {'numeric cells exact':>24} {'line items exact':>18} "
          f"{'tables typed':>18} {'pages/s':>8}")
    for style in styles:
        score = Score()
        for seed in seeds:
            score.add(score_document(seed, style))
        total.add(score)
        print(f"{style:<11} {score.cells_exact:>6}/{score.cells:<6} {_pct(score.cells_exact, score.cells)}"
              f" {_pct(score.items_exact, score.money_cells):>18}"
              f" {score.tables_typed:>4}/{score.tables:<4} {_pct(score.tables_typed, score.tables)}"
              f" {score.pages / score.seconds if score.seconds else 0:8.1f}")
        if args.verbose:
            for miss in score.misses:
                print("    " + miss)
    print(f"{'total':<11} {total.cells_exact:>6}/{total.cells:<6} {_pct(total.cells_exact, total.cells)}"
          f" {_pct(total.items_exact, total.money_cells):>18}"
          f" {total.tables_typed:>4}/{total.tables:<4} {_pct(total.tables_typed, total.tables)}")
    return 0 if not total.misses else 1


if __name__ == "__main__":
    raise SystemExit(main())
