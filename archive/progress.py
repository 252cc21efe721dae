"""Progress bars and end-of-stage summaries for the command line (rich, on stderr)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from archive.parse import ParseSummary, parse_archive


def parse_with_progress(data_dir: Path, workers: int | None, console: Console) -> ParseSummary:
    with Progress(TextColumn("parsing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as bar:
        task = bar.add_task("parse", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = parse_archive(data_dir, workers=workers, progress=update)
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items())) or "nothing new"
    console.print(f"parsed {summary.parsed} document(s) ({statuses}); "
                  f"{summary.cached} already in the parse cache")
    for sha, reason in summary.failures.items():
        console.print(f"  [red]failed[/] {sha[:12]}: {reason}")
    return summary
