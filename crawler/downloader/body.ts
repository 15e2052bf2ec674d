import { Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IgnoreRequest } from '../errors.ts';
import { decoders } from './middlewares/decompress.ts';

/**
 * Reads a response body through its decoders, counting decoded bytes against
 * a limit. Going past it either throws CRAWL_E_TOO_LARGE or, for robots.txt,
 * keeps the first `maxBytes`. Any failure destroys the source, which makes
 * undici close the socket instead of draining the rest.
 */

export interface ReadBodyOptions {
  codings: readonly string[];
  maxBytes: number;
  /** Keep the first maxBytes instead of throwing (robots.txt). */
  truncate: boolean;
  url: string;
}

/** A decoder failed: the compressed data is corrupt or cut short. */
export class DecodeFailure extends Error {
  constructor(readonly original: unknown) {
    super('content decoding failed', { cause: original });
  }
}

class Enough extends Error {}

export function tooLarge(url: string, maxBytes: number, seen: number | string): IgnoreRequest {
  return new IgnoreRequest(
    'CRAWL_E_TOO_LARGE',
    `response from ${url} is larger than downloadMaxsize (${maxBytes} bytes)`,
    {
      url,
      maxBytes,
      seen,
      hint: 'raise downloadMaxsize if such pages are wanted; the size counts bytes after decompression',
    },
  );
}

/** Read the first chunks of `body` until at least `n` bytes (or the end). */
async function peek(body: Readable, n: number): Promise<{ head: Buffer; rest: AsyncIterator<Buffer> }> {
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const parts: Buffer[] = [];
  let size = 0;
  while (size < n) {
    const r = await it.next();
    if (r.done) break;
    parts.push(r.value);
    size += r.value.length;
  }
  return { head: Buffer.concat(parts), rest: it };
}

async function* prefixed(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  try {
    for (;;) {
      const r = await rest.next();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await rest.return?.();
  }
}

export async function readBody(body: Readable, opts: ReadBodyOptions): Promise<Buffer> {
  if (opts.codings.length === 0) return readPlain(body, opts);
  const chunks: Buffer[] = [];
  let total = 0;
  // The stage that failed first: pipeline later destroys every stage with that same error.
  let firstFailure: { fromDecoder: boolean; error: unknown } | undefined;
  const watch = (stream: Readable | Writable, fromDecoder: boolean) =>
    stream.once('error', (error) => {
      firstFailure ??= { fromDecoder, error };
    });
  body.on('error', () => {}); // destroy() below may emit an abort error nobody else listens for
  try {
    const { head, rest } = await peek(body, opts.codings.length > 0 ? 2 : 1);
    if (head.length === 0) return Buffer.alloc(0);
    const steps: Transform[] = decoders(opts.codings, head);
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (total + chunk.length > opts.maxBytes) {
          if (!opts.truncate) return done(tooLarge(opts.url, opts.maxBytes, `more than ${opts.maxBytes}`));
          chunks.push(chunk.subarray(0, opts.maxBytes - total));
          total = opts.maxBytes;
          return done(new Enough());
        }
        chunks.push(chunk);
        total += chunk.length;
        done();
      },
    });
    const source = Readable.from(prefixed(head, rest), { objectMode: false });
    watch(source, false);
    for (const step of steps) watch(step, true);
    watch(sink, false);
    await pipeline([source, ...steps, sink]);
  } catch (error) {
    body.destroy();
    if (error instanceof Enough) return Buffer.concat(chunks, total);
    if (firstFailure?.fromDecoder && firstFailure.error === error) throw new DecodeFailure(error);
    throw error;
  }
  return Buffer.concat(chunks, total);
}

/**
 * An identity-coded body (most pages): read straight from the source, without
 * the stream pipeline the decoders need (its streams, iterators and abort
 * controller cost more per page than the copy). Same limits, same errors.
 */
async function readPlain(body: Readable, opts: ReadBodyOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  body.on('error', () => {}); // destroy() below may emit an abort error nobody else listens for
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (total + chunk.length > opts.maxBytes) {
        if (!opts.truncate) throw tooLarge(opts.url, opts.maxBytes, `more than ${opts.maxBytes}`);
        chunks.push(chunk.subarray(0, opts.maxBytes - total));
        total = opts.maxBytes;
        break; // leaving the loop destroys the source
      }
      chunks.push(chunk);
      total += chunk.length;
    }
  } catch (error) {
    body.destroy();
    throw error;
  }
  return Buffer.concat(chunks, total);
}
