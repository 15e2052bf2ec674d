import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The chaos hold (lab:chaos kill-worker against the article's workers): for a
 * while the site answers no request from one client address, as if those
 * pages were very slow. The hit log lists what it holds, by address, so
 * lab:chaos can kill a worker exactly while it holds popped, unfinished
 * requests; a held request whose client went away before the answer is
 * *abandoned*: never served, never counted as a page. Releasing (or the
 * hold's own time limit) answers every held request whose client is still
 * there. `PUT /__truth/hold?from=<address>&s=<seconds>` holds,
 * `DELETE /__truth/hold` releases.
 */
export const HOLD_PATH = '/__truth/hold';
/** The longest hold a PUT may ask for, so a lab:chaos run killed mid-hold never leaves the site stalled. */
export const HOLD_MAX_S = 60;

/** A held request that was never answered: its client (a killed worker) went away first. */
export interface Abandoned {
  from: string;
  /** Its page name (pages.ts), or the URL for a request that is not a page of the forum. */
  page: string;
}

interface Held {
  from: string;
  page: string;
  answer: () => void;
}

/** IPv4 peers of a dual-stack listener come as ::ffff:10.0.0.1. */
export const clientAddress = (req: IncomingMessage): string =>
  (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');

export class SiteHold {
  #from: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #held = new Set<Held>();
  #abandoned: Abandoned[] = [];

  /** Hold every request from `from` for at most `seconds` (HOLD_MAX_S). */
  start(from: string, seconds: number): void {
    this.release();
    this.#from = from;
    this.#timer = setTimeout(() => this.release(), Math.min(seconds, HOLD_MAX_S) * 1000);
    this.#timer.unref();
  }

  /** End the hold: every held request whose client is still there is answered now. */
  release(): void {
    clearTimeout(this.#timer);
    this.#from = undefined;
    const held = [...this.#held];
    this.#held.clear();
    for (const h of held) h.answer();
  }

  /**
   * Hold this request if it comes from the held address: true when it was
   * taken (answer() runs on release unless its client went away first).
   */
  take(req: IncomingMessage, res: ServerResponse, page: string, answer: () => void): boolean {
    const from = clientAddress(req);
    if (this.#from === undefined || from !== this.#from) return false;
    const h: Held = { from, page, answer };
    this.#held.add(h);
    res.once('close', () => {
      if (res.writableEnded || !this.#held.delete(h)) return;
      this.#abandoned.push({ from, page });
    });
    return true;
  }

  /** What the hit log adds while a hold is on or after one abandoned requests (absent otherwise). */
  report(): { held?: Record<string, string[]>; abandoned?: Abandoned[] } {
    const held: Record<string, string[]> = {};
    for (const h of this.#held) held[h.from] = [...(held[h.from] ?? []), h.page];
    return {
      ...(this.#from !== undefined ? { held } : {}),
      ...(this.#abandoned.length > 0 ? { abandoned: [...this.#abandoned] } : {}),
    };
  }

  /** The hit log starts again (DELETE /__truth/hits): so does the list of abandoned requests. */
  reset(): void {
    this.#abandoned = [];
  }
}
