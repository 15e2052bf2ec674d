/**
 * The article's stack from PyPI, pinned in one place: the benchmark's peer
 * (bench/lib/scrapy-venv.ts) and the lab's scrapy-redis workers
 * (provision/steps/scrapy-venv.ts, crawl.engine: scrapy-redis) install exactly these.
 */
export const SCRAPY_VERSION = '2.19.0';
export const SCRAPY_REDIS_VERSION = '0.9.1';
/** scrapy-redis's client and the article's MongoDB driver. */
export const REDIS_PY_VERSION = '8.2.0';
export const PYMONGO_VERSION = '4.20.1';

/** The lab workers' requirements, as pip takes them. */
export const LAB_PYTHON_REQUIREMENTS: readonly string[] = [
  `scrapy==${SCRAPY_VERSION}`,
  `scrapy-redis==${SCRAPY_REDIS_VERSION}`,
  `redis==${REDIS_PY_VERSION}`,
  `pymongo==${PYMONGO_VERSION}`,
];
