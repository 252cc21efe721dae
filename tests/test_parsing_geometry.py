"""Page geometry: what a page draws becomes the right tables, whatever the drawing's quirks
(white background boxes, borders left on the other side of a page break, rules drawn twice,
continuations with other columns, two tables in one ruling, a title orphaned under a table,
bold drawn twice, look-alike glyphs, sideways content, no rules at all), and pages are read
cheaply only where they can hold a table."""

from __future__ import annotations

import io
from collections.abc import Callable

import pdfplumber
import pytest
from pdfplumber.utils.text import dedupe_chars as pdfplumber_dedupe
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from archive.demo.fixtures import load_seed
from archive.demo.render import render_pdf
from parsing.chars import dedupe_chars, normalise_glyphs
from parsing.orientation import UPWARD, content_turn, turn_objects
from parsing.parse import parse_bytes
from parsing.pdf import page_view, read_page, read_pdf
from parsing.rulings import grid_from_cells, is_real_table
from parsing.tables import tables_published_elsewhere
from parsing.triage import look_at_pages, tabular_text

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
HEIGHT = A4[1]
ROW = 20.0

Draw = Callable[[Canvas], None]

HEADER = ["科目编码", "科目名称", "金额"]
ROWS = [["", "合计", "190.98"], ["201", "一般公共服务支出", "146.07"],
        ["20132", "组织事务", "146.07"], ["2013201", "行政运行", "146.07"],
        ["208", "社会保障和就业支出", "44.91"], ["20805", "行政事业单位养老支出", "44.91"],
        ["2080505", "机关事业单位基本养老保险缴费支出", "44.91"]]
X = [60.0, 160.0, 400.0, 520.0]


def pdf(*pages: Draw) -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, invariant=1)
    for draw in pages:
        draw(canvas)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def text(canvas: Canvas, x: float, top: float, value: str, size: float = 9) -> None:
    """`value` with its top `top` points below the page's top edge."""
    canvas.setFont(FONT, size)
    canvas.drawString(x, HEIGHT - top - size, value)


def grid(canvas: Canvas, top: float, rows: list[list[str]], xs: list[float] = X,
         top_border: bool = True, rules_x: list[float] | None = None,
         whole_rows: tuple[int, ...] = ()) -> float:
    """A fully ruled table whose first row starts `top` points below the page top; returns the
    bottom. Without `top_border` the first row has no line above it (a page break took it);
    `rules_x` rules other columns than the text is set in; `whole_rows` are one cell across."""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            text(canvas, xs[c] + 4, top + r * ROW + 5, value)
    bottom = top + len(rows) * ROW
    for r in range(0 if top_border else 1, len(rows) + 1):
        canvas.line(xs[0], HEIGHT - top - r * ROW, xs[-1], HEIGHT - top - r * ROW)
    rules = rules_x or xs
    for r in range(len(rows)):
        for x in rules if r not in whole_rows else (rules[0], rules[-1]):
            canvas.line(x, HEIGHT - top - r * ROW, x, HEIGHT - top - (r + 1) * ROW)
    return bottom


def titled(title: str, rows: list[list[str]], **kwargs: object) -> Draw:
    def draw(canvas: Canvas) -> None:
        text(canvas, 200, 50, title, 15)
        text(canvas, 60, 80, "单位：万元")
        grid(canvas, 100, rows, **kwargs)
    return draw


def tables_of(data: bytes) -> list[dict]:
    return parse_bytes(data)["tables"]


def test_a_white_box_painted_under_the_page_is_not_a_rule() -> None:
    def draw(canvas: Canvas) -> None:
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(20, 20, A4[0] - 40, HEIGHT - 40, stroke=0, fill=1)
        canvas.setFillColorRGB(0, 0, 0)
        titled("部门支出总表", [HEADER, *ROWS])(canvas)

    (table,) = tables_of(pdf(draw))
    assert (table["table_type"], table["n_rows"], table["n_cols"]) == (
        "expenditure_summary", len(ROWS) + 1, 3)


def test_a_row_whose_top_border_is_on_the_page_before_is_kept() -> None:
    first = titled("部门支出总表", [HEADER, *ROWS[:3]])

    def second(canvas: Canvas) -> None:
        grid(canvas, 60, ROWS[3:], top_border=False)

    result = parse_bytes(pdf(first, second))
    (table,) = result["tables"]
    assert table["flags"] == ["stitched"] and table["rows"][3][:2] == ["2013201", "行政运行"]
    assert {i["code"] for i in result["line_items"]} >= {"2013201", "2080505"}


def test_a_rule_drawn_twice_a_few_points_apart_is_one_column_boundary() -> None:
    (table,) = tables_of(pdf(titled("部门支出总表", [HEADER, *ROWS],
                                   rules_x=sorted([*X, X[1] + 3.0, X[2] - 2.5]))))
    assert table["n_cols"] == 3 and table["rows"][1] == ROWS[1]


def test_a_continuation_drawn_with_more_columns_is_stitched_onto_the_union() -> None:
    first = titled("部门支出总表", [HEADER, *ROWS[:4]])

    def second(canvas: Canvas) -> None:  # the name column split by a rule of its own
        grid(canvas, 60, ROWS[4:], rules_x=[X[0], X[1], 370.0, X[2], X[3]])

    result = parse_bytes(pdf(first, second))
    (table,) = result["tables"]
    assert "stitched" in table["flags"] and table["page_end"] == 2
    totals = {i["code"]: i["amount"] for i in result["line_items"] if i["code"]}
    assert totals["2080505"] == "44.91" and totals["2013201"] == "146.07"


def test_one_ruling_drawn_round_two_tables_is_split_at_the_title_row() -> None:
    def draw(canvas: Canvas) -> None:
        text(canvas, 200, 50, "部门支出总表", 15)
        rows = [HEADER, *ROWS[:3], ["收入预算总表", "", ""], ["项目", "", "金额"],
                ["", "一般公共预算拨款收入", "190.98"], ["", "收入总计", "190.98"]]
        grid(canvas, 100, rows, whole_rows=(4,))

    tables = tables_of(pdf(draw))
    assert [t["table_type"] for t in tables] == ["expenditure_summary", "income_summary"]
    assert tables[1]["title_raw"] == "收入预算总表" and tables[0]["n_rows"] == 4


def test_a_title_left_under_the_last_table_of_a_page_titles_the_next_pages_table() -> None:
    def first(canvas: Canvas) -> None:
        titled("部门支出总表", [HEADER, *ROWS])(canvas)
        text(canvas, 200, 700, "一般公共预算支出预算表", 15)

    def second(canvas: Canvas) -> None:
        grid(canvas, 60, [HEADER, *ROWS])

    tables = tables_of(pdf(first, second))
    assert [t["table_type"] for t in tables] == ["expenditure_summary", "general_budget"]


def test_a_lone_row_of_three_cells_is_a_table_piece() -> None:
    assert is_real_table([(0, 0, 10, 10), (10, 0, 20, 10), (20, 0, 30, 10)])
    assert not is_real_table([(0, 0, 10, 10), (10, 0, 20, 10)])


def test_bold_drawn_twice_is_read_once_as_pdfplumber_would() -> None:
    data = render_pdf(load_seed("004"), "merged")
    with pdfplumber.open(io.BytesIO(data)) as document:
        chars = document.pages[4].chars
        assert [id(c) for c in dedupe_chars(chars)] == [id(c) for c in pdfplumber_dedupe(chars)]
        assert len(dedupe_chars(chars)) < len(chars)


def test_kangxi_radicals_are_read_as_the_ideographs_and_kept_as_printed() -> None:
    assert normalise_glyphs("⼀般公共预算 ⽀出（护）") == "一般公共预算 支出（护）"
    chars = [{"text": t, "x0": 10.0 + 9 * i, "x1": 19.0 + 9 * i, "top": 5.0, "bottom": 14.0,
              "upright": True, "doctop": 5.0} for i, t in enumerate("⼀般")]
    grid_, _ = grid_from_cells([(0, 0, 100, 20), (100, 0, 200, 20), (0, 20, 100, 40),
                                (100, 20, 200, 40)], chars, 1)
    (cell,) = [c for c in grid_.cells if c.text]
    assert (cell.text, cell.raw) == ("一般", "⼀般")


def test_content_drawn_sideways_is_turned_upright() -> None:
    up = {"text": "合", "matrix": (0.0, 9.0, -9.0, 0.0, 0.0, 0.0), "x0": 100.0, "x1": 109.0,
          "top": 500.0, "bottom": 509.0, "doctop": 500.0, "upright": False}
    assert content_turn([up] * 5) == UPWARD
    (char,), (edge,) = turn_objects([up], [{"x0": 50.0, "x1": 50.0, "top": 10.0, "bottom": 300.0,
                                            "orientation": "v"}], 595.0, 842.0, UPWARD)
    assert (char["x0"], char["top"], char["upright"]) == (842.0 - 509.0, 100.0, True)
    assert (edge["orientation"], edge["x0"], edge["x1"], edge["top"]) == ("h", 542.0, 832.0, 50.0)


def test_prose_pages_are_not_read_for_tables_and_table_pages_are() -> None:
    def prose(canvas: Canvas) -> None:
        for i in range(30):
            text(canvas, 60, 60 + 20 * i, "本年收入预算合计 1,234.56 万元，比上年增加 12.5 万元，主要原因是人员增加。")

    looks = look_at_pages(pdf(prose, titled("部门支出总表", [HEADER, *ROWS])))
    assert [look.maybe_table for look in looks] == [False, True]
    assert tabular_text("合计 190.98 160.98\n201 一般公共服务支出 146.07 116.07")
    assert not tabular_text("本年收入 190.98万元，增长 2.5%")


def test_justified_prose_with_figures_is_not_cut_into_columns() -> None:
    def prose(canvas: Canvas) -> None:
        for i in range(6):
            for j, word in enumerate(["一般公共预算收入", "15897.44", "万元，占", "100", "%；"]):
                text(canvas, 60 + 100 * j, 60 + 20 * i, word, 12)

    with pdfplumber.open(io.BytesIO(pdf(prose))) as document:
        tables, lines = read_page(page_view(document.pages[0], 1))
    assert not tables and len(lines) == 6


def test_a_heading_over_an_empty_column_keeps_its_column_without_rules() -> None:
    def draw(canvas: Canvas) -> None:
        text(canvas, 200, 50, "部门支出总表", 15)
        xs = [60, 200, 300, 420]
        for c, heading in enumerate(["科目名称", "合计", "政府性基金", "项目支出"]):
            text(canvas, xs[c], 100, heading)
        for r, (name, total, project) in enumerate([("合计", "190.98", "30.00"),
                                                   ("一般公共服务支出", "146.07", "30.00"),
                                                   ("住房保障支出", "44.91", "")]):
            for x, value in ((60, name), (200, total), (420, project)):
                text(canvas, x, 130 + 20 * r, value)

    (table,) = tables_of(pdf(draw))
    assert "unruled" in table["flags"] and table["n_cols"] == 4
    assert table["rows"][1] == ["一般公共服务支出", "146.07", "", "30.00"]


@pytest.mark.parametrize("style", ["grid", "rotated", "unruled"])
def test_pdfium_and_pdfminer_read_the_same_tables(style: str) -> None:
    data = render_pdf(load_seed("004"), style)
    fast = read_pdf(data)
    slow = read_pdf(data, triage=False, reader="pdfminer")
    assert [(t.page, t.grid.printed(), t.caption) for t in fast.tables] == \
        [(t.page, t.grid.printed(), t.caption) for t in slow.tables]


def test_a_narrative_that_says_its_tables_are_attached_is_recognised() -> None:
    assert tables_published_elsewhere(["第二部分 2019年度部门预算表", "2019年部门预算公开表附后"]) \
        == "2019年部门预算公开表附后"
    assert tables_published_elsewhere(["本表反映部门年度总体收支预算情况。"]) is None
