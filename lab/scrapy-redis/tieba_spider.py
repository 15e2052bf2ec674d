"""The article's own kind of worker: Scrapy + scrapy-redis, for the lab's mini-Tieba site.

A comparison fixture, not product code (docs/scrapy-redis.md): lab:crawl runs it with
`crawl.engine: scrapy-redis` (or `both`) as `scrapy runspider tieba_spider.py` on every
node. Written the article's way: the scrapy-redis scheduler and dupe filter, the queue
kept when a worker closes (SCHEDULER_PERSIST), start URLs from `tieba:start_urls`, and
a pymongo pipeline into yuliao.tieba. It fetches what the article's spider fetched:
every list page and page 1 of every thread, one item per thread.

Environment (set by the lab, never on the command line): REDIS_URL (the lab's Redis,
user and password included), MONGO_URI, MONGO_DATABASE, MONGO_COLLECTION (unset: no
MongoDB; the lab passes `-o <file>` and Scrapy writes JSON lines instead).
"""

import os
import re

import pymongo
from scrapy_redis.spiders import RedisSpider

THREAD = re.compile(r'href="(/p/\d+)"')
LIST = re.compile(r'href="([^"]*/f\?[^"]*pn=\d+[^"]*)"')
TID = re.compile(r"/p/(\d+)")


class MongoPipeline:
    """The article's pipeline: one insert per item, no upsert (a thread crawled twice is stored twice)."""

    def open_spider(self, spider):
        uri = os.environ.get("MONGO_URI")
        self.client = pymongo.MongoClient(uri) if uri else None
        if self.client:
            db = self.client[os.environ.get("MONGO_DATABASE", "yuliao")]
            self.collection = db[os.environ.get("MONGO_COLLECTION", "tieba")]

    def close_spider(self, spider):
        if self.client:
            self.client.close()

    def process_item(self, item, spider):
        # `_key` names the thread for the lab's truth check (lab/items/store.ts), in MongoDB and in `-o` files
        item["_key"] = item["tid"]
        if self.client:
            self.collection.insert_one(dict(item))
        return item


class TiebaSpider(RedisSpider):
    # the lab's Redis user may touch only tieba:* keys (provision/redis-acl.ts)
    name = "tieba"
    redis_key = "tieba:start_urls"
    custom_settings = {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "ITEM_PIPELINES": {MongoPipeline: 300},
        "CONCURRENT_REQUESTS": int(os.environ.get("CONCURRENT_REQUESTS", "16")),
        "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        # "Crawled N pages (at M pages/min)" every second: each worker's progress in its log
        "LOGSTATS_INTERVAL": 1.0,
        "FEED_EXPORT_ENCODING": "utf-8",
    }

    def parse(self, response):
        # a list page: its thread links, and the pager's other list pages
        for href in THREAD.findall(response.text):
            yield response.follow(href, callback=self.parse_thread)
        for href in LIST.findall(response.text):
            yield response.follow(href.replace("&amp;", "&"))

    def parse_thread(self, response):
        posts = []
        for post in response.css("div.l_post"):
            posts.append(
                {
                    "author": post.css("a.p_author_name::text").get(default="").strip(),
                    "content": " ".join(post.css("div.d_post_content ::text").getall()).strip(),
                }
            )
        yield {
            "tid": TID.search(response.url).group(1),
            "title": response.css("h3.core_title_txt::attr(title)").get(default=""),
            "url": response.url,
            "posts": posts,
        }
