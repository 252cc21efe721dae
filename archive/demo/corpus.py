"""Everything the demo portal publishes: the five seeds, synthetic budgets over five provinces
and four years, one set of final accounts, and two notices that are not budgets. Each comes with
its ground truth (`DemoDocument.expected`) so the end-to-end tests can check what was parsed."""

from __future__ import annotations

import hashlib
import sys
from decimal import Decimal
from functools import cache
from pathlib import Path

from archive.demo.documents import DemoDocument
from archive.demo.fixtures import SeedDoc, SeedTable, is_amount, load_seeds
from archive.demo.render import render_pdf
from archive.demo.synth import FINAL_ACCOUNTS_KEY, VARIANTS, final_accounts, synthetic_budget

_SUMMARY_TITLES = ("收支总表", "收支总体情况表", "收入支出决算总表")
# Documents from Sichuan and Jiangsu sit on the TRS site, the rest on the list site.
_TRS_PROVINCES = {"51", "32"}


def _digits(key: str, n: int) -> str:
    """n decimal digits fixed by the key, so names and dates never change between runs."""
    return str(int(hashlib.sha256(key.encode()).hexdigest(), 16) % 10**n).zfill(n)


def attachment_name(key: str, site: str, publish_date: str) -> str:
    """TRS WCM names attachments P0<yyyymmdd><12 digits>.pdf; the list site uses a timestamp."""
    if site == "trs":
        return f"P0{publish_date.replace('-', '')}{_digits(key, 12)}.pdf"
    return f"{1600000000000 + int(_digits(key, 11))}.pdf"


def _publish_date(key: str, year: int, month: int) -> str:
    return f"{year}-{month:02d}-{10 + int(_digits(key, 4)) % 18:02d}"


def _summary_table(doc: SeedDoc) -> SeedTable | None:
    for table in doc.tables:
        if any(t in table.title for t in _SUMMARY_TITLES) and "财政拨款" not in table.title:
            return table
    return None


def headline_totals(doc: SeedDoc) -> dict[str, str]:
    """收入总计 and 支出总计 of the income/expenditure summary, in 万元 as exact decimal strings
    (a 合计 row stands in where the layout prints no 总计 row)."""
    table = _summary_table(doc)
    if table is None:
        return {}
    labelled: dict[str, str] = {}
    for row in table.rows:
        for col in range(0, len(row) - 1, 2):
            label, value = row[col].replace(" ", ""), row[col + 1]
            if is_amount(value):
                labelled.setdefault(label, str(Decimal(value.replace(",", ""))))
    income = labelled.get("收入总计") or labelled.get("合计")
    spending = labelled.get("支出总计") or labelled.get("合计")
    totals = {}
    if income:
        totals["income_total"] = income
    if spending:
        totals["expenditure_total"] = spending
    return totals


def _expected(doc: SeedDoc) -> dict[str, object]:
    return {"body": doc.body, "scope": doc.scope, "fiscal_year": doc.fiscal_year,
            "doc_kind": doc.doc_kind, "admin_level": doc.level, "province_code": doc.province_code,
            "region_code": doc.region_code, "n_tables": len(doc.tables), **headline_totals(doc)}


def _disclosure(key: str, doc: SeedDoc) -> DemoDocument:
    final = doc.doc_kind == "final_accounts"
    kind = ("单位" if doc.scope == "unit" else "部门") + ("决算" if final else "预算")
    site = "trs" if doc.province_code in _TRS_PROVINCES else "list"
    publish_date = (_publish_date(key, doc.fiscal_year + 1, 8) if final
                    else _publish_date(key, doc.fiscal_year, 3))
    return DemoDocument(key=key, site=site, title=f"{doc.body}{doc.fiscal_year}年{kind}公开",
                        filename=attachment_name(key, site, publish_date), data=render_pdf(doc),
                        publish_date=publish_date,
                        kind="final_accounts" if final else "budget",
                        region_code=doc.region_code, expected=_expected(doc))


def procurement_intentions() -> SeedDoc:
    """A notice's attachment: a ruled table that has amounts but is no budget."""
    header = (("序号", "采购项目名称", "采购需求概况", "预算金额（万元）", "预计采购时间", "备注"),)
    rows = (("1", "政务云和应急会商系统运维服务", "视频会商系统、政务云系统日常运维", "130.00", "2024年4月", ""),
            ("2", "特种作业操作证制证服务", "特种作业操作证实体证书制作", "100.00", "2024年5月", ""),
            ("3", "安全生产考试点设备购置", "考试点计算机及考评设备", "74.00", "2024年6月", ""))
    table = SeedTable(title="四川省应急管理厅2024年度政府采购意向公开表", pre_lines=("单位：万元",),
                      header=header, rows=rows)
    return SeedDoc(seed_id="notice", source="written for the demo", body="四川省应急管理厅",
                   scope="department", level="province", province="四川省", prefecture=None,
                   county=None, region_code="510000", fiscal_year=2024, doc_kind="other",
                   unit_code=None, cover_lines=("四川省应急管理厅", "2024年度政府采购意向"),
                   narrative=("为便于供应商及时了解政府采购信息，根据《财政部关于开展政府采购意向公开工作的通知》"
                              "（财库〔2020〕10号）等有关规定，现将四川省应急管理厅2024年度政府采购意向公开如下。",
                              "本次公开的采购意向是本单位政府采购工作的初步安排，具体采购项目情况以相关采购公告和采购文件为准。"),
                   tables=(table,))


def _notices() -> list[DemoDocument]:
    key = "notice-2024-cgyx"
    return [
        DemoDocument(key=key, site="trs", title="关于2024年度政府采购意向公开的通知",
                     filename=attachment_name(key, "trs", "2024-04-02"),
                     data=render_pdf(procurement_intentions()), publish_date="2024-04-02",
                     kind="notice", region_code="510000",
                     expected={"doc_kind": "other", "province_code": "51", "fiscal_year": 2024}),
        DemoDocument(key="notice-2024-aqscy", site="list",
                     title="关于开展2024年“安全生产月”活动的通知", filename="", data=b"",
                     publish_date="2024-05-28", kind="notice", region_code="500000",
                     expected={"doc_kind": "other", "province_code": "50", "fiscal_year": 2024}),
    ]


@cache
def _documents() -> tuple[DemoDocument, ...]:
    docs = [_disclosure(f"seed-{doc.seed_id}", doc) for doc in load_seeds()]
    docs += [_disclosure(v.key, synthetic_budget(v)) for v in VARIANTS]
    docs.append(_disclosure(FINAL_ACCOUNTS_KEY, final_accounts()))
    docs += _notices()
    return tuple(docs)


def demo_documents() -> list[DemoDocument]:
    """The demo portal's documents (rendered once per process)."""
    return list(_documents())


def main(argv: list[str] | None = None) -> int:
    """Write every demo attachment as OUTDIR/<key>.pdf (for eyes and for the parser's tests)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m archive.demo.corpus OUTDIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    for doc in demo_documents():
        if doc.data:
            (out / f"{doc.key}.pdf").write_bytes(doc.data)
            print(out / f"{doc.key}.pdf")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
