"""The README's `titles` spider (mini-Tieba) in Scrapy + scrapy-redis: the bench's peer (a fixture).

Run by bench/lib/engines.ts as `scrapy runspider titles.py -s REDIS_URL=...`; the bench
pushes the start URL to `titles:start_urls`.
"""

import re
import sys
from pathlib import Path

from scrapy_redis.spiders import RedisSpider

sys.path.insert(0, str(Path(__file__).parent))
from settings import SETTINGS  # noqa: E402

HREF = re.compile(r'href="([^"]+)"')
THREAD = re.compile(r"/p/\d+$")
LIST = re.compile(r"/f\?kw=")


class Titles(RedisSpider):
    name = "titles"
    redis_key = "titles:start_urls"
    allowed_domains = ["127.0.0.1"]
    custom_settings = SETTINGS

    def parse(self, response):
        # list pages keep their links inside an HTML comment: take the hrefs from the text
        urls = [response.urljoin(h) for h in HREF.findall(response.text)]
        for url in urls:
            if THREAD.search(url):
                yield response.follow(url, callback=self.parse_thread)
        for url in urls:
            if LIST.search(url):
                yield response.follow(url)

    def parse_thread(self, response):
        title = "".join(response.css("h3.core_title_txt ::text").getall()).strip()
        if title:
            yield {"url": response.url, "title": title}
