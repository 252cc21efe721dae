"""Progress bars and end-of-stage summaries for the command line (rich, on stderr)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

from archive.parse import Limits, ParseSummary, parse_archive

FAILURES_SHOWN = 20


def parse_with_progress(data_dir: Path, workers: int | None, console: Console,
                        limits: Limits = Limits(), retry_failed: bool = False) -> ParseSummary:
    with Progress(TextColumn("parsing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("eta"), TimeRemainingColumn(), console=console,
                  transient=False) as bar:
        task = bar.add_task("parse", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = parse_archive(data_dir, workers=workers, limits=limits, progress=update,
                                retry_failed=retry_failed)
    console.print(summary_line(summary))
    for sha, reason in list(summary.failures.items())[:FAILURES_SHOWN]:
        console.print(f"  [red]failed[/] {sha[:12]}: {reason}")
    if len(summary.failures) > FAILURES_SHOWN:
        console.print(f"  … and {len(summary.failures) - FAILURES_SHOWN} more "
                      "(`budget-corpus status` lists them all)")
    return summary


def summary_line(summary: ParseSummary) -> str:
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items())) or "nothing new"
    line = (f"parsed {summary.parsed} document(s) ({statuses}); "
            f"{summary.cached} already in the parse cache")
    if summary.missing:
        line += f"; {summary.missing} catalogued but missing from the raw store"
    return line
