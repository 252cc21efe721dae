"""Budgets published as spreadsheets, Word files, HTML articles and zip archives parse into the
same tables, line items and checks as PDFs; scans and formats that cannot be read get a status
that says why. Fixtures are written here from the seed documents."""

from __future__ import annotations

import html
import io
import zipfile
from decimal import Decimal

import docx
import openpyxl
import pytest
from openpyxl.drawing.image import Image as SheetImage
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from archive.demo.fixtures import SeedDoc, is_amount, load_seed
from archive.demo.render import header_spans
from parsing import ocr
from parsing.parse import parse_bytes
from parsing.xlsx import cell_text
from tests.parse_results import amount_of, items_of


def seed_xlsx(seed: SeedDoc) -> bytes:
    """One sheet per table: title (merged across), unit lines, merged header, body; amounts
    stored as numbers, as budget workbooks do."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for n, table in enumerate(seed.tables, start=1):
        sheet = book.create_sheet(f"表{n}")
        sheet.cell(1, 1, table.title)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=table.width)
        for r, line in enumerate(table.pre_lines, start=2):
            sheet.cell(r, 1, line)
        top = 2 + len(table.pre_lines)
        for r, c, rows, cols in header_spans(table.header):
            if rows > 1 or cols > 1:
                sheet.merge_cells(start_row=top + r, start_column=c + 1,
                                  end_row=top + r + rows - 1, end_column=c + cols)
        for r, row in enumerate(table.header + table.rows, start=top):
            for c, text in enumerate(row, start=1):
                if text:
                    sheet.cell(r, c, float(text.replace(",", "")) if is_amount(text) else text)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def seed_docx(seed: SeedDoc) -> bytes:
    document = docx.Document()
    for line in (*seed.cover_lines, *seed.narrative):
        document.add_paragraph(line)
    for table in seed.tables:
        for line in (table.title, *table.pre_lines):
            document.add_paragraph(line)
        grid = document.add_table(rows=0, cols=table.width)
        for row in table.header + table.rows:
            for cell, text in zip(grid.add_row().cells, row):
                cell.text = text
        for r, c, n_rows, n_cols in header_spans(table.header):
            if n_rows > 1 or n_cols > 1:
                grid.cell(r, c).merge(grid.cell(r + n_rows - 1, c + n_cols - 1))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def seed_html(seed: SeedDoc, encoding: str = "utf-8") -> bytes:
    """An article page: a layout table around the content, the tables inline, merged header
    cells as rowspan/colspan."""
    out = [f'<html><head><meta charset="{encoding}"><title>{html.escape(seed.body)}</title>'
           '</head><body><table class="layout"><tr><td>']
    out += [f"<p>{html.escape(line)}</p>" for line in (*seed.cover_lines, *seed.narrative)]
    for table in seed.tables:
        out += [f"<p>{html.escape(line)}</p>" for line in (table.title, *table.pre_lines)]
        out.append('<table border="1">')
        spans = {(r, c): (n, m) for r, c, n, m in header_spans(table.header)}
        for r, row in enumerate(table.header):
            out.append("<tr>" + "".join(
                f'<th rowspan="{spans[r, c][0]}" colspan="{spans[r, c][1]}">{html.escape(t)}</th>'
                for c, t in enumerate(row) if (r, c) in spans) + "</tr>")
        for row in table.rows:
            out.append("<tr>" + "".join(f"<td>{html.escape(t)}</td>" for t in row) + "</tr>")
        out.append("</table>")
    out.append("</td></tr></table></body></html>")
    return "".join(out).encode(encoding)


@pytest.fixture(scope="module")
def seed_000() -> dict[str, dict]:
    seed = load_seed("000")
    return {"xlsx": parse_bytes(seed_xlsx(seed)), "docx": parse_bytes(seed_docx(seed)),
            "html": parse_bytes(seed_html(seed))}


@pytest.mark.parametrize("kind", ["xlsx", "docx", "html"])
def test_every_table_is_typed_as_in_the_pdf(seed_000: dict, kind: str) -> None:
    result = seed_000[kind]
    types = [t["table_type"] for t in result["tables"]]
    assert (result["document"]["format"], result["document"]["parse_status"]) == (kind, "ok")
    assert types == ["income_expenditure_summary", "income_summary", "expenditure_summary",
                     "fiscal_summary", "fiscal_by_economic", "general_budget",
                     "general_budget_basic", "general_budget_project", "three_public",
                     "gov_fund", "gov_fund_three_public", "state_capital",
                     "project_performance"]


@pytest.mark.parametrize("kind", ["xlsx", "docx", "html"])
def test_line_items_and_checks_match_the_seed(seed_000: dict, kind: str) -> None:
    result = seed_000[kind]
    summary = items_of(result, "income_expenditure_summary")
    assert amount_of(summary, "收入总计") == amount_of(summary, "支出总计") == Decimal("10665.25")
    spending = items_of(result, "expenditure_summary")
    assert (amount_of(spending, "合计", "basic"), amount_of(spending, "合计", "project")) == (
        Decimal("7171.97"), Decimal("3493.28"))
    (row,) = [i for i in spending if i["code"] == "2240199" and i["measure"] == "project"]
    assert (row["code_level"], row["unit_code"], row["amount"]) == (3, "345903", "3274.2")
    (check,) = [c for c in result["checks"] if c["name"] == "income_equals_expenditure"]
    assert check["passed"]


def test_metadata_of_a_workbook_comes_from_its_captions(seed_000: dict) -> None:
    document = seed_000["xlsx"]["document"]
    assert (document["department"], document["fiscal_year"], document["doc_kind"]) == (
        "四川省安全科学技术研究院", 2024, "budget")


def test_sheets_stand_for_pages_and_unpaged_formats_give_none(seed_000: dict) -> None:
    sheets = [t["page_start"] for t in seed_000["xlsx"]["tables"]]
    assert sheets == list(range(1, 14))
    for kind in ("docx", "html"):
        item = seed_000[kind]["line_items"][0]
        assert (item["page"], item["bbox"]) == (None, None)


def test_spreadsheet_numbers_read_back_as_typed() -> None:
    assert [cell_text(v) for v in (3123.22, 10665.250000000002, 2080505.0, 0.1 + 0.2)] == [
        "3123.22", "10665.25", "2080505", "0.3"]
    assert cell_text(5.0, decimals=2) == "5.00"


def test_html_in_gbk_is_decoded_by_its_declared_charset() -> None:
    result = parse_bytes(seed_html(load_seed("004"), encoding="gbk"))
    assert result["document"]["parse_status"] == "ok"
    items = items_of(result, "expenditure_summary")
    assert amount_of(items, "合计") == Decimal("190.98")


def test_html_page_without_a_table_is_unsupported() -> None:
    page = "<html><head><meta charset='utf-8'></head><body><p>通知</p></body></html>"
    document = parse_bytes(page.encode())["document"]
    assert (document["parse_status"], document["status_reason"]) == (
        "unsupported", "an HTML page without a table: nothing to parse")


def test_a_workbook_of_pictures_says_so() -> None:
    book = openpyxl.Workbook()
    picture = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(picture, format="PNG")
    book.active.add_image(SheetImage(picture), "A1")
    buffer = io.BytesIO()
    book.save(buffer)
    document = parse_bytes(buffer.getvalue())["document"]
    assert document["parse_status"] == "no_text_layer"
    assert document["status_reason"].startswith("spreadsheet of pictures: 1 pictures")


@pytest.mark.parametrize("data,words", [
    (b"Rar!\x1a\x07\x01\x00" + b"\0" * 64, "rar archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0" * 64,
     "Word 97-2003"),
    (b"7z\xbc\xaf\x27\x1c" + b"\0" * 64, "7z archive"),
])
def test_formats_not_read_are_unsupported_with_a_reason(data: bytes, words: str) -> None:
    document = parse_bytes(data)["document"]
    assert document["parse_status"] == "unsupported"
    assert words in document["status_reason"]


class _GbkName(zipfile.ZipInfo):
    """A member name stored in GBK without the UTF-8 flag, as Chinese Windows zips them."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("gbk"), self.flag_bits


def _zip(members: dict[str, bytes], utf8: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name) if utf8 else _GbkName(name), data)
    return buffer.getvalue()


def test_zip_members_are_documents_pointing_to_their_container() -> None:
    seed = load_seed("004")
    inner = _zip({"说明.html": seed_html(seed)})
    outer = _zip({"预算/石柱.xlsx": seed_xlsx(seed), "附件.zip": inner, "__MACOSX/._x": b"x"},
                 utf8=False)
    result = parse_bytes(outer)
    assert (result["document"]["format"], result["document"]["parse_status"]) == ("zip", "ok")
    members = {m["member_path"]: m for m in result["members"]}
    assert set(members) == {"预算/石柱.xlsx", "附件.zip"}
    workbook = members["预算/石柱.xlsx"]["result"]["document"]
    assert (workbook["format"], workbook["parse_status"]) == ("xlsx", "ok")
    assert workbook["doc_id"] == members["预算/石柱.xlsx"]["sha256"]
    (nested,) = members["附件.zip"]["result"]["members"]
    assert (nested["member_path"], nested["result"]["document"]["format"]) == (
        "说明.html", "html")


def test_a_broken_zip_fails_cleanly() -> None:
    document = parse_bytes(_zip({"a.txt": b"x" * 100})[:60])["document"]
    assert document["parse_status"] in ("failed", "unsupported")
    assert document["status_reason"]


def _scanned_pdf(picture: Image.Image) -> bytes:
    """A PDF whose only page is a picture (no text layer), as a scanner makes."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    width, height = picture.size
    canvas.setPageSize((width / 2, height / 2))
    from reportlab.lib.utils import ImageReader

    canvas.drawImage(ImageReader(picture), 0, 0, width / 2, height / 2)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_a_scan_without_ocr_is_reported_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    document = parse_bytes(_scanned_pdf(Image.new("RGB", (400, 300), "white")))["document"]
    assert (document["parse_status"], document["n_pages"]) == ("no_text_layer", 1)
    assert "install the `ocr` extra" in document["status_reason"]


@pytest.mark.skipif(not ocr.available(), reason="the `ocr` extra is not installed")
def test_a_scanned_table_is_read_by_ocr_and_flagged() -> None:
    from archive.demo.render import render_pdf
    import pypdfium2

    seed = load_seed("004")
    (table,) = [t for t in seed.tables if t.title.endswith("一般公共预算财政拨款支出预算表")]
    page = pypdfium2.PdfDocument(render_pdf(SeedDoc(**{
        **seed.__dict__, "cover_lines": (), "narrative": (), "tables": (table,)})))
    picture = page[len(page) - 1].render(scale=2).to_pil()
    result = parse_bytes(_scanned_pdf(picture))
    (found,) = [t for t in result["tables"] if t["table_type"] == "general_budget"]
    assert "ocr" in found["flags"]
    amounts = {Decimal(i["amount"]) for i in result["line_items"] if i["table_no"] ==
               found["table_no"]}
    assert {Decimal("190.98"), Decimal("146.07")} <= amounts


def test_a_zip_past_the_limits_is_not_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    from parsing import archives

    monkeypatch.setattr(archives, "MAX_MEMBER_BYTES", 1000)
    document = parse_bytes(_zip({"big.html": b"<html>" + b" " * 5000}))["document"]
    assert (document["parse_status"], document["status_reason"]) == (
        "unsupported", "zip archive too large: big.html: 5006 bytes")
