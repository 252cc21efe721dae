"""Column header path → measure (the vocabulary in schema.MEASURES).

The one place to teach the parser a new column heading. A header path is read from the column
heading nearest the numbers upwards: a specific heading ("人员经费") decides at once; a generic
one ("合计", "小计") takes the nearest specific heading above it ("公务用车购置及运行费 / 小计"
is vehicle_total), unless that heading only repeats what the whole table is about ("本年政府性
基金预算支出 / 合计" in a 政府性基金 table is its total).
"""

from __future__ import annotations

import re

from parsing.text import compact, squash

# (measure, words that must all appear in one heading); first match wins, so order matters.
MEASURE_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("execution_rate", ("执行率",)),
    ("execution_rate", ("完成", "%")),
    ("budget_initial", ("年初预算",)),
    ("budget_adjusted", ("调整预算",)),
    ("budget_adjusted", ("全年预算",)),
    ("final", ("决算",)),
    # 三公, and what tables print next to it
    ("operating_costs", ("机关运行经费",)),
    ("meeting", ("会议费",)),
    ("training", ("培训费",)),
    ("overseas_travel", ("出国",)),
    ("vehicle_total", ("购置及运行",)),
    ("vehicle_purchase", ("车购置",)),
    ("vehicle_operation", ("车运行",)),
    ("reception", ("接待",)),
    # spending structure
    ("personnel", ("人员经费",)),
    ("public_use", ("公用经费",)),
    ("basic", ("基本支出",)),
    ("project", ("项目支出",)),
    ("upper_remit", ("上缴上级",)),
    ("unit_subsidy", ("对附属单位补助",)),
    ("subordinate_remit", ("附属单位上缴",)),
    ("superior_subsidy", ("上级补助",)),
    ("carryover", ("上年结转",)),
    ("carryover", ("年初结转",)),
    ("carry_forward", ("结转下年",)),
    ("carry_forward", ("年末结转",)),
    ("current_year", ("当年财政拨款",)),
    ("current_year", ("本年财政拨款",)),
    # income sources / funds
    ("general_budget", ("一般公共预算",)),
    ("gov_fund", ("政府性基金",)),
    ("state_capital", ("国有资本",)),
    ("fiscal_appropriation", ("财政拨款",)),  # 财政拨款收入: the three funds together
    ("fiscal_special", ("财政专户",)),
    ("fiscal_special", ("教育收费",)),
    ("operating", ("经营收入",)),
    ("business", ("事业收入",)),
    ("other_income", ("其他收入",)),
    ("other_income", ("其他资金",)),
    ("contingency", ("机动经费",)),
    # totals
    ("total", ("合计",)),
    ("total", ("总计",)),
    ("total", ("小计",)),
    ("total", ("预算数",)),
    ("total", ("金额",)),
    ("total", ("预算",)),
]
GENERIC = {"total"}
THREE_PUBLIC = {"total", "overseas_travel", "vehicle_total", "vehicle_purchase",
                "vehicle_operation", "reception", "budget_initial", "budget_adjusted", "final",
                "execution_rate", "operating_costs", "meeting", "training"}
# per table type: measures a heading may name that only restate the table's own subject
_TABLE_SUBJECT = {
    "gov_fund": {"gov_fund"}, "gov_fund_three_public": {"gov_fund"},
    "general_budget": {"general_budget"}, "general_budget_basic": {"general_budget", "basic"},
    "general_budget_project": {"general_budget", "project"}, "state_capital": {"state_capital"},
    "operating_costs": {"operating_costs", "general_budget"},
    "fiscal_by_function": {"fiscal_appropriation"}, "fiscal_by_economic": {"fiscal_appropriation"},
}
# headings that are never amounts, whatever their cells hold
NOT_AMOUNT_WORDS = ("权重", "指标值", "序号", "人数", "编号", "代码", "编码", "名称", "分值", "度量单位",
                    "年度目标", "指标")
_NOISE = re.compile(r"^(?:\d{1,2}|\*+|栏次)$")


def heading_measure(heading: str) -> str | None:
    text = compact(heading)
    for measure, words in MEASURE_RULES:
        if all(word in text for word in words):
            return measure
    return None


def header_path(headings: list[str]) -> list[str]:
    """Headings of one column top-down, without blanks, repeats (merged cells) or column
    numbers (1 2 3 …)."""
    path: list[str] = []
    for heading in headings:
        text = squash(heading)
        repeat = bool(path) and compact(path[-1]) == compact(text)
        if text and not _NOISE.match(compact(text)) and not repeat:
            path.append(text)
    return path


def path_measure(path: list[str], table_type: str, final_accounts: bool = False) -> str | None:
    """The measure a column holds, from its header path (see module docstring). A heading
    broken over stacked cells ("公务接" / "待费") is read joined to the cells above it. In a
    决算 table a 预算数 column is budget_initial, and a 决算数 column under a heading
    (因公出国（境）费 / 决算数, 合计 / 决算数) takes that heading's measure: the final figure is
    what a final account reports; a lone 决算数 column is `final`."""
    allowed = THREE_PUBLIC if table_type in ("three_public", "gov_fund_three_public") else None
    subject = _TABLE_SUBJECT.get(table_type, set())

    def usable(measure: str | None) -> bool:
        return measure is not None and measure not in subject and (
            allowed is None or measure in allowed)

    if final_accounts and path:
        leaf = heading_measure(path[-1])
        if leaf == "total" and "预算" in compact(path[-1]):
            return "budget_initial"
        if leaf == "final":
            above = path_measure(path[:-1], table_type) if len(path) > 1 else None
            return above or "final"

    if path and heading_measure(path[-1]) is None:
        for start in range(len(path) - 2, max(len(path) - 4, -1), -1):
            joined = heading_measure("".join(path[start:]))
            if usable(joined) and joined not in GENERIC:
                return joined
    generic = None
    for heading in reversed(path):
        measure = heading_measure(heading)
        if not usable(measure):
            continue
        if measure not in GENERIC:
            return measure
        if generic is None:
            generic = measure
            if heading is not path[-1]:
                return measure  # a total heading above the leaf: the leaf is unknown
    if generic is None and any(heading_measure(h) in subject for h in path):
        return "total"  # 基本支出 alone over a 基本支出表's amounts: the table's own total
    return generic


def is_amount_heading(path: list[str]) -> bool:
    """False for headings like 权重 / 指标值 / 单位代码 whose numbers are not money."""
    leaf = compact(path[-1]) if path else ""
    return not any(word in leaf for word in NOT_AMOUNT_WORDS)
