"""`budget-corpus demo`: the whole pipeline on the embedded demo portal, then research queries."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

from archive.build import build_corpus
from archive.progress import parse_with_progress
from archive.query import run_query, to_rich_table

# The questions the demo answers: each is a query anyone can re-run with `budget-corpus query`.
SAMPLE_QUERIES = {
    "Documents per province and fiscal year": """
        SELECT province_code, province, fiscal_year, doc_kind, count(*) AS documents,
               count(*) FILTER (WHERE parse_status = 'ok') AS parsed_ok
        FROM documents GROUP BY ALL ORDER BY province_code, fiscal_year, doc_kind""",
    "三公经费 per body (万元)": """
        SELECT province, fiscal_year, department, total, overseas_travel, vehicle_total,
               reception
        FROM three_public WHERE doc_kind = 'budget'
        ORDER BY total DESC NULLS LAST, department LIMIT 15""",
    "Largest expenditure items by functional code (项, 万元)": """
        SELECT code, any_value(name) AS name, count(DISTINCT doc_id) AS documents,
               sum(total) AS total
        FROM expenditure_by_function WHERE code_level = 3 AND doc_kind = 'budget'
        GROUP BY code ORDER BY total DESC LIMIT 10""",
}


def run_demo(data_dir: Path, console: Console, workers: int | None = None) -> None:
    from archive.demo.corpus import demo_documents
    from archive.demo.portal import DemoPortal
    from crawler.run import run_crawl

    started = time.monotonic()
    data_dir.mkdir(parents=True, exist_ok=True)
    with console.status("rendering the demo portal's documents from the seed fixtures"):
        documents = demo_documents()
    with DemoPortal(documents) as portal:
        registry = data_dir / "portals-demo.toml"
        portal.write_registry(registry)
        console.print(f"demo portal serving {len(documents)} publications at {portal.base_url}")
        console.print("crawling with Scrapy …")
        summary = run_crawl(registry, data_dir, progress=lambda line: console.print(
            f"  {line}", soft_wrap=True, markup=False, highlight=False))
        console.print(f"crawl finished: {summary}")
    parse_with_progress(data_dir, workers, console)
    with console.status("building the Parquet corpus"):
        built = build_corpus(data_dir)
    console.print(f"built corpus {built.build_id}: "
                  + ", ".join(f"{n} {t}" for t, n in built.rows.items()))
    out = Console()
    for title, sql in SAMPLE_QUERIES.items():
        columns, rows = run_query(data_dir, sql)
        out.print(to_rich_table(columns, rows, title=title))
    console.print(f"done in {time.monotonic() - started:.1f} s. Query it yourself:\n"
                  f"  budget-corpus query --data-dir {data_dir} "
                  "\"select count(*) from line_items\"")
