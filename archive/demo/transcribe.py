"""Turn the seed texts into committed JSON fixtures, mechanically.

The seed texts (../shared/seeds/*.txt) are PDF-to-text conversions: every table is a run of
TAB-separated lines under its title. The tests and the demo portal must not depend on that
folder, so this script writes one JSON per seed into `archive/demo/seeds/`, keeping each cell's
text as printed. Run it again only when the seed texts change:

    python -m archive.demo.transcribe /work/shared/seeds archive/demo/seeds
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Document-level facts from the seed README table (region codes: GB/T 2260).
SEED_META: dict[str, dict[str, object]] = {
    "000": {"body": "四川省安全科学技术研究院", "scope": "unit", "level": "province",
            "province": "四川省", "prefecture": None, "county": None, "region_code": "510000",
            "fiscal_year": 2024, "doc_kind": "budget", "unit_code": "345903"},
    "001": {"body": "雅安市科学技术局", "scope": "department", "level": "prefecture",
            "province": "四川省", "prefecture": "雅安市", "county": None, "region_code": "511800",
            "fiscal_year": 2025, "doc_kind": "budget", "unit_code": "210"},
    "002": {"body": "四川省公安厅交通警察总队", "scope": "department", "level": "province",
            "province": "四川省", "prefecture": None, "county": None, "region_code": "510000",
            "fiscal_year": 2024, "doc_kind": "budget", "unit_code": "205"},
    "003": {"body": "喀什市建设工程质量安全监督站", "scope": "department", "level": "county",
            "province": "新疆维吾尔自治区", "prefecture": "喀什地区", "county": "喀什市",
            "region_code": "653101", "fiscal_year": 2021, "doc_kind": "budget", "unit_code": None},
    "004": {"body": "石柱土家族自治县老干部活动中心", "scope": "unit", "level": "county",
            "province": "重庆市", "prefecture": None, "county": "石柱土家族自治县",
            "region_code": "500240", "fiscal_year": 2023, "doc_kind": "budget", "unit_code": None},
}

NARRATIVE_LINES = 30
TITLE_LOOKBACK = 8  # non-empty lines searched above a table for its title
COVER_MAX = 4

_TAG = re.compile(r"</?(?:b|p|br|strong)\s*/?>", re.I)
_AMOUNT = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)$")
_UNIT_LINE = re.compile(r"^[（(]?\s*(?:金额单位|计量单位|编制单位|编制部门|填报单位|预算单位|单位|部门|注)\s*[:：]")
_LABEL = re.compile(r"^表\s*[0-9一二三四五六七八九十]+(?:\s*-\s*\d+)?\s*[:：]?$")
_NOTE = re.compile(r"^[（(]?\s*(?:说明|注|备注)\s*[:：]")
_TOTAL = {"合计", "总计"}


def strip_cell(text: str) -> str:
    """A cell as printed: only the converter's HTML tags go."""
    return _TAG.sub("", text).strip()


def strip_line(text: str) -> str:
    """A text line as printed: drop the converter's markdown and HTML markup."""
    text = _TAG.sub("", text).replace("**", "")
    text = re.sub(r"^\s*#+\s*", "", text)
    text = re.sub(r"^\s*-\s+", "", text)
    return text.strip()


def is_amount(text: str) -> bool:
    return bool(_AMOUNT.match(text))


def names_table(line: str) -> bool:
    """A short line that names a table (部门收支总表, 表一 … headings), not a sentence."""
    return ("表" in line and len(line) <= 60 and "。" not in line
            and not _LABEL.match(line) and not _UNIT_LINE.match(line))


@dataclass
class _Block:
    """A run of table lines (maybe interrupted by blank or stray text lines) or a text line."""
    start: int
    rows: list[list[str]] = field(default_factory=list)
    runs: list[list[list[str]]] = field(default_factory=list)


def _segments(lines: list[str]) -> list[tuple[str, int, object]]:
    """Split lines into ("text", lineno, str) and ("run", lineno, rows) segments; blanks drop."""
    out: list[tuple[str, int, object]] = []
    run: list[list[str]] = []
    run_start = 0
    for no, raw in enumerate(lines):
        if "\t" in raw:
            if not run:
                run_start = no
            run.append([strip_cell(c) for c in raw.rstrip("\n").split("\t")])
            continue
        if run:
            out.append(("run", run_start, run))
            run = []
        text = strip_line(raw)
        if text:
            out.append(("text", no, text))
    if run:
        out.append(("run", run_start, run))
    return out


def _lift_leading(rows: list[list[str]], title: str, pre: list[str]) -> tuple[str, list[str], list[list[str]]]:
    """Rows at the top of a run that are really the title or unit lines (some layouts print them
    inside the table's text run) move out of the grid."""
    pre = list(pre)
    while rows:
        cells = [c for c in rows[0] if c]
        if not cells or len(cells) > 3:
            break
        kinds = []
        for c in cells:
            if _UNIT_LINE.match(c):
                kinds.append("unit")
            elif names_table(c) and not is_amount(c):
                kinds.append("title")
            elif len(cells) == 1 and re.match(r"^[（(].*[)）]$", c):
                kinds.append("unit")
            else:
                kinds.append("other")
        if "other" in kinds:
            break
        units = [c for c, k in zip(cells, kinds) if k == "unit"]
        for c, k in zip(cells, kinds):
            if k == "title":
                title = c
        if units:
            pre.append("    ".join(units))
        rows = rows[1:]
    return title, pre, rows


def _split_header(rows: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """Header = leading rows with no amount (a lone 合计 row of an empty table is a body row)."""
    for i, row in enumerate(rows):
        cells = [c for c in row if c]
        if any(is_amount(c) for c in cells):
            return rows[:i], rows[i:]
        if len(cells) == 1 and cells[0].replace(" ", "") in _TOTAL:
            return rows[:i], rows[i:]
    return rows, []


def _pad(rows: list[list[str]], width: int) -> list[list[str]]:
    return [r + [""] * (width - len(r)) for r in rows]


def transcribe_text(text: str) -> dict[str, object]:
    """One seed text -> {cover_lines, narrative, tables}."""
    segs = _segments(text.splitlines())
    tables: list[dict[str, object]] = []
    texts_since: list[str] = []  # text lines since the last run
    text_lines: list[str] = []
    for kind, _no, payload in segs:
        if kind == "text":
            texts_since.append(payload)  # type: ignore[arg-type]
            text_lines.append(payload)  # type: ignore[arg-type]
            continue
        rows: list[list[str]] = payload  # type: ignore[assignment]
        window = texts_since[-TITLE_LOOKBACK:]
        title_at = next((i for i in range(len(window) - 1, -1, -1) if names_table(window[i])), None)
        if title_at is None and tables:
            # No title since the last table: the same table continues (next page, or a cell's
            # text spilled out of the grid). A repeated header is the page header: drop it.
            prev = tables[-1]
            header = prev["header"]
            if header and rows[: len(header)] == [r[: len(rows[0])] for r in header][: len(rows)]:
                rows = rows[len(header):]
            elif header and [c for c in rows[0] if c] == [c for c in header[0] if c]:
                rows = rows[len(header):]
            prev["rows"].extend(rows)  # type: ignore[union-attr]
            prev["post_lines"] = []
        else:
            title = window[title_at] if title_at is not None else ""
            before = window[:title_at] if title_at is not None else []
            label = next((t for t in reversed(before) if _LABEL.match(t)), "")
            pre = window[title_at + 1:] if title_at is not None else []
            title, pre, rows = _lift_leading(rows, title, pre)
            header, body = _split_header(rows)
            tables.append({"title": title, "label": label, "pre_lines": pre,
                           "header": header, "rows": body, "post_lines": []})
        texts_since = []
        # Notes printed right under a table (说明：本表无相关数据。) belong to it.
        _attach_notes(segs, tables)
    for t in tables:
        width = max((len(r) for r in t["header"] + t["rows"]), default=0)  # type: ignore[operator]
        t["header"], t["rows"] = _pad(t["header"], width), _pad(t["rows"], width)  # type: ignore[arg-type]
    return {"text_lines": text_lines, "tables": tables}


def _attach_notes(segs: list[tuple[str, int, object]], tables: list[dict[str, object]]) -> None:
    """Placeholder kept out of the loop: notes are attached in a second pass (see attach_notes)."""


def attach_notes(text: str, tables: list[dict[str, object]]) -> None:
    """Give each table the 说明/注/备注 lines that directly follow it in the text."""
    segs = _segments(text.splitlines())
    table_no = -1
    prev_kind = ""
    for kind, _no, payload in segs:
        if kind == "run":
            if prev_kind != "run":
                table_no += 1 if not _continues(segs, _no) else 0
            prev_kind = "run"
            continue
        prev_kind = "text"
