"""`budget-corpus status`: what a data directory holds, without building anything.

Read from the stages' own records — the fetch catalog, the parse cache (through DuckDB, as the
build reads it) and the run log — so it answers even while a crawl or a parse is running, and
before the first build.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from archive.build import load_results, merge_documents
from archive.catalog import read_catalog
from archive.parse_cache import ParseCache
from archive.runs import read_runs
from archive.storage import Location, location
from parsing.schema import PARSER_VERSION

LISTED = 50  # failed documents and challenged fetches shown at most


@dataclass
class Status:
    data_dir: str
    parser_version: str
    fetches: dict[str, int] = field(default_factory=dict)  # fetch_status -> rows
    documents: int = 0  # distinct documents archived
    parse_statuses: dict[str, int] = field(default_factory=dict)  # + "not parsed"
    by_portal: list[dict[str, Any]] = field(default_factory=list)
    by_province_year: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)  # parse failures, with reasons
    failed_total: int = 0
    challenged: list[dict[str, Any]] = field(default_factory=list)  # fetches a portal refused
    challenged_total: int = 0
    corpus_build: str | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def collect_status(data_dir: Location | Path | str, parser_version: str = PARSER_VERSION,
                   runs: int = 5) -> Status:
    loc = location(data_dir)
    data_dir = Location(loc.local.resolve()) if loc.local is not None else loc
    status = Status(str(data_dir), parser_version)
    catalog = list(read_catalog(data_dir))
    status.fetches = dict(Counter(r.get("fetch_status") or "unknown" for r in catalog))
    challenged = [r for r in catalog if r.get("fetch_status") == "challenged"]
    status.challenged_total = len(challenged)
    status.challenged = [{k: r.get(k) for k in ("url", "portal_id", "status_reason", "run_id")}
                         for r in challenged[:LISTED]]
    with data_dir.register(duckdb.connect()) as con:
        con.register("fetches_raw", _fetch_table(catalog))
        con.execute("CREATE TEMP TABLE archived AS SELECT sha256, any_value(portal_id) AS "
                    "portal_id FROM fetches_raw WHERE fetch_status = 'ok' AND sha256 IS NOT "
                    "NULL GROUP BY sha256")
        status.documents = con.execute("SELECT count(*) FROM archived").fetchone()[0]
        cache = ParseCache(data_dir, parser_version)
        if cache.has_entries():
            load_results(con, cache)
            merge_documents(con, data_dir)
        else:
            con.execute("CREATE TEMP TABLE documents_merged AS SELECT NULL::VARCHAR AS doc_id, "
                        "NULL::VARCHAR AS parse_status, NULL::VARCHAR AS status_reason, "
                        "NULL::VARCHAR AS province_code, NULL::VARCHAR AS province, "
                        "NULL::INTEGER AS fiscal_year, NULL::VARCHAR AS title, "
                        "NULL::VARCHAR AS source_url WHERE false")
        con.execute("CREATE TEMP TABLE docs AS SELECT a.sha256, a.portal_id, "
                    "coalesce(d.parse_status, 'not parsed') AS parse_status, d.status_reason, "
                    "d.province_code, d.province, d.fiscal_year, d.title, d.source_url "
                    "FROM archived a LEFT JOIN documents_merged d ON d.doc_id = a.sha256")
        status.parse_statuses = dict(con.execute(
            "SELECT parse_status, count(*) FROM docs GROUP BY ALL ORDER BY ALL").fetchall())
        status.by_portal = _records(con, """
            SELECT portal_id, count(*) AS documents,
                   count(*) FILTER (WHERE parse_status = 'ok') AS ok,
                   count(*) FILTER (WHERE parse_status NOT IN ('ok', 'not parsed')) AS not_ok,
                   count(*) FILTER (WHERE parse_status = 'not parsed') AS not_parsed
            FROM docs GROUP BY ALL ORDER BY portal_id NULLS LAST""")
        status.by_province_year = _records(con, """
            SELECT province_code, any_value(province) AS province, fiscal_year,
                   count(*) AS documents, count(*) FILTER (WHERE parse_status = 'ok') AS ok
            FROM docs WHERE parse_status <> 'not parsed' GROUP BY province_code, fiscal_year
            ORDER BY province_code, fiscal_year""")
        status.failed_total = con.execute(
            "SELECT count(*) FROM docs WHERE parse_status = 'failed'").fetchone()[0]
        status.failed = _records(con, f"""
            SELECT sha256 AS doc_id, portal_id, coalesce(title, source_url) AS title,
                   status_reason FROM docs WHERE parse_status = 'failed'
            ORDER BY sha256 LIMIT {LISTED}""")
    status.corpus_build = data_dir.current_build()
    status.runs = read_runs(data_dir, limit=runs)
    return status


def _fetch_table(catalog: list[dict[str, Any]]) -> pa.Table:
    names = ("sha256", "portal_id", "fetch_status")
    return pa.table({n: pa.array([r.get(n) for r in catalog], pa.string()) for n in names})


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def render(status: Status, console: Any) -> None:
    """The status as rich tables, for people."""
    from rich.table import Table

    console.print(f"[bold]{status.data_dir}[/]  parser {status.parser_version}  "
                  f"corpus build {status.corpus_build or '(none yet: run `budget-corpus build`)'}")
    fetches = ", ".join(f"{n} {s}" for s, n in sorted(status.fetches.items())) or "none"
    parses = ", ".join(f"{n} {s}" for s, n in status.parse_statuses.items()) or "none"
    console.print(f"fetches: {fetches}")
    console.print(f"documents archived: {status.documents} ({parses})")
    for title, rows in (("by portal", status.by_portal),
                        ("by province and fiscal year", status.by_province_year)):
        if rows:
            console.print(_table(Table, title, rows))
    if status.failed:
        console.print(_table(Table, f"failed documents ({status.failed_total})", status.failed))
    if status.challenged:
        console.print(_table(Table, f"challenged fetches ({status.challenged_total})",
                             status.challenged))
    if status.runs:
        shown = [{k: r.get(k) for k in ("run_id", "command", "status", "started_at", "seconds",
                                         "documents_fetched", "new_documents", "parsed",
                                         "build_id", "error")} for r in status.runs]
        console.print(_table(Table, "last runs", shown))


def _table(table_type: Any, title: str, rows: list[dict[str, Any]]) -> Any:
    table = table_type(title=title, title_justify="left")
    for name in rows[0]:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    return table
