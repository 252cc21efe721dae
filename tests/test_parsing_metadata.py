"""What a document says about itself: the cover first, table captions where it has none."""

from __future__ import annotations

from parsing.metadata import document_metadata


def test_cover_gives_body_year_kind_scope_and_region() -> None:
    meta = document_metadata([["四川省安全科学技术", "研究院", "2024 年单位预算"], ["目 录"]], [])
    assert (meta.department, meta.fiscal_year, meta.doc_kind, meta.scope) == (
        "四川省安全科学技术研究院", 2024, "budget", "unit")
    assert meta.title == "四川省安全科学技术研究院2024年单位预算"
    assert meta.region.region_code == "510000"


def test_a_document_that_starts_with_a_table_is_known_by_its_captions() -> None:
    captions = ["收支预算总表", "公开表一", "部门： 江苏省人大常委会办公厅 单位：万元"]
    meta = document_metadata([], captions)
    assert (meta.department, meta.doc_kind) == ("江苏省人大常委会办公厅", "budget")
    assert meta.region.region_code == "320000"


def test_a_county_body_is_named_from_its_own_place() -> None:
    meta = document_metadata([["新疆维吾尔自治区喀什地区喀什市建设工程质量",
                               "安全监督站 2021 年部门预算公开"]], [])
    assert meta.department == "喀什市建设工程质量安全监督站"
    assert (meta.region.region_code, meta.region.county) == ("653101", "喀什市")


def test_final_accounts_cover_with_the_year_printed_last() -> None:
    meta = document_metadata([["上海市普陀区财政局", "年度部门决算", "2024"]], [])
    assert (meta.department, meta.fiscal_year, meta.doc_kind) == (
        "上海市普陀区财政局", 2024, "final_accounts")
    assert meta.region.region_code == "310107"


def test_a_cover_without_a_place_leaves_the_region_to_the_portal() -> None:
    assert document_metadata([["某某单位", "2024年部门预算"]], []).region is None
