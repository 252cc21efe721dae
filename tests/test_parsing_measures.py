"""Column header paths name the measure a column holds."""

from __future__ import annotations

import pytest

from parsing.measures import header_path, path_measure


@pytest.mark.parametrize("path,table,measure", [
    (["合计"], "expenditure_summary", "total"),
    (["基本支出"], "expenditure_summary", "basic"),
    (["基本支出", "人员经费"], "general_budget_basic", "personnel"),
    (["收 入", "预算数"], "income_expenditure_summary", "total"),
    (["本年政府性基金预算支出", "合计"], "gov_fund", "total"),
    (["公务用车购置及运行费", "小计"], "three_public", "vehicle_total"),
    (["当年财政拨款预算安排", "合计"], "three_public", "total"),
    (["“三公”经费", "公务接", "待费"], "three_public", "reception"),
    (["上年结转"], "income_summary", "carryover"),
    (["事业单位经营收入"], "income_summary", "operating"),
    (["一般公共预算拨款收入"], "income_summary", "general_budget"),
    (["项目"], "expenditure_summary", None),
])
def test_measure_from_header_path(path: list[str], table: str, measure: str | None) -> None:
    assert path_measure(path, table) == measure


def test_final_accounts_columns_keep_their_part_and_budget_columns_are_budget() -> None:
    assert path_measure(["因公出国（境）费", "决算数"], "three_public", final_accounts=True) == \
        "overseas_travel"
    assert path_measure(["因公出国（境）费", "预算数"], "three_public", final_accounts=True) == \
        "budget_initial"
    assert path_measure(["决算数"], "income_expenditure_summary", final_accounts=True) == "final"


def test_header_path_drops_blanks_repeats_and_column_numbers() -> None:
    assert header_path(["项目", "", "项目", "1"]) == ["项目"]
    assert header_path(["事业单位\n经营收入"]) == ["事业单位经营收入"]
