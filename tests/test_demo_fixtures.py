"""The demo corpus: seed fixtures, their PDF renders, synthetic variants and the portal's list."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pdfplumber
import pytest

from archive.demo.corpus import demo_documents
from archive.demo.fixtures import SEEDS_DIR, SeedDoc, SeedTable, is_amount, load_seed, load_seeds
from archive.demo.render import render_pdf
from archive.demo.synth import VARIANTS, final_accounts, scale_amount, shift_years, synthetic_budget
from archive.demo.transcribe import transcribe_text


def _table(doc: SeedDoc, title: str) -> SeedTable:
    (table,) = [t for t in doc.tables if t.title == title]
    return table


def _grid(table: SeedTable) -> list[list[str]]:
    return [list(row) for row in table.header + table.rows]


@pytest.fixture(scope="module")
def seed_pdfs() -> dict[str, pdfplumber.PDF]:
    return {doc.seed_id: pdfplumber.open(io.BytesIO(render_pdf(doc))) for doc in load_seeds()}


def _first_table_under(pdf: pdfplumber.PDF, title: str) -> list[list[str]]:
    for page in pdf.pages:
        lines = (page.extract_text() or "").split("\n")
        if title in lines[:3]:
            return page.extract_tables()[0]
    raise AssertionError(f"no page titled {title}")


def test_fixtures_load_from_the_package_not_from_shared_seeds() -> None:
    assert SEEDS_DIR.parent.name == "demo" and "shared" not in SEEDS_DIR.parts
    assert [d.seed_id for d in load_seeds()] == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("seed_id,n_tables,titles", [
    ("000", 13, ["部门收支总表", "部门收入总表", "部门支出总表", "财政拨款收支预算总表",
                 "一般公共预算“三公”经费支出预算表", "国有资本经营预算支出预算表",
                 "四川省安全科学技术研究院预算项目绩效目标表（2024年度）"]),
    ("001", 15, ["部门收支总表", "部门收入总表", "部门支出总表", "部门整体支出绩效目标表"]),
    ("002", 13, ["部门收支总表", "部门支出总表", "省级部门预算项目绩效目标表（2024年度）"]),
    ("003", 9, ["部门收支总体情况表", "一般公共预算“三公”经费支出情况表", "项目支出绩效目标表"]),
    ("004", 15, ["石柱土家族自治县老干部活动中心部门支出总表", "2023年一般性项目绩效目标表（一级项目）"]),
])
def test_every_seed_has_its_tables(seed_id: str, n_tables: int, titles: list[str]) -> None:
    doc = load_seed(seed_id)
    assert len(doc.tables) == n_tables
    assert set(titles) <= {t.title for t in doc.tables}
    assert all(len(row) == t.width for t in doc.tables for row in t.header + t.rows)


def test_xinjiang_tables_keep_their_numbers_表一_to_表八() -> None:
    labels = [t.label for t in load_seed("003").tables][:8]
    assert labels == ["表一：", "表二：", "表三：", "表四：", "表五：", "表六：", "表七：", "表八："]


def test_amounts_sit_in_their_printed_cells() -> None:
    summary = _table(load_seed("000"), "部门收支总表")
    assert summary.header == (("收 入", "", "支 出", ""), ("项 目", "预算数", "项 目", "预算数"))
    assert summary.rows[0] == ("一、一般公共预算拨款收入", "3,123.22", "一、一般公共服务支出", "18.49")
    assert summary.rows[-1] == ("收入总计", "10,665.25", "支出总计", "10,665.25")
    assert _table(load_seed("000"), "政府性基金支出预算表").post_lines == ("说明：本表无相关数据。",)


def test_a_table_continued_on_the_next_page_is_one_table_without_the_repeated_header() -> None:
    text = ("部门收支总表\n\n金额单位：万元\n\n项目\t金额\n甲\t1.00\n\n项目\t金额\n乙\t2.00\n\n"
            "说明：本表无相关数据。\n")
    (table,) = transcribe_text(text)["tables"]
    assert table == {"title": "部门收支总表", "label": "", "pre_lines": ["金额单位：万元"],
                     "header": [["项目", "金额"]], "rows": [["甲", "1.00"], ["乙", "2.00"]],
                     "post_lines": ["说明：本表无相关数据。"]}


@pytest.mark.parametrize("seed_id,title", [
    ("000", "部门收支总表"), ("000", "部门支出总表"),
    ("004", "石柱土家族自治县老干部活动中心部门支出总表"),
])
def test_rendered_table_extracts_to_exactly_the_fixture_cells(seed_pdfs, seed_id: str, title: str) -> None:
    assert _first_table_under(seed_pdfs[seed_id], title) == _grid(_table(load_seed(seed_id), title))


def test_rendered_text_is_real_unicode_not_cid_codes(seed_pdfs) -> None:
    text = "".join(page.extract_text() or "" for pdf in seed_pdfs.values() for page in pdf.pages)
    assert "(cid:" not in text
    assert "四川省安全科学技术研究院" in text and "应急管理志" in text


def test_a_long_table_repeats_its_header_on_every_page(seed_pdfs) -> None:
    table = _table(load_seed("002"), "一般公共预算基本支出预算表")
    header = [list(r) for r in table.header]
    pages = [p for p in seed_pdfs["002"].pages
             if (p.extract_tables() or [[]])[0][:len(header)] == header]
    assert len(pages) >= 2
    rows = [row for page in pages for row in page.extract_tables()[0][len(header):]]
    assert rows == [list(r) for r in table.rows]


def test_wide_tables_are_on_landscape_pages(seed_pdfs) -> None:
    pdf = seed_pdfs["001"]
    widths = {len(t[0]): p.width > p.height for p in pdf.pages for t in p.extract_tables()}
    assert widths[23] and widths[13] and not widths[8]


def test_rendering_is_deterministic() -> None:
    doc = load_seed("004")
    assert render_pdf(doc) == render_pdf(doc)


def test_scale_amount_keeps_the_printed_form() -> None:
    assert scale_amount("3,123.22", 2) == "6,246.44"
    assert scale_amount("18.49", 3) == "55.47"
    assert scale_amount("0.30", 5) == "1.50"


def test_shift_years_leaves_codes_and_amounts_alone() -> None:
    assert shift_years("2024 年单位预算（2023年度）2013201 2024.00", -1) == "2023 年单位预算（2022年度）2013201 2024.00"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.key)
def test_synthetic_amounts_are_the_seed_times_k(variant) -> None:
    seed, synth = load_seed(variant.seed_id), synthetic_budget(variant)
    for seed_table, table in zip(seed.tables, synth.tables, strict=True):
        for seed_row, row in zip(seed_table.rows, table.rows, strict=True):
            for before, after in zip(seed_row, row, strict=True):
                if is_amount(before):
                    assert Decimal(after.replace(",", "")) == Decimal(before.replace(",", "")) * variant.k


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.key)
def test_synthetic_documents_carry_their_own_year_body_and_region(variant) -> None:
    seed, synth = load_seed(variant.seed_id), synthetic_budget(variant)
    assert synth.cover_lines[0] == variant.body and str(variant.fiscal_year) in synth.cover_lines[1]
    assert synth.region_code == variant.region_code and synth.fiscal_year == variant.fiscal_year
    titles = " ".join(t.title for t in synth.tables)
    if seed.fiscal_year != variant.fiscal_year:
        assert f"{seed.fiscal_year}年度" not in titles


def test_synthetic_corpus_spans_five_provinces_and_four_years() -> None:
    docs = [synthetic_budget(v) for v in VARIANTS]
    assert {d.province_code for d in docs} >= {"51", "50", "65", "32", "44"}
    assert {d.fiscal_year for d in docs} == {2022, 2023, 2024, 2025}


def test_final_accounts_are_seed_000_retitled_as_决算_with_consistent_numbers() -> None:
    doc = final_accounts()
    assert doc.doc_kind == "final_accounts" and doc.fiscal_year == 2023
    assert all("决算" in t.title for t in doc.tables)
    assert "2023 年单位决算" in doc.cover_lines
    summary = doc.tables[0]
    assert summary.title == "收入支出决算总表"
    assert summary.rows[-1] == ("收入总计", "21,330.50", "支出总计", "21,330.50")


def test_demo_document_keys_are_unique_and_on_both_sites() -> None:
    docs = demo_documents()
    assert len({d.key for d in docs}) == len(docs)
    assert {d.site for d in docs} == {"trs", "list"}
    assert {d.kind for d in docs} == {"budget", "final_accounts", "notice"}


def test_titles_say_what_kind_of_document_they_are() -> None:
    for doc in demo_documents():
        kind = "final_accounts" if "决算" in doc.title else "budget" if "预算" in doc.title else "notice"
        assert kind == doc.kind, doc.title


def test_trs_attachments_have_trs_style_names() -> None:
    for doc in demo_documents():
        if doc.site == "trs" and doc.filename:
            assert re.fullmatch(r"P0\d{20}\.pdf", doc.filename), doc.filename


@pytest.mark.parametrize("key,total", [("seed-000", "10665.25"), ("seed-004", "190.98"),
                                        ("synth-js-2023-aky", "21330.50")])
def test_expected_carries_the_headline_total(key: str, total: str) -> None:
    (doc,) = [d for d in demo_documents() if d.key == key]
    assert Decimal(doc.expected["income_total"]) == Decimal(total)
    assert doc.data.startswith(b"%PDF")
    assert doc.expected["province_code"] == doc.region_code[:2]


def test_final_accounts_contents_list_only_the_tables_they_print() -> None:
    doc = final_accounts()
    listed = [line for line in doc.narrative if line.endswith("表") and "、" in line]
    assert listed and not any("绩效目标表" in line for line in listed)
