"""Parse results in tests: made up to the contract for the archive's tests, and read the way
the parser tests ask of them (one table's line items, one amount)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from parsing.schema import DOCUMENT_FIELDS, LINE_ITEM_FIELDS, PARSER_VERSION


def parse_result(doc_id: str, items: Iterable[dict] = (), **document: object) -> dict:
    """A result that keeps the contract (every field there, unknown ones None): an `ok`
    document with `document`'s values, and one line item of table 1 per dict in `items`."""
    return {
        "document": {name: None for name in DOCUMENT_FIELDS} | {
            "doc_id": doc_id, "parse_status": "ok", "parser_version": PARSER_VERSION,
            "checks_passed": 0, "checks_total": 0} | document,
        "tables": [], "cells": [], "checks": [],
        "line_items": [{name: None for name in LINE_ITEM_FIELDS} | {"doc_id": doc_id, "table_no": 1}
                       | item for item in items],
    }


def items_of(result: dict, table_type: str) -> list[dict]:
    """The line items of the first table of `table_type`."""
    (table_no, *_) = [t["table_no"] for t in result["tables"] if t["table_type"] == table_type]
    return [i for i in result["line_items"] if i["table_no"] == table_no]


def amount_of(items: list[dict], name: str, measure: str = "total") -> Decimal:
    """The one amount printed for row `name` under `measure` (fails if there are several)."""
    (amount,) = {Decimal(i["amount"]) for i in items
                 if i["name"] == name and i["measure"] == measure}
    return amount
