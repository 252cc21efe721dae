"""The portal registry is checked like code: every problem reported, each with where it is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.registry import Portal, RegistryError, load_registry, select_portals

GOOD = '''
[[portal]]
id = "sc-czt"
name = "四川省财政厅"
region_code = "510000"
family = "trs"
start_urls = ["http://czt.sc.gov.cn/bmys/index.html"]
allowed_domains = ["sc.gov.cn"]
article_pattern = "/t\\\\d{8}_\\\\d+\\\\.html$"
[portal.settings]
DOWNLOAD_DELAY = 3.0
'''


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "portals.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(RegistryError) as raised:
        load_registry(_write(tmp_path, text))
    return str(raised.value)


def test_a_valid_entry_loads_into_a_portal(tmp_path: Path) -> None:
    (portal,) = load_registry(_write(tmp_path, GOOD))
    assert portal == Portal("sc-czt", "四川省财政厅", "510000", "trs",
                            ("http://czt.sc.gov.cn/bmys/index.html",), ("sc.gov.cn",),
                            {"article_pattern": re.compile(r"/t\d{8}_\d+\.html$")},
                            {"DOWNLOAD_DELAY": 3.0})


def test_a_missing_key_is_named(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD.replace('name = "四川省财政厅"\n', ""))
    assert "portal #1 (sc-czt): name is missing" in message


def test_an_unknown_family_lists_the_known_ones(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD.replace('family = "trs"', 'family = "dede"'))
    assert "family 'dede' is not one of generic, gkmlpt, hanweb, listing, trs" in message


@pytest.mark.parametrize("code", ['"51000"', '"5100000"', "510000", '"51000a"'])
def test_region_code_must_be_a_quoted_six_digit_code(tmp_path: Path, code: str) -> None:
    message = _error(tmp_path, GOOD.replace('"510000"', code))
    assert "region_code" in message and "6-digit" in message


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD + GOOD.replace("[portal.settings]\nDOWNLOAD_DELAY = 3.0\n", ""))
    assert "portal #2 (sc-czt): id 'sc-czt' is used twice" in message


def test_a_start_url_outside_allowed_domains_is_rejected(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD.replace('["sc.gov.cn"]', '["cq.gov.cn"]'))
    assert "is outside allowed_domains" in message


def test_an_allowed_domain_with_a_port_is_rejected(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD.replace('["sc.gov.cn"]', '["sc.gov.cn:8080"]'))
    assert "must be a bare host name" in message


def test_an_unknown_option_is_a_typo_until_a_family_defines_it(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD.replace("article_pattern", "article_patern"))
    assert "unknown key 'article_patern'" in message


def test_an_option_that_does_not_compile_is_rejected(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD.replace('"/t\\\\d{8}', '"/t(\\\\d{8}'))
    assert "article_pattern: missing )" in message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD.replace('"510000"', '"51"').replace('"trs"', '"x"'))
    assert len(message.splitlines()) == 2


def test_a_file_that_is_not_toml_is_a_registry_error(tmp_path: Path) -> None:
    assert "not valid TOML" in _error(tmp_path, "[[portal]\nid =")


def test_a_file_without_portals_is_a_registry_error(tmp_path: Path) -> None:
    assert "no [[portal]] tables" in _error(tmp_path, 'title = "x"\n')


def test_selecting_an_unknown_id_names_it(tmp_path: Path) -> None:
    portals = load_registry(_write(tmp_path, GOOD))
    assert select_portals(portals, ["sc-czt"]) == portals
    with pytest.raises(RegistryError, match="no portal with id b"):
        select_portals(portals, ["b"])
