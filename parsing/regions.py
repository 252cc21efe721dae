"""Province-level divisions (GB/T 2260) and what a 6-digit region code says about its level."""

from __future__ import annotations

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
