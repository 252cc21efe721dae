"""One spider per CMS family, all on `BudgetSpider`; the registry's `family` names one of them.

"listing" is the generic family's first name, kept so registries written for it still load.
"""

from crawler.spiders.base import BudgetSpider
from crawler.spiders.generic import GenericSpider
from crawler.spiders.gkmlpt import GkmlptSpider
from crawler.spiders.hanweb import HanwebSpider
from crawler.spiders.trs import TrsSpider

SPIDERS: dict[str, type[BudgetSpider]] = {
    spider.family: spider for spider in (TrsSpider, HanwebSpider, GkmlptSpider, GenericSpider)}
SPIDERS["listing"] = GenericSpider
