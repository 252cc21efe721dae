"""`budget-corpus query` output formats keep amounts exact."""

import json
from decimal import Decimal

from archive.query import _display, to_csv, to_json_lines


def test_table_format_shows_two_decimals_but_never_drops_a_digit() -> None:
    assert [_display(Decimal(v)) for v in ("6775.000000", "0.900000", "938.991300")] == [
        "6775.00", "0.90", "938.9913"]


def test_json_lines_carry_amounts_as_exact_decimal_strings() -> None:
    out = to_json_lines(["code", "amount"], [("2080505", Decimal("938.991300"))])
    assert json.loads(out) == {"code": "2080505", "amount": "938.991300"}


def test_csv_writes_a_header_and_empty_cells_for_nulls() -> None:
    assert to_csv(["a", "b"], [(1, None)]) == "a,b\n1,\n"
