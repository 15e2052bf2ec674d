"""Settings shared by the benchmark's Scrapy + scrapy-redis spiders (bench fixtures, not product code).

They match what crawl-lab's workers do by default, so both engines do the same work:
16 concurrent requests, 8 per domain, robots.txt obeyed, requests and fingerprints in
Redis (scrapy-redis scheduler and dupe filter), items pushed to a Redis list.
"""

SETTINGS = {
    "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    # workers stop one after the other: none may wipe the queue the others still use
    "SCHEDULER_PERSIST": True,
    "ITEM_PIPELINES": {"scrapy_redis.pipelines.RedisPipeline": 300},
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "ROBOTSTXT_OBEY": True,
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": False,
    # scrapy-redis waits for start URLs forever; close after 2 s idle (the bench times first to last page)
    "MAX_IDLE_TIME_BEFORE_CLOSE": 2,
}
