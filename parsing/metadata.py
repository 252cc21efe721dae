"""Document metadata from what the document itself prints: its cover and table captions.

The cover (the first page with real text) names the body, year and kind; where a document
starts straight with a table (some Jiangsu files), the table captions ("部门：…") stand in for
it. The region is resolved from the body's name (or the cover title) by `regions.resolve_region`
and left empty where the text names no place; the build fills it from the portal then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsing.regions import Region, resolve_region
from parsing.text import compact, squash
from parsing.titles import department as title_department
from parsing.titles import doc_kind, fiscal_year, labelled_department, scope

COVER_LINES = 12
_CONTENTS = re.compile(r"^目\s*录$")
_NON_CITY_PREFECTURES = ("地区", "自治州", "盟")
_UNIT_CODE = re.compile(r"单位(?:代码|编码)\s*[:：]\s*(\d{3,12})")
_UNIT_LABEL = re.compile(r"(?:^|\s)单位\s*[:：]\s*(?!(?:百万|千|万|亿)?元)([^\s:：]{4,40})", re.M)


@dataclass(frozen=True)
class DocumentMetadata:
    title: str | None
    department: str | None
    doc_kind: str
    fiscal_year: int | None
    scope: str | None
    unit_code: str | None
    region: Region | None  # where the text names the body's place


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
    """The cover's heading: its lines up to the one that completes the kind (预算 / 决算),
    which a wide cover may break in the middle ("…2023 年单位预" / "算情况说明")."""
    heading = ""
    for line in cover.splitlines():
        heading += squash(line)
        if doc_kind(heading) != "other":
            return heading if len(heading) <= 80 else None
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
            or labelled_department(captions_text) or labelled_department(rest)
            or unit_label(captions_text))
    region = resolve_region(body or "") or resolve_region(cover_title(cover) or "")
    body = local_name(body, region)
    unit = _UNIT_CODE.search(squash(cover + "\n" + captions_text))
    return DocumentMetadata(
        title=cover_title(cover), department=body, doc_kind=kind, fiscal_year=year,
        scope=scope(cover) or scope(captions_text), unit_code=unit.group(1) if unit else None,
        region=region,
    )


def unit_label(text: str) -> str | None:
    """"单位：四川省安全科学技术研究院" over a table (where 单位 is the body, not the amount
    unit): the last resort of a workbook or a file that has no cover."""
    found = _UNIT_LABEL.search(text)
    return found.group(1).strip() if found else None


def local_name(body: str | None, region: Region | None) -> str | None:
    """A county-level body without the province and 地区 / 自治州 / 盟 before its own place
    ("新疆维吾尔自治区喀什地区喀什市…站" → "喀什市…站"), as it is usually referred to."""
    if not body or not region or not region.county or not region.prefecture:
        return body
    prefix = region.province + region.prefecture
    if body.startswith(prefix) and region.prefecture.endswith(_NON_CITY_PREFECTURES):
        return body[len(prefix):]
    return body
