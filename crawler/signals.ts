import { EventEmitter } from 'node:events';
import type { CrawlRequest } from './http/request.ts';

/**
 * The crawl's lifecycle events, declared in one list. Stats, progress output
 * and the lab's live view subscribe here instead of being wired into the engine.
 */
export interface SignalMap {
  engine_started: [{ workerId: string; spider: string }];
  engine_stopped: [{ reason: string }];
  request_scheduled: [{ request: CrawlRequest }];
  request_dropped: [{ request: CrawlRequest; code: string; reason: string }];
  response_received: [
    { request: CrawlRequest; status: number; bytes: number; url: string; latencyMs: number },
  ];
  request_retried: [{ request: CrawlRequest; code: string; delayMs: number }];
  request_failed: [{ request: CrawlRequest; code: string; reason: string }];
  item_scraped: [{ item: Record<string, unknown>; key: string }];
  item_dropped: [{ item: Record<string, unknown>; reason: string }];
  spider_idle: [{ state: string }];
}

export type SignalName = keyof SignalMap;

export class Signals {
  readonly #emitter = new EventEmitter();
  on<K extends SignalName>(name: K, fn: (...args: SignalMap[K]) => void): () => void {
    this.#emitter.on(name, fn as (...a: unknown[]) => void);
    return () => this.#emitter.off(name, fn as (...a: unknown[]) => void);
  }
  emit<K extends SignalName>(name: K, ...args: SignalMap[K]): void {
    this.#emitter.emit(name, ...args);
  }
}
