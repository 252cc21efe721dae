"""Accounting identities are checked where they can be, and only there."""

from __future__ import annotations

from decimal import Decimal

from parsing.checks import run_checks
from parsing.content import TextLine
from parsing.lineitems import LineItem
from parsing.narrative import listed_titles


def _item(table_type: str, row: int, name: str, measure: str, amount: str, code: str | None = None,
          x: float = 0.0) -> LineItem:
    level = {3: 1, 5: 2, 7: 3}.get(len(code)) if code else None
    return LineItem(1, row, 0, table_type, "none", code, level, name, None, None, measure, measure,
                    Decimal(amount), amount, 1, (x, 0.0, x + 1, 1.0))


def test_income_total_equal_to_expenditure_total_passes() -> None:
    items = [_item("income_expenditure_summary", 36, "收入总计", "total", "10665.25"),
             _item("income_expenditure_summary", 36, "支出总计", "total", "10665.25", x=300)]
    (check,) = run_checks(items)
    assert (check.name, check.passed) == ("income_equals_expenditure", True)


def test_total_that_is_not_basic_plus_project_fails() -> None:
    items = [_item("expenditure_summary", 1, "合计", "total", "100.00"),
             _item("expenditure_summary", 1, "合计", "basic", "60.00"),
             _item("expenditure_summary", 1, "合计", "project", "30.00")]
    (check,) = run_checks(items)
    assert check.name == "total_equals_basic_plus_project"
    assert (check.expected, check.actual, check.passed) == (Decimal("100.00"), Decimal("90.00"),
                                                            False)


def test_class_and_total_rows_add_up_over_the_codes_below_them() -> None:
    items = [_item("expenditure_summary", 1, "合计", "total", "30.00"),
             _item("expenditure_summary", 2, "一般公共服务支出", "total", "30.00", "201"),
             _item("expenditure_summary", 3, "组织事务", "total", "30.00", "20132"),
             _item("expenditure_summary", 4, "行政运行", "total", "20.00", "2013201"),
             _item("expenditure_summary", 5, "一般行政管理事务", "total", "10.00", "2013202")]
    checks = {c.name: c.passed for c in run_checks(items)}
    assert checks == {"total_equals_sum_of_rows": True, "class_equals_sum_of_items": True,
                      "item_equals_sum_of_subitems": True}


def test_three_public_total_is_its_parts() -> None:
    items = [_item("three_public", 1, "合计", "total", "5.30"),
             _item("three_public", 1, "合计", "vehicle_total", "5.00"),
             _item("three_public", 1, "合计", "vehicle_operation", "5.00"),
             _item("three_public", 1, "合计", "reception", "0.30")]
    assert {c.name: c.passed for c in run_checks(items)} == {
        "three_public_total_equals_parts": True,
        "vehicle_total_equals_purchase_plus_operation": True}


def test_a_check_that_cannot_be_evaluated_is_not_emitted() -> None:
    items = [_item("income_expenditure_summary", 36, "收入总计", "total", "10665.25"),
             _item("expenditure_summary", 1, "合计", "total", "100.00")]
    assert run_checks(items) == []


def test_a_failed_parent_check_names_the_parent_and_both_figures() -> None:
    items = [_item("expenditure_summary", 1, "一般公共服务支出", "total", "17.09", "201"),
             _item("expenditure_summary", 2, "组织事务", "total", "4.57", "20132"),
             _item("expenditure_summary", 3, "行政运行", "total", "12.62", "20133")]
    (check,) = [c for c in run_checks(items) if c.name == "class_equals_sum_of_items"]
    assert not check.passed
    assert check.scope == "table 1 total first mismatch 201 一般公共服务支出 (row 1) 17.09 ≠ Σ 2 items 17.19"


def test_a_failed_total_check_names_the_total_row_and_the_rows_summed() -> None:
    items = [_item("expenditure_summary", 1, "合计", "total", "461.83"),
             _item("expenditure_summary", 2, "社会保障和就业支出", "total", "20.18", "208"),
             _item("expenditure_summary", 3, "城乡社区支出", "total", "441.75", "212")]
    (check,) = [c for c in run_checks(items) if c.name == "total_equals_sum_of_rows"]
    assert (check.passed, check.scope) == (
        False, "table 1 total: 合计 (row 1) ≠ Σ 2 rows of level 1")


def test_contents_titles_with_a_bracketed_qualifier_are_listed() -> None:
    lines = [TextLine("目录", 2), TextLine("四、财政拨款收支预算总表", 2),
             TextLine("五、财政拨款支出预算表（部门经济分类科目）", 2)]
    assert listed_titles(lines) == ["财政拨款收支预算总表", "财政拨款支出预算表（部门经济分类科目）"]
