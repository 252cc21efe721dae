"""Region names in a document's text resolve to GB/T 2260 codes, and never by a guess."""

from parsing.regions import admin_level, resolve_region


def test_full_chain_resolves_to_the_county_level_city() -> None:
    region = resolve_region("新疆维吾尔自治区喀什地区喀什市建设工程质量安全监督站")
    assert (region.region_code, region.prefecture, region.county) == ("653101", "喀什地区", "喀什市")


def test_county_of_a_municipality_has_no_prefecture() -> None:
    region = resolve_region("石柱土家族自治县老干部活动中心")
    assert (region.region_code, region.province, region.prefecture) == ("500240", "重庆市", None)


def test_prefecture_city_alone_resolves_with_its_province() -> None:
    region = resolve_region("雅安市科学技术局")
    assert (region.region_code, region.province) == ("511800", "四川省")


def test_a_district_name_shared_by_several_provinces_is_not_guessed() -> None:
    assert resolve_region("朝阳区教育局") is None


def test_a_shared_district_name_resolves_when_its_province_is_named() -> None:
    assert resolve_region("北京市朝阳区教育局").region_code == "110105"


def test_text_naming_no_place_gives_none() -> None:
    assert resolve_region("某某单位") is None


def test_admin_level_follows_the_shape_of_the_code() -> None:
    assert [admin_level(c) for c in ("510000", "511800", "500240", "51")] == [
        "province", "prefecture", "county", None]
