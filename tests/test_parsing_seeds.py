"""The five seed documents, rendered as the demo portal serves them, parse to their ground truth:
who, which year, which kind, and the headline tables' line items."""

from __future__ import annotations

from decimal import Decimal

import pytest

from archive.demo.fixtures import load_seed, seed_ids
from archive.demo.render import render_pdf
from parsing.parse import parse_bytes
from tests.parse_results import amount_of, items_of


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    return {seed_id: parse_bytes(render_pdf(load_seed(seed_id))) for seed_id in seed_ids()}


@pytest.mark.parametrize("seed_id", ["000", "001", "002", "003", "004"])
def test_seed_metadata_matches_the_ground_truth(parsed: dict, seed_id: str) -> None:
    seed, document = load_seed(seed_id), parsed[seed_id]["document"]
    assert document["parse_status"] == "ok"
    assert (document["fiscal_year"], document["doc_kind"], document["department"]) == (
        seed.fiscal_year, seed.doc_kind, seed.body)


@pytest.mark.parametrize("seed_id", ["000", "001", "002", "003", "004"])
def test_every_seed_table_is_found_and_typed(parsed: dict, seed_id: str) -> None:
    tables = parsed[seed_id]["tables"]
    assert len(tables) == len(load_seed(seed_id).tables)
    types = {t["table_type"] for t in tables}
    assert {"income_expenditure_summary", "expenditure_summary"} <= types


@pytest.mark.parametrize("seed_id", ["000", "001", "002", "003", "004"])
def test_income_total_equals_expenditure_total(parsed: dict, seed_id: str) -> None:
    checks = [c for c in parsed[seed_id]["checks"] if c["name"] == "income_equals_expenditure"]
    assert checks and all(c["passed"] for c in checks)


def test_seed_000_income_expenditure_summary(parsed: dict) -> None:
    items = items_of(parsed["000"], "income_expenditure_summary")
    assert amount_of(items, "收入总计") == Decimal("10665.25")
    assert amount_of(items, "支出总计") == Decimal("10665.25")
    assert amount_of(items, "一、一般公共预算拨款收入") == Decimal("3123.22")
    assert amount_of(items, "八、上年结转") == Decimal("530.11")


def test_seed_000_expenditure_summary_total_is_basic_plus_project(parsed: dict) -> None:
    items = items_of(parsed["000"], "expenditure_summary")
    assert (amount_of(items, "合计"), amount_of(items, "合计", "basic"),
            amount_of(items, "合计", "project")) == (
        Decimal("10665.25"), Decimal("7171.97"), Decimal("3493.28"))
    (row,) = [i for i in items if i["code"] == "2240199" and i["measure"] == "project"]
    assert (row["code_level"], row["unit_code"], row["amount"]) == (3, "345903", "3274.2")


def test_seed_004_expenditure_summary(parsed: dict) -> None:
    items = items_of(parsed["004"], "expenditure_summary")
    assert amount_of(items, "合计") == Decimal("190.98")
    (item,) = [i for i in items if i["code"] == "2013201" and i["measure"] == "total"]
    assert (item["code_level"], item["name"], item["amount"], item["classification"]) == (
        3, "行政运行", "146.07", "functional")


def test_seed_003_hierarchical_rows_get_full_codes(parsed: dict) -> None:
    items = items_of(parsed["003"], "expenditure_summary")
    codes = {i["code"]: i["code_level"] for i in items if i["code"]}
    assert codes["212"] == 1 and codes["21201"] == 2 and codes["2120101"] == 3


def test_seed_000_three_public_reads_reception_and_vehicle_right(parsed: dict) -> None:
    (first, *_) = items_of(parsed["000"], "three_public")
    row = {i["measure"]: Decimal(i["amount"]) for i in items_of(parsed["000"], "three_public")
           if i["row_no"] == first["row_no"]}
    assert row == {"total": Decimal("5.30"), "vehicle_total": Decimal("5.00"),
                   "vehicle_operation": Decimal("5.00"), "reception": Decimal("0.30")}


def test_empty_tables_are_marked_empty(parsed: dict) -> None:
    empty = [t for t in parsed["000"]["tables"] if t["is_empty"]]
    assert {t["table_type"] for t in empty} == {"gov_fund", "gov_fund_three_public",
                                               "state_capital"}
