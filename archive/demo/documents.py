"""What the demo portal publishes: one `DemoDocument` per file (or notice) on the portal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DemoDocument:
    key: str  # stable slug, e.g. "seed-000" or "synth-sc-2023-kjt"
    site: str  # which demo site lists it: "trs" or "list"
    title: str  # article / link title as shown on the portal
    filename: str  # server-side attachment name (P0….pdf on the TRS site); "" for a notice without attachment
    data: bytes  # the attachment bytes (a real PDF for budgets)
    publish_date: str  # ISO date shown on the listing
    kind: str  # "budget" | "final_accounts" | "notice"
    region_code: str  # 6-digit code of the body's region
    expected: dict[str, Any] = field(default_factory=dict)  # ground truth for tests
