"""Whole-document checks: are the tables a disclosure must carry all there, and do its part
headings name the right body and year?

Final accounts (决算) publish a fixed set of nine tables nationwide ("九张表"); any document
with a contents page (目录) promises the tables it lists. A heading such as "第三部分 上海市
普陀区财政局 2024 年度部门决算情况说明" restates who and which year: a copy edited from another
body's or another year's file ("上海市普陀区XX局", "2023 年度") gives itself away there.
"""

from __future__ import annotations

import re
from decimal import Decimal

from parsing.amounts import parse_amount
from parsing.checks import Check
from parsing.narrative import Line, Sentence, listed_titles, printed_titles
from parsing.regions import Region, resolve_region
from parsing.tables import TypedTable, clean_title, table_type
from parsing.text import compact

# The nine 部门决算 tables, each as the table types that play its role.
FINAL_ACCOUNTS_TABLES: tuple[tuple[str, ...], ...] = (
    ("income_expenditure_summary",), ("income_summary",), ("expenditure_summary",),
    ("fiscal_summary",), ("general_budget",), ("general_budget_basic", "fiscal_by_economic"),
    ("three_public",), ("gov_fund",), ("state_capital",),
)
_HEADING = re.compile(
    r"^(?:第[一二三四五六七八九十]+部分)?(?P<body>[^\d\s]{2,40}?)(?P<year>(?:19|20)\d{2})年度?"
    r"(?:部门|单位)?(?:预算|决算)(?:表|情况说明|公开|编制说明)?$")
_PLACEHOLDER = re.compile(r"[A-Za-z×*＊？?]{2,}|某")


def document_checks(tables: list[TypedTable], lines: list[Line], found: list[Sentence],
                    doc_kind: str, fiscal_year: int | None, region: Region | None) -> list[Check]:
    """Presence of the standard and the listed tables, and the part headings' body and year."""
    printed = {table_type(clean_title(title)) for title in printed_titles(lines)}
    present = {t.table_type for t in tables} | printed
    return [*standard_tables(tables, present, doc_kind),
            *listed_tables(tables, present, listed_titles(lines)),
            *heading_checks(found, fiscal_year, region)]


def standard_tables(tables: list[TypedTable], present: set[str], doc_kind: str) -> list[Check]:
    """Final accounts: the nine standard tables, each present (empty ones count; so does a
    table whose title is printed though the table was not recovered)."""
    if doc_kind != "final_accounts" or not tables:
        return []
    missing = [roles[0] for roles in FINAL_ACCOUNTS_TABLES if not present & set(roles)]
    return [_presence_check("standard_tables_present", "final accounts",
                            len(FINAL_ACCOUNTS_TABLES), missing, untitled_with_amounts(tables))]


def listed_tables(tables: list[TypedTable], present: set[str], listed: list[str]) -> list[Check]:
    """Every table the contents page lists (of a type the parser knows) is in the document."""
    wanted = [(title, table_type(title)) for title in listed]
    wanted = [(title, kind) for title, kind in wanted if kind != "other"]
    if not wanted or not tables:
        return []
    missing = [title for title, kind in wanted if kind not in present]
    return [_presence_check("listed_tables_present", "contents", len(wanted), missing,
                            untitled_with_amounts(tables))]


def untitled_with_amounts(tables: list[TypedTable]) -> int:
    """Tables printed without a title the parser could read, but with amounts: each may be a
    table the document is missing by type (a title lost at a page break)."""
    return sum(1 for t in tables if t.title_raw is None and any(
        "." in cell.text and parse_amount(cell.text) is not None for cell in t.grid.cells))


def _presence_check(name: str, scope: str, wanted: int, missing: list[str],
                    untitled: int) -> Check:
    unaccounted = max(len(missing) - untitled, 0)
    if missing:
        scope += f": missing {'; '.join(missing)}"
        if untitled:
            scope += f" ({untitled} untitled tables may be them)"
    return Check(name, scope, Decimal(wanted), Decimal(wanted - unaccounted), not unaccounted)


def heading_checks(found: list[Sentence], fiscal_year: int | None,
                   region: Region | None) -> list[Check]:
    """Part headings state the document's year, and name no placeholder and no other place."""
    headings = [(m.group("body"), int(m.group("year")), s) for s in found
                if (m := _HEADING.match(compact(s.text)))]
    if not headings:
        return []
    checks = []
    if fiscal_year:
        wrong = [s for _, year, s in headings if year != fiscal_year]
        scope = "headings" + (f": page {wrong[0].page}: {wrong[0].text[:40]}" if wrong else "")
        checks.append(Check("headings_state_the_year", scope, Decimal(len(headings)),
                            Decimal(len(headings) - len(wrong)), not wrong))
    wrong = [s for body, _, s in headings if not names_the_body(body, region)]
    scope = "headings" + (f": page {wrong[0].page}: {wrong[0].text[:40]}" if wrong else "")
    checks.append(Check("headings_name_the_body", scope, Decimal(len(headings)),
                        Decimal(len(headings) - len(wrong)), not wrong))
    return checks


def names_the_body(body: str, region: Region | None) -> bool:
    """No placeholder (XX局), and any place it names is the document's own place."""
    if _PLACEHOLDER.search(body):
        return False
    named = resolve_region(body)
    return named is None or region is None or named.region_code == region.region_code
