"""The catalogue spider (bench/spiders/catalogue.ts) in Scrapy + scrapy-redis: the bench's peer (a fixture)."""

import sys
from pathlib import Path

from scrapy_redis.spiders import RedisSpider

sys.path.insert(0, str(Path(__file__).parent))
from settings import SETTINGS  # noqa: E402


class Catalogue(RedisSpider):
    name = "catalogue"
    redis_key = "catalogue:start_urls"
    allowed_domains = ["127.0.0.1"]
    custom_settings = SETTINGS

    def parse(self, response):
        yield from response.follow_all(css="a.product-link", callback=self.parse_product)
        yield from response.follow_all(css="a.next")

    def parse_product(self, response):
        yield {
            "url": response.url,
            "name": "".join(response.css("h1.name ::text").getall()).strip(),
            "price": "".join(response.css(".price ::text").getall()).strip(),
            "sku": "".join(response.css(".sku ::text").getall()).strip(),
        }
        yield from response.follow_all(css=".related a", callback=self.parse_product)
