import type { Logger } from '../log.ts';
import type { Item } from '../spiders/spider.ts';

export interface ItemContext {
  spider: string;
  /** The item's stable key (see Spider.itemKey). */
  key: string;
  /** URL of the page the item came from. */
  url: string;
  log: Logger;
}

/**
 * One ordered step of the item pipeline (Scrapy's ITEM_PIPELINES).
 * - `processItem` returns the (possibly changed) item, or throws DropItem to drop it.
 * - Sinks buffer in `processItem` and write in `flush`: the engine flushes every step
 *   BEFORE it acknowledges the pages those items came from, so an item is durable
 *   before its request leaves the lease (at-least-once, never lost).
 */
export interface PipelineStep {
  name: string;
  open?(): Promise<void>;
  processItem(item: Item, ctx: ItemContext): Item | Promise<Item>;
  flush?(): Promise<void>;
  close?(): Promise<void>;
}
