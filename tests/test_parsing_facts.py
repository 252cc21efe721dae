"""Figures the narrative states — staff, vehicles, 机关运行经费, 政府采购, the restated totals —
become facts with their sentence, and the narrative's own arithmetic is checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from archive.demo.fixtures import load_seed
from archive.demo.render import render_pdf
from parsing.content import TextLine
from parsing.facts import extract_facts
from parsing.narrative import sentences
from parsing.narrative_checks import completion_rates, changes, ratio_matches, shares
from parsing.parse import parse_bytes


def _facts(*lines: str) -> dict[str, Decimal]:
    found = extract_facts(sentences([TextLine(line, 7) for line in lines]))
    return {f.name: f.value for f in found}


def test_lines_wrapped_mid_figure_are_one_sentence() -> None:
    (first, second) = sentences([TextLine("上海市普陀区财政局2024年度收入支出总计", 21),
                                 TextLine("2995.39万元。与2023年度相比，", 21),
                                 TextLine("收入支出总计减少56.95万元。", 22)])
    assert (first.text, first.page) == ("上海市普陀区财政局2024年度收入支出总计2995.39万元。", 21)
    assert second.text.startswith("与2023年度相比")


@pytest.mark.parametrize("line,name,value", [
    ("省人大常委会下设办公厅，编制 339 名，其中行政编制 199 名。", "staff_authorized", "339"),
    ("本单位属于二级预算单位，实有人员 7 人。", "staff_actual", "7"),
    ("截至2024年12月31日，本部门共有车辆 54 辆，其中一般公务用车 54 辆。", "vehicles", "54"),
    ("机关运行经费支出184.65万元，比2023年度增加2.55万元，增长1.40%。", "operating_costs",
     "184.65"),
    ("2017年本部门一般公共预算机关运行经费预算支出5619.31万元。", "operating_costs", "5619.31"),
    ("2023年一般公共预算财政拨款运行经费 36.11 万元，比上年减少6.72万元。", "operating_costs",
     "36.11"),
    ("2019年度本部门政府采购支出预算总额2416.43万元，其中：拟采购货物支出233.1万元。",
     "procurement_total", "2416.43"),
    ("政府采购金额（以合同签订为准）为251.25万元，其中：货物采购金额4.79万元。",
     "procurement_total", "251.25"),
    ("本单位政府采购预算总额 0 万元：政府采购工程预算 1,500 元。", "procurement_works", "0.15"),
    ("2025年“三公”经费预算数为1.00万元，与2024年预算持平。", "three_public_budget", "1.00"),
    ("上海市普陀区财政局2024年度财政拨款收入支出总计0.3万元。", "fiscal_total", "0.3"),
    ("江苏省人大常委会办公厅2017年度收入、支出预算总计13649.07万元。", "income_expenditure_total",
     "13649.07"),
    ("本年支出合计2940.05万元，其中：基本支出2336.91万元，占79.49%。", "basic", "2336.91"),
    ("一般公共预算财政拨款基本支出5377.64万元。", "general_budget_basic", "5377.64"),
])
def test_a_stated_figure_becomes_a_fact(line: str, name: str, value: str) -> None:
    assert _facts(line)[name] == Decimal(value)


def test_a_fact_keeps_its_sentence_page_unit_and_label() -> None:
    (fact,) = extract_facts(sentences([TextLine(
        "一般公共预算财政拨款支出2940.05万元，主要用于以下方面：卫生健康支出（类）60.99万元。", 21)
    ]))[1:]
    assert (fact.name, fact.label, fact.value, fact.unit, fact.page) == (
        "general_budget_class", "卫生健康支出", Decimal("60.99"), "万元", 21)
    assert fact.sentence.endswith("卫生健康支出（类）60.99万元。")


def test_figures_of_parts_are_not_taken_for_totals() -> None:
    facts = _facts("其中行政编制 199 名、行政附属编制 104 名。",
                   "2.财政专户管理资金收入预算总计0万元。",
                   "其中一般公共预算拨款政府采购 0 万元。")
    assert facts == {}


def test_a_parsed_document_reports_its_facts() -> None:
    result = parse_bytes(render_pdf(load_seed("004")))
    facts = {(f["name"], f["value"], f["unit"]) for f in result["facts"]}
    assert {("staff_actual", "7", "人"), ("operating_costs", "36.11", "万元"),
            ("vehicles", "0", "辆"), ("procurement_total", "0", "万元")} <= facts
    assert all(f["sentence"] and f["page"] for f in result["facts"])


def _sentences(*lines: str) -> list:
    return sentences([TextLine(line, 1) for line in lines])


@pytest.mark.parametrize("text,passed", [
    ("年初预算为2993.92万元，支出决算为2940.05万元，完成年初预算的98.20%。", True),
    ("年初预算为10210.34万元，支出决算为9746.50万元，完成年初预算的95.45%。", True),  # cut off
    ("年初预算为10210.34万元，支出决算为9746.50万元，完成年初预算的95.50%。", False),
    ("年初预算为0万元，全年预算为321.02万元，支出决算为307.82万元，完成年初预算的95.89%。", False),
    ("年初预算为0万元，全年预算为321.02万元，支出决算为307.82万元，完成全年预算的95.89%。", True),
])
def test_a_completion_rate_is_final_over_budget(text: str, passed: bool) -> None:
    (check,) = completion_rates(_sentences(text))
    assert (check.name, check.passed) == ("narrative_rate_matches_figures", passed)


@pytest.mark.parametrize("relation,passed", [("小于", True), ("大于", False), ("等于", False)])
def test_the_stated_direction_matches_the_figures(relation: str, passed: bool) -> None:
    (check,) = completion_rates(_sentences(
        "1、一般公共服务支出（类）财政事务（款）行政运行（项）。",
        "年初预算为1560.05万元，支出决算为1511.89万元。",
        f"决算数{relation}预算数的主要原因：人员进出及退休变化。"))
    assert (check.name, check.passed) == ("narrative_direction_matches_figures", passed)


def test_roughly_level_is_not_checked() -> None:
    assert completion_rates(_sentences("年初预算为10.00万元，支出决算为10.01万元。",
                                       "决算数与预算数基本持平。")) == []


def test_shares_are_parts_of_the_sentence_total() -> None:
    checks = shares(_sentences("一般公共预算财政拨款支出2940.05万元，主要用于以下方面：一般公共服务"
                               "支出（类）2106.66万元，占71.73%；住房保障支出（类）445.69万元，"
                               "占15.16%；"))
    assert [(c.expected, c.actual, c.passed) for c in checks] == [
        (Decimal("71.73"), Decimal("71.65"), False), (Decimal("15.16"), Decimal("15.16"), True)]


def test_a_change_rate_is_against_last_years_figure() -> None:
    (good,) = changes(_sentences("机关运行经费支出184.65万元，比2023年度增加2.55万元，增长1.40%。"))
    (bad,) = changes(_sentences("收入支出总计0万元。与2023年度相比，收入支出总计减少56.95万元，"
                                "下降1.87%。"))
    assert (good.passed, bad.passed) == (True, False)


def test_a_change_from_nothing_has_no_rate_to_check() -> None:
    assert changes(_sentences("收入支出总计307.82万元。与2023年度相比，收入支出总计增加307.82万元，"
                              "增长100.00%。")) == []


def test_rounded_figures_give_a_range_of_ratios() -> None:
    assert ratio_matches(Decimal("0.21"), Decimal("6.2"), Decimal("2946.25"))
    assert not ratio_matches(Decimal("1"), Decimal("1"), Decimal("0"))
