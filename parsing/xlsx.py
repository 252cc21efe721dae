"""Spreadsheets (XLSX, XLS, and the rest python-calamine reads) → tables, one per sheet.

Budget workbooks put one disclosure table on each sheet: a title row, 单位：万元, the header and
the body. Numbers arrive as binary floats; they are turned back into the decimal a person typed
by reading them to 15 significant digits, Excel's own display precision, so 3123.22 stays
3123.22 and a formula's 10665.250000000002 becomes 10665.25. A column of amounts shares one
number format, so a whole number in it is printed with the column's decimals (5 → 5.00): the
checks read a figure's precision from its decimals. Sheet numbers stand in for pages.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any

from python_calamine import CalamineWorkbook

from parsing.content import Content, TextLine, grid_from_rows, table_with_caption

SIGNIFICANT_DIGITS = 15


class PicturesOnly(Exception):
    """A workbook whose sheets hold no cell values, only pictures (a scan pasted in)."""


def cell_text(value: Any, decimals: int = 0) -> str:
    """A cell value as the text it displays; numbers with at least `decimals` decimals."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        number = Decimal(format(value, f".{SIGNIFICANT_DIGITS}g"))
        text = format(number.normalize(), "f") if number else "0"
        places = len(text.split(".")[1]) if "." in text else 0
        return format(number, f".{max(places, decimals)}f")
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip()


def sheet_rows(values: list[list[Any]]) -> list[list[str]]:
    """A sheet's values as text, each column's numbers with the column's most decimals."""
    decimals: dict[int, int] = {}
    for row in values:
        for c, value in enumerate(row):
            if isinstance(value, float):
                text = cell_text(value)
                decimals[c] = max(decimals.get(c, 0), len(text.split(".")[1]) if "." in text else 0)
    return [[cell_text(v, decimals.get(c, 0)) for c, v in enumerate(row)] for row in values]


def read_workbook(data: bytes) -> Content:
    """Every visible sheet's table; raises `PicturesOnly` for a workbook of pictures, and
    whatever python-calamine raises on a broken file."""
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    tables, lines, n_chars = [], [], 0
    visible = [m.name for m in workbook.sheets_metadata if str(m.visible).endswith("Visible")]
    for number, name in enumerate(workbook.sheet_names, start=1):
        if name not in visible:
            continue
        sheet = workbook.get_sheet_by_name(name)
        rows = sheet_rows(sheet.to_python(skip_empty_area=False))
        n_chars += sum(len(t) for row in rows for t in row)
        merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
        table = table_with_caption(grid_from_rows(rows, number, merges), number, [])
        if table is None:
            lines += [TextLine(t, number) for row in rows for t in row if t]
        else:
            tables.append(table)
            lines += [TextLine(t, number) for t in table.caption]
    if n_chars == 0 and _pictures(data):
        raise PicturesOnly(f"{_pictures(data)} pictures and no cell values")
    return Content(len(workbook.sheet_names), tables, lines, n_chars)


def _pictures(data: bytes) -> int:
    """How many images an XLSX package carries (xl/media/…); 0 for other formats."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return sum(1 for n in package.namelist() if n.startswith("xl/media/"))
    except zipfile.BadZipFile:
        return 0
