"""Synthetic disclosures derived from the seeds, so the demo corpus spans regions, years and
document kinds with numbers whose accounting identities still hold.

Every amount is multiplied by a small integer k (an integer keeps every sum exact and every
percentage in the narrative true), the body and its region are renamed, and every year is
shifted. One document turns seed 000 into final accounts (决算) by retitling its tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from archive.demo.fixtures import SeedDoc, SeedTable, is_amount, load_seed
from parsing.tables import table_type

_YEAR = re.compile(r"(?<![\d.,])(20[0-3]\d)(?![\d.])")
_NARRATIVE_AMOUNT = re.compile(r"(?<![\d.,])(\d[\d,]*(?:\.\d+)?)(\s*万元)")


@dataclass(frozen=True)
class Variant:
    """How one synthetic document differs from its seed."""

    key: str  # stable slug: "synth-js-2023-aky"
    seed_id: str
    k: int  # every amount times k
    fiscal_year: int
    body: str
    region_code: str
    province: str
    prefecture: str | None
    county: str | None
    renames: tuple[tuple[str, str], ...]  # (seed text, new text), applied in order, longest first


VARIANTS: tuple[Variant, ...] = (
    Variant("synth-js-2023-aky", "000", 2, 2023, "江苏省安全生产科学研究院", "320000", "江苏省", None, None,
            (("四川省安全科学技术研究院", "江苏省安全生产科学研究院"), ("四川省安全技术研究院", "江苏省安全生产科学研究院"),
             ("四川省安全科学技术", "江苏省安全生产科学"), ("四川省应急管理厅", "江苏省应急管理厅"),
             ("四川省", "江苏省"), ("四川", "江苏"))),
    Variant("synth-gd-2025-aky", "000", 3, 2025, "广东省安全生产科学技术研究院", "440000", "广东省", None, None,
            (("四川省安全科学技术研究院", "广东省安全生产科学技术研究院"), ("四川省安全技术研究院", "广东省安全生产科学技术研究院"),
             ("四川省安全科学技术", "广东省安全生产科学技术"), ("四川省应急管理厅", "广东省应急管理厅"),
             ("四川省", "广东省"), ("四川", "广东"))),
    Variant("synth-sc-2024-myskjj", "001", 2, 2024, "绵阳市科学技术局", "510700", "四川省", "绵阳市", None,
            (("雅安市", "绵阳市"), ("雅安", "绵阳"), ("绍兴市", "绵阳市"))),
    Variant("synth-js-2022-szskjj", "001", 4, 2022, "苏州市科学技术局", "320500", "江苏省", "苏州市", None,
            (("雅安市", "苏州市"), ("雅安", "苏州"), ("绍兴市", "苏州市"), ("四川省", "江苏省"), ("四川", "江苏"),
             ("大熊猫", "苏绣"), ("熊猫", "苏绣"))),
    Variant("synth-gd-2023-gat", "002", 2, 2023, "广东省公安厅交通警察总队", "440000", "广东省", None, None,
            (("四川省公安厅交通警察总队", "广东省公安厅交通警察总队"), ("四川省公安厅交通警察", "广东省公安厅交通警察"),
             ("四川省公安厅", "广东省公安厅"), ("四川省", "广东省"), ("四川", "广东"), ("成渝", "粤港澳"))),
    Variant("synth-xj-2022-aksjz", "003", 3, 2022, "阿克苏市建设工程质量安全监督站", "652901", "新疆维吾尔自治区",
            "阿克苏地区", "阿克苏市",
            (("喀什地区喀什市", "阿克苏地区阿克苏市"), ("喀什地区", "阿克苏地区"), ("喀什市", "阿克苏市"))),
    Variant("synth-xj-2023-ynsjz", "003", 4, 2023, "伊宁市建设工程质量安全监督站", "654002", "新疆维吾尔自治区",
            "伊犁哈萨克自治州", "伊宁市",
            (("喀什地区喀什市", "伊犁哈萨克自治州伊宁市"), ("喀什地区", "伊犁哈萨克自治州"), ("喀什市", "伊宁市"))),
    Variant("synth-cq-2024-yylgb", "004", 5, 2024, "酉阳土家族苗族自治县老干部活动中心", "500242", "重庆市", None,
            "酉阳土家族苗族自治县",
            (("石柱土家族自治县", "酉阳土家族苗族自治县"), ("石柱", "酉阳"))),
    Variant("synth-cq-2025-pslgb", "004", 2, 2025, "彭水苗族土家族自治县老干部活动中心", "500243", "重庆市", None,
            "彭水苗族土家族自治县",
            (("石柱土家族自治县", "彭水苗族土家族自治县"), ("石柱", "彭水"))),
)

FINAL_ACCOUNTS_KEY = "final-sc-2023-aky"
FINAL_ACCOUNTS_K = 2
FINAL_ACCOUNTS_YEAR = 2023

# Seed 000's budget titles and their 决算 counterparts (most specific first).
FINAL_TITLES: tuple[tuple[str, str], ...] = (
    ("部门收支总表", "收入支出决算总表"),
    ("部门收入总表", "收入决算表"),
    ("部门支出总表", "支出决算表"),
    ("财政拨款收支预算总表", "财政拨款收入支出决算总表"),
    ("财政拨款支出预算表（部门经济分类科目）", "财政拨款支出决算表（部门经济分类科目）"),
    ("一般公共预算支出预算表", "一般公共预算财政拨款支出决算表"),
    ("一般公共预算基本支出预算表", "一般公共预算财政拨款基本支出决算表"),
    ("一般公共预算项目支出预算表", "一般公共预算财政拨款项目支出决算表"),
    ("一般公共预算“三公”经费支出预算表", "一般公共预算财政拨款“三公”经费支出决算表"),
    ("政府性基金支出预算表", "政府性基金预算财政拨款收入支出决算表"),
    ("政府性基金预算“三公”经费支出预算表", "政府性基金预算财政拨款“三公”经费支出决算表"),
    ("国有资本经营预算支出预算表", "国有资本经营预算财政拨款支出决算表"),
)


def scale_amount(text: str, k: int) -> str:
    """A printed amount times k, printed the same way (thousands commas, decimal places)."""
    value = Decimal(text.replace(",", "")) * k
    places = len(text.split(".", 1)[1]) if "." in text else 0
    printed = f"{value:,.{places}f}" if "," in text else f"{value:.{places}f}"
    return printed


def shift_years(text: str, delta: int) -> str:
    """Every year (2000–2039, not part of a code or an amount) moved by delta."""
    return _YEAR.sub(lambda m: str(int(m.group(1)) + delta), text) if delta else text


def _map_doc(doc: SeedDoc, text: Callable[[str], str], cell: Callable[[str], str]) -> SeedDoc:
    """Apply `text` to every line and `cell` to every table cell."""
    def grid(rows: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(cell(c) for c in r) for r in rows)

    tables = tuple(replace(t, title=text(t.title), label=t.label,
                           pre_lines=tuple(map(text, t.pre_lines)), header=grid(t.header),
                           rows=grid(t.rows), post_lines=tuple(map(text, t.post_lines)))
                   for t in doc.tables)
    return replace(doc, cover_lines=tuple(map(text, doc.cover_lines)),
                   narrative=tuple(map(text, doc.narrative)), tables=tables)


def derive(doc: SeedDoc, k: int, fiscal_year: int, renames: tuple[tuple[str, str], ...] = ()) -> SeedDoc:
    """The seed with amounts times k, years shifted to `fiscal_year` and names replaced."""
    delta = fiscal_year - doc.fiscal_year

    def text(line: str) -> str:
        line = shift_years(line, delta)
        for old, new in renames:
            line = line.replace(old, new)
        return _NARRATIVE_AMOUNT.sub(lambda m: scale_amount(m.group(1), k) + m.group(2), line)

    def cell(value: str) -> str:
        if is_amount(value):
            return scale_amount(value, k)
        value = shift_years(value, delta)
        for old, new in renames:
            value = value.replace(old, new)
        return value

    return replace(_map_doc(doc, text, cell), fiscal_year=fiscal_year)


def synthetic_budget(variant: Variant) -> SeedDoc:
    seed = load_seed(variant.seed_id)
    doc = derive(seed, variant.k, variant.fiscal_year, variant.renames)
    kind = "单位预算" if seed.scope == "unit" else "部门预算"
    return replace(doc, source=f"synth:{variant.key} from seed {seed.seed_id} (k={variant.k})",
                   body=variant.body, region_code=variant.region_code, province=variant.province,
                   prefecture=variant.prefecture, county=variant.county,
                   cover_lines=(variant.body, f"{variant.fiscal_year} 年{kind}"))


def synthetic_budgets() -> list[SeedDoc]:
    """~9 budgets over five provinces (四川, 江苏, 广东, 新疆, 重庆) and 2022–2025."""
    return [synthetic_budget(v) for v in VARIANTS]


_FUND_NAMES = ("一般公共预算", "政府性基金预算", "国有资本经营预算")


def as_final_accounts(text: str) -> str:
    """预算 → 决算 in a narrative line, except in the fund names (一般公共预算 …) that final
    accounts print too."""
    for i, name in enumerate(_FUND_NAMES):
        text = text.replace(name, f"\0{i}\0")
    text = text.replace("预算", "决算")
    for i, name in enumerate(_FUND_NAMES):
        text = text.replace(f"\0{i}\0", name)
    return text


def _lists_table(line: str, kinds: set[str]) -> bool:
    """A contents line (十三、单位预算项目支出绩效目标表) naming a table of one of `kinds`."""
    return len(line) <= 40 and line.endswith("表") and table_type(line) in kinds


def final_accounts() -> SeedDoc:
    """Seed 000 as the unit's 2023 final accounts: same tables retitled as 决算, 预算数 columns
    as 决算数, amounts times 2, the 绩效目标表 dropped (final accounts carry no targets), and
    with it its line in the contents."""
    seed = load_seed("000")
    doc = derive(seed, FINAL_ACCOUNTS_K, FINAL_ACCOUNTS_YEAR)
    titles = dict(FINAL_TITLES)
    tables: list[SeedTable] = []
    for table in doc.tables:
        if table.title not in titles:
            continue
        header = tuple(tuple(c.replace("预算数", "决算数") for c in row) for row in table.header)
        tables.append(replace(table, title=titles[table.title], header=header))
    dropped = {table_type(t.title) for t in doc.tables if t.title not in titles}
    narrative = tuple(as_final_accounts(line) for line in doc.narrative
                      if not _lists_table(line, dropped))
    return replace(doc, source=f"synth:{FINAL_ACCOUNTS_KEY} from seed 000 (k={FINAL_ACCOUNTS_K})",
                   doc_kind="final_accounts", tables=tuple(tables), narrative=narrative,
                   cover_lines=(seed.body, f"{FINAL_ACCOUNTS_YEAR} 年单位决算"))
