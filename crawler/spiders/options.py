"""Readers for the options a registry entry may give a spider: each checks and converts a value.

A registry is edited by hand, so a wrong type must be an error in `budget-corpus portals check`,
not a crash in the middle of a crawl. A reader raises TypeError or ValueError with a message that
says what was expected; the registry prefixes it with the entry and the key.
"""

from __future__ import annotations

import re
from typing import Any


def regex(value: Any) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise TypeError("must be a regular expression (a string)")
    return re.compile(value)


def positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"must be a whole number above 0, not {value!r}")
    return value


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError("must be a non-empty string")
    return value


def texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise TypeError("must be a non-empty list of strings")
    return tuple(value)


def ids(value: Any) -> tuple[str, ...]:
    """A list of identifiers given as numbers or strings (gkmlpt categories: [2471, "2472"])."""
    if not isinstance(value, list) or not value:
        raise TypeError("must be a non-empty list of numbers or strings")
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, str)) or not re.fullmatch(r"\w+", str(item)):
            raise ValueError(f"{item!r} is not a number or a word")
        out.append(str(item))
    return tuple(out)


def string_table(value: Any) -> dict[str, str]:
    """A TOML table of string values (Hanweb's form fields); numbers are written as text."""
    if not isinstance(value, dict) or not value:
        raise TypeError("must be a table of names to values")
    out = {}
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise ValueError(f"{key}: must be a string or a number")
        out[key] = str(item)
    return out


def css(value: Any) -> str:
    """A CSS selector; parsed now so a typo fails the registry check, not the crawl."""
    from cssselect import SelectorError
    from parsel import Selector  # Scrapy's own selector library

    selector = text(value)
    try:
        Selector(text="<html></html>").css(selector)
    except SelectorError as exc:
        raise ValueError(f"not a CSS selector: {exc}") from exc
    return selector
