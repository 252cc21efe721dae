"""Scrapy settings: polite by default, because the portals are public services, not targets.

One or two connections per host, robots.txt obeyed, AutoThrottle adapting the delay to how fast
the server answers, a descriptive User-Agent with a contact (set BUDGET_CORPUS_CONTACT to your
e-mail or project page before crawling real portals). A registry entry's `settings` table
overrides these for one portal (the demo portal uses that to crawl loopback without delays);
`-s NAME=VALUE` on `python -m crawler.run` overrides both.
"""

import os

BOT_NAME = "budget-corpus"
CRAWL_CONTACT = os.environ.get("BUDGET_CORPUS_CONTACT", "no contact configured")
USER_AGENT = (f"budget-corpus/0.1 (research archive of public budget disclosures; "
              f"contact: {CRAWL_CONTACT})")

# Only content codings the WARC readers can undo at replay (warcio: gzip, deflate, br — not
# zstd, which Scrapy would otherwise offer); Chinese first, as the portals' readers ask.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
    "Accept-Encoding": "gzip, deflate, br",
}

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16  # across hosts: several portals crawl at once
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0  # the floor AutoThrottle never goes under
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 5.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 100 * 1024 * 1024  # bigger answers are recorded as too_large
DOWNLOAD_WARNSIZE = 32 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
DEPTH_LIMIT = 100  # listing pages reached by 下一页 links each add a level

# Scrapy hands each response's output (requests, items) to CONCURRENT_ITEMS asyncio workers,
# starting them all for every response (100 by default: 100 tasks per page). The archive
# pipeline only hands items to the writer thread and never waits, so a few are plenty.
CONCURRENT_ITEMS = 4
# Scrapy reads a callback's source (ast.parse) to warn about `return value` in generators; its
# cache is keyed by weak references to bound methods, which die with each request, so with
# explicit callbacks it parses the source again for every response. Ours return no values.
WARN_ON_GENERATOR_RETURN_VALUE = False
TELNETCONSOLE_ENABLED = False  # no control consoles listening on this machine
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"

# Order matters (crawler/middlewares.py): on the way back a response meets the highest number
# first, so the WARC recorder (950) sees it as received, before decompression (590), redirects
# (600) and retries (550); the challenge check (650) stops a WZWSREL redirect and the redirect
# guard (640) a loop before RedirectMiddleware follows them; the page type (587), charset repair
# (585) and the completeness check (575) read the decompressed body.
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.AllowedDomainsMiddleware": 60,  # requests: after OffsiteMiddleware (50)
    "crawler.conditional.ConditionalRequestMiddleware": 560,
    "crawler.middlewares.CompleteBodyMiddleware": 575,
    "crawler.middlewares.PageCharsetMiddleware": 585,
    "crawler.middlewares.PageTypeMiddleware": 587,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.CheckedDecompressionMiddleware": 590,
    "crawler.middlewares.RedirectGuardMiddleware": 640,
    "crawler.middlewares.ChallengeRedirectMiddleware": 650,
    "crawler.recorder.WarcRecorderMiddleware": 950,
}
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.ChallengeMiddleware": 45,  # before HttpErrorMiddleware (50)
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
EXTENSIONS = {"crawler.report.PortalStatsExtension": 500}
WARC_ENABLED = True  # request/response records of every exchange in <data_dir>/warc/

# Set by crawler.run for each crawl: where the archive is, and which run this is.
ARCHIVE_DATA_DIR = None
CRAWL_RUN_ID = None
# redis://HOST:PORT when crawler processes share one frontier (SCHEDULER is then
# crawler.frontier.RedisScheduler); both set by crawler.run from `crawl --frontier`.
FRONTIER_URL = None
