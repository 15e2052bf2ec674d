/**
 * The crawler's version, printed by `crawl --version`. A constant rather than
 * a read of package.json, so the bundled dist/crawl.mjs on a lab node (no
 * package.json beside it) prints it too; test/crawler/cli/cli.test.ts checks it
 * equals package.json's version.
 */
export const VERSION = '0.1.0';
