"""A crawl frontier in Redis: many crawler processes share one request queue and one duplicate filter.

scrapy-redis 0.9.1 drives its spiders through `start_requests()`, which Scrapy 2.19 no longer
calls, so this is a scheduler of our own on redis-py: per portal, a sorted set of serialized
requests (by priority, then arrival), a set of request fingerprints (Scrapy's own fingerprinter,
so the same requests count as duplicates as with the local scheduler), and a sorted set of the
workers holding a request they popped. Each step is one Lua script, so it is atomic: a request
is checked against the filter and queued at once, and popped and leased at once.

The crawl is over when the queue is empty and no worker holds a request: a worker that goes idle
(Scrapy's spider_idle, i.e. everything it popped is downloaded and its follow-up requests are
queued) gives up its lease, and stays open while others still hold one, as they may queue more.
The worker that finds the crawl over deletes the portal's keys, so the next crawl starts afresh:
start every worker of a crawl together (one that starts after the end begins a new crawl). A
worker that dies keeps its lease until LEASE_SECONDS have passed; what it held is lost.

A worker holds at most CONCURRENT_REQUESTS_PER_DOMAIN requests at a time (the rest stay in
Redis for the others), and that limit, like the download delay, is per process: N workers on one
portal ask up to N times as much of it at once.

Each process keeps its own run id, catalog file and WARC files; the content-addressed raw store
takes the same document from two processes as one object.
"""

from __future__ import annotations

import pickle
import socket
import time
import uuid
from typing import TYPE_CHECKING, Any

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.utils.request import request_from_dict

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

FRONTIER_ENV = "BUDGET_CORPUS_FRONTIER"  # the frontier of every crawl that names none
KEY_PREFIX = "budget-corpus:frontier"
POLL_SECONDS = 0.25  # how often an idle worker looks again while others still hold requests
LEASE_SECONDS = 600.0  # a worker that popped nothing for this long is taken for dead
SEQUENCE_DIGITS = 16  # queue members are a zero-padded arrival number, then the request

# KEYS: queue, seen, sequence. ARGV: filter? (1/0), fingerprint, score, serialized request.
PUSH = """
if ARGV[1] == '1' and redis.call('SADD', KEYS[2], ARGV[2]) == 0 then return 0 end
local n = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], ARGV[3], string.format('%016d', n) .. ARGV[4])
return 1
"""
# KEYS: queue, leases. ARGV: worker, now.
POP = """
local popped = redis.call('ZPOPMIN', KEYS[1])
if popped[1] == nil then return false end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return popped[1]
"""
# KEYS: queue, leases, seen, sequence. ARGV: worker, expired-before. 1 = the crawl is over.
IDLE = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) > 0 or redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return 1
"""


class FrontierUnavailable(RuntimeError):
    """The frontier URL is not a Redis URL, or no Redis server answers there."""


def frontier_settings(url: str) -> dict[str, str]:
    """The Scrapy settings that make a crawl use the Redis frontier at `url`, after checking
    that a server answers there (so a typo fails before any crawler process starts)."""
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except (ValueError, redis.RedisError) as exc:
        raise FrontierUnavailable(f"no Redis frontier at {url}: {exc}") from exc
    return {"SCHEDULER": f"{__name__}.RedisScheduler", "FRONTIER_URL": url}


class RedisScheduler:
    """Scrapy's scheduler interface over the shared queue; one instance per portal crawl."""

    def __init__(self, crawler: Crawler, client: redis.Redis):
        self.crawler = crawler
        self.client = client
        self.worker = f"{socket.gethostname()}:{uuid.uuid4().hex[:12]}"
        self.spider: Spider | None = None
        self.keys: dict[str, str] = {}
        self._push = client.register_script(PUSH)
        self._pop = client.register_script(POP)
        self._idle = client.register_script(IDLE)
        self.holding_limit = max(1, crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        url = crawler.settings.get("FRONTIER_URL")
        if not url:
            raise FrontierUnavailable("RedisScheduler needs the FRONTIER_URL setting")
        return cls(crawler, redis.Redis.from_url(url))

    def open(self, spider: Spider) -> None:
        self.spider = spider
        base = f"{KEY_PREFIX}:{spider.name}"
        self.keys = {name: f"{base}:{name}" for name in ("queue", "seen", "sequence", "leases")}
        self.crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)

    def close(self, reason: str) -> None:
        self.client.zrem(self.keys["leases"], self.worker)  # a stopped worker holds nothing
        self.client.close()

    def has_pending_requests(self) -> bool:
        return bool(self.client.zcard(self.keys["queue"]))

    def enqueue_request(self, request: Request) -> bool:
        fingerprint = self.crawler.request_fingerprinter.fingerprint(request).hex()
        data = pickle.dumps(request.to_dict(spider=self.spider), protocol=pickle.HIGHEST_PROTOCOL)
        queued = self._push(keys=[self.keys["queue"], self.keys["seen"], self.keys["sequence"]],
                            args=[0 if request.dont_filter else 1, fingerprint, -request.priority, data])
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("scheduler/enqueued" if queued else "dupefilter/filtered")
        return bool(queued)

    def next_request(self) -> Request | None:
        """The next request of the shared queue, unless this worker already holds as many as it
        may download at once: Scrapy's downloader would otherwise take a whole queue into its own
        slots, and the other workers would find nothing left to do."""
        engine = self.crawler.engine
        if engine is not None and len(engine.downloader.active) >= self.holding_limit:
            return None
        member = self._pop(keys=[self.keys["queue"], self.keys["leases"]],
                           args=[self.worker, time.time()])
        if member is None:
            return None
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("scheduler/dequeued")
        return request_from_dict(pickle.loads(member[SEQUENCE_DIGITS:]), spider=self.spider)

    def _spider_idle(self, spider: Spider) -> None:
        """Close only when the whole crawl is over; else look again in POLL_SECONDS."""
        over = self._idle(keys=[self.keys[k] for k in ("queue", "leases", "seen", "sequence")],
                          args=[self.worker, time.time() - LEASE_SECONDS])
        if over:
            return
        engine = self.crawler.engine
        assert engine is not None
        # Scrapy looks at an idle spider again on its 5 s heartbeat; ask for sooner (private API).
        slot: Any = getattr(engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule(POLL_SECONDS)
        raise DontCloseSpider
