"""`budget-corpus`: one entry point per stage (DESIGN.md § Command line is the contract)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console

DATA_ENV = "BUDGET_CORPUS_DATA"


def default_data_dir() -> Path | str:
    """A Path, or an fsspec URL such as `s3://bucket/prefix` as given (archive.storage)."""
    from archive.storage import data_dir_arg

    return data_dir_arg(os.environ.get(DATA_ENV) or "budget-data")


def _data_dir_value(text: str) -> Path | str:
    from archive.storage import data_dir_arg

    return data_dir_arg(text)


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=_data_dir_value, default=None,
                        help=f"data directory or fsspec URL, e.g. s3://bucket/prefix (default: "
                             f"${DATA_ENV}, else ./budget-data)")


def _parse_options(parser: argparse.ArgumentParser) -> None:
    from archive.parse import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_S

    parser.add_argument("--workers", type=int, default=None,
                        help="parse processes (default: all cores)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                        help=f"time limit per document (default: {DEFAULT_TIMEOUT_S:g})")
    parser.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_BYTES // 2**20,
                        help="address-space limit per document, MiB (default: "
                             f"{DEFAULT_MEMORY_BYTES // 2**20})")
    parser.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="parse on this Dask cluster instead of local processes (default: "
                             "$BUDGET_CORPUS_SCHEDULER); workers must see the data directory")


def _use_scheduler(args: argparse.Namespace) -> None:
    """Hand `--scheduler` to the parse stage through its setting, wherever it is called from."""
    from archive.executors import SCHEDULER_ENV

    if args.scheduler:
        os.environ[SCHEDULER_ENV] = args.scheduler


def _limits(args: argparse.Namespace):
    from archive.parse import Limits

    return Limits(timeout_s=args.timeout, memory_bytes=args.memory_mb * 2**20)


def _data_dir(args: argparse.Namespace) -> Path | str:
    return args.data_dir or default_data_dir()


def _local_data_dir(args: argparse.Namespace) -> Path:
    """For the commands that read WARC files in place (replay, wacz, demo)."""
    data_dir = _data_dir(args)
    if not isinstance(data_dir, Path):
        raise UsageError(f"`{args.command}` needs a local data directory, not {data_dir}")
    return data_dir


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="budget-corpus",
        description="Crawl, archive, parse and query Chinese government budget disclosures.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="demo portal → crawl → parse → build → sample queries")
    _data_dir_option(p)
    p.add_argument("--workers", type=int, default=None, help="parse processes (default: cores)")

    p = sub.add_parser("demo-portal", help="serve the demo portal alone (until Ctrl-C)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--write-portals", type=Path, default=None,
                   help="write the demo portal's registry (TOML) here")

    p = sub.add_parser("crawl", help="crawl the portals of a registry into the archive")
    _crawl_options(p)
    _data_dir_option(p)

    p = sub.add_parser("parse", help="parse every archived document not yet parsed")
    _data_dir_option(p)
    _parse_options(p)
    p.add_argument("--retry-failed", action="store_true",
                   help="parse again the documents whose cached result is `failed`")

    p = sub.add_parser("status", help="what the data directory holds: documents by status, "
                                      "portal, province and year; failures; the last runs")
    _data_dir_option(p)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--runs", type=int, default=5, help="how many recent runs to show")

    p = sub.add_parser("build", help="build the Parquet corpus and corpus.duckdb")
    _data_dir_option(p)

    p = sub.add_parser("run", help="crawl + parse + build, for cron and systemd timers")
    _crawl_options(p)
    _data_dir_option(p)
    _parse_options(p)
    p.add_argument("--always-build", action="store_true",
                   help="rebuild the corpus even when nothing new was parsed")

    p = sub.add_parser("query", help="run SQL on the corpus (read-only)")
    _data_dir_option(p)
    p.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table",
                   help="json: one object per line; parquet: to the file given by --output")
    p.add_argument("--output", type=Path, default=None,
                   help="write here instead of stdout (required for parquet)")
    p.add_argument("sql")

    p = sub.add_parser("sql", help="interactive SQL on the corpus: the duckdb shell if it is "
                                   "on PATH, else a small built-in one")
    _data_dir_option(p)

    p = sub.add_parser("release", help="freeze the current build into releases/VERSION")
    p.add_argument("version", help="e.g. 2024.1 or v1.0.0")
    _data_dir_option(p)
    p.add_argument("--portals", type=Path, default=None,
                   help="the registry the crawl used (copied into the release)")

    p = sub.add_parser("verify", help="recompute every hash of a release; exit 1 on a mismatch")
    p.add_argument("release_dir", type=_data_dir_value, help="a folder or an fsspec URL")

    p = sub.add_parser("portals", help="portal registries: `portals check FILE` validates one")
    portals = p.add_subparsers(dest="portals_command", required=True, metavar="ACTION")
    check = portals.add_parser("check", help="check keys, families, region codes, duplicate ids")
    check.add_argument("file", type=Path)

    p = sub.add_parser("replay", help="write an archived document's bytes, read from the WARC")
    p.add_argument("target", metavar="URL_OR_SHA256")
    _data_dir_option(p)
    p.add_argument("-o", "--output", type=Path, default=None, help="file (default: stdout)")

    p = sub.add_parser("wacz", help="export the crawl's WARC files as one WACZ (for pywb etc.)")
    p.add_argument("output", type=Path)
    _data_dir_option(p)

    p = sub.add_parser("parse-file", help="parse one file, no data directory needed")
    p.add_argument("path", type=Path)
    p.add_argument("--json", action="store_true", help="print one JSON object (the default)")
    _parse_file_limits(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    handler = COMMANDS[args.command]
    try:
        return handler(args, console) or 0
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        return 130
    except UsageError as exc:
        console.print(f"[red]error:[/] {exc}")
        return 2


class UsageError(Exception):
    """A mistake in how the command was called (exit status 2)."""


def _parse_file_limits(parser: argparse.ArgumentParser) -> None:
    from archive.parse import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_S

    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                        help=f"time limit (default: {DEFAULT_TIMEOUT_S:g})")
    parser.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_BYTES // 2**20,
                        help=f"address-space limit, MiB (default: {DEFAULT_MEMORY_BYTES // 2**20})")


def cmd_parse_file(args: argparse.Namespace, console: Console) -> int:
    """Parse in a child under the parse stage's limits: a hostile file (a bomb, a file that
    hangs pdfium or crashes it) still ends in one JSON object with a `failed` status."""
    from archive.parse import parse_limited

    if not args.path.exists():
        raise UsageError(f"no such file: {args.path}")
    if not args.path.is_file():
        raise UsageError(f"not a file: {args.path}")
    result = parse_limited(args.path.read_bytes(), args.path.name, _limits(args))
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def cmd_parse(args: argparse.Namespace, console: Console) -> int:
    from archive.progress import parse_with_progress
    from archive.runs import logged_run, parse_fields

    data_dir = _data_dir(args)
    _use_scheduler(args)
    with logged_run(data_dir, "parse") as run:
        summary = parse_with_progress(data_dir, args.workers, console, limits=_limits(args),
                                      retry_failed=args.retry_failed)
        run.update(**parse_fields(summary))
    return 0


def cmd_status(args: argparse.Namespace, console: Console) -> int:
    from archive.status import collect_status, render

    status = collect_status(_data_dir(args), runs=args.runs)
    if args.format == "json":
        json.dump(status.as_dict(), sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        render(status, Console())
    return 0


def cmd_build(args: argparse.Namespace, console: Console) -> int:
    from archive.build import build_corpus
    from archive.runs import logged_run

    data_dir = _data_dir(args)
    with logged_run(data_dir, "build") as run:
        summary = build_corpus(data_dir)
        run.update(build_id=summary.build_id, built_rows=summary.rows)
    counts = ", ".join(f"{n} {t}" for t, n in summary.rows.items())
    console.print(f"built corpus {summary.build_id} in {summary.seconds:.1f} s: {counts}")
    return 0


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    from archive.runs import RunInProgress, run_pipeline

    _check_registry(args)
    _check_frontier(args.frontier)
    _use_scheduler(args)
    try:
        record = run_pipeline(args.portals, _data_dir(args), portal_ids=args.portal,
                              workers=args.workers, limits=_limits(args), console=console,
                              always_build=args.always_build)
    except RunInProgress as exc:
        console.print(f"[yellow]{exc}[/]")
        return 75  # EX_TEMPFAIL: cron may try again next time
    console.print(f"run {record['run_id']} {record['status']} in {record['seconds']:.1f} s")
    return 0


def cmd_query(args: argparse.Namespace, console: Console) -> int:
    import duckdb

    from archive.query import (CorpusNotBuilt, query_to_parquet, run_query, to_csv,
                               to_json_lines, to_rich_table)

    if args.format == "parquet" and args.output is None:
        raise UsageError("--format parquet writes a file: give it with --output FILE")
    try:
        if args.format == "parquet":
            rows_written = query_to_parquet(_data_dir(args), args.sql, args.output)
            console.print(f"wrote {rows_written} row(s) to {args.output}")
            return 0
        columns, rows = run_query(_data_dir(args), args.sql)
    except CorpusNotBuilt as exc:
        console.print(f"[red]error:[/] {exc}")
        return 1
    except duckdb.Error as exc:
        console.print(f"[red]query failed:[/] {exc}")
        return 1
    if args.format == "table" and args.output is None:
        Console().print(to_rich_table(columns, rows))
        return 0
    if args.format == "table":
        with args.output.open("w", encoding="utf-8") as fh:
            Console(file=fh, width=200).print(to_rich_table(columns, rows))
        return 0
    text = to_csv(columns, rows) if args.format == "csv" else to_json_lines(columns, rows)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_sql(args: argparse.Namespace, console: Console) -> int:
    from archive.query import CorpusNotBuilt, interactive_shell

    try:
        return interactive_shell(_data_dir(args), console)
    except CorpusNotBuilt as exc:
        console.print(f"[red]error:[/] {exc}")
        return 1


def _check_registry(args: argparse.Namespace) -> None:
    """A missing or malformed registry, or an unknown --portal, is a usage error."""
    from crawler.registry import RegistryError, load_registry

    if not args.portals.is_file():
        raise UsageError(f"no such registry file: {args.portals}")
    try:
        portals = load_registry(args.portals)
    except RegistryError as exc:
        raise UsageError(str(exc)) from exc
    unknown = set(args.portal or ()) - {p.id for p in portals}
    if unknown:
        raise UsageError(f"no portal with id {', '.join(sorted(unknown))} in {args.portals}")


def _crawl_options(p: argparse.ArgumentParser) -> None:
    """What to crawl and with which frontier: the same for `crawl` and `run`."""
    p.add_argument("--portals", type=Path, required=True, help="registry TOML file")
    p.add_argument("--portal", action="append", default=None, metavar="ID",
                   help="only this portal (repeat for several)")
    p.add_argument("--frontier", default=None, metavar="redis://HOST:PORT",
                   help="share the request queue and duplicate filter with every crawl started "
                        "with the same Redis frontier, start them together (default: "
                        "$BUDGET_CORPUS_FRONTIER)")


def _check_frontier(url: str | None) -> None:
    """A frontier URL where no Redis answers is a usage error, found before any crawl starts;
    a good one becomes the crawl's setting, wherever the crawl is started from (`run` too)."""
    if url is None:
        return
    from crawler.frontier import FRONTIER_ENV, FrontierUnavailable, frontier_settings

    try:
        frontier_settings(url)
    except FrontierUnavailable as exc:
        raise UsageError(str(exc)) from exc
    os.environ[FRONTIER_ENV] = url


def cmd_crawl(args: argparse.Namespace, console: Console) -> int:
    from archive.runs import crawl_fields, crawl_to, logged_run

    _check_registry(args)
    _check_frontier(args.frontier)
    data_dir = _data_dir(args)
    with logged_run(data_dir, "crawl") as run:
        summary = crawl_to(args.portals, data_dir, portal_ids=args.portal, frontier=args.frontier)
        run.update(**crawl_fields(summary))
    from crawler.report import format_report, troubled_portals

    console.print(f"crawl finished: {summary}")
    console.print(format_report(list(summary.reports), troubled_portals(_staged(data_dir))),
                  markup=False, highlight=False, soft_wrap=True)
    return 0


def _staged(data_dir: Path | str) -> Path:
    """Where the crawl wrote locally: the data directory, or a remote one's staging folder."""
    from archive.storage import location

    loc = location(data_dir)
    return loc.local if loc.local is not None else loc.cache_dir() / "staging"


def cmd_portals(args: argparse.Namespace, console: Console) -> int:
    from crawler.registry import check_registry

    if not args.file.is_file():
        raise UsageError(f"no such registry file: {args.file}")
    problems = check_registry(args.file)
    for problem in problems:
        console.print(f"[red]✗[/] {problem}", markup=True, highlight=False)
    console.print(f"{args.file}: " + (f"{len(problems)} problem(s)" if problems else "ok"))
    return 1 if problems else 0


def cmd_replay(args: argparse.Namespace, console: Console) -> int:
    from archive.replay import NotArchived, replay

    try:
        data = replay(_local_data_dir(args), args.target)
    except NotArchived as exc:
        console.print(f"[red]not archived:[/] {exc}")
        return 1
    if args.output:
        args.output.write_bytes(data)
        console.print(f"wrote {len(data)} bytes to {args.output}")
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_wacz(args: argparse.Namespace, console: Console) -> int:
    from archive.replay import export_wacz

    path = export_wacz(_local_data_dir(args), args.output)
    console.print(f"wrote {path}")
    return 0


def cmd_demo_portal(args: argparse.Namespace, console: Console) -> int:
    from archive.demo.portal import run_demo_portal

    run_demo_portal(args.host, args.port, args.write_portals)
    return 0


def cmd_demo(args: argparse.Namespace, console: Console) -> int:
    from archive.demo.run import run_demo

    run_demo(_local_data_dir(args), console, workers=args.workers)
    return 0


def cmd_release(args: argparse.Namespace, console: Console) -> int:
    from archive.query import CorpusNotBuilt
    from archive.release import InvalidVersion, ReleaseError, release_corpus

    try:
        path = release_corpus(_data_dir(args), args.version, registry=args.portals)
    except InvalidVersion as exc:
        raise UsageError(str(exc)) from exc
    except (ReleaseError, CorpusNotBuilt) as exc:
        console.print(f"[red]error:[/] {exc}")
        return 1
    console.print(f"released {path}")
    return 0


def cmd_verify(args: argparse.Namespace, console: Console) -> int:
    from archive.verify import verify_release

    report = verify_release(args.release_dir)
    for problem in report.problems:
        console.print(f"[red]✗[/] {problem}")
    console.print(f"{'ok' if report.ok else 'FAILED'}: {report.files_checked} files checked")
    return 0 if report.ok else 1


COMMANDS = {
    "demo": cmd_demo, "demo-portal": cmd_demo_portal, "crawl": cmd_crawl, "parse": cmd_parse,
    "status": cmd_status, "build": cmd_build, "run": cmd_run, "query": cmd_query,
    "sql": cmd_sql, "parse-file": cmd_parse_file, "release": cmd_release,
    "verify": cmd_verify, "portals": cmd_portals, "replay": cmd_replay, "wacz": cmd_wacz,
}

if __name__ == "__main__":
    sys.exit(main())
