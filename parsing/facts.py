"""Figures the narrative (情况说明) states in words → `facts` rows, each with its sentence.

The text states what researchers otherwise cannot get from the tables — staff (编制 / 实有人数),
vehicles, 机关运行经费, 政府采购 — and restates the tables' totals, which lets the checks
compare the words with the tables. Each rule is one phrasing seen in real disclosures; a
figure is read only right after its key words ("收入支出总计 2995.39 万元"), never guessed from
a distance, so a sentence the rules do not know yields nothing rather than something wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from parsing.amounts import parse_amount, to_wanyuan
from parsing.narrative import Sentence

NUMBER = r"(?P<v>\d[\d,]*(?:\.\d+)?)"
MONEY = NUMBER + r"(?P<u>万元|亿元|元)"
_IS = r"(?:为|是|共|共计|合计|总计)?"
_BUDGETED = r"(?:预算|决算)?(?:支出)?(?:数|总额|总金额|金额)?"
_PEOPLE = NUMBER + r"(?P<u>名|人)"
_LABEL = r"(?P<label>[\u4e00-\u9fff]{2,24}?)"


@dataclass(frozen=True)
class Fact:
    name: str  # schema.FACT_NAMES
    label: str | None  # the classification name for per-class figures
    value: Decimal  # 万元 for money, else in `unit`
    unit: str  # 万元 | 人 | 辆
    sentence: str
    page: int


# (name, pattern, context): the pattern must match with a figure in group v (and its unit in
# group u); `context`, when given, must appear in the same sentence. First rule that claims a
# figure's position wins, so the specific rules come first.
RULES: list[tuple[str, str, str | None]] = [
    ("fiscal_total", r"财政拨款收入?、?支出?(?:决算|预算)?总(?:计|预算)各?" + _IS + MONEY, None),
    ("income_expenditure_total", r"收入、?支出(?:决算|预算)?总计各?" + _IS + MONEY, None),
    ("income_expenditure_total", r"收、?支(?:预算)?总(?:计|预算)各?" + _IS + MONEY, None),
    ("income_total", r"本年收入合计" + _IS + MONEY, None),
    ("income_total", r"(?<!拨款)(?<!预算)(?<!基金)(?<!经营)(?<!事业)(?<!其他)(?<!资金)收入预算(?:总计|合计)?"
     + _IS + MONEY, None),
    ("expenditure_total", r"本年支出合计" + _IS + MONEY, None),
    ("expenditure_total", r"(?<!拨款)(?<!预算)(?<!基本)(?<!项目)支出预算(?:总计|合计)?" + _IS + MONEY,
     None),
    ("general_budget_basic", r"一般公共预算(?:财政)?拨款基本支出" + _BUDGETED + _IS + MONEY, None),
    ("general_budget_total", r"一般公共预算(?:财政)?拨款支出" + _BUDGETED + _IS + MONEY, None),
    ("general_budget_class", _LABEL + r"（类）(?P<tail>支出)?" + MONEY, "一般公共预算"),
    ("basic", r"(?<!拨款)基本支出(?:预算)?(?:数)?" + _IS + MONEY, "支出合计|支出预算|支出总计"),
    ("project", r"(?<!拨款)项目支出(?:预算)?(?:数)?" + _IS + MONEY, "支出合计|支出预算|支出总计"),
    ("personnel", r"人员经费(?:合计)?" + _IS + MONEY, None),
    ("public_use", r"(?<!日常)公用经费(?:合计)?" + _IS + MONEY, None),
    ("three_public_final", r"三公”?经费(?:财政拨款)?(?:支出)?(?:年初预算为?[\d,.]+万元[,，])?"
     r"支出决算(?:数)?" + _IS + MONEY, None),
    ("three_public_budget", r"三公”?经费(?:财政拨款)?(?:支出)?(?:年初)?预算(?:数)?" + _IS + MONEY,
     None),
    ("operating_costs", r"(?:机关|财政拨款)运行经费(?:预算)?(?:支出)?(?:预算)?(?:数)?" + _IS + MONEY,
     None),
    ("procurement_total", r"(?<!拨款)政府采购(?:支出)?(?:预算)?(?:总金额|总额|金额)?(?:（[^）]{0,12}）)?"
     + _IS + MONEY, None),
    ("procurement_goods", r"(?:拟购买|采购)?货物(?:采购)?(?:支出)?(?:预算)?(?:金额)?" + _IS + MONEY, "采购"),
    ("procurement_works", r"(?:拟购买|采购)?工程(?:采购)?(?:支出)?(?:预算)?(?:金额)?" + _IS + MONEY, "采购"),
    ("procurement_services", r"(?:拟购买|采购)?服务(?:采购)?(?:支出)?(?:预算)?(?:金额)?" + _IS + MONEY, "采购"),
    ("vehicles", r"共有(?:车辆)?" + NUMBER + r"(?P<u>辆)", "车"),
    ("vehicles", r"公务用车保有量" + _IS + NUMBER + r"(?P<u>辆)", None),
    ("staff_actual", r"实有(?:在职)?(?:人员|人数)" + _IS + _PEOPLE, None),
    ("staff_authorized", r"(?<!行政)(?<!事业)(?<!附属)(?<!政法)编制(?:数|人数)?" + _IS + _PEOPLE,
     None),
]
_COMPILED = [(name, re.compile(pattern), re.compile(context) if context else None)
             for name, pattern, context in RULES]


def sentence_facts(sentence: Sentence) -> list[Fact]:
    """Every figure one sentence states that a rule recognises, in order of position."""
    text = sentence.text
    claimed: set[int] = set()
    found: list[tuple[int, Fact]] = []
    for name, pattern, context in _COMPILED:
        if context and not context.search(text):
            continue
        for match in pattern.finditer(text):
            start = match.start("v")
            if start in claimed:
                continue
            value = parse_amount(match.group("v"))
            if value is None:
                continue
            unit = match.group("u")
            if unit in ("万元", "元", "亿元"):
                value, unit = to_wanyuan(value, unit), "万元"
            elif unit == "名":
                unit = "人"
            label = None
            if "label" in pattern.groupindex:
                label = match.group("label") + (match.group("tail") or "")
            claimed.add(start)
            found.append((start, Fact(name, label, value, unit, text, sentence.page)))
    return [fact for _, fact in sorted(found, key=lambda pair: pair[0])]


def extract_facts(found: list[Sentence]) -> list[Fact]:
    """All facts of a document, in reading order."""
    return [fact for sentence in found for fact in sentence_facts(sentence)]
