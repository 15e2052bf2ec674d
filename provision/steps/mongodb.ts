import { CrawlError } from '../../common/errors.ts';
import { HOW_TO_GET_ONE, NO_SERVER_WHY } from './mongodb-binary.ts';

export { findMongoServerBinary } from './mongodb-binary.ts';

import type { MongoServer } from '../config/types.ts';
import type { LabNode, MachineKind, Step } from '../types.ts';
import { provisionMongoStandin } from './mongodb-standin.ts';
import { provisionMongoVm } from './mongodb-vm.ts';

/**
 * MongoDB for the items, on the master. VMs: MongoDB's packages (./mongodb-vm.ts).
 * Stand-ins: the host's FerretDB binary run on the master (./mongodb-standin.ts).
 * Where neither is possible the step says so and skips; lab:crawl then writes
 * items to JSON-lines files and says that plainly (lab/items/sink.ts).
 */
export interface MongoStepOptions {
  port: number;
  database: string;
  user: string;
  password: string;
  machine: MachineKind;
  /** VMs: MongoDB's packages, or the binary below uploaded (lab.yaml mongodb.server). @default 'packages' */
  server?: MongoServer;
  /** The FerretDB binary on this host, for stand-ins (findMongoServerBinary()). */
  serverBinary?: string | undefined;
}

export function mongodbStep(o: MongoStepOptions): Step {
  return {
    id: 'mongodb',
    appliesTo: (n: LabNode) => n.role === 'master',
    async run(ctx) {
      if (o.machine === 'vm' && o.server !== 'binary') return provisionMongoVm(o, ctx);
      if (o.machine === 'local')
        return {
          status: 'skipped',
          why: 'local provider: items go to JSON-lines files (npm run demo starts its own MongoDB)',
        };
      if (!o.serverBinary) {
        if (o.machine === 'vm')
          throw new CrawlError('CRAWL_E_PROVISION', `mongodb.server: binary, but there is ${NO_SERVER_WHY}`, {
            hint: `build it as npm test's set-up does (${HOW_TO_GET_ONE}), or set mongodb.server: packages in lab.yaml`,
          });
        return { status: 'skipped', why: `${NO_SERVER_WHY}: items go to JSON-lines files` };
      }
      return provisionMongoStandin({ ...o, serverBinary: o.serverBinary }, ctx);
    },
  };
}
