import { layoutOf } from '../layout.ts';
import type { LabNode, Step } from '../types.ts';
import type { MongoStepOptions } from './mongodb.ts';
import { NO_SERVER_WHY } from './mongodb-binary.ts';
import { ferretdbArgv, MONGO_SERVICE, mongoServiceUp, privateFiles } from './mongodb-standin.ts';
import { supervisedServices } from './systemd.ts';

/**
 * MongoDB for a lab without root (the local provider): the host's
 * MongoDB-protocol server binary run in place as a supervised process of the
 * master, its data in the master's data folder, listening on the master's
 * loopback address with the lab user and password (the password through the
 * environment). Same step id as on stand-ins and VMs.
 */
export function localMongodb(o: MongoStepOptions): Step {
  return {
    id: 'mongodb',
    appliesTo: (n: LabNode) => n.role === 'master',
    async run(ctx) {
      const { transport: t, node, log } = ctx;
      if (!o.serverBinary)
        return { status: 'skipped', why: `${NO_SERVER_WHY}: items go to JSON-lines files` };
      const layout = layoutOf(t);
      const services = supervisedServices(t, layout.services);
      const at = { ip: node.ip, port: o.port };
      const dataDir = `${layout.dataDir}/mongo`;
      // the items and the users' password hashes: this user's only (files made before included)
      await t.run(['mkdir', '-p', '--', dataDir]);
      await t.run(['chmod', '-R', 'go-rwx', '--', dataDir]);
      // restarted when lab.yaml's mongodb keys changed its command line or password (issue 12)
      const outcome = await services.start(
        MONGO_SERVICE,
        privateFiles(ferretdbArgv({ ...at, user: o.user, bin: o.serverBinary, dataDir })),
        { FERRETDB_SETUP_PASSWORD: o.password },
        { onRestart: (why) => log(`restarted ${MONGO_SERVICE}: ${why}`) },
      );
      return mongoServiceUp(ctx, services, outcome, {
        at,
        user: o.user,
        what: 'MongoDB',
        fix: `delete ${dataDir} and run lab:up again if the password changed`,
      });
    },
  };
}
