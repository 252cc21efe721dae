"""Tables are typed by their titles and split into header and body rows."""

from __future__ import annotations

import pytest

from parsing.grid import Cell, FoundTable, Grid
from parsing.stitch import stitch_pages
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


def _text_piece(page: int, edges: list[float], rows: list[list[tuple[float, str]]],
                caption: list[str] | None = None) -> FoundTable:
    """A piece read from text positions: each row a list of (x centre, text)."""
    cells = [Cell(r, c, text, page, (x - 5, 10.0 * r, x + 5, 10.0 * r + 8))
             for r, row in enumerate(rows) for c, (x, text) in enumerate(row)]
    return FoundTable(Grid(len(rows), max(len(row) for row in rows), cells), page,
                      (edges[0], 0, edges[-1], 10.0 * len(rows)), edges, caption or [],
                      flags=["unruled"])


def test_a_continuation_with_more_columns_puts_the_table_on_its_columns() -> None:
    first = _text_piece(1, [0, 100, 300, 400], [[(50, "部门名称"), (150, "资金总额"), (350, "其他资金")],
                                                [(50, ""), (150, "80.00"), (350, "0.00")]],
                        ["部门整体支出绩效目标表"])
    second = _text_piece(2, [0, 100, 200, 300, 400],
                         [[(50, "指标"), (150, "一级指标"), (250, "二级指标"), (350, "权重")],
                          [(50, ""), (150, "产出指标"), (250, "数量指标"), (350, "2.5")]])
    (table,) = stitch_pages([first, second])
    assert table.grid.n_cols == 4 and "stitched" in table.flags
    assert table.grid.printed()[1] == ["", "80.00", "", "0.00"]
    assert table.grid.printed()[3] == ["", "产出指标", "数量指标", "2.5"]


def test_a_page_of_words_is_kept_only_as_a_continuation() -> None:
    words = _text_piece(2, [0, 100, 400], [[(50, "任务名称"), (250, "主要内容")],
                                           [(50, "强化管理"), (250, "做实道安办")]])
    assert stitch_pages([words]) == []
    table = _text_piece(1, [0, 100, 400], [[(50, "合计"), (250, "80.00")]], ["部门整体支出绩效目标表"])
    (stitched,) = stitch_pages([table, words])
    assert stitched.grid.n_rows == 3
