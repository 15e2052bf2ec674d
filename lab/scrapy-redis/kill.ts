import { CrawlError } from '../../common/errors.ts';
import { hostSiteUrl, type Lab } from '../../provision/lab.ts';
import { signalWorker } from '../chaos/faults.ts';
import { readHits } from '../runner/truth-check.ts';
import { HOLD_PATH } from '../site/hold.ts';
import type { ScrapyWorker } from './run.ts';

/**
 * kill-worker against the article's workers, made deterministic. A worker
 * killed between two batches holds nothing and loses nothing; one killed with
 * requests in flight loses them (scrapy-redis popped them from tieba:requests
 * and put their fingerprints in tieba:dupefilter when they were scheduled, so
 * nobody fetches those pages again). So the site holds the victim's requests
 * (hold.ts: its address gets no answer for a while), the kill waits until
 * the victim holds a request for a page the site has never served, kills it,
 * and waits until the site sees those requests' connections close
 * (abandoned): proof that the worker died holding popped, unfinished
 * requests. Then the hold ends; the other workers were never held.
 *
 * Where several workers share the victim's address (the local provider: all
 * on 127.0.0.1) the site cannot tell their requests apart: the hold covers
 * them all, the kill waits until every slot of theirs is held (so the
 * victim's too), and what the victim held is what was abandoned after the
 * kill (the others' connections stay open).
 */
export const HOLD_KILL = {
  /** Seconds the victim may take to ask for a page never served while held; else no kill this time. @default 20 */
  heldWaitS: 20,
  /** Seconds for the site to see the killed worker's held connections close. @default 15 */
  abandonedWaitS: 15,
  /** The hold's own limit (the site ends it even if lab:chaos dies meanwhile). @default 45 */
  holdS: 45,
  pollMs: 200,
} as const;

/** What the killed worker held when it died, by the site's own account. */
export interface HeldKill {
  /** Pages it had asked for, unanswered, when it was killed. */
  held: string[];
  /** Of those, pages the site had never served: lost for good (their fingerprints are in the dupefilter). */
  fresh: string[];
  /** Held pages whose connection the site saw close before any answer. */
  abandoned: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function hold(lab: Lab, from: string | undefined): Promise<void> {
  const q = from === undefined ? '' : `?${new URLSearchParams({ from, s: String(HOLD_KILL.holdS) })}`;
  const r = await fetch(`${await hostSiteUrl(lab)}${HOLD_PATH}${q}`, { method: from ? 'PUT' : 'DELETE' });
  await r.text();
  if (!r.ok)
    throw new CrawlError(
      'CRAWL_E_PROVISION',
      `the site on the master cannot hold requests (${HOLD_PATH} answered ${r.status})`,
      { hint: 'the site was deployed by an older version: run npm run lab:up again' },
    );
}

/**
 * Kill `w` (`kill -9`) once it provably holds a request for a page never
 * served; undefined when it asked for none within HOLD_KILL.heldWaitS (not
 * killed: the caller may try again later).
 */
export async function killHoldingWorker(
  lab: Lab,
  w: ScrapyWorker,
  say: (line: string) => void,
): Promise<HeldKill | undefined> {
  const from = w.node.ip;
  const sharing = lab.nodes.filter((n) => n.ip === from).length;
  // one worker per address: one held page never served is enough; shared: every slot held
  const slots = sharing > 1 ? sharing * lab.config.crawl.concurrentRequests : 1;
  await hold(lab, from);
  try {
    let held: string[] = [];
    let fresh: string[] = [];
    for (let waited = 0; fresh.length === 0 || held.length < slots; waited += HOLD_KILL.pollMs) {
      if (waited >= HOLD_KILL.heldWaitS * 1000) {
        say(`${w.id} asked for no new page in ${HOLD_KILL.heldWaitS} s while held: not killed this time`);
        return undefined;
      }
      await sleep(HOLD_KILL.pollMs);
      const hits = await readHits(lab);
      held = hits.held?.[from] ?? [];
      fresh = held.filter((p) => hits.pages[p] === undefined);
    }
    say(
      sharing > 1
        ? `kill -9 ${w.id} on ${w.node.name} while the site holds ${held.length} requests of the ${sharing} workers on ${from} (never served yet: ${fresh.join(', ')})`
        : `kill -9 ${w.id} on ${w.node.name} while the site holds ${held.length} of its requests (never served yet: ${fresh.join(', ')})`,
    );
    await signalWorker(lab.provider.transport(w.node), w.service, 'KILL');
    let abandoned: string[] = [];
    for (let waited = 0; ; waited += HOLD_KILL.pollMs) {
      const hits = await readHits(lab);
      abandoned = (hits.abandoned ?? []).filter((a) => a.from === from).map((a) => a.page);
      const done = sharing > 1 ? abandoned.length > 0 : fresh.every((p) => abandoned.includes(p));
      if (done || waited >= HOLD_KILL.abandonedWaitS * 1000) break;
      await sleep(HOLD_KILL.pollMs);
    }
    say(`the site saw ${abandoned.length} of its held requests abandoned: ${abandoned.join(', ') || 'none'}`);
    // shared address: the victim's own are the abandoned ones
    if (sharing > 1) {
      held = abandoned;
      fresh = fresh.filter((p) => abandoned.includes(p));
    }
    return { held, fresh, abandoned };
  } finally {
    await hold(lab, undefined);
  }
}
