import { DropItem } from '../errors.ts';
import type { Item } from '../spiders/spider.ts';

/**
 * An item is a partial document; keys are paths.
 *
 * The MongoDB sink turns an item into one upsert of the document whose `_id` is
 * the item key: `{ $set: { _key: key, ...item } }`. A field whose name contains
 * dots is a path into the document (MongoDB's dot notation), so
 * `{ 'floors.8812': {...} }` sets one floor and leaves the others alone. That is
 * how a spider merges one document from several pages (page 2 of a thread adds
 * its floors, a sub-comment page adds `floors.<pid>.subComments`) instead of
 * storing duplicates. Setting the same value again changes nothing, so a page
 * handled twice leaves the same document (idempotent).
 */
export interface PendingWrite {
  key: string;
  set: Record<string, unknown>;
}

/**
 * Checks the item's paths and builds its `$set`. Throws DropItem (the item is
 * dropped and counted, the crawl goes on) for items MongoDB would reject on
 * every retry: a `$` field, an empty path segment, two fields where one is the
 * parent of the other ('floors' and 'floors.8812' in the same item), or an `_id`
 * that differs from the item key.
 */
export function toPendingWrite(key: string, item: Item): PendingWrite {
  const set: Record<string, unknown> = { _key: key };
  for (const [path, value] of Object.entries(item)) {
    if (value === undefined) continue; // like JSON: an undefined field is absent
    if (path === '_key') continue; // the sink's own copy of the key wins
    if (path === '_id') {
      if (value !== key) throw reject(key, path, `is reserved: the document's _id is the item key "${key}"`);
      continue;
    }
    const problem = pathProblem(path);
    if (problem) throw reject(key, path, problem);
    set[path] = value;
  }
  const paths = Object.keys(set);
  const all = new Set(paths);
  for (const path of paths) {
    for (let i = path.indexOf('.'); i !== -1; i = path.indexOf('.', i + 1)) {
      const parent = path.slice(0, i);
      if (all.has(parent))
        throw reject(
          key,
          path,
          `conflicts with the field "${parent}" of the same item: yield one or the other`,
        );
    }
  }
  return { key, set };
}

function pathProblem(path: string): string | undefined {
  const segments = path.split('.');
  if (segments.some((s) => s === '')) return 'has an empty part (a leading, trailing or double dot)';
  if (segments.some((s) => s.startsWith('$')))
    return 'starts a part with $, which MongoDB reserves for operators';
  if (segments[0] === '_id' || segments[0] === '_key')
    return 'writes inside _id or _key, which hold the item key';
  if (path.includes('\0')) return 'contains a NUL character';
  return undefined;
}

function reject(key: string, path: string, problem: string): DropItem {
  return new DropItem(`MongoDB sink: item "${key}": field "${path}" ${problem}`, {
    key,
    field: path,
    hint: 'an item is a partial document whose field names are paths (dots = nesting); rename the field in the spider',
  });
}

/**
 * Splits writes into rounds in which every key appears at most once, keeping
 * each key's writes in order. A bulk write with `ordered: false` may apply its
 * operations in any order, so two writes for one key go to successive rounds.
 */
export function roundsOf(writes: readonly PendingWrite[]): PendingWrite[][] {
  const rounds: PendingWrite[][] = [];
  const seen = new Map<string, number>();
  for (const write of writes) {
    const round = seen.get(write.key) ?? 0;
    seen.set(write.key, round + 1);
    const list = rounds[round] ?? [];
    rounds[round] = list;
    list.push(write);
  }
  return rounds;
}
