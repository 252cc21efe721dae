"""Document metadata from what the document itself prints: its cover and table captions.

The cover (the first page with real text) names the body, year and kind; where a document
starts straight with a table (some Jiangsu files), the table captions ("部门：…") stand in for
it. Region codes are filled only where the text states a province; finer regions come from the
portal that published the file (the build merges both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsing.regions import PROVINCES
from parsing.text import compact, squash
from parsing.titles import department as title_department
from parsing.titles import doc_kind, fiscal_year, labelled_department, scope

COVER_LINES = 12
_CONTENTS = re.compile(r"^目\s*录$")
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
_SUB_REGION = re.compile(r"^[\u4e00-\u9fff]{1,7}?(?:自治州|地区|盟|市|州|县|区|旗)")
_PREFECTURE_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,8}?(?:地区|自治州|盟)(?=[\u4e00-\u9fff]{1,6}?(?:市|县|区|旗))")
_UNIT_CODE = re.compile(r"单位(?:代码|编码)\s*[:：]\s*(\d{3,12})")


@dataclass(frozen=True)
class DocumentMetadata:
    title: str | None
    department: str | None
    doc_kind: str
    fiscal_year: int | None
    scope: str | None
    unit_code: str | None
    province_code: str | None
    province: str | None
    region_code: str | None


def cover_text(pages: list[list[str]]) -> str:
    """The first page with at least a few words on it, up to its table of contents."""
    for lines in pages:
        words = [ln for ln in lines if len(re.findall(r"[\u4e00-\u9fff]", ln)) >= 2]
        if len(words) >= 1 and sum(len(compact(w)) for w in words) >= 6:
            cover = []
            for line in lines[:COVER_LINES]:
                if _CONTENTS.match(squash(line)):
                    break
                cover.append(line)
            return "\n".join(cover)
    return ""


def cover_title(cover: str) -> str | None:
    """The cover's heading: its lines up to the one that names the kind (预算 / 决算)."""
    heading = []
    for line in cover.splitlines():
        heading.append(squash(line))
        if doc_kind(line) != "other":
            joined = "".join(heading)
            return joined if len(joined) <= 80 else None
    return None


def document_metadata(pages: list[list[str]], captions: list[str]) -> DocumentMetadata:
    """Cover first; then the first pages' other text, then table captions, for what it lacks."""
    cover = cover_text(pages)
    rest = "\n".join(line for lines in pages for line in lines)
    captions_text = "\n".join(captions)
    kind = doc_kind(cover)
    if kind == "other":
        kind = doc_kind(captions_text)
    if kind == "other":
        kind = doc_kind(rest)
    year = fiscal_year(cover) or fiscal_year(captions_text) or fiscal_year(rest)
    body = (labelled_department(cover) or title_department(cover)
            or labelled_department(captions_text) or labelled_department(rest))
    province_code, region_code = region_of(body or "", cover)
    body = local_name(body)
    unit = _UNIT_CODE.search(squash(cover + "\n" + captions_text))
    return DocumentMetadata(
        title=cover_title(cover), department=body, doc_kind=kind, fiscal_year=year,
        scope=scope(cover) or scope(captions_text), unit_code=unit.group(1) if unit else None,
        province_code=province_code, province=PROVINCES.get(province_code or ""),
        region_code=region_code,
    )


def local_name(body: str | None) -> str | None:
    """A county-level body without the province and 地区 / 自治州 / 盟 before its own place
    ("新疆维吾尔自治区喀什地区喀什市…站" → "喀什市…站"), as it is usually referred to."""
    if not body:
        return body
    for name, _ in province_names():
        if body.startswith(name):
            rest = body[len(name):]
            prefecture = _PREFECTURE_PREFIX.match(rest)
            return rest[prefecture.end():] if prefecture else body
    return body


def province_names() -> list[tuple[str, str]]:
    """(name, code) with full names ("四川省") before short ones ("四川"), longest first."""
    names = []
    for code, full in PROVINCES.items():
        names.append((full, code))
        for suffix in _SUFFIXES:
            if full.endswith(suffix) and len(full) > len(suffix) + 1:
                names.append((full[:-len(suffix)], code))
                break
    return sorted(names, key=lambda item: -len(item[0]))


def region_of(body: str, cover: str) -> tuple[str | None, str | None]:
    """(province_code, region_code): a body named "四川省…" (or "中共四川省委…") is in 51; it
    is the province's own (510000) unless a city, prefecture or county follows the name."""
    body = re.sub(r"^(?:中国共产党|中共)", "", squash(body))
    for name, code in province_names():
        if body.startswith(name):
            rest = body[len(name):]
            return code, None if _SUB_REGION.match(rest) else code + "0000"
    cover = squash(cover)
    for name, code in province_names():
        if len(name) > 2 and name in cover:
            return code, None
    return None, None
