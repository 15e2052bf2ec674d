import { findGo } from '../host-setup/go-toolchain.ts';
import { findMongoServerBinary } from '../steps/mongodb-binary.ts';
import type { DoctorContext, Finding } from './types.ts';

/**
 * Where the crawl's items will go. Stand-ins (and VMs with mongodb.server:
 * binary) run this host's MongoDB-protocol server; without one the items go to
 * JSON-lines files on the nodes. That is not a blocker, but a learner should
 * know before the crawl rather than read it in its summary.
 */
export function itemsCheck(ctx: DoctorContext): Finding {
  const id = 'mongodb';
  if (!ctx.config) return { id, message: 'skipped: lab.yaml is invalid', blocks: [] };
  const { mongodb } = ctx.config;
  if (!mongodb.enabled)
    return {
      id,
      message: 'mongodb.enabled is false in lab.yaml: items go to JSON-lines files on the nodes',
      blocks: [],
    };
  const binary = findMongoServerBinary(ctx.env as NodeJS.ProcessEnv);
  if (binary)
    return { id, message: `MongoDB-protocol server for the stand-ins' items: ${binary}`, blocks: [] };
  const vmNote =
    mongodb.server === 'packages' ? ' (VMs install MongoDB from its own packages and are not affected)' : '';
  return {
    id,
    message: `no MongoDB-protocol server on this host: a stand-in lab's items would go to JSON-lines files on the nodes${vmNote}`,
    fix: `npm run lab:doctor -- --fix (or lab:up) builds FerretDB with ${findGo(ctx.env) ? 'Go' : 'Go fetched from the Go module proxy'}, once, as root (docs/mongodb.md)`,
    blocks: [],
    note: true,
  };
}
