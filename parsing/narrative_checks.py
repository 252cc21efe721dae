"""Does the narrative (情况说明) agree with the tables, and with itself?

The 情况说明 restates the tables' totals and explains them with rates: "完成年初预算的 98.20%",
"占 71.73%", "增长 1.87%", "决算数小于预算数". Each statement is checked against the figures it
is computed from. Figures are printed rounded, so a stated percentage passes when some value
within the rounding of its figures gives it (rounded, cut off or rounded up: all three are in
use); a check whose figures are not all stated is not emitted (see checks.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from parsing.amounts import parse_amount, rounding
from parsing.checks import Check, compare, stated
from parsing.facts import Fact
from parsing.lineitems import LineItem
from parsing.narrative import Sentence, paragraphs
from parsing.tables import TypedTable
from parsing.text import compact

N = r"\d[\d,]*(?:\.\d+)?"
HUNDRED = Decimal(100)
_EXCERPT = 60

_TOTALS = ("total", "final")
# fact name → (table types, row names in order of preference, measures): see checks.stated.
TABLE_FIGURES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "income_expenditure_total": (("income_expenditure_summary",), ("总计", "收入总计", "收入合计"),
                                 _TOTALS),
    "income_total": (("income_expenditure_summary",), ("本年收入合计", "收入合计"), _TOTALS),
    "expenditure_total": (("income_expenditure_summary",), ("本年支出合计", "支出合计"), _TOTALS),
    "basic": (("expenditure_summary",), ("合计", "总计"), ("basic",)),
    "project": (("expenditure_summary",), ("合计", "总计"), ("project",)),
    "fiscal_total": (("fiscal_summary",), ("总计", "收入总计", "收入合计"), _TOTALS),
    "general_budget_total": (("general_budget",), ("合计", "总计"), _TOTALS),
    "general_budget_basic": (("general_budget",), ("合计", "总计"), ("basic",)),
    "personnel": (("general_budget_basic", "fiscal_by_economic"), ("人员经费合计", "人员经费"),
                  _TOTALS),
    "public_use": (("general_budget_basic", "fiscal_by_economic"), ("公用经费合计", "公用经费"),
                   _TOTALS),
    "operating_costs": (("operating_costs",), ("合计", "总计"), _TOTALS),
    "procurement_total": (("procurement",), ("合计", "总计"), _TOTALS),
}

_COMPLETION = re.compile(
    rf"(?P<k1>年初|全年|调整)?预算数?为(?P<b1>{N})万元[,，]?(?:(?P<k2>全年|调整)预算数?为(?P<b2>{N})万元[,，]?)?"
    rf"(?:支出)?决算数?为(?P<f>{N})万元")
_RATE = re.compile(rf"完成(?P<which>年初|全年|调整)?预算数?的(?P<p>{N})\s?%")
_DIRECTION = re.compile(r"决算数?(?P<rel>大于|小于|等于|高于|低于|超过)(?P<which>年初|全年|调整)?预算数?"
                        r"|决算数?(?:与|同)(?P<which2>年初|全年|调整)?预算数?(?P<roughly>基本)?持平")
_SHARE_BASE = re.compile(rf"(?P<t>{N})万元[,，]?(?:其中|主要用于)")
_SHARE = re.compile(rf"(?P<a>{N})万元[,，]?占(?P<p>{N})\s?%")
_CHANGE = re.compile(
    rf"(?P<t>{N})万元[。,，]?(?:与|比)(?:上年|\d{{4}}年度?)(?:相比)?[,，]?[^。；]{{0,30}}?"
    rf"(?P<d>增加|减少)(?P<x>{N})万元[,，]?(?P<d2>增长|下降|减少|增加)(?P<p>{N})\s?%")


def narrative_checks(found: list[Sentence], facts: list[Fact], items: list[LineItem],
                     tables: list[TypedTable], final_accounts: bool) -> list[Check]:
    """Every statement of the narrative that can be checked, in reading order by kind."""
    return [*facts_match_tables(facts, items, tables, final_accounts),
            *completion_rates(found), *shares(found), *changes(found),
            *procurement_parts(facts)]


def excerpt(text: str, page: int) -> str:
    return f"page {page}: {text[:_EXCERPT]}"


def ratio_matches(stated: Decimal, part: Decimal, whole: Decimal) -> bool:
    """`stated` % is part / whole for some values within the rounding of the two figures."""
    h_part, h_whole = rounding(part), rounding(whole)
    if whole - h_whole <= 0:
        return False
    low = max(part - h_part, Decimal(0)) / (whole + h_whole) * HUNDRED
    high = (part + h_part) / (whole - h_whole) * HUNDRED
    return percent_matches(stated, low, high)


def percent_matches(stated: Decimal, low: Decimal, high: Decimal) -> bool:
    """Some value in [low, high] gives `stated` rounded, cut off or rounded up to its last
    digit (all three are in use): it lies within one unit of that digit."""
    unit = 2 * rounding(stated)
    return low < stated + unit and high > stated - unit


def _ratio_check(name: str, scope: str, stated: Decimal, part: Decimal, whole: Decimal) -> Check:
    actual = (part / whole * HUNDRED).quantize(stated) if whole else Decimal(0)
    return Check(name, scope, stated, actual, ratio_matches(stated, part, whole))


# ---- narrative figures against the tables ----------------------------------------------

def table_figure(name: str, label: str | None, items: list[LineItem], tables: list[TypedTable],
                 final_accounts: bool) -> tuple[Decimal, str] | None:
    """What the tables state for a fact, and where; None when no table states it."""
    if name in ("three_public_budget", "three_public_final"):
        return _three_public_figure(name, items, tables, final_accounts)
    if name == "general_budget_class" and label:
        return _class_figure(label, items)
    if name not in TABLE_FIGURES:
        return None
    item = stated(items, *TABLE_FIGURES[name])
    if item is not None:
        return item.amount, f"table {item.table_no}"
    if name == "operating_costs":
        return _first(items, "three_public", ("operating_costs",))
    return None


def _first(items: list[LineItem], table_type: str,
           measures: tuple[str, ...]) -> tuple[Decimal, str] | None:
    """The first row's (合计's) figure of the first table of the type, leftmost column."""
    found = [i for i in items if i.table_type == table_type and i.measure in measures]
    if not found:
        return None
    table = min(i.table_no for i in found)
    first = min((i for i in found if i.table_no == table), key=lambda i: (i.row_no, i.col))
    return first.amount, f"table {table}"


def _three_public_figure(name: str, items: list[LineItem], tables: list[TypedTable],
                         final_accounts: bool) -> tuple[Decimal, str] | None:
    """三公 total: an empty 三公 table (本表无数据) states zero. In final accounts the first
    预算数 column is the budget and the first 决算数 the final figure (read as budget_initial
    and total under a 决算 title, as total and final where the table's own title was not
    read); a 决算 table without 预算数 columns states no budget."""
    empty = [t for t in tables if t.table_type == "three_public" and t.is_empty]
    if empty and not any(i.table_type == "three_public" for i in items):
        return Decimal(0), f"table {empty[0].table_no} (empty)"
    if not final_accounts:
        measures: tuple[str, ...] = ("total",)
    elif name == "three_public_budget":
        if _measured(items, "budget_initial"):
            measures = ("budget_initial",)
        elif _measured(items, "final"):
            measures = ("total",)
        else:
            return None
    else:
        measures = ("final",) if _measured(items, "final") else ("total",)
    return _first(items, "three_public", measures)


def _measured(items: list[LineItem], measure: str) -> bool:
    return any(i.table_type == "three_public" and i.measure == measure for i in items)


def _class_figure(label: str, items: list[LineItem]) -> tuple[Decimal, str] | None:
    """A 类's figure in the first 一般公共预算支出表 (the class named as in the narrative)."""
    tables = sorted({i.table_no for i in items if i.table_type == "general_budget"})
    if not tables:
        return None
    key = compact(label).removesuffix("支出")
    for item in items:
        if item.table_no == tables[0] and item.code_level == 1 and item.measure in _TOTALS \
                and item.name and compact(item.name).removesuffix("支出") == key:
            return item.amount, f"table {tables[0]}"
    return None


def facts_match_tables(facts: list[Fact], items: list[LineItem], tables: list[TypedTable],
                       final_accounts: bool) -> list[Check]:
    """Each amount the narrative states equals the one the tables state for it."""
    checks = []
    for fact in facts:
        figure = table_figure(fact.name, fact.label, items, tables, final_accounts)
        if figure is None or fact.unit != "万元":
            continue
        amount, where = figure
        subject = fact.name + (f" {fact.label}" if fact.label else "")
        checks.append(compare("narrative_matches_table",
                              f"{subject} / {where} / {excerpt(fact.sentence, fact.page)}",
                              fact.value, [amount]))
    return checks


# ---- the narrative's own arithmetic -----------------------------------------------------

def _paragraph_texts(found: list[Sentence]) -> Iterable[tuple[str, int]]:
    for group in paragraphs(found):
        yield "".join(s.text for s in group), group[0].page


def completion_rates(found: list[Sentence]) -> list[Check]:
    """"年初预算为 A 万元，支出决算为 B 万元，完成年初预算的 P%" (P = B / A) and "决算数小于
    预算数" (B < A): each budget-against-final statement with what follows it up to the next."""
    checks = []
    for text, page in _paragraph_texts(found):
        matches = list(_COMPLETION.finditer(text))
        for n, match in enumerate(matches):
            end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
            after = text[match.end():end]
            budgets = {match.group("k1") or "年初": parse_amount(match.group("b1"))}
            if match.group("b2"):
                budgets[match.group("k2")] = parse_amount(match.group("b2"))
            final = parse_amount(match.group("f"))
            latest = list(budgets.values())[-1]
            scope = excerpt(text[match.start():end], page)
            rate = _RATE.search(after)
            if rate and final is not None:
                budget = budgets.get(rate.group("which") or "", latest)
                stated = parse_amount(rate.group("p"))
                if budget is not None and stated is not None:
                    checks.append(_ratio_check("narrative_rate_matches_figures", scope, stated,
                                               final, budget))
            direction = _DIRECTION.search(after)
            if direction and final is not None and not direction.group("roughly"):
                budget = budgets.get(direction.group("which") or direction.group("which2") or "",
                                     latest)
                if budget is not None:
                    checks.append(_direction_check(scope, direction.group("rel"), final, budget))
    return checks


def _direction_check(scope: str, relation: str | None, final: Decimal, budget: Decimal) -> Check:
    """大于 / 小于 / 等于 (or 持平) as stated, between the two figures as printed."""
    if relation in ("大于", "高于", "超过"):
        passed = final > budget
    elif relation in ("小于", "低于"):
        passed = final < budget
    else:
        passed = final == budget
    return Check("narrative_direction_matches_figures", f"{relation or '持平'} / {scope}", budget,
                 final, passed)


def shares(found: list[Sentence]) -> list[Check]:
    """"T 万元，其中：a 万元，占 p%" (p = a / T) within one sentence."""
    checks = []
    for sentence in found:
        base = _SHARE_BASE.search(sentence.text)
        if not base:
            continue
        whole = parse_amount(base.group("t"))
        for match in _SHARE.finditer(sentence.text, base.end()):
            part, stated = parse_amount(match.group("a")), parse_amount(match.group("p"))
            if whole is None or part is None or stated is None:
                continue
            start = max(sentence.text.rfind(mark, 0, match.start()) for mark in "；：;:") + 1
            scope = excerpt(sentence.text[start:match.end()], sentence.page)
            checks.append(_ratio_check("narrative_share_matches_figures", scope, stated, part,
                                       whole))
    return checks


def changes(found: list[Sentence]) -> list[Check]:
    """"T 万元，比上年增加 x 万元，增长 p%" (p = x / (T − x)); a change from zero is not
    checked (no rate exists)."""
    checks = []
    for text, page in _paragraph_texts(found):
        for match in _CHANGE.finditer(text):
            total, change = parse_amount(match.group("t")), parse_amount(match.group("x"))
            stated = parse_amount(match.group("p"))
            if total is None or change is None or stated is None:
                continue
            before = total - change if match.group("d") == "增加" else total + change
            if before - rounding(total) - rounding(change) <= 0:
                continue
            scope = excerpt(text[match.start():match.end()], page)
            h = rounding(total) + rounding(change)
            low = max(change - rounding(change), Decimal(0)) / (before + h) * HUNDRED
            high = (change + rounding(change)) / (before - h) * HUNDRED
            passed = percent_matches(stated, low, high)
            checks.append(Check("narrative_change_matches_figures", scope, stated,
                                (change / before * HUNDRED).quantize(stated), passed))
    return checks


def procurement_parts(facts: list[Fact]) -> list[Check]:
    """政府采购 total = 货物 + 工程 + 服务, where one sentence states all four."""
    checks = []
    by_sentence: dict[tuple[str, int], dict[str, Decimal]] = {}
    for fact in facts:
        if fact.name.startswith("procurement_"):
            by_sentence.setdefault((fact.sentence, fact.page), {}).setdefault(fact.name,
                                                                              fact.value)
    for (sentence, page), values in by_sentence.items():
        parts = [values.get(f"procurement_{p}") for p in ("goods", "works", "services")]
        if "procurement_total" in values and all(p is not None for p in parts):
            checks.append(compare("narrative_parts_add_up",
                                  f"procurement / {excerpt(sentence, page)}",
                                  values["procurement_total"], [p for p in parts if p is not None]))
    return checks
