"""Reading a parse result the way the parser tests ask of it: one table's line items, one amount."""

from __future__ import annotations

from decimal import Decimal


def items_of(result: dict, table_type: str) -> list[dict]:
    """The line items of the first table of `table_type`."""
    (table_no, *_) = [t["table_no"] for t in result["tables"] if t["table_type"] == table_type]
    return [i for i in result["line_items"] if i["table_no"] == table_no]


def amount_of(items: list[dict], name: str, measure: str = "total") -> Decimal:
    """The one amount printed for row `name` under `measure` (fails if there are several)."""
    (amount,) = {Decimal(i["amount"]) for i in items
                 if i["name"] == name and i["measure"] == measure}
    return amount
