"""Found tables → typed tables: title, table_type, amount unit, header rows vs body rows.

The 13–14 standard disclosure tables are recognised by the words of their titles, which vary
by province and year ("部门收支总表", "收支预算总表", "2025年预算单位财务收支预算总表",
"收入支出决算总表" are all `income_expenditure_summary`). Rules are tried in order, most
specific first, so "政府性基金预算“三公”经费支出表" is not taken for a plain 三公 table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsing.amounts import is_blank, parse_amount, stated_unit
from parsing.codes import is_code, split_leading_code
from parsing.grid import FoundTable, Grid
from parsing.text import compact
from parsing.titles import is_label_line

# (table_type, words that must all appear in the title), first match wins
TITLE_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("overall_performance", ("整体", "绩效")),
    ("project_performance", ("绩效",)),
    ("gov_fund_three_public", ("政府性基金", "三公")),
    ("three_public", ("三公",)),
    ("operating_costs", ("机关运行经费",)),
    ("procurement", ("政府采购",)),
    ("gov_fund", ("政府性基金",)),
    ("state_capital", ("国有资本经营",)),
    ("fiscal_summary", ("财政拨款", "收", "支", "总")),
    ("fiscal_by_economic", ("财政拨款", "经济")),
    ("general_budget_basic", ("一般公共预算财政拨款基本支出",)),  # the 决算 title
    ("fiscal_by_economic", ("财政拨款基本支出",)),
    ("general_budget_basic", ("一般公共预算", "基本支出")),
    ("general_budget_project", ("一般公共预算", "项目支出")),
    ("general_budget", ("一般公共预算", "支出")),
    ("fiscal_by_function", ("财政拨款支出",)),
    ("income_expenditure_summary", ("收入支出", "总")),
    ("income_expenditure_summary", ("收支", "总")),
    ("income_summary", ("收入", "总")),
    ("income_summary", ("收入决算表",)),
    ("expenditure_summary", ("支出", "总表")),
    ("expenditure_summary", ("支出总体情况",)),
    ("expenditure_summary", ("支出决算表",)),
]
_TABLE_NUMBER = re.compile(r"^(?:公开)?(?:[\d一二三四五六七八九十]+表|表[\d一二三四五六七八九十][\d一二三四五六七八九十\-—]*)[：:]?$")
_NUMBERING = re.compile(
    r"^(?:第[一二三四五六七八九十]+部分)?\s*(?:[一二三四五六七八九十]+[、.．]|\d+[、.．]|"
    r"表[一二三四五六七八九十\d]+[：:、]?|公开\s*\d+\s*表[：:]?)\s*")
_TOTAL_LABEL = re.compile(r"^(?:[一二三四五六七八九十]+、)?(?:本年)?(?:收入|支出)?(?:合计|总计)$")
_INDEX_ROW_VALUE = re.compile(r"^\d{1,2}$|^\*+$|^栏次$")


@dataclass
class TypedTable:
    table_no: int
    table_type: str
    title_raw: str | None
    page_start: int
    page_end: int
    amount_unit: str
    grid: Grid
    header_rows: int
    is_empty: bool
    flags: list[str] = field(default_factory=list)
    in_final_accounts: bool = False  # the document is a 决算 (set once its cover is read)

    @property
    def final_accounts(self) -> bool:
        """A 决算 table (by its title, or in a 决算 document whose table's title was not
        read): its 预算数 columns are the budget it is compared with."""
        return self.in_final_accounts or "决算" in (self.title_raw or "")

    @property
    def n_rows(self) -> int:
        return self.grid.n_rows

    @property
    def n_cols(self) -> int:
        return self.grid.n_cols


def table_type(title: str | None) -> str:
    """The vocabulary name for a table title; "other" when no rule matches."""
    text = compact(title)
    if not text:
        return "other"
    for name, words in TITLE_RULES:
        if all(word in text for word in words):
            return name
    return "other"


def choose_title(caption: list[str]) -> str | None:
    """The caption line closest to the table that names a known table, else the closest one
    that looks like a title at all (ends in 表); a title broken over two lines is rejoined."""
    fallback = None
    for i in range(len(caption) - 1, -1, -1):
        line = caption[i].strip()
        if not line or is_label_line(line) or _TABLE_NUMBER.match(compact(line)):
            continue
        candidate = line
        previous = caption[i - 1] if i > 0 else ""
        if previous and table_type(line) == "other" and len(compact(line)) <= 8 \
                and not is_label_line(previous) and not _TABLE_NUMBER.match(compact(previous)):
            candidate = previous.strip() + line
        if table_type(candidate) != "other":
            return clean_title(candidate)
        if fallback is None and re.search(r"表\s*(?:[(（][^)）]*[)）])?$", compact(candidate)):
            fallback = clean_title(candidate)
    return fallback


def clean_title(line: str) -> str:
    """The title without its numbering ("一、", "公开 01 表：") and surrounding spaces."""
    return _NUMBERING.sub("", line.strip()).strip()


def caption_unit(caption: list[str], grid: Grid) -> str | None:
    """The unit the caption (closest line first) or a header cell states."""
    for line in reversed(caption):
        unit = stated_unit(line)
        if unit:
            return unit
    for cell in grid.cells:
        if cell.row < 4:
            unit = stated_unit(cell.text)
            if unit:
                return unit
    return None


def count_header_rows(grid: Grid) -> int:
    """Rows before the first one that carries data: an amount, a classification code, or a
    total row (合计 alone, or with amounts)."""
    printed = grid.printed()
    for r, row in enumerate(printed):
        if is_data_row(row):
            return r
    return grid.n_rows


def is_data_row(row: list[str]) -> bool:
    texts = [t for t in (cell.strip() for cell in row) if t]
    if not texts:
        return False
    if all(_INDEX_ROW_VALUE.match(compact(t)) for t in texts):
        return False  # column numbers 1 2 3 … or ** markers under the header
    amounts = [t for t in texts if parse_amount(t) is not None]
    words = [t for t in texts if parse_amount(t) is None and not is_blank(t)]
    if any(("." in t or "," in t) and parse_amount(t) is not None for t in texts):
        return True
    if any(is_code(t) or split_leading_code(t)[0] for t in texts):
        return True
    return bool(words) and len(words) == 1 and bool(_TOTAL_LABEL.match(compact(words[0]))) \
        or bool(amounts) and len(words) <= 1 and len(amounts) >= len(texts) - 1 and len(texts) > 1


def body_is_empty(grid: Grid, header_rows: int) -> bool:
    """No amount printed anywhere in the body: the table says 本表无数据 by its emptiness."""
    return not any(cell.row >= header_rows and not is_code(cell.text)
                   and parse_amount(cell.text) is not None for cell in grid.cells)


def type_table(found: FoundTable, table_no: int, default_unit: str) -> TypedTable:
    """A found (and stitched) table with its title, type, unit and header/body split."""
    title = choose_title(found.caption)
    header_rows = count_header_rows(found.grid)
    unit = caption_unit(found.caption, found.grid) or default_unit
    flags = list(found.flags)
    if header_rows == 0:
        flags.append("header_uncertain")
    return TypedTable(
        table_no=table_no, table_type=table_type(title), title_raw=title,
        page_start=found.page, page_end=found.last_page or found.page, amount_unit=unit,
        grid=found.grid, header_rows=header_rows,
        is_empty=body_is_empty(found.grid, header_rows), flags=flags,
    )


_ELSEWHERE = re.compile(r"(?:公开)?表(?:样|格)?(?:附后|另附|见附件)|附件[:：]?.{0,30}(?:公开)?表")


def tables_published_elsewhere(lines: list[str]) -> str | None:
    """The sentence saying a document's tables are attached separately ("2019年部门预算公开表
    附后", "具体公开表样附后", "附件：…预算公开表"), if it says so: a narrative that prints no
    table is then complete, not partly read."""
    for line in lines:
        if _ELSEWHERE.search(compact(line)):
            return line.strip()
    return None
