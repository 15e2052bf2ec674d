"""The links spider (bench/spiders/links.ts) in Scrapy + scrapy-redis: links by CSS selector only (a fixture)."""

import sys
from pathlib import Path

from scrapy_redis.spiders import RedisSpider

sys.path.insert(0, str(Path(__file__).parent))
from settings import SETTINGS  # noqa: E402


class Links(RedisSpider):
    name = "links"
    redis_key = "links:start_urls"
    allowed_domains = ["127.0.0.1"]
    custom_settings = SETTINGS

    def parse(self, response):
        yield from response.follow_all(css="a.product-link", callback=self.parse_product)
        yield from response.follow_all(css="a.next")

    def parse_product(self, response):
        yield {"url": response.url}
        yield from response.follow_all(css=".related a", callback=self.parse_product)
