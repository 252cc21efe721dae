"""Hanweb (大汉) JCMS: column pages whose list is loaded by POST from a data proxy.

A column page (`/col/col1229063412/index.html`) holds no list in its HTML. Its script (the jpage
plugin's call, or the `<nextgroup>` link of an inline `<datastore>`) names the form fields the
list proxy wants — `col, appid, webid, path, columnid, unitid, webname, permissiontype` — and the
browser POSTs them to `/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15`,
three pages of records at a time. The answer is XML:
`<datastore><totalrecord>…</totalrecord><totalpage>…</totalpage><recordset><record><![CDATA[<li>
<a href="/art/2026/3/26/art_14_20034.html">…</a><span>2026-03-26</span></li>]]></record>…`.
Attachments go through `/module/download/downfile.jsp?classid=0&filename=….pdf`, which answers
302 to `/attach/0/….pdf` (Scrapy follows it; the catalog keeps both URLs).

A registry entry may give `form` (fields the page does not show, or overrides) and `perpage`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import unquote, urlencode

from scrapy.http import HtmlResponse, TextResponse

from crawler.items import FetchError, Provenance
from crawler.recorder import WARC_META
from crawler.spiders import options
from crawler.spiders.base import BudgetSpider, Link, page_links

FORM_FIELDS = ("col", "appid", "webid", "path", "columnid", "unitid", "webname", "permissiontype")
FORM_DEFAULTS = {"col": "1", "appid": "1", "path": "/", "permissiontype": "0"}
REQUIRED_FIELDS = ("webid", "columnid", "unitid")
PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
PROXY_URL = re.compile(r"[\w/.-]*/dataproxy\.jsp")
FIELD = re.compile(r"\b(%s)\b[\"']?\s*[:=]\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s,;&}\"'<]+))"
                   % "|".join(FORM_FIELDS))
COLUMN_ID = re.compile(r"/col/col(\d+)/")
RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL)
TOTAL_RECORDS = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>")
PAGES_PER_REQUEST = 3  # what the jpage script asks for at once
FORM_META = "hanweb_form"
START_META = "hanweb_start"


@dataclass(frozen=True)
class JpageConfig:
    """Where a column's list comes from, and what to POST for it."""

    proxy_url: str
    form: dict[str, str]


def script_fields(script: str) -> dict[str, str]:
    """The form fields a script sets, first value of each (`columnid: 123`, `unitid='45'`,
    `…dataproxy.jsp?…&webid=3&…`)."""
    fields: dict[str, str] = {}
    for name, double, single, bare in FIELD.findall(script):
        fields.setdefault(name, unquote(double or single or bare))
    return fields


def jpage_config(response: TextResponse, overrides: Mapping[str, str]) -> JpageConfig | None:
    """The column page's list configuration; None when the page does not give webid, columnid
    and unitid (and the registry entry does not either)."""
    scripts = [s for s in response.xpath("//script/text()").getall() if "unitid" in s]
    in_url = COLUMN_ID.search(response.url)
    candidates = [script_fields(s) for s in scripts] or [{}]
    fields = next((c for c in candidates if in_url and c.get("columnid") == in_url.group(1)), candidates[0])
    site_name = response.xpath('//meta[@name="SiteName"]/@content').get("")
    form = {**FORM_DEFAULTS, "webname": site_name, **({"columnid": in_url.group(1)} if in_url else {}),
            **{k: v for k, v in fields.items() if k in FORM_FIELDS}, **overrides}
    if any(not form.get(name) for name in REQUIRED_FIELDS):
        return None
    proxy = next((m.group(0) for s in scripts for m in [PROXY_URL.search(s)] if m), PROXY_PATH)
    return JpageConfig(response.urljoin(proxy), {k: form[k] for k in (*FORM_FIELDS, *overrides) if k in form})


def proxy_url(base: str, start: int, perpage: int) -> str:
    end = start + perpage * PAGES_PER_REQUEST - 1
    return f"{base}?{urlencode({'startrecord': start, 'endrecord': end, 'perpage': perpage})}"


class HanwebSpider(BudgetSpider):
    family = "hanweb"
    article_pattern = r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$"
    options = BudgetSpider.options | {"form": options.string_table, "perpage": options.positive_int}
    defaults = BudgetSpider.defaults | {"perpage": 15}

    def listing_links(self, response: TextResponse) -> Iterable[Link]:
        records = RECORD.findall(response.text)
        if not records:
            return super().listing_links(response)
        html = HtmlResponse(response.url, body="".join(records).encode("utf-8"), encoding="utf-8")
        return page_links(html, dated=True)

    def more_listings(self, response: TextResponse, here: Provenance, depth: int) -> Iterator[Any]:
        perpage = self.option("perpage")
        form = response.meta.get(FORM_META)
        if form is None:  # the column page: ask for the first records
            config = jpage_config(response, self.option("form") or {})
            if config is None:
                yield FetchError(response.url, "error", response.status,
                                 "Hanweb column page names no webid/columnid/unitid for its list "
                                 "(give them in the registry entry's `form`)", here,
                                 response.meta.get(WARC_META))
                return
            request = self.listing_request(proxy_url(config.proxy_url, 1, perpage), here, depth,
                                           config.form, **{FORM_META: config.form, START_META: 1})
            if request is not None:
                yield request
            return
        if response.meta.get(START_META) != 1:
            return  # the first answer asked for all the others
        total = TOTAL_RECORDS.search(response.text)
        base = response.url.split("?", 1)[0]
        step = perpage * PAGES_PER_REQUEST
        for start in range(1 + step, int(total.group(1)) + 1 if total else 0, step):
            request = self.listing_request(proxy_url(base, start, perpage), here, depth, form,
                                           **{FORM_META: form, START_META: start})
            if request is not None:
                yield request
