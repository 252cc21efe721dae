"""Typed table → line items: one row per (body row, amount column) where an amount is printed.

Columns are first given roles — classification code (whole, or split over 类/款/项), unit code,
name, amount — from their headings and what their body cells hold. A two-sided table (收入 |
支出 side by side) is several column groups, each a name (and code) followed by amounts; every
group yields its own items. Amounts are converted to 万元 exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from parsing.amounts import adds_up, is_blank, parse_amount, to_wanyuan
from parsing.codes import (classification, code_level, is_code, join_split_code,
                           split_leading_code)
from parsing.grid import BBox, Cell
from parsing.measures import header_path, is_amount_heading, path_measure
from parsing.tables import TypedTable
from parsing.text import compact, squash

_SPLIT_PART = {"类": 0, "款": 1, "项": 2}
_UNIT_CODE_HEADING = re.compile(r"单位(?:代码|编码)")
_CODE_HEADING = re.compile(r"(?:科目)?(?:编码|代码)$|^科目编码|编码$")
_SKIP_HEADING = re.compile(r"^序号$")
_TOTAL_NAME = re.compile(r"(?:合计|总计)$")
_FUNCTIONAL_TABLES = {"expenditure_summary", "income_summary", "general_budget", "gov_fund",
                      "state_capital", "general_budget_project"}
_ECONOMIC_TABLES = {"general_budget_basic", "fiscal_by_economic"}
_TWO_SIDED = {"income_expenditure_summary", "fiscal_summary"}


@dataclass
class LineItem:
    table_no: int
    row_no: int
    col: int  # the amount's grid column (0-based, as cells.col): with row_no, the row's key
    table_type: str
    classification: str
    code: str | None
    code_level: int | None
    name: str | None
    unit_code: str | None
    unit_name: str | None
    measure: str | None
    measure_raw: str
    amount: Decimal
    amount_raw: str
    page: int
    bbox: BBox


@dataclass
class ColumnGroup:
    """Columns read together: code parts, whole code, unit code, name, then amounts."""

    split_code: dict[int, int] = field(default_factory=dict)  # 0/1/2 (类/款/项) → column
    code: int | None = None
    unit_code: int | None = None
    names: list[int] = field(default_factory=list)
    amounts: list[int] = field(default_factory=list)
    side: int = 0  # 0 for the first group (收入 in a two-sided table), 1, 2 … after it


def column_paths(table: TypedTable) -> list[list[str]]:
    """Each column's header path, reading merged headings through their span."""
    filled = table.grid.filled()[:table.header_rows]
    return [header_path([row[c] for row in filled]) for c in range(table.n_cols)]


def column_roles(table: TypedTable, paths: list[list[str]]) -> list[str]:
    """split:0/1/2, code, unit_code, skip, amount or text for every column. Headings decide
    first (a column headed 基本支出 holds amounts even when they look like codes, "237");
    the cells decide for columns whose heading says nothing."""
    body = table.grid.printed()[table.header_rows:]
    performance = table.table_type in ("project_performance", "overall_performance")
    roles = []
    for c, path in enumerate(paths):
        leaf = compact(path[-1]) if path else ""
        values = [row[c] for row in body if not is_blank(row[c])]
        numeric = bool(values) and sum(parse_amount(v) is not None for v in values) \
            >= 0.8 * len(values)
        measure = path_measure(path, table.table_type, table.final_accounts)
        money = is_amount_heading(path)
        if leaf not in _SPLIT_PART and body and compact(body[0][c]) in _SPLIT_PART:
            leaf = compact(body[0][c])  # 类 / 款 / 项 printed on the 合计 row
        if not values and not (measure and money):
            roles.append("skip")  # nothing printed below: a sliver between rulings
        elif leaf in _SPLIT_PART:
            roles.append(f"split:{_SPLIT_PART[leaf]}")
        elif any(_UNIT_CODE_HEADING.search(compact(h)) for h in path[-1:]):
            roles.append("unit_code")
        elif _SKIP_HEADING.match(leaf):
            roles.append("skip")
        elif _CODE_HEADING.search(leaf):
            roles.append("code")
        elif measure and money and (numeric or not values):
            roles.append("amount")  # (an empty amount column: 本表无数据)
        elif values and all(is_code(v) for v in values):
            roles.append("code")
        elif numeric and money and not performance:
            roles.append("amount")
        else:
            roles.append("text")
    return roles


def column_groups(roles: list[str]) -> list[ColumnGroup]:
    groups: list[ColumnGroup] = []
    current = ColumnGroup()
    for c, role in enumerate(roles):
        if role not in ("amount", "skip") and current.amounts:
            groups.append(current)
            current = ColumnGroup(side=len(groups))
        if role.startswith("split:"):
            current.split_code[int(role[6:])] = c
        elif role == "code":
            current.code = c
        elif role == "unit_code":
            current.unit_code = c
        elif role == "text":
            current.names.append(c)
        elif role == "amount":
            current.amounts.append(c)
    if current.amounts:
        groups.append(current)
    return groups


@dataclass(frozen=True)
class RowLabel:
    """What a body row is about: its code, name and the unit it belongs to."""

    code: str | None
    name: str | None
    unit_code: str | None
    unit_name: str | None


def row_labels(table: TypedTable, group: ColumnGroup) -> list[RowLabel]:
    """Labels of the body rows, in order. Blank 类/款 continue the row above. In multi-unit
    tables a row without a classification code names the unit whose coded rows follow (with
    its unit code, or with the unit code printed on those rows); a 单位代码 column that holds
    the full economic code (30101 under 301 01) is read as the code."""
    labels = []
    previous: str | None = None
    unit: tuple[str | None, str | None] = (None, None)  # (unit code, unit name) of the block
    for row in table.grid.printed()[table.header_rows:]:
        code, name = row_code_and_name(row, group, previous)
        raw_unit = compact(row[group.unit_code]) if group.unit_code is not None else ""
        if raw_unit and is_code(raw_unit) and (code is None or raw_unit.startswith(code)):
            code, raw_unit = raw_unit, ""
        unit_code = raw_unit if raw_unit[:1].isdigit() else None
        if code is None and not (name and _TOTAL_NAME.search(compact(name))):
            unit = (unit_code, name)  # a unit's heading row (or a subtotal): opens a block
        elif code and unit_code is None:
            unit_code = unit[0]
        if code is None:
            unit_name = name if unit_code else None
        else:
            unit_name = unit[1] if unit_code and unit[0] in (None, unit_code) else None
        if code:
            previous = code
        labels.append(RowLabel(code, name, unit_code, unit_name))
    return labels


def extract_line_items(table: TypedTable) -> tuple[list[LineItem], bool]:
    """Every printed amount of the table's body as a line item; also whether column measures
    had to be repaired from the table's identities (see `repair_three_public`)."""
    if table.is_empty:
        return [], False
    paths = column_paths(table)
    groups = column_groups(column_roles(table, paths))
    printed = table.grid.printed()
    origin: dict[tuple[int, int], Cell] = {(c.row, c.col): c for c in table.grid.cells}
    items: list[LineItem] = []
    repaired = False
    for group in groups:
        labels = row_labels(table, group)
        coded = any(label.code for label in labels)
        measures = {c: path_measure(paths[c], table.table_type, table.final_accounts)
                    for c in group.amounts}
        if table.table_type in ("three_public", "gov_fund_three_public"):
            measures = three_public_total(measures, paths)
            measures, fixed = repair_three_public(measures, printed[table.header_rows:])
            repaired = repaired or fixed
        for r, label in enumerate(labels, start=table.header_rows):
            kind = row_classification(table.table_type, group, label.code, label.name)
            if coded and not label.code and kind in ("functional", "economic"):
                kind = "none"  # a unit or subtotal row among coded rows
            for c in group.amounts:
                raw = printed[r][c]
                amount = parse_amount(raw)
                if amount is None:
                    continue
                cell = origin[(r, c)]
                items.append(LineItem(
                    table_no=table.table_no, row_no=r - table.header_rows + 1, col=c,
                    table_type=table.table_type, classification=kind, code=label.code,
                    code_level=code_level(label.code), name=label.name,
                    unit_code=label.unit_code, unit_name=label.unit_name,
                    measure=measures[c], measure_raw=" / ".join(paths[c]),
                    amount=to_wanyuan(amount, table.amount_unit), amount_raw=raw.strip(),
                    page=cell.page, bbox=cell.bbox,
                ))
    return items, repaired


def three_public_total(measures: dict[int, str | None],
                       paths: list[list[str]]) -> dict[int, str | None]:
    """Where a table adds 会议费 and 培训费 to the 三公, its 合计 is not the 三公 total: the
    total is the column under the “三公”经费 heading."""
    totals = [c for c, m in measures.items() if m == "total"]
    under = [c for c in totals if any("三公" in h for h in paths[c])]
    if len(totals) > 1 and under:
        return {c: (None if c in totals and c not in under else m) for c, m in measures.items()}
    return measures


_THREE_PUBLIC_PARTS = ("overseas_travel", "vehicle_total", "vehicle_purchase",
                       "vehicle_operation", "reception")


def repair_three_public(measures: dict[int, str | None],
                        body: list[list[str]]) -> tuple[dict[int, str | None], bool]:
    """三公 headers are often shifted by merged cells in the export (公务接待费 printed over
    the 公务用车运行费 column). The table must satisfy total = 出国 + 公务用车 + 接待 and
    公务用车 = 购置 + 运行 on every row; if the headings as printed break that and exactly one
    swap of two part columns satisfies it, the swap is taken."""
    if not _three_public_holds(measures, body) and body:
        parts = [c for c, m in measures.items() if m in _THREE_PUBLIC_PARTS]
        fixes = []
        for i, a in enumerate(parts):
            for b in parts[i + 1:]:
                swapped = {**measures, a: measures[b], b: measures[a]}
                if _three_public_holds(swapped, body):
                    fixes.append(swapped)
        if len(fixes) == 1:
            return fixes[0], True
    return measures, False


def _three_public_holds(measures: dict[int, str | None], body: list[list[str]]) -> bool:
    column = {m: c for c, m in measures.items() if m}
    if "total" not in column or len(column) < 4 or None in measures.values():
        return True  # nothing to test against, or columns the identity does not cover
    for row in body:
        value = {m: parse_amount(row[c]) for m, c in column.items()}
        total = value.get("total")
        if total is None:
            continue
        vehicle = value.get("vehicle_total")
        parts = [value.get(m) or Decimal(0) for m in ("overseas_travel", "reception")]
        pieces = [value.get(m) or Decimal(0) for m in ("vehicle_purchase", "vehicle_operation")]
        if vehicle is None:
            vehicle = sum(pieces, Decimal(0))
        elif ("vehicle_purchase" in column or "vehicle_operation" in column) \
                and not adds_up(vehicle, pieces):
            return False
        if not adds_up(total, [vehicle, *parts]):
            return False
    return True


def row_code_and_name(row: list[str], group: ColumnGroup,
                      previous: str | None) -> tuple[str | None, str | None]:
    """The row's normalised code (from split columns, a code column or the name's prefix)
    and its name; a row labelled only in a code column (合 计 across 类/款/项) keeps that."""
    code = None
    if group.split_code:
        parts = [row[group.split_code[i]] if i in group.split_code else "" for i in range(3)]
        code = join_split_code(*parts, previous=previous)
    elif group.code is not None and is_code(row[group.code]):
        code = compact(row[group.code])
    name = None
    for c in reversed(group.names):
        if not is_blank(row[c]):
            name = clean_name(row[c])
            break
    if name is None:
        label_columns = sorted([*group.split_code.values(),
                                *([group.code] if group.code is not None else [])])
        for c in label_columns:
            text = row[c]
            if not is_blank(text) and not is_code(text) and not compact(text).isdigit():
                name = clean_name(text)
                break
    if name:
        leading, rest = split_leading_code(name)
        if leading and (code is None or code == leading):
            code, name = leading, rest
    return code, name or None


def clean_name(text: str) -> str:
    """One line; spaces a PDF put between CJK characters ("合 计") removed."""
    return squash(text)


def row_classification(table_type: str, group: ColumnGroup, code: str | None,
                       name: str | None) -> str:
    by_code = classification(code)
    if by_code:
        return by_code
    if table_type in ("three_public", "gov_fund_three_public"):
        return "none"
    if table_type in ("project_performance", "overall_performance"):
        return "performance"
    if name and _TOTAL_NAME.search(compact(name)):
        return "none"
    if table_type in _TWO_SIDED:
        if group.side == 0:
            return "income_source"
        text = compact(name)
        return "functional" if text.endswith("支出") and not re.search(
            r"(?:基本|项目|本年|上缴上级|对附属单位补助)支出$", text) else "none"
    if table_type in _FUNCTIONAL_TABLES:
        return "functional"
    if table_type in _ECONOMIC_TABLES:
        return "economic"
    return "none"
