"""Tables are typed by their titles and split into header and body rows."""

from __future__ import annotations

import pytest

from parsing.grid import Cell, Grid
from parsing.tables import choose_title, count_header_rows, table_type


@pytest.mark.parametrize("title,kind", [
    ("部门收支总表", "income_expenditure_summary"),
    ("2025年预算单位财务收支预算总表", "income_expenditure_summary"),
    ("收入支出决算总表", "income_expenditure_summary"),
    ("部门收支总体情况表", "income_expenditure_summary"),
    ("部门收入总表", "income_summary"), ("收入决算表", "income_summary"),
    ("部门支出总表", "expenditure_summary"), ("支出决算表", "expenditure_summary"),
    ("部门支出总体情况表", "expenditure_summary"),
    ("财政拨款收支预算总表", "fiscal_summary"), ("财政拨款收入支出决算总表", "fiscal_summary"),
    ("财政拨款支出预算表（部门经济分类科目）", "fiscal_by_economic"),
    ("一般公共预算支出预算表", "general_budget"),
    ("2025年部门一般公共预算支出功能分类预算表", "general_budget"),
    ("一般公共预算基本支出预算表", "general_budget_basic"),
    ("一般公共预算项目支出预算表", "general_budget_project"),
    ("一般公共预算“三公”经费支出预算表", "three_public"),
    ("“三公”经费、会议费、培训费支出预算表", "three_public"),
    ("政府性基金预算“三公”经费支出预算表", "gov_fund_three_public"),
    ("政府性基金预算财政拨款收入支出决算表", "gov_fund"),
    ("国有资本经营预算支出预算表", "state_capital"),
    ("部门预算项目绩效目标表（2025年度）", "project_performance"),
    ("部门整体支出绩效目标表", "overall_performance"),
    ("一般公共预算机关运行经费支出预算表", "operating_costs"), ("2019年政府采购预算表", "procurement"),
    ("财政拨款支出预算表（功能科目）", "fiscal_by_function"),
    ("一般公共预算财政拨款基本支出决算表", "general_budget_basic"),
    (None, "other"),
])
def test_table_type_from_title(title: str | None, kind: str) -> None:
    assert table_type(title) == kind


def test_title_is_the_caption_line_nearest_the_table_that_names_a_table() -> None:
    caption = ["第二部分 2018 年度部门预算表", "公开 01 表：收支预算总表", "部门：江苏省人民检察院 单位：万元"]
    assert choose_title(caption) == "收支预算总表"


def test_title_broken_over_two_lines_is_rejoined() -> None:
    assert choose_title(["财政拨款政府性基金支出预算", "表", "单位：万元"]) == "财政拨款政府性基金支出预算表"


def test_a_table_number_line_is_not_the_title() -> None:
    assert choose_title(["收支预算总表", "公开表一", "部门：江苏省人大常委会办公厅 单位：万元"]) == "收支预算总表"


def test_caption_without_a_title_gives_none() -> None:
    assert choose_title(["单位：万元", "- 3 -"]) is None


def _grid(rows: list[list[str]]) -> Grid:
    cells = [Cell(r, c, text, 1, (0, 0, 1, 1)) for r, row in enumerate(rows)
             for c, text in enumerate(row)]
    return Grid(len(rows), len(rows[0]), cells)


def test_header_ends_at_the_first_row_with_data() -> None:
    grid = _grid([["科目编码", "", "", "科目名称", "合计"], ["类", "款", "项", "", ""],
                  ["201", "32", "99", "其他组织事务支出", "18.49"]])
    assert count_header_rows(grid) == 2


def test_column_numbers_under_the_header_are_header() -> None:
    grid = _grid([["项目", "合计", "基本支出"], ["**", "1", "2"], ["合 计", "461.83", "438.33"]])
    assert count_header_rows(grid) == 2


def test_a_total_row_without_amounts_starts_the_body() -> None:
    grid = _grid([["单位名称（科目）", "合计", "基本支出"], ["合 计", "", ""]])
    assert count_header_rows(grid) == 1
