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

TELNETCONSOLE_ENABLED = False  # no control consoles listening on this machine
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {"crawler.conditional.ConditionalRequestMiddleware": 560}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}

# Set by crawler.run for each crawl: where the archive is, and which run this is.
ARCHIVE_DATA_DIR = None
CRAWL_RUN_ID = None
