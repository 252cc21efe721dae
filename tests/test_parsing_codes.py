"""Classification codes, however printed, become one code with its level."""

from __future__ import annotations

import pytest

from parsing.codes import classification, code_level, join_split_code, split_leading_code


@pytest.mark.parametrize("parts,code", [
    (("201", "32", "99"), "2013299"), (("201", "", ""), "201"), (("201", "32", ""), "20132"),
    (("208", "5", "5"), "2080505"), (("2013201", "", ""), "2013201"),
])
def test_split_code_columns_join(parts: tuple[str, str, str], code: str) -> None:
    assert join_split_code(*parts) == code


def test_blank_class_continues_the_row_above() -> None:
    assert join_split_code("", "05", "", previous="208") == "20805"
    assert join_split_code("", "", "05", previous="20805") == "2080505"


def test_words_in_code_columns_are_not_codes() -> None:
    assert join_split_code("类", "款", "项") is None
    assert join_split_code("", "", "") is None


@pytest.mark.parametrize("code,level", [("201", 1), ("20132", 2), ("2013201", 3), ("30101", 2),
                                        ("345903", None), ("12", None)])
def test_level_follows_the_code_length(code: str, level: int | None) -> None:
    assert code_level(code) == level


@pytest.mark.parametrize("code,kind", [("2013201", "functional"), ("30101", "economic"),
                                       ("50101", "economic"), ("101", "income_source")])
def test_first_digit_tells_the_classification(code: str, kind: str) -> None:
    assert classification(code) == kind


@pytest.mark.parametrize("text,split", [
    ("201 一般公共服务支出", ("201", "一般公共服务支出")),
    ("2013201行政运行", ("2013201", "行政运行")),
    ("[208]社会保障和就业支出", ("208", "社会保障和就业支出")),
    ("一般公共服务支出", (None, "一般公共服务支出")),
    ("2,296.87", (None, "2,296.87")),
])
def test_code_printed_before_the_name_is_split_off(text: str, split: tuple) -> None:
    assert split_leading_code(text) == split
