"""Final accounts (决算): the standard tables under their 决算 titles, the 决算 measures, and the
checks that tell a consistent 决算 from one with errors — a table missing, a narrative that
states other figures than the tables, a heading from another year. The fixture is the demo's
synthetic 决算 (seed 000 as final accounts) with a 情况说明 written from its own tables; the
marked group runs the four real ones in ../shared/real."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from archive.demo.fixtures import SeedDoc
from archive.demo.render import render_pdf
from archive.demo.synth import final_accounts
from parsing.measures import path_measure
from parsing.parse import parse_bytes, parse_path

BODY = "四川省安全科学技术研究院"
NUMERALS = "一二三四五六七八九十"


def contents(doc: SeedDoc, year: int) -> tuple[str, ...]:
    listed = [f"{NUMERALS[n] if n < 10 else '十' + NUMERALS[n - 10]}、{t.title}"
              for n, t in enumerate(doc.tables)]
    return ("目录", f"第二部分 {BODY} {year} 年度单位决算表", *listed)


def narrative(year: int, total: str = "21330.50", relation: str = "小于") -> tuple[str, ...]:
    """A 情况说明 whose figures are those of the synthetic 决算's tables."""
    return (
        f"第三部分 {BODY} {year} 年度单位决算情况说明",
        "一、收入支出决算总体情况说明",
        f"{BODY} 2023 年度收入支出总计 {total} 万元。",
        "三、支出决算情况说明",
        "本年支出合计 21330.50 万元，其中：基本支出 14343.94 万元，占 67.25%；项目支出 6986.56 万元，"
        "占 32.75%。",
        "（三）一般公共预算财政拨款支出决算具体情况",
        "一般公共预算财政拨款支出年初预算为 6800.00 万元，支出决算为 6652.08 万元，完成年初预算的"
        f" 97.82%。决算数{relation}预算数的主要原因：项目按进度支付。",
        "十一、其他重要事项的情况说明",
        "机关运行经费支出 36.11 万元，比 2022 年度增加 2.55 万元，增长 7.60%。",
        "截至 2023 年 12 月 31 日，本单位共有车辆 2 辆。",
    )


def document(drop: str | None = None, heading_year: int = 2023, **narrated: str) -> bytes:
    doc = final_accounts()
    if drop:
        doc = replace(doc, tables=tuple(t for t in doc.tables if t.title != drop))
    listed = contents(final_accounts(), heading_year)
    return render_pdf(replace(doc, narrative=listed + narrative(heading_year, **narrated)))


@pytest.fixture(scope="module")
def consistent() -> dict:
    return parse_bytes(document())


@pytest.fixture(scope="module")
def planted() -> dict:
    """The same 决算 with errors planted the way real ones carry them."""
    return parse_bytes(document(drop="支出决算表", heading_year=2022, total="0",
                                relation="大于"))


def test_final_accounts_tables_are_typed_by_their_decisive_titles(consistent: dict) -> None:
    document = consistent["document"]
    assert (document["doc_kind"], document["fiscal_year"]) == ("final_accounts", 2023)
    types = {t["title_raw"]: t["table_type"] for t in consistent["tables"]}
    assert types["收入支出决算总表"] == "income_expenditure_summary"
    assert types["支出决算表"] == "expenditure_summary"
    assert types["一般公共预算财政拨款基本支出决算表"] == "general_budget_basic"
    assert types["一般公共预算财政拨款“三公”经费支出决算表"] == "three_public"


def test_final_accounts_amounts_are_final_figures(consistent: dict) -> None:
    measures = Counter(i["measure"] for i in consistent["line_items"]
                       if i["table_type"] == "income_expenditure_summary")
    assert set(measures) == {"final"}


@pytest.mark.parametrize("path,table,measure", [
    (["年初预算数"], "general_budget", "budget_initial"),
    (["调整预算数"], "general_budget", "budget_adjusted"),
    (["全年预算数"], "general_budget", "budget_adjusted"),
    (["决算数"], "general_budget", "final"),
    (["合计", "决算数"], "three_public", "total"),
    (["财政拨款收入"], "income_summary", "fiscal_appropriation"),
    (["年初结转和结余"], "income_expenditure_summary", "carryover"),
    (["2024年机关运行经费预算数"], "three_public", "operating_costs"),
    (["单位：万元", "会议", "费"], "three_public", "meeting"),
    (["培训费"], "three_public", "training"),
    (["单位预留机动经费"], "expenditure_summary", "contingency"),
    (["基本支出"], "general_budget_basic", "total"),
    (["机关运行经费支出"], "operating_costs", "total"),
])
def test_headings_name_their_measure(path: list[str], table: str, measure: str) -> None:
    final = measure in ("total",) and "决算数" in path
    assert path_measure(path, table, final_accounts=final) == measure


def test_a_consistent_final_account_passes_every_check(consistent: dict) -> None:
    failed = [(c["name"], c["scope"]) for c in consistent["checks"] if not c["passed"]]
    names = {c["name"] for c in consistent["checks"]}
    assert failed == []
    assert {"standard_tables_present", "listed_tables_present", "headings_state_the_year",
            "narrative_matches_table", "narrative_share_matches_figures",
            "narrative_rate_matches_figures", "narrative_direction_matches_figures",
            "narrative_change_matches_figures"} <= names


def test_planted_errors_fail_their_checks(planted: dict) -> None:
    failed = Counter(c["name"] for c in planted["checks"] if not c["passed"])
    assert {"standard_tables_present", "listed_tables_present", "headings_state_the_year",
            "narrative_matches_table", "narrative_direction_matches_figures"} <= set(failed)
    (missing,) = [c for c in planted["checks"] if c["name"] == "standard_tables_present"]
    assert (missing["expected"], missing["actual"]) == ("9", "8")
    assert "expenditure_summary" in missing["scope"]


def test_narrative_facts_of_a_final_account(consistent: dict) -> None:
    facts = {f["name"]: f["value"] for f in consistent["facts"]}
    assert (facts["income_expenditure_total"], facts["operating_costs"], facts["vehicles"]) == (
        "21330.5", "36.11", "2")


# ---- the four real 决算 in ../shared/real (pytest -m real) ------------------------------

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"


def _final_accounts() -> list[dict[str, str]]:
    manifest = REAL / "manifest.csv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if row["doc_kind"] == "final_accounts"]


@pytest.mark.real
@pytest.mark.skipif(not _final_accounts(), reason="../shared/real is not present")
@pytest.mark.parametrize("row", _final_accounts(), ids=lambda row: row["file"])
def test_real_final_accounts_are_told_apart_by_their_checks(row: dict[str, str]) -> None:
    """The three labelled inconsistent fail checks; the consistent one passes every table
    check — what it fails are two sentences of its 情况说明 that are wrong as printed
    (财政拨款收入支出总计 "0.3 万元" against 2961.68 in its table, a share of 71.73% that is
    71.65%)."""
    result = parse_path(REAL / row["file"])
    failed = [c for c in result["checks"] if not c["passed"]]
    assert (result["document"]["parse_status"], result["document"]["doc_kind"]) == (
        "ok", "final_accounts")
    if row["note"].startswith("consistent"):
        assert all(c["name"].startswith("narrative_") for c in failed)
        assert len(failed) <= 2
    else:
        assert failed
