"""Every render style of the demo seeds (archive.demo.render.STYLES: full grid, horizontal rules
only, no rules, merged bold headers over short pages, /Rotate 90 pages, sideways tables) parses
back to the seed tables: every amount at its row and column, every standard table typed, and
each table flagged for how it was read."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest

from archive.demo.fixtures import SeedDoc, is_amount, load_seed
from archive.demo.render import STYLES, render_pdf
from parsing.parse import parse_bytes
from parsing.tables import clean_title, table_type
from parsing.text import compact

SEEDS = ("003", "004")  # Xinjiang hierarchical rows; Chongqing 7-digit codes


@pytest.fixture(scope="module")
def parsed() -> dict[tuple[str, str], dict]:
    return {(style, seed): parse_bytes(render_pdf(load_seed(seed), style))
            for style in STYLES for seed in SEEDS}


def _pairs(seed: SeedDoc, result: dict) -> list[tuple[object, dict | None]]:
    """Seed tables with the parsed table of the same title, in order."""
    pairs, start = [], 0
    for table in seed.tables:
        want, found = compact(clean_title(table.title)), None
        for i in range(start, len(result["tables"])):
            if want and compact(result["tables"][i]["title_raw"]).startswith(want):
                found, start = result["tables"][i], i + 1
                break
        pairs.append((table, found))
    return pairs


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("seed_id", SEEDS)
def test_every_amount_is_read_at_its_row_and_column(parsed: dict, style: str,
                                                    seed_id: str) -> None:
    seed = load_seed(seed_id)
    misses = []
    for table, found in _pairs(seed, parsed[(style, seed_id)]):
        for r, row in enumerate(table.rows):
            for c, text in enumerate(row):
                if not is_amount(text):
                    continue
                rows = found["rows"] if found else []
                got = rows[r][c] if r < len(rows) and c < len(rows[r]) else None
                if got is None or compact(got) != compact(text):
                    misses.append((table.title, r, c, text, got))
    assert not misses


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("seed_id", SEEDS)
def test_every_standard_table_is_typed(parsed: dict, style: str, seed_id: str) -> None:
    result = parsed[(style, seed_id)]
    assert result["document"]["parse_status"] == "ok"
    for table, found in _pairs(load_seed(seed_id), result):
        if table_type(table.title) != "other":
            assert found is not None and found["table_type"] == table_type(table.title)


@pytest.mark.parametrize("style,flag", [("horizontal", "unruled"), ("unruled", "unruled"),
                                        ("rotated", "rotated"), ("sideways", "rotated")])
def test_tables_are_flagged_by_how_they_were_read(parsed: dict, style: str, flag: str) -> None:
    tables = parsed[(style, "003")]["tables"]
    assert tables and all(flag in t["flags"] for t in tables)


def test_grid_tables_carry_no_geometry_flags(parsed: dict) -> None:
    for t in parsed[("grid", "003")]["tables"]:
        assert not {"unruled", "rotated"} & set(t["flags"])


@pytest.mark.parametrize("style", ["merged", "horizontal"])
def test_tables_continued_over_pages_are_stitched(parsed: dict, style: str) -> None:
    long = [t for t in parsed[(style, "004")]["tables"] if t["page_end"] > t["page_start"]]
    assert long and all("stitched" in t["flags"] for t in long)


def test_merged_header_cells_give_the_header_path() -> None:
    result = parse_bytes(render_pdf(load_seed("000"), "merged"))
    (table,) = [t for t in result["tables"] if t["table_type"] == "general_budget_basic"]
    items = [i for i in result["line_items"]
             if i["table_no"] == table["table_no"] and i["measure"] == "personnel"]
    assert items and {i["measure_raw"] for i in items} == {"基本支出 / 人员经费"}
    assert table["header"][0][4:7] == ["基本支出"] * 3  # one cell over three columns


def test_bold_headers_drawn_twice_read_once(parsed: dict) -> None:
    headers = [cell for t in parsed[("merged", "004")]["tables"] for row in t["header"]
               for cell in row if cell]
    assert headers and not [h for h in headers if "合合" in h or "项项" in h]


def test_rotated_style_stores_pages_with_rotate_90() -> None:
    pdf = pdfium.PdfDocument(io.BytesIO(render_pdf(load_seed("004"), "rotated")))
    rotations = {pdf[i].get_rotation() for i in range(len(pdf))}
    assert rotations == {0, 90}  # cover and narrative upright, table pages turned


def test_the_default_style_is_the_grid_the_portal_serves() -> None:
    seed = load_seed("004")
    assert render_pdf(seed) == render_pdf(seed, "grid")


def test_a_form_continued_over_a_page_of_words_and_wider_columns_is_one_table() -> None:
    """Seed 002's 部门整体支出绩效目标表 without column rules: its first page fills 4 of its 8
    columns, the next holds only 任务 text, the 指标 rows after fill all 8."""
    seed = load_seed("002")
    result = parse_bytes(render_pdf(seed, "horizontal"))
    ((table, found),) = [(t, f) for t, f in _pairs(seed, result) if "整体" in t.title]
    assert found is not None and found["n_cols"] == table.width == 8
    assert len(found["rows"]) == len(table.rows)
    assert [(r, c) for r, row in enumerate(table.rows) for c, text in enumerate(row)
            if is_amount(text) and compact(found["rows"][r][c]) != compact(text)] == []
