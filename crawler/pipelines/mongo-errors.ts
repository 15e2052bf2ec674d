import {
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { ConfigError, CrawlError } from '../errors.ts';
import { redact } from '../log.ts';

/**
 * Every message the MongoDB sink shows a learner, built in one place, and the one
 * adapter that turns driver errors into what the sink should do about them.
 * Passwords never appear: the URI is redacted and the password is a listed secret.
 */

/** Server error codes we act on (MongoDB's own numbers, also used by FerretDB). */
const AUTHENTICATION_FAILED = 18;
const UNAUTHORIZED = 13;
export const DUPLICATE_KEY = 11000;

const URI_HINT =
  'write mongoUri as mongodb://user:password@host:27017/?authSource=admin ' +
  '(percent-encode @ : / in the password), or leave it empty to store no items in MongoDB';

/** The password in a mongodb:// URI, raw and decoded, so log lines can hide both. */
export function uriSecrets(uri: string): string[] {
  const match = /^[a-z+]+:\/\/[^:@/]*:([^@/]*)@/i.exec(uri);
  const raw = match?.[1];
  if (!raw) return [];
  try {
    return [raw, decodeURIComponent(raw)];
  } catch {
    return [raw];
  }
}

/** Text safe to log: the URI's password replaced by ***. */
export function safe(text: string, uri: string): string {
  return redact(text, uriSecrets(uri));
}

/** What the sink does with a failure: wait and retry, stop with a credentials hint, or report it. */
export type MongoFailure = 'unreachable' | 'auth' | 'other';

export function mongoFailureKind(error: unknown): MongoFailure {
  const chain = causes(error);
  if (
    chain.some(
      (e) => e instanceof MongoServerError && (e.code === AUTHENTICATION_FAILED || e.code === UNAUTHORIZED),
    )
  )
    return 'auth';
  const lost = (e: unknown) =>
    e instanceof MongoServerSelectionError ||
    e instanceof MongoNetworkError ||
    e instanceof MongoTopologyClosedError ||
    e instanceof MongoNotConnectedError ||
    // a write cut off by a lost connection carries one of these labels
    (e instanceof MongoError && (e.hasErrorLabel('RetryableWriteError') || e.hasErrorLabel('ResetPool')));
  return chain.some(lost) ? 'unreachable' : 'other';
}

/** The error and what it wraps: `cause`, and a bulk write's `errorResponse` (where a network error hides). */
function causes(error: unknown): unknown[] {
  const out: unknown[] = [];
  const queue = [error];
  while (queue.length > 0 && out.length < 8) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || out.includes(e)) continue;
    out.push(e);
    queue.push((e as { cause?: unknown }).cause, (e as { errorResponse?: unknown }).errorResponse);
  }
  return out;
}

export function badMongoUri(uri: string, cause: unknown): ConfigError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new ConfigError(
    'CRAWL_E_SETTING_INVALID',
    safe(`mongoUri "${uri}" is not a usable MongoDB connection string: ${why}`, uri),
    { setting: 'mongoUri', hint: URI_HINT, cause },
  );
}

export function mongoAuthFailed(uri: string, cause: unknown): CrawlError {
  const code = cause instanceof MongoServerError ? cause.code : undefined;
  const noCredentials = code === UNAUTHORIZED;
  const message = noCredentials
    ? `MongoDB at ${safe(uri, uri)} requires a user and password, and mongoUri gives none that may write here`
    : `MongoDB at ${safe(uri, uri)} refused the user and password in mongoUri (authentication failed)`;
  return new CrawlError('CRAWL_E_SINK', message, {
    setting: 'mongoUri',
    cause,
    hint:
      'check the user and password in mongoUri and its authSource (the database the user was created in, ' +
      'usually ?authSource=admin); percent-encode @ : / in the password; the user needs readWrite on the items database',
  });
}

export function mongoUnreachableAtOpen(uri: string, waitedMs: number, cause: unknown): CrawlError {
  const why = cause instanceof Error ? safe(cause.message, uri) : String(cause);
  return new CrawlError(
    'CRAWL_E_SINK',
    `MongoDB at ${safe(uri, uri)} did not answer for ${Math.round(waitedMs / 1000)} s (${why})`,
    {
      setting: 'mongoUri',
      cause,
      hint:
        'start MongoDB (or FerretDB) and check host and port in mongoUri; on another machine, mongod must listen ' +
        'on its network address (bindIp in mongod.conf) and the firewall must let port 27017 through',
    },
  );
}

/** The message of a flush that found the server away; the items stay buffered. */
export function holdingItems(uri: string, held: number): string {
  return `MongoDB at ${safe(uri, uri)} unreachable, holding ${held} items, retrying`;
}

export function mongoUnreachableAtFlush(uri: string, held: number, cause: unknown): CrawlError {
  return new CrawlError('CRAWL_E_SINK', holdingItems(uri, held), {
    cause,
    hint: 'the items are kept in memory and written when MongoDB answers again; start it or fix the network',
  });
}

export function mongoIndexFailed(uri: string, namespace: string, cause: unknown): CrawlError {
  const why = cause instanceof Error ? safe(cause.message, uri) : String(cause);
  return new CrawlError('CRAWL_E_SINK', `cannot create the unique index on _key in ${namespace}: ${why}`, {
    cause,
    hint:
      'the collection already holds documents with a missing or repeated _key (written by something else): ' +
      'set mongoCollection to a new collection, or empty this one',
  });
}

export function mongoWriteRejected(uri: string, key: string, cause: unknown, detail: string): CrawlError {
  return new CrawlError('CRAWL_E_SINK', safe(`MongoDB rejected the item "${key}": ${detail}`, uri), {
    cause,
    key,
    hint:
      'the item stays buffered and is retried, so the crawl waits here: fix the spider (field names, ' +
      'document size under 16 MB) or the server, then restart the worker',
  });
}
