"""The seed documents as data: committed JSON fixtures (written by `transcribe`) loaded into
dataclasses, so tests, the renderer and the demo portal never need ../shared."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SEEDS_DIR = Path(__file__).with_name("seeds")

Grid = tuple[tuple[str, ...], ...]

_AMOUNT = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)$")


def is_amount(text: str) -> bool:
    """A printed amount: 3,123.22 or 18.49 (bare integers are codes, weights or counts)."""
    return bool(_AMOUNT.match(text))


@dataclass(frozen=True)
class SeedTable:
    """One printed table: its title, the unit lines above it, the header rows and the body rows
    (every cell text as printed, rows padded to one width), and notes printed under it."""

    title: str
    pre_lines: tuple[str, ...]
    header: Grid
    rows: Grid
    label: str = ""  # a table number printed above the title (表1-1, 表一：)
    post_lines: tuple[str, ...] = ()  # 说明：本表无相关数据。

    @property
    def width(self) -> int:
        return len((self.header + self.rows)[0]) if self.header or self.rows else 0


@dataclass(frozen=True)
class SeedDoc:
    """A whole disclosure: who, where, which year and kind, its cover and narrative lines, and
    its tables in document order."""

    seed_id: str  # "000" … for the seeds; a synthetic document keeps its seed's id
    source: str  # the seed file it came from, or a note on how it was derived
    body: str
    scope: str  # department | unit
    level: str  # province | prefecture | county
    province: str
    prefecture: str | None
    county: str | None
    region_code: str  # 6-digit GB/T 2260
    fiscal_year: int
    doc_kind: str  # budget | final_accounts
    unit_code: str | None
    cover_lines: tuple[str, ...]
    narrative: tuple[str, ...]
    tables: tuple[SeedTable, ...]

    @property
    def province_code(self) -> str:
        return self.region_code[:2]


def _grid(rows: list[list[str]]) -> Grid:
    return tuple(tuple(r) for r in rows)


def seed_from_json(data: dict) -> SeedDoc:
    tables = tuple(
        SeedTable(title=t["title"], pre_lines=tuple(t["pre_lines"]), header=_grid(t["header"]),
                  rows=_grid(t["rows"]), label=t.get("label", ""),
                  post_lines=tuple(t.get("post_lines", ())))
        for t in data["tables"])
    return SeedDoc(
        seed_id=data["seed_id"], source=data["source"], body=data["body"], scope=data["scope"],
        level=data["level"], province=data["province"], prefecture=data["prefecture"],
        county=data["county"], region_code=data["region_code"], fiscal_year=data["fiscal_year"],
        doc_kind=data["doc_kind"], unit_code=data["unit_code"],
        cover_lines=tuple(data["cover_lines"]), narrative=tuple(data["narrative"]), tables=tables)


@cache
def load_seed(seed_id: str) -> SeedDoc:
    """One seed by its id ("000" … "004")."""
    path = SEEDS_DIR / f"{seed_id}.json"
    return seed_from_json(json.loads(path.read_text(encoding="utf-8")))


def seed_ids() -> list[str]:
    return sorted(p.stem for p in SEEDS_DIR.glob("*.json"))


def load_seeds() -> list[SeedDoc]:
    """Every seed, in id order."""
    return [load_seed(s) for s in seed_ids()]
