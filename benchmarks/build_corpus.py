"""Benchmark: the corpus build and research queries at national scale.

Generates N line items (100 million ≈ one national year) spread over all 31 provinces and 5
fiscal years as parse-cache entries in the cache's own format (written by `ParseCache`, with a
fetch catalog row per document), so everything from the parse cache onward is the real build
path: `archive.build.build_corpus`. Then times typical research queries warm (median of 5) on
the partitioned corpus and on one unpartitioned Parquet file per table holding the same rows,
and counts the files a one-province-one-year query reads (EXPLAIN ANALYZE).

    python benchmarks/build_corpus.py --line-items 10_000_000 --data-dir /work/bench-data/10m

Documents are varied templates of a real 部门预算's tables (收支总表 … “三公”经费) with ~540 line
items on average; every document gets its own doc_id, region, department and amounts.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.build import SCHEMAS, build_corpus  # noqa: E402
from archive.catalog import CatalogWriter  # noqa: E402
from archive.query import connect  # noqa: E402
from archive.parse_cache import RESULT_KEY, ParseCache, cells_table, result_table  # noqa: E402
from archive.store import sha256_hex  # noqa: E402
from parsing.regions import PROVINCES  # noqa: E402
from parsing.schema import (DOCUMENT_FIELDS, LINE_ITEM_FIELDS, PARSER_VERSION,  # noqa: E402
                            TABLE_FIELDS)

YEARS = (2020, 2021, 2022, 2023, 2024)
TEMPLATES = 24
PLACEHOLDER = "0" * 64  # the doc_id of a template, replaced per document
FUNCTIONS = [  # 类 and some of their 款/项 (2024 政府收支分类科目)
    ("201", "一般公共服务支出"), ("20101", "人大事务"), ("2010101", "行政运行"),
    ("2010102", "一般行政管理事务"), ("20103", "政府办公厅（室）及相关机构事务"),
    ("2010301", "行政运行"), ("2010350", "事业运行"), ("205", "教育支出"), ("20502", "普通教育"),
    ("2050201", "学前教育"), ("2050202", "小学教育"), ("2050203", "初中教育"),
    ("2050204", "高中教育"), ("206", "科学技术支出"), ("20602", "基础研究"),
    ("2060201", "机构运行"), ("207", "文化旅游体育与传媒支出"), ("208", "社会保障和就业支出"),
    ("20805", "行政事业单位养老支出"), ("2080501", "行政单位离退休"),
    ("2080505", "机关事业单位基本养老保险缴费支出"), ("2080506", "机关事业单位职业年金缴费支出"),
    ("210", "卫生健康支出"), ("21011", "行政事业单位医疗"), ("2101101", "行政单位医疗"),
    ("2101102", "事业单位医疗"), ("211", "节能环保支出"), ("212", "城乡社区支出"),
    ("213", "农林水支出"), ("21301", "农业农村"), ("2130101", "行政运行"), ("221", "住房保障支出"),
    ("22102", "住房改革支出"), ("2210201", "住房公积金"), ("2210203", "购房补贴"),
]
ECONOMIC = [
    ("301", "工资福利支出"), ("30101", "基本工资"), ("30102", "津贴补贴"), ("30103", "奖金"),
    ("30108", "机关事业单位基本养老保险缴费"), ("30110", "职工基本医疗保险缴费"),
    ("30113", "住房公积金"), ("302", "商品和服务支出"), ("30201", "办公费"), ("30205", "水费"),
    ("30206", "电费"), ("30211", "差旅费"), ("30215", "会议费"), ("30216", "培训费"),
    ("30217", "公务接待费"), ("30228", "工会经费"), ("30231", "公务用车运行维护费"),
    ("303", "对个人和家庭的补助"), ("30302", "退休费"), ("30309", "奖励金"),
]
INCOME = [("", "财政拨款收入"), ("", "事业收入"), ("", "事业单位经营收入"), ("", "其他收入"),
          ("", "上年结转")]
BODIES = ["教育局", "财政局", "卫生健康委员会", "自然资源局", "交通运输局", "农业农村局", "民政局",
          "人力资源和社会保障局", "住房和城乡建设局", "市场监督管理局", "应急管理局", "统计局",
          "司法局", "生态环境局", "文化广播电视和旅游局", "第一中学", "人民医院", "疾病预防控制中心"]
# table_type, title, rows drawn from, measures (key, header as printed), rows at scale 1
TABLES = [
    ("income_expenditure_summary", "部门收支总表", INCOME, [("total", "预算数")], 12),
    ("income_summary", "部门收入总表", FUNCTIONS,
     [("total", "合计"), ("carryover", "上年结转"), ("general_budget", "一般公共预算拨款收入"),
      ("gov_fund", "政府性基金预算拨款收入"), ("business", "事业收入"),
      ("other_income", "其他收入")], 18),
    ("expenditure_summary", "部门支出总表", FUNCTIONS,
     [("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")], 22),
    ("fiscal_summary", "财政拨款收支总表", FUNCTIONS,
     [("total", "合计"), ("general_budget", "一般公共预算"), ("gov_fund", "政府性基金预算")], 16),
    ("fiscal_by_economic", "财政拨款支出预算表（部门经济分类科目）", ECONOMIC,
     [("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")], 18),
    ("general_budget", "一般公共预算支出表", FUNCTIONS,
     [("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")], 20),
    ("general_budget_basic", "一般公共预算基本支出表", ECONOMIC,
     [("total", "合计"), ("personnel", "人员经费"), ("public_use", "公用经费")], 20),
    ("three_public", "一般公共预算“三公”经费支出表", [("", "")],
     [("total", "合计"), ("overseas_travel", "因公出国（境）费"),
      ("vehicle_total", "公务用车购置及运行费"), ("vehicle_purchase", "公务用车购置费"),
      ("vehicle_operation", "公务用车运行费"), ("reception", "公务接待费")], 1),
    ("gov_fund", "政府性基金支出表", FUNCTIONS,
     [("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")], 4),
]


def _level(code: str) -> int | None:
    return {3: 1, 5: 2, 7: 3}.get(len(code))


def template(index: int, with_cells: bool = False) -> dict[str, Any]:
    """A parse result with placeholder doc_id and amounts, sized by `index`; `with_cells`:
    every printed cell (header and body) as a `cells` row, as real parse results have."""
    rng = random.Random(index)
    scale = 0.4 + 1.6 * index / (TEMPLATES - 1)  # 0.4× … 2×: mean ≈ 1.2× ≈ 540 line items
    doc = PLACEHOLDER
    tables, items, checks, printed = [], [], [], []
    page = 2
    for table_no, (kind, title, source, measures, n) in enumerate(TABLES, start=1):
        n_rows = max(1, round(n * scale)) if n > 1 else 1
        body = [source[(rng.randrange(len(source)) + i) % len(source)] for i in range(n_rows)]
        header = [["科目编码", "科目名称", *(raw for _, raw in measures)]]
        grid = []
        for row_no, (code, name) in enumerate(body, start=1):
            cells = [code, name]
            for col, (measure, raw) in enumerate(measures, start=3):
                item = {f: None for f in LINE_ITEM_FIELDS}
                item.update(doc_id=doc, table_no=table_no, row_no=row_no, table_type=kind,
                            classification=("functional" if source is FUNCTIONS else
                                            "economic" if source is ECONOMIC else "none"),
                            code=code or None, code_level=_level(code), name=name or None,
                            measure=measure, measure_raw=raw, amount="0", amount_raw="0.00",
                            page=page, bbox=[60.0 + 70 * col, 100.0 + 18 * row_no,
                                             120.0 + 70 * col, 114.0 + 18 * row_no])
                items.append(item)
                cells.append("0.00")
            grid.append(cells)
        if with_cells:
            for row, texts in enumerate([*header, *grid]):
                for col, text in enumerate(texts, start=1):
                    printed.append({"doc_id": doc, "table_no": table_no, "row": row, "col": col,
                                    "text": text, "page": page,
                                    "bbox": [60.0 + 70 * col, 100.0 + 18 * row,
                                             120.0 + 70 * col, 114.0 + 18 * row]})
        tables.append({f: None for f in TABLE_FIELDS} | dict(
            doc_id=doc, table_no=table_no, table_type=kind, title_raw=title, page_start=page,
            page_end=page, amount_unit="万元", is_empty=False, n_rows=n_rows,
            n_cols=len(header[0]), flags=[], header=header, rows=grid))
        checks.append({"doc_id": doc, "name": "total_equals_parts", "scope": f"table {table_no}",
                       "expected": "0", "actual": "0", "passed": True})
        page += 1
    document = {f: None for f in DOCUMENT_FIELDS} | dict(
        doc_id=doc, format="pdf", n_pages=page, parse_status="ok", scope="department",
        parser_version=PARSER_VERSION, checks_passed=len(checks), checks_total=len(checks))
    return {"document": document, "tables": tables, "cells": printed, "line_items": items,
            "checks": checks}


@dataclass(frozen=True)
class Plan:
    """Which template each document uses, until the wanted number of line items is reached."""

    sizes: list[int]  # line items per template
    templates: list[int]  # per document

    @classmethod
    def for_line_items(cls, wanted: int) -> "Plan":
        sizes = [len(template(i)["line_items"]) for i in range(TEMPLATES)]
        chosen, total, i = [], 0, 0
        while total < wanted:
            pick = (i * 7) % TEMPLATES
            chosen.append(pick)
            total += sizes[pick]
            i += 1
        return cls(sizes, chosen)


def document_entry(base: pa.Table, base_cells: pa.Table, doc_no: int,
                   seed: int) -> tuple[str, pa.Table, pa.Table, dict]:
    """One generated document: (doc_id, cache entry, its cells, catalog row)."""
    rng = random.Random(seed * 1_000_003 + doc_no)
    provinces = sorted(PROVINCES)
    province = provinces[doc_no % len(provinces)]
    year = YEARS[(doc_no // len(provinces)) % len(YEARS)]
    region = province + rng.choice(["0000", f"{rng.randint(1, 15):02d}00",
                                    f"{rng.randint(1, 15):02d}{rng.randint(1, 30):02d}"])
    body = rng.choice(BODIES)
    title = f"{body}{year}年部门预算"
    doc_id = sha256_hex(f"bench-{seed}-{doc_no}".encode())
    n = base.num_rows
    cents = [rng.randrange(0, 5_000_000_00) for _ in range(n)]
    columns = {
        "doc_id": pa.array([doc_id] * n),
        "amount": pa.array([f"{c // 10000}.{c % 10000:04d}" for c in cents]),  # 万元
        "amount_raw": pa.array([f"{c // 100:,}.{c % 100:02d}" for c in cents]),  # 元, printed
    }
    table = base
    for name, values in columns.items():
        table = table.set_column(table.schema.get_field_index(name), name, values)
    rest = json.loads(base.schema.metadata[RESULT_KEY.encode()].decode().replace(PLACEHOLDER,
                                                                                 doc_id))
    rest["document"].update(region_code=region, fiscal_year=year, department=body,
                            doc_kind="budget", title=title)
    table = table.replace_schema_metadata({RESULT_KEY: json.dumps(rest, ensure_ascii=False)})
    fetch = {"url": f"http://bench.invalid/{province}/{doc_id[:16]}.pdf", "portal_id":
             f"bench-{province}", "fetch_status": "ok", "sha256": doc_id, "title": title,
             "region_code": region, "fetched_at": "2025-01-01T00:00:00+00:00"}
    cells = base_cells.set_column(0, "doc_id", pa.array([doc_id] * base_cells.num_rows,
                                                        pa.string()))
    return doc_id, table, cells, fetch


def _generate_part(args: tuple[str, list[int], int, int, bool]) -> int:
    data_dir, chosen, start, seed, with_cells = args
    bases = {i: (result_table(t), cells_table(t))
             for i, t in ((i, template(i, with_cells)) for i in set(chosen))}
    cache = ParseCache(data_dir, PARSER_VERSION)
    catalog = CatalogWriter(data_dir, f"bench-{seed}")
    for offset, pick in enumerate(chosen):
        doc_id, table, cells, fetch = document_entry(*bases[pick], start + offset, seed)
        cache.write_table(doc_id, table, cells)
        catalog.append(fetch)
    catalog.close()
    return len(chosen)


def generate(data_dir: Path, line_items: int, workers: int = 2, seed: int = 1,
             with_cells: bool = False) -> dict[str, Any]:
    plan = Plan.for_line_items(line_items)
    started = time.monotonic()
    chunk = 2000
    jobs = [(str(data_dir), plan.templates[i:i + chunk], i, seed, with_cells)
            for i in range(0, len(plan.templates), chunk)]
    with mp.get_context("fork").Pool(workers) as pool:
        documents = sum(pool.imap_unordered(_generate_part, jobs))
    total = sum(plan.sizes[t] for t in plan.templates)
    info = {"documents": documents, "line_items": total, "with_cells": with_cells,
            "generate_seconds": round(time.monotonic() - started, 1)}
    (data_dir / "bench-generated.json").write_text(json.dumps(info))
    return info


# -- queries ---------------------------------------------------------------------------------

ONE_PROVINCE_YEAR = """
    SELECT code, any_value(name) AS name, sum(amount) AS total FROM line_items
    WHERE province_code = '51' AND fiscal_year = 2024 AND table_type = 'expenditure_summary'
      AND measure = 'total' AND code_level = 1
    GROUP BY code ORDER BY total DESC"""

QUERIES = {
    "三公 per province and year (three_public)": """
        SELECT province_code, fiscal_year, count(*) AS bodies, sum(total) AS total,
               sum(reception) AS reception
        FROM three_public GROUP BY ALL ORDER BY ALL""",
    "spending by 类 per province, 2024": """
        SELECT province_code, code, sum(amount) AS total FROM line_items
        WHERE fiscal_year = 2024 AND table_type = 'expenditure_summary' AND measure = 'total'
          AND code_level = 1 GROUP BY ALL ORDER BY ALL""",
    "education (205) by year, nationally": """
        SELECT fiscal_year, sum(amount) AS total FROM line_items
        WHERE table_type = 'expenditure_summary' AND measure = 'total' AND code LIKE '205%'
          AND code_level = 3 GROUP BY ALL ORDER BY ALL""",
    "basic vs project share per province and year": """
        SELECT province_code, fiscal_year,
               sum(amount) FILTER (WHERE measure = 'project') / sum(amount) AS project_share
        FROM line_items WHERE table_type = 'expenditure_summary'
          AND measure IN ('basic', 'project') AND code_level = 1 GROUP BY ALL ORDER BY ALL""",
    "top 20 bodies by spending, 2023": """
        SELECT d.province, d.department, d.region_code, sum(li.amount) AS total
        FROM line_items li JOIN documents d USING (doc_id)
        WHERE li.fiscal_year = 2023 AND li.table_type = 'expenditure_summary'
          AND li.measure = 'total' AND li.code_level = 1
        GROUP BY ALL ORDER BY total DESC LIMIT 20""",
    "personnel costs by economic code and year": """
        SELECT fiscal_year, code, sum(amount) AS personnel FROM line_items
        WHERE table_type = 'general_budget_basic' AND measure = 'personnel'
        GROUP BY ALL ORDER BY ALL""",
    "pension contributions (2080505) per province, all years": """
        SELECT province_code, fiscal_year, count(DISTINCT doc_id) AS bodies, sum(amount) AS total
        FROM line_items WHERE code = '2080505' AND measure = 'total'
          AND table_type = 'expenditure_summary' GROUP BY ALL ORDER BY ALL""",
    "checks failed per province and year": """
        SELECT province_code, fiscal_year, count(*) FILTER (WHERE NOT passed) AS failed,
               count(*) AS checks FROM checks GROUP BY ALL ORDER BY ALL""",
    "documents by level and status": """
        SELECT admin_level, parse_status, count(*) FROM documents GROUP BY ALL ORDER BY ALL""",
    "one province-year: 四川 2024 by 类": ONE_PROVINCE_YEAR,
}


def _views(con: duckdb.DuckDBPyConnection, single: Path) -> None:
    """The same views over one unpartitioned file per table."""
    from archive.build import CONVENIENCE_VIEWS

    for name in SCHEMAS:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{single / name}.parquet')")
    for name, sql in CONVENIENCE_VIEWS.items():
        con.execute(f"CREATE VIEW {name} AS {sql}")


def write_single_files(corpus: Path, single: Path) -> None:
    """One Parquet file per table with the same rows in the same order, no partitions: the
    views read the partitions' files in path order, and insertion order is kept."""
    single.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(corpus.parent.parent / "corpus.duckdb"), read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        for name in SCHEMAS:
            con.execute(f"COPY (SELECT * FROM {name}) TO '{single / name}.parquet' "
                        "(FORMAT parquet, COMPRESSION zstd)")


def time_pair(first: duckdb.DuckDBPyConnection, second: duckdb.DuckDBPyConnection, sql: str,
              repeat: int = 5) -> tuple[float, float]:
    """Median warm seconds of `sql` on each connection, runs alternating between the two, so
    a moment of load elsewhere on the machine falls on both sides alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for con in (first, second):
        con.execute(sql).fetchall()  # warm: metadata and OS cache
    for _ in range(repeat):
        for con, kept in zip((first, second), times):
            started = time.perf_counter()
            con.execute(sql).fetchall()
            kept.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def files_read(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    plan = "\n".join(row[1] for row in con.execute("EXPLAIN ANALYZE " + sql).fetchall())
    found = re.findall(r"Total Files Read:\s*(\d+)", plan)
    return sum(int(n) for n in found)


def run_queries(data_dir: Path, threads: int) -> dict[str, Any]:
    corpus = (data_dir / "corpus").resolve()
    single = data_dir / "bench-single"
    shutil.rmtree(single, ignore_errors=True)
    write_single_files(corpus, single)
    partitioned = connect(data_dir)  # as researchers get it: read-only, footers cached
    flat = duckdb.connect()
    flat.execute("SET parquet_metadata_cache = true")
    _views(flat, single)
    results = {}
    for con in (partitioned, flat):
        con.execute(f"SET threads = {threads}")
    for title, sql in QUERIES.items():
        p, s = time_pair(partitioned, flat, sql)
        results[title] = {"partitioned_s": round(p, 4), "single_file_s": round(s, 4),
                          "ratio": round(p / s, 2)}
        print(f"  {title}: partitioned {p * 1000:.1f} ms, single file {s * 1000:.1f} ms",
              flush=True)
    total_files = len(list((corpus / "line_items").glob("*/*/*.parquet")))
    read = files_read(partitioned, ONE_PROVINCE_YEAR)
    return {"queries": results, "line_item_files": total_files,
            "one_province_year_files_read": read}


def _cpu() -> float:
    """CPU seconds of this process, all threads: the machine may be shared, wall time less so."""
    times = os.times()
    return times.user + times.system


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.resolve().rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--line-items", type=lambda s: int(s.replace("_", "")),
                        default=1_000_000)
    parser.add_argument("--data-dir", type=Path, required=True,
                        help="scratch folder (outside the repository); reused if generated")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--cells", action="store_true",
                        help="documents carry every printed cell, as real parse results do")
    parser.add_argument("--generate-only", action="store_true",
                        help="generate the parse cache and stop (kept for later runs)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir.resolve()
    marker = data_dir / "bench-generated.json"
    if marker.is_file():
        generated = json.loads(marker.read_text())
        print(f"reusing {generated}", flush=True)
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        generated = generate(data_dir, args.line_items, workers=args.threads,
                             with_cells=args.cells)
        print(f"generated {generated}", flush=True)
    if args.generate_only:
        return 0
    cpu_before, load_before = _cpu(), os.getloadavg()[0]
    built = build_corpus(data_dir, threads=args.threads)
    cpu = _cpu() - cpu_before
    rate = built.rows["line_items"] / built.seconds
    print(f"built {built.rows} in {built.seconds:.1f} s ({cpu:.1f} s CPU): "
          f"{rate:,.0f} line items/s; steps {built.steps}", flush=True)
    measured = run_queries(data_dir, args.threads)
    report = {"generated": generated, "build_seconds": round(built.seconds, 1),
              "build_cpu_seconds": round(cpu, 1), "line_items_per_second": round(rate),
              "load_average_before_build": load_before, "build_steps": built.steps,
              "rows": built.rows, "corpus_bytes": _size(data_dir / "corpus"),
              "parse_cache_bytes": _size(data_dir / "parse-cache"), **measured}
    out = data_dir.parent / f"bench-result-{data_dir.name}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
