"""Printed amounts become exact Decimals in 万元; blanks are None, never zero."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parsing.amounts import adds_up, decimal_str, parse_amount, stated_unit, to_wanyuan


@pytest.mark.parametrize("raw,value", [
    ("10,665.25", "10665.25"), ("18.49", "18.49"), ("0.00", "0.00"), ("0", "0"),
    ("-12.5", "-12.5"), ("（12.5）", "-12.5"), ("(1,200.00)", "-1200.00"),
    ("１２３．４５", "123.45"), (" 3,123.22\n", "3123.22"), ("9,389,913.00", "9389913.00"),
    ("190.98万元", "190.98"),
])
def test_printed_amounts_parse_to_exact_decimals(raw: str, value: str) -> None:
    assert parse_amount(raw) == Decimal(value)


@pytest.mark.parametrize("raw", ["", "-", "—", "--", "/", None, "合计", "12.3.4", "1,23"])
def test_blanks_dashes_and_words_are_not_amounts(raw: str | None) -> None:
    assert parse_amount(raw) is None


def test_yuan_convert_to_wanyuan_exactly() -> None:
    assert to_wanyuan(Decimal("9389913.00"), "元") == Decimal("938.9913")
    assert decimal_str(to_wanyuan(Decimal("9389913.00"), "元")) == "938.9913"


def test_wanyuan_stay_as_printed() -> None:
    assert to_wanyuan(Decimal("10665.25"), "万元") == Decimal("10665.25")


def test_decimal_str_is_plain_notation_without_trailing_zeros() -> None:
    assert decimal_str(Decimal("21330.50")) == "21330.5"
    assert decimal_str(Decimal("1E+2")) == "100"
    assert decimal_str(Decimal("0.00")) == "0"


@pytest.mark.parametrize("text,unit", [
    ("金额单位：万元", "万元"), ("编制单位：上海市普陀区商务委员会 单位：元", "元"),
    ("单位:万元", "万元"), ("（万元）", "万元"), ("单位：四川省安全科学技术研究院", None),
])
def test_stated_unit_reads_the_caption(text: str, unit: str | None) -> None:
    assert stated_unit(text) == unit


def test_sums_agree_up_to_the_rounding_of_printed_figures() -> None:
    assert adds_up(Decimal("10.01"), [Decimal("3.34"), Decimal("6.66")])
    assert not adds_up(Decimal("10.05"), [Decimal("3.34"), Decimal("6.66")])
