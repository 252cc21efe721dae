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
from dataclasses import dataclass, replace
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
                "state_capital", "general_budget_basic", "operating_costs")
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


# (name, (table types, row names, measures) stating a total, the same total stated elsewhere).
# Not 本年收入合计 ↔ 收入总表: some layouts count 上年结转 in the 收入总表 合计, some do not.
_SHARED_TOTALS = [
    ("expenditure_total_matches_expenditure_summary",
     (("income_expenditure_summary",), ("本年支出合计",), _TOTALS),
     (("expenditure_summary",), ("合计", "总计"), _TOTALS)),
    ("general_budget_matches_fiscal_summary",
     (("fiscal_summary",), ("本年支出合计",), ("general_budget",)),
     (("general_budget",), ("合计", "总计"), _TOTALS)),
    ("basic_matches_general_budget_basic",
     (("general_budget",), ("合计", "总计"), ("basic",)),
     (("general_budget_basic",), ("合计", "总计"), _TOTALS)),
]
_PERSONNEL = (("general_budget_basic", "fiscal_by_economic"), ("人员经费合计", "人员经费"), _TOTALS)
_PUBLIC_USE = (("general_budget_basic", "fiscal_by_economic"), ("公用经费合计", "公用经费"), _TOTALS)
# (name, table stating each 类 of spending, measures there, the table restating them)
_CLASS_PAIRS = [
    ("classes_match_expenditure_summary", "income_expenditure_summary", _TOTALS,
     "expenditure_summary"),
    ("classes_match_general_budget", "fiscal_summary", ("general_budget", "total", "final"),
     "general_budget"),
]


def bare_name(name: str | None) -> str:
    """A row name without its numbering ("八、") and spaces: how two tables are compared."""
    return re.sub(r"^[一二三四五六七八九十]+、", "", compact(name))


def stated(items: list[LineItem], table_types: tuple[str, ...], names: tuple[str, ...],
           measures: tuple[str, ...]) -> LineItem | None:
    """The figure the first table of the first of `table_types` present states in a row named
    one of `names` (earlier names, then earlier measures, then leftmost columns first)."""
    for table_type in table_types:
        numbers = sorted({i.table_no for i in items if i.table_type == table_type})
        if not numbers:
            continue
        found = [i for i in items if i.table_no == numbers[0] and i.measure in measures
                 and bare_name(i.name) in names]
        if found:
            return min(found, key=lambda i: (names.index(bare_name(i.name)),
                                             measures.index(i.measure or ""), i.col, i.row_no))
    return None


def same_total_across_tables(items: list[LineItem]) -> list[Check]:
    """The same total in every table that states it (收支总表 ↔ 支出总表, 收入总表, …); the
    基本支出 of the 一般公共预算支出表 = 人员经费合计 + 公用经费合计 of the 基本支出表."""
    checks = []
    for name, first, second in _SHARED_TOTALS:
        a, b = stated(items, *first), stated(items, *second)
        if a is not None and b is not None:
            checks.append(compare(name, f"table {a.table_no} / table {b.table_no}", a.amount,
                                  [b.amount]))
    basic = stated(items, ("general_budget",), ("合计", "总计"), ("basic",))
    personnel, public_use = stated(items, *_PERSONNEL), stated(items, *_PUBLIC_USE)
    if basic and personnel and public_use:
        checks.append(compare("basic_matches_personnel_plus_public_use",
                              f"table {basic.table_no} / table {personnel.table_no}",
                              basic.amount, [personnel.amount, public_use.amount]))
    return checks + classes_match_across_tables(items)


def classes_match_across_tables(items: list[LineItem]) -> list[Check]:
    """Each 类 of spending a summary table lists (八、社会保障和就业支出 326.71) equals that
    类 in the table that details it (208 社会保障和就业支出 326.72, within rounding): one check
    per pair of tables, naming the first class that disagrees."""
    checks = []
    for name, summary_type, measures, detail_type in _CLASS_PAIRS:
        summary = [i for i in items if i.table_type == summary_type
                   and i.classification == "functional" and i.measure in measures]
        detail = {}
        for item in items:
            if item.table_type == detail_type and item.code_level == 1 and item.measure in _TOTALS:
                detail.setdefault(bare_name(item.name), item)
        if not summary or not detail:
            continue
        seen: set[str] = set()
        expected = actual = Decimal(0)
        failed = None
        for measure in measures:
            for item in summary:
                key = bare_name(item.name)
                if item.measure != measure or key in seen or key not in detail:
                    continue
                seen.add(key)
                expected += item.amount
                actual += detail[key].amount
                if not adds_up(item.amount, [detail[key].amount]) and failed is None:
                    failed = key
        if seen:
            scope = f"table {summary[0].table_no} / table {next(iter(detail.values())).table_no}"
            checks.append(Check(name, scope + (f" first mismatch {failed}" if failed else ""),
                                expected, actual, failed is None))
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
        sides = sorted(rows[row_no], key=lambda i: i.col)
        if len(sides) >= 2:
            return sides[0], sides[-1]
    return None, None


def total_equals_basic_plus_project(table_no: int, items: list[LineItem]) -> list[Check]:
    """合计 = 基本支出 + 项目支出 + the other spending columns (上缴上级, 对附属单位补助,
    单位预留机动经费, and columns without a measure) on every row that prints a total;
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
        spending = [*basic, "project", "upper_remit", "unit_subsidy", "contingency"]
        parts = [row[m].amount for m in spending if m in row] + unnamed[row_no]
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
        check = compare("total_equals_sum_of_rows", f"table {table_no} {measure}",
                        totals[0].amount, parts)
        if not check.passed:  # say which rows: "合计 (row 16) ≠ Σ 3 rows of level 1"
            check = replace(check, scope=f"{check.scope}: {totals[0].name} (row "
                            f"{totals[0].row_no}) ≠ Σ {len(parts)} rows of level {top}")
        checks.append(check)
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
                    failed = _mismatch(parent, children)
            if evaluated:
                name = "class_equals_sum_of_items" if level == 1 else "item_equals_sum_of_subitems"
                scope = f"table {table_no} {measure}"
                if failed:
                    scope += f" first mismatch {failed}"
                checks.append(Check(name, scope, expected, actual, failed is None))
    return checks


def _mismatch(parent: LineItem, children: list[Decimal]) -> str:
    """Which parent disagrees and by how much: "30299 其他商品和服务支出 (unit 210904, row
    92) 1.85 ≠ Σ 2 items 1.86" (expected and actual sum every parent of the level)."""
    unit = f"unit {parent.unit_code}, " if parent.unit_code else ""
    return (f"{parent.code} {parent.name or ''} ({unit}row {parent.row_no}) {parent.amount}"
            f" ≠ Σ {len(children)} items {sum(children, Decimal(0))}")


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
