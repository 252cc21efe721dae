"""A document's running text (everything outside its tables) → sentences, headings and the
table titles its contents page lists.

The 情况说明 states totals in prose that wraps over lines and pages ("收入支出总计" at the end
of one line, "2995.39 万元" on the next), so lines are joined first and split again at full
stops. A line that starts with a section number (一、 （二） 3、 第三部分) starts a new
sentence: headings carry no full stop of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from parsing.text import compact, squash

_HEADING = re.compile(
    r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]"
    r"|\d{1,2}[、.．](?!\d))")
_PAGE_FURNITURE = re.compile(r"^[-—–─\s]*(?:第\s*)?\d{1,4}\s*(?:页)?[-—–─\s]*$")
_SENTENCE_END = re.compile(r"(?<=[。！？])")
_TITLE_ONLY = re.compile(r"^[^，,。；：:]*(?:说明|情况|概况|解释|职能|构成|事项|表)$")  # a heading line
_CONTENTS = re.compile(r"^目录$")
_LISTED_TITLE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|\d{1,2}[、.．]|公开\d+表[：:]?)"
                           r"(.{2,60}表(?:[（(][^（()）]{1,16}[)）])?)$")  # …表（部门经济分类科目）


class Line(Protocol):
    text: str
    page: int


@dataclass(frozen=True)
class Sentence:
    text: str  # squashed: no spaces between CJK characters, one line
    page: int  # where it starts (1-based)
    heading: bool  # the sentence is a section heading (一、… / 第三部分…)


def sentences(lines: list[Line]) -> list[Sentence]:
    """The running text as sentences, in reading order, page numbers and rulers left out;
    each sentence with the page it starts on."""
    out: list[Sentence] = []
    buffer, heading = "", False
    starts_at: list[tuple[int, int]] = []  # (offset in buffer, page) of each line joined

    def flush() -> None:
        nonlocal buffer, heading
        offset = 0
        for part in _SENTENCE_END.split(buffer):
            if part.strip():
                start = offset + len(part) - len(part.lstrip())
                page = [p for at, p in starts_at if at <= start][-1]
                out.append(Sentence(part.strip(), page, heading))
                heading = False
            offset += len(part)
        buffer = ""
        starts_at.clear()

    for line in lines:
        text = squash(line.text)
        if not text or _PAGE_FURNITURE.match(text):
            continue
        starts = bool(_HEADING.match(text))
        if starts or not buffer:
            flush()
            heading = starts
        starts_at.append((len(buffer), line.page))
        buffer += text
        if buffer.endswith(("。", "！", "？")) or starts and _TITLE_ONLY.search(text):
            flush()
    flush()
    return out


def paragraphs(found: list[Sentence]) -> list[list[Sentence]]:
    """Sentences grouped under their heading: the unit a numbered item (1、… 年初预算为 …
    决算数小于预算数…) is stated in."""
    groups: list[list[Sentence]] = []
    for sentence in found:
        if sentence.heading or not groups:
            groups.append([])
        groups[-1].append(sentence)
    return groups


def contents_pages(lines: list[Line]) -> set[int]:
    """The page with the 目录 line and the one after it (a long contents runs over)."""
    pages = {line.page for line in lines if _CONTENTS.match(compact(line.text))}
    return pages | {page + 1 for page in pages}


def listed_titles(lines: list[Line]) -> list[str]:
    """Table titles the contents page (目录) lists: its numbered lines ending in 表."""
    pages = contents_pages(lines)
    return [found.group(1) for line in lines if line.page in pages
            and (found := _LISTED_TITLE.match(compact(line.text)))]


def printed_titles(lines: list[Line]) -> list[str]:
    """Lines outside the contents that end in 表: the titles printed over tables, including
    tables the table finder did not recover."""
    pages = contents_pages(lines)
    return [text for line in lines if line.page not in pages
            and (text := compact(line.text)).endswith("表") and len(text) <= 60]
