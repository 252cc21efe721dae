"""What every column of every corpus table means, and every vocabulary value: written once here.

A release renders this twice — as the Table Schemas in `datapackage.json` and as
`DATA_DICTIONARY.md` — so the machine-readable and the human-readable descriptions can never
disagree. Column *types* come from `archive.build.SCHEMAS` (what the Parquet files hold);
vocabulary *values* come from `parsing.schema`; this module adds what they mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from archive.build import SCHEMAS
from parsing import schema

AMOUNT_NOTE = ("Stored as Parquet DECIMAL(20,6): exact to the last printed digit. Table Schema "
               "has no decimal type, hence `number`: read it as a decimal, never as a float.")


@dataclass(frozen=True)
class Column:
    description: str
    column_type: str | None = None  # Fiscal Data Package `columnType` (OpenSpending os-types)
    vocabulary: str | None = None  # a key of VOCABULARIES: the column takes only those values


@dataclass(frozen=True)
class Table:
    description: str
    primary_key: tuple[str, ...]
    columns: dict[str, Column]


VOCABULARIES: dict[str, dict[Any, str]] = {
    "table_type": {
        "income_expenditure_summary":
            "收支总表 (决算: 收入支出决算总表) — income and spending, side by side",
        "income_summary": "收入总表 — income by source",
        "expenditure_summary": "支出总表 — spending by function, basic / project",
        "fiscal_summary": "财政拨款收支总表 — government appropriations, income and spending",
        "fiscal_by_economic":
            "财政拨款支出表（经济分类） — appropriations by economic classification",
        "general_budget": "一般公共预算支出表 — general public budget spending by function",
        "general_budget_basic":
            "一般公共预算基本支出表 — basic spending by economic classification",
        "general_budget_project": "一般公共预算项目支出表 — project spending",
        "three_public": "“三公”经费支出表 — overseas travel, official vehicles, official reception",
        "gov_fund": "政府性基金预算支出表 — government fund budget spending",
        "gov_fund_three_public": "政府性基金“三公”经费支出表 — 三公 spending from government funds",
        "state_capital": "国有资本经营预算支出表 — state capital operations budget spending",
        "project_performance": "项目绩效目标表 — project performance targets",
        "overall_performance": "整体绩效目标表 — department-wide performance targets",
        "fiscal_by_function":
            "财政拨款支出表（功能科目） — appropriations by functional classification",
        "operating_costs": "机关运行经费 — running costs of government offices",
        "procurement": "政府采购 — government procurement",
        "other": "any other table (not one of the standard disclosure tables)",
    },
    "measure": {
        "total": "合计 / 总计 / 小计 / 预算数 / 金额 — the total of the row",
        "basic": "基本支出 — basic (running) spending",
        "project": "项目支出 — project spending",
        "personnel": "人员经费 — personnel costs (part of basic spending)",
        "public_use": "公用经费 — office running costs (part of basic spending)",
        "current_year": "本年 / 当年财政拨款 — this year's appropriation",
        "carryover": "上年结转 — carried over from last year",
        "general_budget": "一般公共预算 — from the general public budget",
        "gov_fund": "政府性基金预算 — from government funds",
        "state_capital": "国有资本经营预算 — from the state capital operations budget",
        "fiscal_special": "财政专户管理资金 / 教育收费 — funds in fiscal special accounts",
        "business": "事业收入 — income from the unit's public-service activities",
        "operating": "经营收入 — income from commercial operations",
        "other_income": "其他收入 / 其他资金 — other income",
        "superior_subsidy": "上级补助收入 — subsidies from the superior body",
        "subordinate_remit": "附属单位上缴收入 — remittances from subordinate units",
        "upper_remit": "上缴上级支出 — remittances to the superior body",
        "unit_subsidy": "对附属单位补助支出 — subsidies to subordinate units",
        "carry_forward": "结转下年 / 年末结转和结余 — carried forward to next year",
        "overseas_travel": "因公出国（境）费 — official overseas travel (三公)",
        "vehicle_total": "公务用车购置及运行费 — official vehicles, purchase and running (三公)",
        "vehicle_purchase": "公务用车购置费 — official vehicle purchase (三公)",
        "vehicle_operation": "公务用车运行费 — official vehicle running costs (三公)",
        "reception": "公务接待费 — official reception (三公)",
        "budget_initial": "年初预算数 — initial budget (决算 tables)",
        "budget_adjusted": "调整预算数 / 全年预算数 — adjusted budget (决算 tables)",
        "final": "决算数 — final accounts figure (决算 tables)",
        "execution_rate":
            "执行率 / 完成% — execution rate: a percentage, not money (see amount_raw)",
        "fiscal_appropriation": "财政拨款收入 — appropriations from all three budgets together",
        "operating_costs": "机关运行经费 — running costs of government offices",
        "meeting": "会议费 — meeting costs (printed beside the 三公)",
        "training": "培训费 — training costs (printed beside the 三公)",
        "contingency": "单位预留机动经费 — the unit's reserved contingency funds",
    },
    "classification": {
        "functional": "支出功能分类科目 — functional classification code (e.g. 2080505)",
        "economic": "支出经济分类科目 — economic classification code (e.g. 30101)",
        "income_source": "an income source row (收入 side of a summary table)",
        "performance": "a row of a performance-target table",
        "none": "a total or other row that carries no classification code",
    },
    "code_level": {1: "类 — class (3 digits)", 2: "款 — section (5 digits)",
                   3: "项 — item (7 digits)"},
    "doc_kind": {
        "budget": "预算 — a budget (部门预算 / 单位预算)",
        "final_accounts": "决算 — final accounts",
        "other": "anything else found among the disclosures",
    },
    "scope": {
        "department": "部门 — a department, consolidating its units",
        "unit": "单位 — a single budget unit",
    },
    "admin_level": {
        "province": "省级 — province-level government (region code XX0000)",
        "prefecture": "地市级 — prefecture-level city (XXYY00)",
        "county": "县级 — county-level government (XXYYZZ)",
    },
    "parse_status": {
        "ok": "parsed; tables and line items extracted",
        "partial": "parsed, but some tables could not be read (see status_reason)",
        "no_text_layer": "a scanned PDF without text: nothing extracted",
        "unsupported": "not a format the parser reads",
        "failed": "the parser failed on the file (see status_reason)",
    },
    "amount_unit": {"万元": "ten thousand yuan", "元": "yuan"},
    "flags": {
        "stitched": "the table continues across pages and was joined",
        "unruled": "the table has no ruling lines; columns were inferred from text positions",
        "rotated": "the table is printed rotated on its page",
        "ocr": "the text comes from OCR",
        "header_uncertain": "the header rows could not be told apart from the body with certainty",
    },
}
# The vocabulary in parsing.schema each documented vocabulary must cover exactly.
VOCABULARY_SOURCES: dict[str, tuple[Any, ...]] = {
    "table_type": schema.TABLE_TYPES, "measure": schema.MEASURES,
    "classification": schema.CLASSIFICATIONS, "code_level": (1, 2, 3),
    "doc_kind": schema.DOC_KINDS, "scope": schema.SCOPES, "admin_level": schema.ADMIN_LEVELS,
    "parse_status": schema.PARSE_STATUSES, "amount_unit": schema.AMOUNT_UNITS,
    "flags": schema.TABLE_FLAGS,
}

CHECKS = {
    "income_equals_expenditure": "收入总计 = 支出总计 in a summary table",
    "total_equals_basic_plus_project": "合计 = 基本支出 + 项目支出 (+ 上缴上级, 对附属单位补助), "
                                       "row by row",
    "basic_equals_personnel_plus_public_use": "基本支出 = 人员经费 + 公用经费, row by row",
    "total_equals_sum_of_rows": "the 合计 row = the sum of the top-level coded rows, per measure",
    "class_equals_sum_of_items": "each 类 = the sum of its 款 (one check per table and measure; "
                                 "scope names the first 类 that disagrees)",
    "item_equals_sum_of_subitems": "each 款 = the sum of its 项 (one check per table and "
                                   "measure; scope names the first 款 that disagrees)",
    "three_public_total_equals_parts": "三公 total = overseas travel + vehicles + reception",
    "vehicle_total_equals_purchase_plus_operation": "公务用车购置及运行费 = 购置费 + 运行费",
}

# Columns that mean the same in every table that has them.
_DOC_ID = Column("SHA-256 (hex) of the document's file bytes: the document's identity. "
                 "Join to `documents` on it.")
_PROVINCE_CODE = Column("2-digit province code (GB/T 2260, the first two digits of region_code); "
                        "`00` when unknown. Hive partition column (`province_code=NN` folders): "
                        "read it as a string, so `00` stays `00`.")
_FISCAL_YEAR = Column("Fiscal year the document is about (China's fiscal year is the calendar "
                      "year); 0 when unknown. Hive partition column (`fiscal_year=YYYY` folders).",
                      column_type="date:fiscal-year")
_TABLE_NO = Column("Table number within the document, 1-based, in document order. Join to "
                   "`tables` on (doc_id, table_no).")
_PAGE = Column("Page number, 1-based.")
_BBOX = Column("Bounding box on the page: [x0, top, x1, bottom] in PDF points, origin at the "
               "top-left of the page as displayed.")
_PARTITIONS = {"province_code": _PROVINCE_CODE, "fiscal_year": _FISCAL_YEAR}

TABLES: dict[str, Table] = {
    "documents": Table(
        "One row per distinct file (document) in the archive: where it came from, whose budget "
        "it is, and how well it parsed.",
        ("doc_id",),
        {
            "doc_id": Column("SHA-256 (hex) of the file's bytes: the document's identity, and "
                             "what every other table refers to."),
            "source_url": Column("URL the file was fetched from (final URL of its first "
                                 "successful fetch)."),
            "portal_id": Column("Id of the portal (registry entry) it was crawled from."),
            "title": Column("Document title as printed, else the portal's link text or page "
                            "title."),
            "publish_date": Column("Date the portal published it, where stated."),
            "region_code": Column("6-digit GB/T 2260 code of the government the body belongs "
                                  "to."),
            "province": Column("Province-level division (e.g. 四川省)."),
            "prefecture": Column("Prefecture-level city, for prefecture and county bodies."),
            "county": Column("County-level division, for county bodies."),
            "admin_level": Column("Level of government, from region_code.",
                                  vocabulary="admin_level"),
            "department": Column("The body the document is for: the unit of a 单位预算, the "
                                 "department of a 部门预算.",
                                 column_type="administrative-classification:generic:label"),
            "unit_code": Column("单位代码 (budget unit code) where printed.",
                                column_type="administrative-classification:generic:code:full"),
            "scope": Column("Whether the document covers a department or a single unit.",
                            vocabulary="scope"),
            "doc_kind": Column("Budget or final accounts: the budget phase of every figure in "
                               "the document.", column_type="phase", vocabulary="doc_kind"),
            "format": Column("File format as detected from its bytes (pdf, xls, xlsx, docx, "
                             "html …)."),
            "n_pages": Column("Number of pages (PDF); null for other formats."),
            "parse_status": Column("How parsing went.", vocabulary="parse_status"),
            "status_reason": Column("Why, in words, when parse_status is not ok."),
            "parser_version": Column("Version of the parser that produced this document's rows."),
            "checks_passed": Column("How many accounting identities (see `checks`) hold."),
            "checks_total": Column("How many accounting identities could be evaluated."),
            "container_id": Column("For a file found inside a zip attachment: the `doc_id` of "
                                   "the zip (itself a document); null otherwise."),
            "member_path": Column("For a file found inside a zip attachment: its path in the "
                                  "zip; null otherwise."),
            **_PARTITIONS,
        }),
    "tables": Table(
        "One row per table found in a document: its standard type, pages and shape.",
        ("doc_id", "table_no"),
        {
            "doc_id": _DOC_ID,
            "table_no": _TABLE_NO,
            "table_type": Column("Which standard disclosure table this is.",
                                 vocabulary="table_type"),
            "title_raw": Column("The table's title as printed."),
            "page_start": Column("First page of the table, 1-based."),
            "page_end": Column("Last page of the table, 1-based."),
            "amount_unit": Column("Unit the table prints its amounts in; line_items.amount is "
                                  "always converted to 万元.", vocabulary="amount_unit"),
            "is_empty": Column("True when the table is printed empty (本表无数据)."),
            "n_rows": Column("Rows of the extracted grid, header rows included."),
            "n_cols": Column("Columns of the extracted grid."),
            "flags": Column("How the table was read: any of stitched, unruled, rotated, ocr, "
                            "header_uncertain (see the vocabulary `flags`)."),
            **_PARTITIONS,
        }),
    "cells": Table(
        "Every extracted table cell as printed, with its position: the raw material line items "
        "are read from, for checking or re-reading a table.",
        ("doc_id", "table_no", "row", "col"),
        {
            "doc_id": _DOC_ID,
            "table_no": _TABLE_NO,
            "row": Column("Row in the table's grid, 0-based, header rows included."),
            "col": Column("Column in the table's grid, 0-based. A merged cell is one row at its "
                          "top-left position."),
            "text": Column("The cell's text as printed."),
            "page": _PAGE,
            "bbox": _BBOX,
            **_PARTITIONS,
        }),
    "line_items": Table(
        "The main fact table, long format: one row per printed amount of a table body (a body "
        "row × an amount column). A blank cell is no row; a printed 0 is a row.",
        ("doc_id", "table_no", "row_no", "col"),
        {
            "doc_id": _DOC_ID,
            "table_no": _TABLE_NO,
            "row_no": Column("Body row within the table, 1-based (header rows not counted)."),
            "col": Column("Grid column of the printed amount, 0-based as in `cells.col`; with "
                          "`row_no` it tells apart two amounts under the same header."),
            "table_type": Column("Type of the table the amount is printed in.",
                                 vocabulary="table_type"),
            "classification": Column("Which classification `code` belongs to.",
                                     vocabulary="classification"),
            "code": Column("Classification code of the row, normalised with 类/款/项 joined "
                           "(e.g. 2080505). Mostly functional codes; see `classification` for "
                           "the rows whose code is economic.",
                           column_type="functional-classification:generic:code:full"),
            "code_level": Column("Level of `code`.", vocabulary="code_level"),
            "name": Column("The row's label as printed (spaces inside Chinese text removed).",
                           column_type="functional-classification:generic:label"),
            "unit_code": Column("单位代码 of the row, in tables that list several units.",
                                column_type="administrative-classification:generic:code:full"),
            "unit_name": Column("Name of the unit of the row, in tables that list several "
                                "units.",
                                column_type="administrative-classification:generic:label"),
            "measure": Column("What the amount column holds; null when its heading is not "
                              "recognised (measure_raw always has it).", vocabulary="measure"),
            "measure_raw": Column("The column's header path as printed, top-down, joined with "
                                  "' / '."),
            "amount": Column("The amount in 万元 (ten thousand yuan), converted exactly from the "
                             "printed unit: 9,389,913.00 元 is 938.9913. " + AMOUNT_NOTE,
                             column_type="value"),
            "amount_raw": Column("The amount as printed."),
            "page": _PAGE,
            "bbox": _BBOX,
            **_PARTITIONS,
        }),
    "checks": Table(
        "Accounting identities over a document's line items: does what a table prints as a "
        "total equal the sum of its parts (within the rounding of the printed figures)?",
        ("doc_id", "name", "scope"),
        {
            "doc_id": _DOC_ID,
            "name": Column("Which identity (a stable identifier; see the list of checks)."),
            "scope": Column("Where it was evaluated: table number, measure or row."),
            "expected": Column("The printed total, in 万元. " + AMOUNT_NOTE),
            "actual": Column("The sum of the printed parts, in 万元. " + AMOUNT_NOTE),
            "passed": Column("True when expected and actual agree within rounding."),
            **_PARTITIONS,
        }),
    "facts": Table(
        "Figures stated in a document's narrative (情况说明): staff, vehicles, 机关运行经费, "
        "政府采购 and the totals the text restates, each with the sentence it came from.",
        ("doc_id", "fact_no"),
        {
            "doc_id": _DOC_ID,
            "fact_no": Column("Order of the figure in the document, 1-based."),
            "name": Column("What the figure is: one of parsing.schema.FACT_NAMES, e.g. "
                           "staff_actual (实有人数), vehicles, operating_costs (机关运行经费), "
                           "procurement_total (政府采购), expenditure_total."),
            "label": Column("What the figure is about where `name` alone does not say (a "
                            "classification name such as 卫生健康支出); else null."),
            "value": Column("The figure, exact; amounts in 万元 like line items. " + AMOUNT_NOTE),
            "unit": Column("Unit of `value`: 万元, 人 (people), 辆 (vehicles) or % ."),
            "sentence": Column("The sentence as printed, so every figure can be checked."),
            "page": Column("1-based page the sentence is on (null for formats without pages)."),
            **_PARTITIONS,
        }),
}


def field_type(arrow_type: pa.DataType) -> dict[str, Any]:
    """Table Schema `type` (and `itemType`) for an Arrow type of the corpus."""
    if pa.types.is_list(arrow_type):
        # `list` (with itemType) is in the v2 text but not in its published profile: `array`
        # validates everywhere, and physicalType says what the items are.
        return {"type": "array"}
    if pa.types.is_string(arrow_type):
        return {"type": "string"}
    if pa.types.is_integer(arrow_type):
        return {"type": "integer"}
    if pa.types.is_boolean(arrow_type):
        return {"type": "boolean"}
    if pa.types.is_date(arrow_type):
        return {"type": "date"}
    if pa.types.is_decimal(arrow_type) or pa.types.is_floating(arrow_type):
        return {"type": "number"}
    raise TypeError(f"no Table Schema type for {arrow_type}")


def physical_type(arrow_type: pa.DataType) -> str:
    """The Parquet/SQL type a reader gets, e.g. DECIMAL(20,6), INTEGER, VARCHAR[]."""
    if pa.types.is_list(arrow_type):
        return physical_type(arrow_type.value_type) + "[]"
    if pa.types.is_decimal(arrow_type):
        return f"DECIMAL({arrow_type.precision},{arrow_type.scale})"
    names = {pa.string(): "VARCHAR", pa.int8(): "TINYINT", pa.int32(): "INTEGER",
             pa.int64(): "BIGINT", pa.bool_(): "BOOLEAN", pa.date32(): "DATE",
             pa.float64(): "DOUBLE"}
    return names[arrow_type]


def table_schema(name: str, with_primary_key: bool = True) -> dict[str, Any]:
    """The Frictionless Table Schema (v2) of one corpus table."""
    table = TABLES[name]
    fields = []
    for arrow_field in SCHEMAS[name]:
        column = table.columns[arrow_field.name]
        field: dict[str, Any] = {"name": arrow_field.name, **field_type(arrow_field.type),
                                 "description": column.description,
                                 "physicalType": physical_type(arrow_field.type)}
        if column.vocabulary:
            labels = VOCABULARIES[column.vocabulary]
            field["categories"] = [{"value": v, "label": labels[v]}
                                   for v in VOCABULARY_SOURCES[column.vocabulary]]
        if column.column_type:
            field["columnType"] = column.column_type
        fields.append(field)
    described: dict[str, Any] = {"fields": fields}
    if with_primary_key:
        described["primaryKey"] = list(table.primary_key)
    return described


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def data_dictionary_markdown(broken_keys: dict[str, int] | None = None) -> str:
    """DATA_DICTIONARY.md: every table, column and vocabulary value, in words. `broken_keys`:
    tables whose rows break their primary key in this release, and how many rows do."""
    broken_keys = broken_keys or {}
    out = [
        "# Data dictionary",
        "",
        "Every table is a folder of Parquet files under `data/<table>/`, hive-partitioned by "
        "`province_code` and `fiscal_year` (`data/line_items/province_code=51/fiscal_year=2024/"
        "*.parquet`). Every table refers to `documents` by `doc_id`. Amounts are in 万元 (ten "
        "thousand yuan) as exact DECIMAL(20,6). An unknown value is null; an unknown province is "
        "`00` and an unknown year `0`, so every document is in some partition.",
        "",
        "`columnType` is the Fiscal Data Package column type, where one fits.",
        "",
    ]
    for name, table in TABLES.items():
        key = ", ".join(f"`{c}`" for c in table.primary_key)
        if broken_keys.get(name):
            key = (f"none in this release: {broken_keys[name]} rows have a null or shared "
                   f"({key})")
        out += [f"## {name}", "", table.description, "", f"Primary key: {key}", "",
                "| column | type | description | columnType |", "| --- | --- | --- | --- |"]
        for arrow_field in SCHEMAS[name]:
            column = table.columns[arrow_field.name]
            vocab = f" Values: see `{column.vocabulary}` below." if column.vocabulary else ""
            out.append(f"| `{arrow_field.name}` | {physical_type(arrow_field.type)} | "
                       f"{_cell(column.description + vocab)} | "
                       f"{'`' + column.column_type + '`' if column.column_type else ''} |")
        out.append("")
    out += ["## Vocabularies", ""]
    for vocab, source in VOCABULARY_SOURCES.items():
        out += [f"### {vocab}", "", "| value | meaning |", "| --- | --- |"]
        out += [f"| `{value}` | {_cell(VOCABULARIES[vocab][value])} |" for value in source]
        out.append("")
    out += ["## Checks (`checks.name`)", "", "| name | identity |", "| --- | --- |"]
    out += [f"| `{name}` | {_cell(meaning)} |" for name, meaning in CHECKS.items()]
    out.append("")
    return "\n".join(out)
