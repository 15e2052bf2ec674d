import { DropItem, isCrawlError } from '../errors.ts';
import type { Item } from '../spiders/spider.ts';
import type { ItemContext, PipelineStep } from './types.ts';

export type ItemResult = { ok: true; item: Item } | { ok: false; reason: string };

/** Runs items through the ordered steps; flushes and closes them together. */
export class Pipeline {
  readonly steps: readonly PipelineStep[];
  constructor(steps: readonly PipelineStep[]) {
    this.steps = steps;
  }

  async open(): Promise<void> {
    for (const step of this.steps) await step.open?.();
  }

  async process(item: Item, ctx: ItemContext): Promise<ItemResult> {
    let current = item;
    for (const step of this.steps) {
      try {
        current = await step.processItem(current, ctx);
      } catch (error) {
        if (error instanceof DropItem || (isCrawlError(error) && error.code === 'CRAWL_E_DROP_ITEM')) {
          return { ok: false, reason: `${step.name}: ${(error as Error).message}` };
        }
        throw error;
      }
    }
    return { ok: true, item: current };
  }

  /** Make every buffered item durable. Called before the pages they came from are acknowledged. */
  async flush(): Promise<void> {
    for (const step of this.steps) await step.flush?.();
  }

  async close(): Promise<void> {
    await this.flush();
    for (const step of [...this.steps].reverse()) await step.close?.();
  }
}
