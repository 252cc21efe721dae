"""The portal registry: a TOML file of `[[portal]]` tables, one per portal (DESIGN.md § Portals).

Adding a portal is a registry entry, not code, so the registry is checked as strictly as code
would be: every problem in the file is reported at once, each naming the entry and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from crawler.spiders import SPIDERS  # the families are the spiders that exist
from parsing.regions import PROVINCES

REQUIRED_KEYS = ("id", "name", "region_code", "family", "start_urls", "allowed_domains")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SETTING = re.compile(r"^[A-Z][A-Z0-9_]*$")
_HOST = re.compile(r"^[a-z0-9.-]+$")


class RegistryError(ValueError):
    """A registry file that cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class Portal:
    """One portal: where to start, what is on-site, and which CMS family's spider reads it.

    `options` are the family's options, as its readers made them (e.g. `article_pattern`, a
    compiled regex); `settings` are Scrapy settings
    for this portal only (e.g. a slower `DOWNLOAD_DELAY`), overridden by the command line's.
    """

    id: str
    name: str
    region_code: str
    family: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)


def _string_list(entry: dict[str, Any], key: str, problems: list[str]) -> tuple[str, ...]:
    value = entry.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        problems.append(f"{key} must be a non-empty list of strings")
        return ()
    return tuple(value)


def _check_entry(entry: Any, families: Mapping[str, Mapping[str, Callable[[Any], Any]]]
                 ) -> tuple[Portal | None, list[str]]:
    """The portal an entry describes, or None, with the problems found in it."""
    if not isinstance(entry, dict):
        return None, ["is not a table"]
    problems = [f"{key} is missing" for key in REQUIRED_KEYS if key not in entry]
    if problems:
        return None, problems
    portal_id, name, region_code, family = (entry[k] for k in ("id", "name", "region_code", "family"))
    if not isinstance(portal_id, str) or not _ID.match(portal_id):
        problems.append(f"id {portal_id!r} must be lower-case letters, digits, '-' or '_'")
    if not isinstance(name, str) or not name.strip():
        problems.append("name must be a non-empty string")
    if not isinstance(region_code, str) or not re.fullmatch(r"\d{6}", region_code):
        problems.append(f"region_code {region_code!r} must be a quoted 6-digit GB/T 2260 code, "
                        'e.g. "510000"')
    elif region_code[:2] not in PROVINCES:
        problems.append(f"region_code {region_code!r} starts with no province's code "
                        f"({region_code[:2]} is not one of 11 … 65)")
    readers = families.get(family) if isinstance(family, str) else None
    if readers is None:
        problems.append(f"family {family!r} is not one of {', '.join(sorted(families))}")
    start_urls = _string_list(entry, "start_urls", problems)
    domains = _string_list(entry, "allowed_domains", problems)
    for domain in domains:
        if not _HOST.match(domain):
            problems.append(f"allowed_domains: {domain!r} must be a bare host name "
                            "(no scheme, port or path)")
    for url in start_urls:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host:
            problems.append(f"start_urls: {url!r} is not an http(s) URL")
        elif domains and not any(host == d or host.endswith("." + d) for d in domains):
            problems.append(f"start_urls: {url!r} is outside allowed_domains")
    settings = entry.get("settings", {})
    if not isinstance(settings, dict) or not all(_SETTING.match(k) for k in settings):
        problems.append("settings must be a table of Scrapy settings (UPPER_CASE names)")
    options: dict[str, Any] = {}
    if readers is not None:
        for key in [k for k in entry if k not in REQUIRED_KEYS and k != "settings"]:
            if key not in readers:
                problems.append(f"unknown key {key!r} (family {family!r} knows: "
                                f"{', '.join(sorted(readers)) or 'none'})")
                continue
            try:
                options[key] = readers[key](entry[key])
            except (TypeError, ValueError, re.error) as exc:
                problems.append(f"{key}: {exc}")
    if problems:
        return None, problems
    return Portal(portal_id, name, region_code, family, start_urls, domains, options, settings), []


def parse_registry(data: Mapping[str, Any], source: str = "registry") -> list[Portal]:
    """The portals of a parsed registry; RegistryError lists every problem in it."""
    families = {name: spider.options for name, spider in SPIDERS.items()}
    entries = data.get("portal")
    if not isinstance(entries, list) or not entries:
        raise RegistryError(f"{source}: no [[portal]] tables")
    unknown_top = sorted(set(data) - {"portal"})
    problems = [f"{source}: unknown top-level key {k!r}" for k in unknown_top]
    portals: list[Portal] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        label = f"{source}: portal #{n}"
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            label += f" ({entry['id']})"
            if entry["id"] in seen:
                problems.append(f"{label}: id {entry['id']!r} is used twice")
            seen.add(entry["id"])
        portal, entry_problems = _check_entry(entry, families)
        problems += [f"{label}: {p}" for p in entry_problems]
        if portal is not None:
            portals.append(portal)
    if problems:
        raise RegistryError("\n".join(problems))
    return portals


def load_registry(path: Path | str) -> list[Portal]:
    """Read and check a registry TOML file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from exc
    return parse_registry(data, str(path))


def check_registry(path: Path | str) -> list[str]:
    """Every problem in a registry file, one sentence each; empty when it is usable
    (`budget-corpus portals check FILE`)."""
    try:
        load_registry(path)
    except RegistryError as exc:
        return str(exc).splitlines()
    return []


def select_portals(portals: list[Portal], ids: list[str] | None) -> list[Portal]:
    """The portals named by `ids` (all when None), in registry order."""
    if not ids:
        return list(portals)
    unknown = sorted(set(ids) - {p.id for p in portals})
    if unknown:
        raise RegistryError(f"no portal with id {', '.join(unknown)}")
    return [p for p in portals if p.id in ids]
