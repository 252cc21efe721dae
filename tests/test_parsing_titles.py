"""Titles, link texts and covers say what a document is: kind, year, scope, body."""

from __future__ import annotations

import pytest

from parsing.titles import classify_title, department, doc_kind, fiscal_year, is_label_line, scope


@pytest.mark.parametrize("text,kind", [
    ("四川省安全科学技术研究院2024年单位预算", "budget"),
    ("上海市普陀区财政局2024年度部门决算", "final_accounts"),
    ("2019年度部门预算公开", "budget"),
    ("部门预决算公开目录", "other"),
    ("关于开展2024年“安全生产月”活动的通知", "other"),
])
def test_doc_kind_from_title(text: str, kind: str) -> None:
    assert doc_kind(text) == kind


@pytest.mark.parametrize("text,year", [
    ("2024 年单位预算", 2024), ("2024年度部门决算", 2024), ("X_上海市普陀区商务委员会单位25年预算", 2025),
    ("2018 年度江苏省高级 人民法院预算公开 2018 年 2 月 24 日", 2018),
    ("上海市普陀区财政局\n年度部门决算\n2024", 2024), ("二〇二四年部门预算", 2024),
    ("２０２３年部门预算", 2023), ("部门预算公开", None),
])
def test_fiscal_year_from_title(text: str, year: int | None) -> None:
    assert fiscal_year(text) == year


def test_a_publication_date_is_not_the_fiscal_year() -> None:
    assert fiscal_year("发布日期：2024年2月24日 2023年度部门决算") == 2023


@pytest.mark.parametrize("text,expected", [
    ("2024 年单位预算", "unit"), ("雅安市科学技术局2025年部门预算", "department"),
    ("上海市普陀区2025年区级单位预算\n预算单位：上海市普陀区商务委员会", "unit"), ("预算公开", None),
])
def test_scope_from_title(text: str, expected: str | None) -> None:
    assert scope(text) == expected


@pytest.mark.parametrize("text,body", [
    ("四川省安全科学技术\n研究院\n2024 年单位预算", "四川省安全科学技术研究院"),
    ("2018 年度江苏省高级 人民法院预算公开", "江苏省高级人民法院"),
    ("上海市普陀区2025年区级单位预算\n预算单位：上海市普陀区商务委员会", "上海市普陀区商务委员会"),
    ("上海市普陀区财政局\n年度部门决算\n2024", "上海市普陀区财政局"),
    ("收支预算总表 部门： 江苏省人大常委会办公厅 单位：万元", "江苏省人大常委会办公厅"),
    ("# 石柱土家族自治县老干部活动中心 2023 年单位预算情况说明", "石柱土家族自治县老干部活动中心"),
])
def test_department_from_title_or_cover(text: str, body: str) -> None:
    assert department(text) == body


def test_classify_title_returns_everything_at_once() -> None:
    info = classify_title("四川省安全科学技术研究院2024年单位预算公开")
    assert (info.doc_kind, info.fiscal_year, info.scope, info.department) == (
        "budget", 2024, "unit", "四川省安全科学技术研究院")


@pytest.mark.parametrize("line,label", [("单位：万元", True), ("部门：四川省公安厅", True),
                                        ("编制单位：上海市普陀区商务委员会 单位：元", True),
                                        ("部门收支总表", False)])
def test_caption_labels_are_told_from_titles(line: str, label: bool) -> None:
    assert is_label_line(line) is label


def test_a_notice_about_budget_preparation_is_not_a_budget() -> None:
    assert classify_title("关于做好2025年预算编制工作的通知").doc_kind == "other"


def test_a_notice_that_discloses_a_budget_is_a_budget() -> None:
    assert classify_title("关于公开2024年部门预算的通知").doc_kind == "budget"
