"""One spider per CMS family, all on `BudgetSpider`; the registry's `family` names one of them."""

from crawler.spiders.base import BudgetSpider
from crawler.spiders.listing import ListingSpider
from crawler.spiders.trs import TrsSpider

SPIDERS: dict[str, type[BudgetSpider]] = {spider.family: spider for spider in (TrsSpider, ListingSpider)}
