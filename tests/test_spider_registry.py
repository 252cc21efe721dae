"""`check_registry`: every problem of a registry in words; the shipped registry has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.registry import check_registry, load_registry
from parsing.regions import PROVINCES

SHIPPED = Path(__file__).resolve().parents[1] / "crawler" / "portals.toml"
ENTRY = '''
[[portal]]
id = "zj-czt"
name = "浙江省财政厅"
region_code = "330000"
family = "hanweb"
start_urls = ["https://czt.zj.gov.cn/col/col1229063412/index.html"]
allowed_domains = ["czt.zj.gov.cn"]
'''


def _check(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "portals.toml"
    path.write_text(text, encoding="utf-8")
    return check_registry(path)


def test_the_shipped_registry_passes_the_check() -> None:
    assert check_registry(SHIPPED) == []


def test_the_shipped_registry_covers_every_province_and_every_family() -> None:
    portals = load_registry(SHIPPED)
    assert {p.region_code[:2] for p in portals} == set(PROVINCES)
    assert {p.family for p in portals} == {"trs", "hanweb", "gkmlpt", "generic"}
    assert "NOT VERIFIED LIVE" in SHIPPED.read_text(encoding="utf-8")


def test_a_good_entry_has_no_problems(tmp_path: Path) -> None:
    assert _check(tmp_path, ENTRY + 'perpage = 20\n[portal.form]\nwebid = 3\nunitid = "4985541"\n') == []


def test_the_old_family_name_listing_still_loads(tmp_path: Path) -> None:
    assert _check(tmp_path, ENTRY.replace('"hanweb"', '"listing"')) == []


def test_a_region_code_of_no_province_is_named(tmp_path: Path) -> None:
    (problem,) = _check(tmp_path, ENTRY.replace('"330000"', '"990000"'))
    assert "region_code '990000' starts with no province's code" in problem


@pytest.mark.parametrize("option,message", [
    ("perpage = 0", "perpage: must be a whole number above 0"),
    ('categories = [2471, "a b"]', "unknown key 'categories'"),  # a gkmlpt option on a Hanweb portal
    ('list_selector = "ul["', "list_selector: not a CSS selector"),
    ("keywords = []", "keywords: must be a non-empty list of strings"),
    ('max_pages = "many"', "max_pages: must be a whole number above 0"),
])
def test_a_bad_option_is_named_with_what_was_expected(tmp_path: Path, option: str, message: str) -> None:
    (problem,) = _check(tmp_path, ENTRY + option + "\n")
    assert problem.startswith(f"{tmp_path / 'portals.toml'}: portal #1 (zj-czt): ") and message in problem


def test_every_problem_of_every_entry_is_listed(tmp_path: Path) -> None:
    second = ENTRY.replace('"330000"', '"33"').replace('czt.zj.gov.cn"]', 'cz.zj.gov.cn"]')
    problems = _check(tmp_path, ENTRY + second)
    assert [p.split(": ", 2)[1:] for p in problems] == [
        ["portal #2 (zj-czt)", "id 'zj-czt' is used twice"],
        ["portal #2 (zj-czt)", "region_code '33' must be a quoted 6-digit GB/T 2260 code, e.g. \"510000\""],
        ["portal #2 (zj-czt)", "start_urls: 'https://czt.zj.gov.cn/col/col1229063412/index.html' "
                               "is outside allowed_domains"]]


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (problem,) = check_registry(tmp_path / "none.toml")
    assert "cannot read" in problem
