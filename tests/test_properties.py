"""Properties of the normalisers and the stitcher, over inputs hypothesis makes up: amounts
printed the ways portals print them read back exactly, codes printed three ways normalise to
one, titles classify the same however they are spaced or which digits they use, a table cut
over pages at any rows stitches back whole, and no garbage ever raises.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from parsing.amounts import decimal_str, is_blank, parse_amount, stated_unit, to_wanyuan
from parsing.codes import (classification, code_level, is_code, join_split_code,
                           split_leading_code)
from parsing.grid import Cell, FoundTable, Grid
from parsing.stitch import stitch_pages
from parsing.titles import classify_title

SETTINGS = settings(max_examples=200, deadline=None)
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
NAMES = st.text(CJK, min_size=2, max_size=12)
_FULL = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


def full_width(text: str) -> str:
    return text.translate(_FULL)


# ---- amounts ---------------------------------------------------------------------------

AMOUNTS = st.builds(lambda n, k: Decimal(n).scaleb(-k),
                    st.integers(-10**15, 10**15), st.integers(0, 6))


@st.composite
def printed_amounts(draw: st.DrawFn) -> tuple[Decimal, str]:
    """An amount and one way a portal prints it."""
    amount = draw(AMOUNTS)
    body = format(abs(amount), ",f" if draw(st.booleans()) else "f")
    if amount < 0 or amount.is_signed():
        body = draw(st.sampled_from(["-{}", "({})", "（{}）", "−{}", "－{}"])).format(body)
    if draw(st.booleans()):
        body = full_width(body)
    body += draw(st.sampled_from(["", "元", "万元"]))
    pad = draw(st.sampled_from(["", " ", "\u3000", "\n"]))
    return amount, pad + body + pad


@SETTINGS
@given(printed_amounts())
def test_a_printed_amount_reads_back_exactly(case: tuple[Decimal, str]) -> None:
    amount, printed = case
    read = parse_amount(printed)
    assert isinstance(read, Decimal)
    assert read == amount and read.as_tuple().exponent == amount.as_tuple().exponent


@SETTINGS
@given(AMOUNTS)
def test_converting_yuan_to_wanyuan_and_printing_loses_nothing(amount: Decimal) -> None:
    wanyuan = to_wanyuan(amount, "元")
    assert wanyuan * 10000 == amount
    assert Decimal(decimal_str(wanyuan)) == wanyuan


AMOUNT_LIKE = st.text(st.sampled_from("0123456789０１２３４５,.，．()（）-−－ \u3000元万千亿e"),
                      max_size=16)


@SETTINGS
@given(st.one_of(AMOUNT_LIKE, st.text()))
def test_garbage_never_raises_and_never_reads_as_a_float(text: str) -> None:
    read = parse_amount(text)
    assert read is None or isinstance(read, Decimal) and read.is_finite()
    assert isinstance(is_blank(text), bool)
    assert stated_unit(text) in (None, "万元", "元", "千元", "百万元", "亿元")


# ---- classification codes --------------------------------------------------------------

LEI = st.integers(100, 599).map(str)
TWO = st.integers(0, 99).map(lambda n: f"{n:02d}")


@SETTINGS
@given(LEI, TWO, TWO, st.booleans())
def test_split_and_joined_codes_normalise_alike(lei: str, kuan: str, xiang: str,
                                                fancy: bool) -> None:
    code = lei + kuan + xiang
    columns = (full_width(lei), f" {kuan.lstrip('0') or '0'} ", full_width(xiang)) if fancy \
        else (lei, kuan, xiang)
    assert join_split_code(*columns) == code
    assert join_split_code(code, "", "") == code
    assert join_split_code("", kuan, xiang, previous=lei + "01") == code
    assert join_split_code("", "", xiang, previous=lei + kuan) == code
    assert (join_split_code(lei, "", ""), join_split_code(lei, kuan, "")) == (lei, lei + kuan)
    assert [code_level(c) for c in (lei, lei + kuan, code)] == [1, 2, 3]
    assert classification(code) == classification(lei)


@SETTINGS
@given(st.sampled_from([3, 5, 7]).flatmap(
    lambda n: st.tuples(LEI, TWO, TWO).map(lambda t: "".join(t)[:n])), NAMES,
    st.sampled_from(["{} {}", "{}{}", "{}\u3000{}", "[{}]{}", "（{}）{}"]), st.booleans())
def test_a_code_printed_before_its_name_splits_off(code: str, name: str, layout: str,
                                                   fancy: bool) -> None:
    printed = layout.format(full_width(code) if fancy else code, name)
    assert split_leading_code(printed) == (code, name)


CODE_LIKE = st.text(st.sampled_from("0123456789０１２３４５ \u3000-.a类"), max_size=10)


@SETTINGS
@given(st.one_of(CODE_LIKE, st.text(max_size=12)), st.one_of(CODE_LIKE, st.text(max_size=4)),
       st.text(max_size=4), st.text(max_size=8))
@example(" 201", "", "", "")  # code_level raised KeyError: is_code cleans, the length did not
def test_code_functions_never_raise(a: str, b: str, c: str, previous: str) -> None:
    joined = join_split_code(a, b, c, previous=previous or None)
    assert joined is None or is_code(joined)
    assert code_level(a) in (None, 1, 2, 3)
    assert (code_level(a) is None) == (not is_code(a))
    assert classification(a) is None or is_code(a)
    split_leading_code(a)


# ---- titles ----------------------------------------------------------------------------

BODIES = st.sampled_from(["四川省财政厅", "雅安市科学技术局", "上海市普陀区商务委员会",
                          "江苏省高级人民法院", "重庆市渝中区教育委员会"])


@st.composite
def titles(draw: st.DrawFn) -> str:
    """A disclosure title as portals word them."""
    year = draw(st.integers(2015, 2029))
    year_text = draw(st.sampled_from([str(year), str(year)[2:]
                                      if draw(st.booleans()) else str(year)]))
    return "".join([
        draw(st.sampled_from(["", "关于公开", "公开"])), draw(BODIES), year_text,
        draw(st.sampled_from(["年", "年度"])), draw(st.sampled_from(["部门", "单位", ""])),
        draw(st.sampled_from(["预算", "决算"])), draw(st.sampled_from(["", "公开", "信息公开"])),
    ])


@st.composite
def respaced(draw: st.DrawFn, text: str) -> str:
    """The same text with blanks next to CJK characters (as PDF extraction inserts them) and
    digits perhaps full-width."""
    out = []
    for ch in text:
        out.append(ch)
        if "\u4e00" <= ch <= "\u9fff" and draw(st.booleans()):
            out.append(draw(st.sampled_from([" ", "  ", "\u3000"])))
    spaced = "".join(out)
    return full_width(spaced) if draw(st.booleans()) else spaced


@SETTINGS
@given(titles().flatmap(lambda t: st.tuples(st.just(t), respaced(t))))
def test_a_title_classifies_the_same_however_spaced_or_which_digits(
        pair: tuple[str, str]) -> None:
    title, variant = pair
    assert classify_title(variant) == classify_title(title)


@SETTINGS
@given(titles())
def test_a_disclosure_title_gives_its_kind_year_and_body(title: str) -> None:
    info = classify_title(title)
    assert info.doc_kind in ("budget", "final_accounts")
    assert info.fiscal_year is not None and 2015 <= info.fiscal_year <= 2029
    assert info.department is not None and info.department in title


TITLE_LIKE = st.text(st.sampled_from("二〇一四2024年度部门单位预算决算公开通知：:关于 \n-_"),
                     max_size=30)


@SETTINGS
@given(st.one_of(TITLE_LIKE, st.text()))
def test_title_classification_never_raises(text: str) -> None:
    info = classify_title(text)
    assert info.doc_kind in ("budget", "final_accounts", "other")


# ---- stitching -------------------------------------------------------------------------

EDGES = [40.0, 160.0, 260.0, 360.0, 460.0]
HEADER = [["项目", "本年预算", "上年预算", "增减"], ["名称", "金额", "金额", "金额"]]
ROW_HEIGHT = 18.0


def _piece(rows: list[list[str]], page: int, caption: list[str], flags: list[str]
           ) -> FoundTable:
    cells = []
    for r, row in enumerate(rows):
        top = 100 + r * ROW_HEIGHT
        for c, text in enumerate(row):
            if text:
                cells.append(Cell(r, c, text, page, (EDGES[c], top, EDGES[c + 1],
                                                     top + ROW_HEIGHT)))
    grid = Grid(len(rows), len(EDGES) - 1, cells)
    bbox = (EDGES[0], 100.0, EDGES[-1], 100 + len(rows) * ROW_HEIGHT)
    return FoundTable(grid, page, bbox, list(EDGES), caption, flags=list(flags))


@st.composite
def paged_tables(draw: st.DrawFn) -> tuple[list[list[str]], list[list[list[str]]], bool]:
    """A table's rows (header, then body) and the same rows cut into pages at arbitrary row
    boundaries, each continuation page with or without the header repeated."""
    header = HEADER[:draw(st.integers(1, 2))]
    amount = st.builds(lambda n: format(Decimal(n).scaleb(-2), ",f"), st.integers(0, 10**9))
    body = draw(st.lists(st.tuples(NAMES, amount, amount, amount).map(list),
                         min_size=1, max_size=30))
    cuts = sorted(draw(st.sets(st.integers(1, len(body) - 1), max_size=5))) \
        if len(body) > 1 else []
    repeat = draw(st.booleans())
    chunks = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)])]
    pages = [header + chunks[0]] + [(header if repeat else []) + chunk for chunk in chunks[1:]]
    return header + body, pages, repeat


def _stitched(pages: list[list[list[str]]], flags: list[str]) -> list[FoundTable]:
    found = [_piece(rows, n, ["某某局2024年部门收支总表", "单位：万元"] if n == 1 else [], flags)
             for n, rows in enumerate(pages, start=1)]
    return stitch_pages(found)


@SETTINGS
@given(paged_tables())
def test_a_ruled_table_cut_over_pages_stitches_back_whole(
        case: tuple[list[list[str]], list[list[list[str]]], bool]) -> None:
    rows, pages, _ = case
    (table,) = _stitched(pages, [])
    assert table.grid.printed() == rows
    assert (table.page, table.last_page or table.page) == (1, len(pages))


@SETTINGS
@given(paged_tables())
def test_an_unruled_table_cut_over_pages_stitches_back_whole(
        case: tuple[list[list[str]], list[list[list[str]]], bool]) -> None:
    rows, pages, _ = case
    (table,) = _stitched(pages, ["unruled"])
    assert table.grid.printed() == rows
