"""The floor spider (bench/spiders/floor.ts) in Scrapy + scrapy-redis: no parsing, links from the URL (a fixture)."""

import re
import sys
from pathlib import Path

from scrapy_redis.spiders import RedisSpider

sys.path.insert(0, str(Path(__file__).parent))
from settings import SETTINGS  # noqa: E402

PER_PAGE = 40
PAGE = re.compile(r"[?&]page=(\d+)$")
PRODUCT = re.compile(r"/product/(\d+)$")


class Floor(RedisSpider):
    name = "floor"
    redis_key = "floor:start_urls"
    allowed_domains = ["127.0.0.1"]
    custom_settings = SETTINGS

    def parse(self, response):
        m = PAGE.search(response.url)
        page = int(m.group(1)) if m else 1
        first = (page - 1) * PER_PAGE + 1
        for i in range(PER_PAGE):
            yield response.follow(f"/product/{first + i}", callback=self.parse_product)
        yield response.follow(f"/catalogue?page={page + 1}")

    def parse_product(self, response):
        m = PRODUCT.search(response.url)
        pid = int(m.group(1)) if m else 1
        yield {"url": response.url, "id": pid}
        block = (pid - 1) // PER_PAGE * PER_PAGE
        for k in (1, 2, 3, 4):
            yield response.follow(f"/product/{block + (pid - 1 + k * 7) % PER_PAGE + 1}", callback=self.parse_product)
