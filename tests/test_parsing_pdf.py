"""A ruled table drawn in a real PDF (reportlab, STSong-Light) comes back as typed line items."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from parsing.parse import parse_bytes
from tests.drawing import draw_ruled_grid

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
WIDTHS = (40, 30, 30, 170, 80, 80, 80)
ROW = 18.0

HEADER = [["科目编码", "", "", "科目名称", "合计", "基本支出", "项目支出"],
          ["类", "款", "项", "", "", "", ""]]
BODY = [["", "", "", "合 计", "190.98", "160.98", "30.00"],
        ["201", "", "", "一般公共服务支出", "146.07", "116.07", "30.00"],
        ["201", "32", "", "组织事务", "146.07", "116.07", "30.00"],
        ["201", "32", "01", "行政运行", "146.07", "116.07", "30.00"],
        ["208", "", "", "社会保障和就业支出", "44.91", "44.91", ""],
        ["", "05", "", "行政事业单位养老支出", "44.91", "44.91", ""],
        ["", "", "05", "机关事业单位基本养老保险缴费支出", "44.91", "44.91", ""]]


def ruled_pdf(pages: list[tuple[list[str], list[list[str]]]]) -> bytes:
    """One page per entry: caption lines (title first), then a fully ruled grid of rows."""
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, invariant=1)
    for caption, rows in pages:
        y = A4[1] - 50
        for i, line in enumerate(caption):
            canvas.setFont(FONT, 15 if i == 0 else 9)
            canvas.drawString(40, y, line)
            y -= 20
        canvas.setFont(FONT, 8)
        x_edges = [40.0]
        for w in WIDTHS:
            x_edges.append(x_edges[-1] + w)
        draw_ruled_grid(canvas, rows, x_edges, top=y, row_height=ROW, baseline=5)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def one_table() -> dict:
    data = ruled_pdf([(["部门支出总表", "单位：万元"], HEADER + BODY)])
    return parse_bytes(data)


def test_the_table_is_typed_from_its_title(one_table: dict) -> None:
    (table,) = one_table["tables"]
    assert (table["table_type"], table["title_raw"], table["amount_unit"]) == (
        "expenditure_summary", "部门支出总表", "万元")
    assert (table["n_rows"], table["n_cols"], len(table["header"])) == (9, 7, 2)


def test_line_items_carry_code_level_measure_and_exact_amount(one_table: dict) -> None:
    items = {(i["code"], i["measure"]): i for i in one_table["line_items"]}
    item = items[("2013201", "total")]
    assert (item["code_level"], item["name"], item["amount"], item["classification"]) == (
        3, "行政运行", "146.07", "functional")
    assert items[("20132", "basic")]["amount"] == "116.07"


def test_blank_class_columns_continue_the_code_above(one_table: dict) -> None:
    codes = [i["code"] for i in one_table["line_items"] if i["measure"] == "total"]
    assert codes == [None, "201", "20132", "2013201", "208", "20805", "2080505"]


def test_blank_cells_are_no_line_items(one_table: dict) -> None:
    assert not [i for i in one_table["line_items"]
                if i["code"] == "208" and i["measure"] == "project"]


def test_total_row_name_loses_the_spaces_between_characters(one_table: dict) -> None:
    first = one_table["line_items"][0]
    assert (first["row_no"], first["name"], first["amount"]) == (1, "合计", "190.98")


def test_items_point_back_to_their_cell(one_table: dict) -> None:
    item = one_table["line_items"][0]
    x0, top, x1, bottom = item["bbox"]
    assert item["page"] == 1 and 0 < x0 < x1 < A4[0] and 0 < top < bottom < A4[1]
    cell = [c for c in one_table["cells"] if c["text"] == "190.98"][0]
    assert cell["bbox"] == item["bbox"]


def test_the_tables_identities_are_checked(one_table: dict) -> None:
    document = one_table["document"]
    assert document["checks_total"] > 0
    assert document["checks_passed"] == document["checks_total"]


def test_yuan_tables_are_converted_to_wanyuan() -> None:
    rows = HEADER + [["", "", "", "合 计", "9,389,913.00", "9,389,913.00", ""]]
    result = parse_bytes(ruled_pdf([(["部门支出总表", "单位：元"], rows)]))
    (item, _) = result["line_items"]
    assert (item["amount"], item["amount_raw"]) == ("938.9913", "9,389,913.00")
    assert result["tables"][0]["amount_unit"] == "元"


def test_a_table_continued_on_the_next_page_is_stitched_without_its_repeated_header() -> None:
    data = ruled_pdf([(["部门支出总表", "单位：万元"], HEADER + BODY[:4]),
                      (["单位：万元"], HEADER + BODY[4:])])
    result = parse_bytes(data)
    (table,) = result["tables"]
    assert (table["page_start"], table["page_end"], table["flags"]) == (1, 2, ["stitched"])
    assert table["n_rows"] == len(HEADER) + len(BODY)
    pages = {i["code"]: i["page"] for i in result["line_items"]}
    assert pages["2013201"] == 1 and pages["2080505"] == 2
    assert Decimal(sum(Decimal(i["amount"]) for i in result["line_items"]
                       if i["measure"] == "total" and i["code_level"] == 1)) == Decimal("190.98")


def test_a_titled_table_on_the_next_page_is_a_table_of_its_own() -> None:
    data = ruled_pdf([(["部门支出总表", "单位：万元"], HEADER + BODY),
                      (["一般公共预算支出预算表", "单位：万元"], HEADER + BODY)])
    types = [t["table_type"] for t in parse_bytes(data)["tables"]]
    assert types == ["expenditure_summary", "general_budget"]
