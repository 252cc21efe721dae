"""A document title, link text or cover page → doc kind, fiscal year, scope and body.

Portals name the same thing many ways: "四川省安全科学技术研究院2024年单位预算",
"2018 年度江苏省高级人民法院预算公开", "X_上海市普陀区商务委员会单位25年预算", a cover that
prints "上海市普陀区财政局 / 年度部门决算 / 2024" with the year last. Pure and dependency-free:
the crawler classifies link texts with it, the parser cover pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsing.text import squash

_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
_CN_YEAR = re.compile(r"[二][〇○零一二三四五六七八九]{3}(?=年)")
_YEAR4 = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR2 = re.compile(r"(?<![\d.])(\d{2})年度?(?=.{0,6}?[预决]算)")
_KIND = re.compile(r"决算|预算")
_SCOPE = re.compile(r"(部门|单位)(?:\d{2,4}年度?)?(?:预算|决算)")
_LABELS = ("预算单位", "预算主管部门", "主管部门", "部门名称", "单位名称", "编制单位", "编制部门",
           "部门")
_LABEL = re.compile(r"(?:%s)[:：]" % "|".join(_LABELS))
_LABEL_VALUE_END = re.compile(r"(?:金额单位|单位|编制日期|日期)[:：]|[:：]|$")
_ANCHOR = re.compile(r"(?:(?<!\d)(?:(?:19|20)?\d{2})年度?|(?:19|20)\d{2}(?!\d)|年度"
                     r"|(?:部门|单位)?(?:预算|决算))")
_AROUND = re.compile(r"^(?:关于|公开|[A-Za-z]_)+|(?:的|关于|年度|年|区级|市级|省级|县级|本级|部门|单位)+$")
_PUNCT = " -_—:：,，。、|#*"
_UNIT_VALUES = re.compile(r"^(?:万元|元|千元|亿元)")
_LABEL_LINE = re.compile(r"^(?:金额)?单位[:：]|^(?:编制|预算)?(?:部门|单位)(?:名称)?[:：]|^编制单位")


@dataclass(frozen=True)
class TitleInfo:
    doc_kind: str  # budget | final_accounts | other
    fiscal_year: int | None
    scope: str | None  # department | unit
    department: str | None


def classify_title(text: str | None) -> TitleInfo:
    """Everything a title or cover says about the document; unknown parts are None."""
    return TitleInfo(doc_kind(text), fiscal_year(text), scope(text), department(text))


def doc_kind(text: str | None) -> str:
    """final_accounts (决算) or budget (预算), whichever is named first; else other.

    A one-line title that is a notice *about* budgets ("关于做好2025年预算编制工作的通知") is
    other, unless it says it discloses one ("关于公开2024年部门预算的通知").
    """
    if _is_notice(text):
        return "other"
    found = _KIND.search(squash(text).replace("预决算", ""))
    if not found:
        return "other"
    return "final_accounts" if found.group(0) == "决算" else "budget"


_NOTICE = re.compile(r"通知|通报|意见|办法|规定|规程|编制工作|培训|会议|征求|招标|采购意向")


def _is_notice(text: str | None) -> bool:
    title = squash(text)
    return (bool(title) and "\n" not in title.strip() and len(title) <= 80
            and bool(_NOTICE.search(title)) and "公开" not in title)


def fiscal_year(text: str | None) -> int | None:
    """The year the document is for: "2024年度" beats a bare "2024", which beats a date."""
    text = _normal(text)
    plain = None
    for found in _YEAR4.finditer(text):
        after = text[found.end():found.end() + 4]
        if re.match(r"年\d{1,2}月", after):
            continue  # a date: 2024年2月24日
        if after.startswith("年"):
            return int(found.group(1))
        if plain is None and not re.match(r"[-./]\d", after):
            plain = int(found.group(1))
    if plain is not None:
        return plain
    short = _YEAR2.search(text)
    return 2000 + int(short.group(1)) if short else None


def scope(text: str | None) -> str | None:
    """department (部门预算/决算) or unit (单位预算/决算), whichever is named first."""
    found = _SCOPE.search(squash(text))
    if not found:
        return None
    return "department" if found.group(1) == "部门" else "unit"


def department(text: str | None) -> str | None:
    """The body the document is for: a labelled name ("预算单位：…"), else the words before
    (or right after) the year and kind."""
    labelled = labelled_department(text)
    if labelled:
        return labelled
    text = _normal(text)
    anchor = _ANCHOR.search(text)
    if not anchor:
        return None
    before = _trim(text[:anchor.start()])
    if before:
        return before
    rest = text[anchor.end():]
    kind = re.search(r"(?:部门|单位)?(?:预算|决算)", rest)
    return _trim(rest[:kind.start()]) if kind else None


def is_label_line(line: str | None) -> bool:
    """"单位：万元", "部门：…", "编制单位：…": caption lines that label a table, not title it."""
    return bool(_LABEL_LINE.match(re.sub(r"\s+", "", squash(line))))


def labelled_department(text: str | None) -> str | None:
    """The value of the first "预算单位：" / "部门：" / "编制单位：" style label, if any."""
    for line in (text or "").splitlines():
        for chunk in re.split(r"\s{2,}", line):
            line_text = squash(chunk)
            for found in _LABEL.finditer(line_text):
                rest = line_text[found.end():]
                if _UNIT_VALUES.match(rest):
                    continue
                end = _LABEL_VALUE_END.search(rest)
                value = _trim(re.sub(r"^\d+[-_\s]*", "", rest[:end.start()]))
                if value:
                    return value
    return None


def _normal(text: str | None) -> str:
    """`squash`, with a year in Chinese numerals (二〇二四年) written in digits."""
    return _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_DIGITS), squash(text))


def _trim(text: str) -> str | None:
    """Strip the connective words around a name; a name has at least two CJK characters."""
    text = text.strip(_PUNCT)
    previous = None
    while previous != text:
        previous, text = text, _AROUND.sub("", text).strip(_PUNCT)
    return text if len(re.findall(r"[\u4e00-\u9fff]", text)) >= 2 else None
