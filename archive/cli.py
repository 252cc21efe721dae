"""`budget-corpus`: one entry point per stage (DESIGN.md § Command line is the contract)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console

DATA_ENV = "BUDGET_CORPUS_DATA"


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_ENV) or "budget-data")


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None,
                        help=f"data directory (default: ${DATA_ENV}, else ./budget-data)")


def _data_dir(args: argparse.Namespace) -> Path:
    return args.data_dir or default_data_dir()


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
    p.add_argument("--portals", type=Path, required=True, help="registry TOML file")
    p.add_argument("--portal", action="append", default=None, metavar="ID",
                   help="only this portal (repeat for several)")
    _data_dir_option(p)

    p = sub.add_parser("parse", help="parse every archived document not yet parsed")
    _data_dir_option(p)
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")

    p = sub.add_parser("build", help="build the Parquet corpus and corpus.duckdb")
    _data_dir_option(p)

    p = sub.add_parser("query", help="run SQL on the corpus (read-only)")
    _data_dir_option(p)
    p.add_argument("--format", choices=("table", "csv", "json"), default="table",
                   help="json: one object per line")
    p.add_argument("sql")

    p = sub.add_parser("release", help="freeze the current build into releases/VERSION")
    p.add_argument("version", help="e.g. 2024.1 or v1.0.0")
    _data_dir_option(p)
    p.add_argument("--portals", type=Path, default=None,
                   help="the registry the crawl used (copied into the release)")

    p = sub.add_parser("verify", help="recompute every hash of a release; exit 1 on a mismatch")
    p.add_argument("release_dir", type=Path)

    p = sub.add_parser("parse-file", help="parse one file, no data directory needed")
    p.add_argument("path", type=Path)
    p.add_argument("--json", action="store_true", help="print one JSON object (the default)")
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


def cmd_parse_file(args: argparse.Namespace, console: Console) -> int:
    from parsing.parse import parse_path

    if not args.path.exists():
        raise UsageError(f"no such file: {args.path}")
    if not args.path.is_file():
        raise UsageError(f"not a file: {args.path}")
    result = parse_path(args.path)
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def cmd_parse(args: argparse.Namespace, console: Console) -> int:
    from archive.progress import parse_with_progress

    summary = parse_with_progress(_data_dir(args), args.workers, console)
    return 0 if summary is not None else 1


def cmd_build(args: argparse.Namespace, console: Console) -> int:
    from archive.build import build_corpus

    summary = build_corpus(_data_dir(args))
    counts = ", ".join(f"{n} {t}" for t, n in summary.rows.items())
    console.print(f"built corpus {summary.build_id}: {counts}")
    return 0


def cmd_query(args: argparse.Namespace, console: Console) -> int:
    import duckdb

    from archive.query import CorpusNotBuilt, run_query, to_csv, to_json_lines, to_rich_table

    try:
        columns, rows = run_query(_data_dir(args), args.sql)
    except CorpusNotBuilt as exc:
        console.print(f"[red]error:[/] {exc}")
        return 1
    except duckdb.Error as exc:
        console.print(f"[red]query failed:[/] {exc}")
        return 1
    if args.format == "csv":
        sys.stdout.write(to_csv(columns, rows))
    elif args.format == "json":
        sys.stdout.write(to_json_lines(columns, rows))
    else:
        Console().print(to_rich_table(columns, rows))
    return 0


def cmd_crawl(args: argparse.Namespace, console: Console) -> int:
    from crawler.registry import RegistryError, load_registry
    from crawler.run import run_crawl

    if not args.portals.is_file():
        raise UsageError(f"no such registry file: {args.portals}")
    try:
        portals = load_registry(args.portals)
    except RegistryError as exc:
        raise UsageError(str(exc)) from exc
    unknown = set(args.portal or ()) - {p.id for p in portals}
    if unknown:
        raise UsageError(f"no portal with id {', '.join(sorted(unknown))} in {args.portals}")
    summary = run_crawl(args.portals, _data_dir(args), portal_ids=args.portal)
    console.print(f"crawl finished: {summary}")
    return 0


def cmd_demo_portal(args: argparse.Namespace, console: Console) -> int:
    from archive.demo.portal import run_demo_portal

    run_demo_portal(args.host, args.port, args.write_portals)
    return 0


def cmd_demo(args: argparse.Namespace, console: Console) -> int:
    from archive.demo.run import run_demo

    run_demo(_data_dir(args), console, workers=args.workers)
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
    "build": cmd_build, "query": cmd_query, "parse-file": cmd_parse_file,
    "release": cmd_release, "verify": cmd_verify,
}

if __name__ == "__main__":
    sys.exit(main())
