"""Accounting identities over a document's line items: do the tables add up?

Each check compares what a table prints (expected) with what its parts sum to (actual). A check
that cannot be evaluated — a total not printed, no parts found — is not emitted at all, so
`checks_passed / checks_total` only ever counts real evidence. Printed amounts are rounded, so
two sides agree when they differ by no more than the rounding of the terms (half a unit in
the last printed digit of each).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from parsing.amounts import adds_up
from parsing.lineitems import LineItem
from parsing.text import compact

_INCOME_TOTAL = re.compile(r"^(?:[一二三四五六七八九十]+、)?收入(?:总计|合计)$")
_EXPENDITURE_TOTAL = re.compile(r"^(?:[一二三四五六七八九十]+、)?支出(?:总计|合计)$")
_TOTAL_ROW = re.compile(r"^(?:合计|总计)$")
_SUMMARY_TYPES = ("income_expenditure_summary", "fiscal_summary")
_SPENDING_TYPES = ("expenditure_summary", "general_budget", "gov_fund", "state_capital")
_CODED_TYPES = ("expenditure_summary", "income_summary", "general_budget", "gov_fund",
                "state_capital", "general_budget_basic")
_TOTALS = ("total", "final")


@dataclass(frozen=True)
class Check:
    name: str
    scope: str
    expected: Decimal
    actual: Decimal
    passed: bool


def compare(name: str, scope: str, expected: Decimal, parts: list[Decimal]) -> Check:
    return Check(name, scope, expected, sum(parts, Decimal(0)), adds_up(expected, parts))


def run_checks(items: list[LineItem]) -> list[Check]:
    """Every identity that the items allow evaluating, table by table."""
    by_table: dict[int, list[LineItem]] = defaultdict(list)
    for item in items:
        by_table[item.table_no].append(item)
    checks: list[Check] = []
    for table_no, table_items in sorted(by_table.items()):
        kind = table_items[0].table_type
        if kind in _SUMMARY_TYPES:
            checks += income_equals_expenditure(table_no, table_items)
        if kind in _SPENDING_TYPES:
            checks += total_equals_basic_plus_project(table_no, table_items)
        if kind in _CODED_TYPES:
            checks += total_equals_sum_of_rows(table_no, table_items)
            checks += parents_equal_children(table_no, table_items)
        if kind == "three_public":
            checks += three_public_parts(table_no, table_items)
    return checks + same_total_across_tables(items)


# (name, (table type, row names, measures) stating a total, the same total stated elsewhere).
# Not 本年收入合计 ↔ 收入总表: some layouts count 上年结转 in the 收入总表 合计, some do not.
_SHARED_TOTALS = [
    ("expenditure_total_matches_expenditure_summary",
     ("income_expenditure_summary", ("本年支出合计",), _TOTALS),
     ("expenditure_summary", ("合计", "总计"), _TOTALS)),
    ("general_budget_matches_fiscal_summary",
     ("fiscal_summary", ("本年支出合计",), ("general_budget",)),
     ("general_budget", ("合计", "总计"), _TOTALS)),
    ("basic_matches_general_budget_basic",
     ("general_budget", ("合计", "总计"), ("basic",)),
     ("general_budget_basic", ("合计", "总计"), _TOTALS)),
]


def _stated(items: list[LineItem], table_type: str, names: tuple[str, ...],
            measures: tuple[str, ...]) -> LineItem | None:
    """The first item of the first table of that type whose row name is one of `names`."""
    tables = sorted({i.table_no for i in items if i.table_type == table_type})
    if not tables:
        return None
    for measure in measures:
        for item in items:
            if item.table_no == tables[0] and item.measure == measure and item.name \
                    and re.sub(r"^[一二三四五六七八九十]+、", "", compact(item.name)) in names:
                return item
    return None


def same_total_across_tables(items: list[LineItem]) -> list[Check]:
    """The same total in every table that states it (收支总表 ↔ 支出总表, 收入总表, …)."""
    checks = []
    for name, first, second in _SHARED_TOTALS:
        a, b = _stated(items, *first), _stated(items, *second)
        if a is not None and b is not None:
            checks.append(compare(name, f"table {a.table_no} / table {b.table_no}", a.amount,
                                  [b.amount]))
    return checks


def _rows(items: list[LineItem]) -> dict[int, dict[str, LineItem]]:
    """row_no → measure → item (the first item of a measure in a row wins)."""
    rows: dict[int, dict[str, LineItem]] = defaultdict(dict)
    for item in items:
        if item.measure:
            rows[item.row_no].setdefault(item.measure, item)
    return rows


def _total(row: dict[str, LineItem]) -> LineItem | None:
    return next((row[m] for m in _TOTALS if m in row), None)


def income_equals_expenditure(table_no: int, items: list[LineItem]) -> list[Check]:
    """收入总计 = 支出总计 (both sides of a 收支总表)."""
    def find(pattern: re.Pattern[str]) -> LineItem | None:
        named = [i for i in items if i.name and pattern.match(compact(i.name))
                 and i.measure in _TOTALS]
        named.sort(key=lambda i: ("总计" not in compact(i.name or ""), i.row_no))
        return named[0] if named else None

    income, spending = find(_INCOME_TOTAL), find(_EXPENDITURE_TOTAL)
    if income is None or spending is None:
        income, spending = _side_by_side_totals(items)
    if income is None or spending is None:
        return []
    return [compare("income_equals_expenditure", f"table {table_no}", income.amount,
                    [spending.amount])]


def _side_by_side_totals(items: list[LineItem]) -> tuple[LineItem | None, LineItem | None]:
    """Where both sides end in a row labelled only 合计 / 总计: its left and right totals."""
    rows: dict[int, list[LineItem]] = defaultdict(list)
    for item in items:
        if item.name and _TOTAL_ROW.match(compact(item.name)) and item.measure in _TOTALS:
            rows[item.row_no].append(item)
    for row_no in sorted(rows, reverse=True):
        sides = sorted(rows[row_no], key=lambda i: i.bbox[0])
        if len(sides) >= 2:
            return sides[0], sides[-1]
    return None, None


def total_equals_basic_plus_project(table_no: int, items: list[LineItem]) -> list[Check]:
    """合计 = 基本支出 + 项目支出 + the other spending columns (上缴上级, 对附属单位补助, and
    columns without a measure such as 单位预留机动经费) on every row that prints a total;
    and 基本支出 = 人员经费 + 公用经费 where all three are printed."""
    checks = []
    measures = {i.measure for i in items}
    if "project" not in measures or not measures & {"basic", "personnel"}:
        return []
    unnamed: dict[int, list[Decimal]] = defaultdict(list)
    for item in items:
        if item.measure is None:
            unnamed[item.row_no].append(item.amount)
    for row_no, row in sorted(_rows(items).items()):
        total = _total(row)
        if total is None:
            continue
        basic = ["basic"] if "basic" in measures else ["personnel", "public_use"]
        parts = [row[m].amount for m in [*basic, "project", "upper_remit", "unit_subsidy"]
                 if m in row] + unnamed[row_no]
        if parts:
            checks.append(compare("total_equals_basic_plus_project",
                                  f"table {table_no} row {row_no}", total.amount, parts))
        if "basic" in row and ("personnel" in row or "public_use" in row):
            checks.append(compare("basic_equals_personnel_plus_public_use",
                                  f"table {table_no} row {row_no}", row["basic"].amount,
                                  [row[m].amount for m in ("personnel", "public_use")
                                   if m in row]))
    return checks


def total_equals_sum_of_rows(table_no: int, items: list[LineItem]) -> list[Check]:
    """The 合计 row = the sum of the coded rows at the top level present (类, else 款, else 项),
    per measure."""
    checks = []
    by_measure: dict[str, list[LineItem]] = defaultdict(list)
    for item in items:
        if item.measure:
            by_measure[item.measure].append(item)
    for measure, measure_items in by_measure.items():
        totals = [i for i in measure_items if i.code is None and i.name
                  and _TOTAL_ROW.match(compact(i.name))]
        coded = [i for i in measure_items if i.code_level]
        if not totals or not coded:
            continue
        top = min(i.code_level for i in coded)
        seen: set[tuple[str, str | None]] = set()
        parts = []
        for item in coded:
            if item.code_level == top and (item.code, item.unit_code) not in seen:
                seen.add((item.code, item.unit_code))
                parts.append(item.amount)
        checks.append(compare("total_equals_sum_of_rows", f"table {table_no} {measure}",
                              totals[0].amount, parts))
    return checks


def parents_equal_children(table_no: int, items: list[LineItem]) -> list[Check]:
    """Each 类 = the sum of its 款, each 款 = the sum of its 项 (where children are printed):
    one check per table, measure and level, naming the first parent that disagrees."""
    checks = []
    by_measure: dict[str, dict[tuple[str | None, str], LineItem]] = defaultdict(dict)
    for item in items:
        if item.measure and item.code and item.code_level:
            by_measure[item.measure].setdefault((item.unit_code, item.code), item)
    for measure, by_code in by_measure.items():
        for level, width in ((1, 5), (2, 7)):
            parents = [i for i in by_code.values() if i.code_level == level]
            expected = actual = Decimal(0)
            failed = None
            evaluated = 0
            for parent in parents:
                children = [i.amount for i in by_code.values()
                            if i.unit_code == parent.unit_code and len(i.code or "") == width
                            and (i.code or "").startswith(parent.code or "")]
                if not children:
                    continue
                evaluated += 1
                expected += parent.amount
                actual += sum(children, Decimal(0))
                if not adds_up(parent.amount, children) and failed is None:
                    failed = parent.code
            if evaluated:
                name = "class_equals_sum_of_items" if level == 1 else "item_equals_sum_of_subitems"
                scope = f"table {table_no} {measure}"
                if failed:
                    scope += f" first mismatch {failed}"
                checks.append(Check(name, scope, expected, actual, failed is None))
    return checks


def three_public_parts(table_no: int, items: list[LineItem]) -> list[Check]:
    """三公 total = 因公出国 + 公务用车 + 公务接待; 公务用车 = 购置 + 运行."""
    checks = []
    for row_no, row in sorted(_rows(items).items()):
        scope = f"table {table_no} row {row_no}"
        total = _total(row)
        vehicle = row.get("vehicle_total")
        spread = ("vehicle_total",) if vehicle else ("vehicle_purchase", "vehicle_operation")
        parts = [row[m].amount for m in ("overseas_travel", *spread, "reception") if m in row]
        if total is not None and parts:
            checks.append(compare("three_public_total_equals_parts", scope, total.amount, parts))
        vehicle_parts = [row[m].amount for m in ("vehicle_purchase", "vehicle_operation")
                         if m in row]
        if vehicle is not None and vehicle_parts:
            checks.append(compare("vehicle_total_equals_purchase_plus_operation", scope,
                                  vehicle.amount, vehicle_parts))
    return checks
