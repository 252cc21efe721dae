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
from pathlib import Path

from archive.demo.fixtures import is_amount

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
_UNIT_LINE = re.compile(r"^[（(]?\s*(?:金额单位|计量单位|编制单位|编制部门|填报单位|预算单位|单位|部门|注)\s*[:：]")
_LABEL = re.compile(r"^表\s*[0-9一二三四五六七八九十]+(?:\s*-\s*\d+)?\s*[:：]?$")
_NOTE = re.compile(r"^[（(]?\s*(?:说明|注|备注)\s*[:：]")
_TOTAL = {"合计", "总计"}


def strip_cell(text: str) -> str:
    """A cell as printed: only the converter's HTML tags go."""
    return _TAG.sub("", text).replace("\xa0", " ").strip()


def strip_line(text: str) -> str:
    """A text line as printed: drop the converter's markdown and HTML markup."""
    text = _TAG.sub("", text).replace("**", "").replace("\xa0", " ")
    text = re.sub(r"^\s*#+\s*", "", text)
    text = re.sub(r"^\s*-\s+", "", text)
    return text.strip()


def names_table(line: str) -> bool:
    """A short line that names a table (部门收支总表, 表一 … headings), not a sentence."""
    return ("表" in line and len(line) <= 60 and "。" not in line
            and not _LABEL.match(line) and not _UNIT_LINE.match(line))


def _segments(lines: list[str]) -> list[tuple[str, object]]:
    """Split lines into ("text", str) and ("run", rows) segments; blank lines end a run."""
    out: list[tuple[str, object]] = []
    run: list[list[str]] = []
    for raw in lines:
        if "\t" in raw:
            run.append([strip_cell(c) for c in raw.split("\t")])
            continue
        if run:
            out.append(("run", run))
            run = []
        text = strip_line(raw)
        if text:
            out.append(("text", text))
    if run:
        out.append(("run", run))
    return out


def _lift_leading(rows: list[list[str]], title: str,
                  pre: list[str]) -> tuple[str, list[str], list[list[str]]]:
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
            elif names_table(c):
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
    """One seed text -> {"text_lines": [...], "tables": [...]}, every cell as printed."""
    tables: list[dict[str, object]] = []
    texts_since: list[str] = []  # text lines since the last table run
    text_lines: list[str] = []  # every text line outside tables, in order
    for kind, payload in _segments(text.splitlines()):
        if kind == "text":
            line: str = payload  # type: ignore[assignment]
            text_lines.append(line)
            if tables and all(_NOTE.match(t) for t in texts_since) and _NOTE.match(line):
                tables[-1]["post_lines"].append(line)  # type: ignore[union-attr]
            texts_since.append(line)
            continue
        rows: list[list[str]] = payload  # type: ignore[assignment]
        window = texts_since[-TITLE_LOOKBACK:]
        title_at = next((i for i in range(len(window) - 1, -1, -1) if names_table(window[i])), None)
        if title_at is None and tables:
            _continue_table(tables[-1], rows)
        else:
            title = window[title_at] if title_at is not None else ""
            near = window[title_at - 1:] if title_at else window
            label = next((t for t in reversed(near) if _LABEL.match(t)), "")
            pre = [t for t in window[title_at + 1:] if not _LABEL.match(t)] if title_at is not None else []
            title, pre, rows = _lift_leading(rows, title, pre)
            header, body = _split_header(rows)
            tables.append({"title": title, "label": label, "pre_lines": pre,
                           "header": header, "rows": body, "post_lines": []})
        texts_since = []
    for t in tables:
        grid = t["header"] + t["rows"]  # type: ignore[operator]
        width = max((len(r) for r in grid), default=0)
        t["header"], t["rows"] = _pad(t["header"], width), _pad(t["rows"], width)  # type: ignore[arg-type]
    return {"text_lines": text_lines, "tables": tables}


def _continue_table(table: dict[str, object], rows: list[list[str]]) -> None:
    """No title since the last table: the same table goes on (next page, or a cell's text
    spilled out of the grid). A repeated header row starts a new page: drop it."""
    header: list[list[str]] = table["header"]  # type: ignore[assignment]
    if header and rows and _nonempty(rows[0]) == _nonempty(header[0]):
        n = 0
        while n < len(header) and n < len(rows) and _nonempty(rows[n]) == _nonempty(header[n]):
            n += 1
        rows = rows[n:]
    table["rows"].extend(rows)  # type: ignore[union-attr]


def _nonempty(row: list[str]) -> list[str]:
    return [c for c in row if c]


def _cover_and_narrative(text_lines: list[str]) -> tuple[list[str], list[str]]:
    """Cover = the first lines, up to the table of contents or the first heading; narrative =
    the next lines, enough for a realistic first pages."""
    cover: list[str] = []
    for line in text_lines:
        if len(cover) >= COVER_MAX or line.replace(" ", "") == "目录" or (
                cover and re.match(r"^(第[一二三四]部分|[一二三四五六七八九十]+、)", line)):
            break
        cover.append(line)
    return cover, text_lines[len(cover): len(cover) + NARRATIVE_LINES]


def transcribe_seed(path: Path) -> dict[str, object]:
    """A seed file -> its fixture: metadata, cover, narrative and tables."""
    seed_id = path.name[:3]
    text = path.read_text(encoding="utf-8")
    result = transcribe_text(text)
    cover, narrative = _cover_and_narrative(result["text_lines"])  # type: ignore[arg-type]
    return {"seed_id": seed_id, "source": path.name, **SEED_META[seed_id],
            "cover_lines": cover, "narrative": narrative, "tables": result["tables"]}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m archive.demo.transcribe SEEDS_DIR OUT_DIR", file=sys.stderr)
        return 2
    src, out = Path(args[0]), Path(args[1])
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.glob("[0-9][0-9][0-9]_*.txt")):
        fixture = transcribe_seed(path)
        target = out / f"{fixture['seed_id']}.json"
        target.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{target}: {len(fixture['tables'])} tables")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
