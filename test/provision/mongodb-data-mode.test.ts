import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openLab } from '../../provision/lab.ts';
import { layoutOf } from '../../provision/layout.ts';
import { findMongoServerBinary } from '../../provision/steps/mongodb-binary.ts';
import { localMongodb } from '../../provision/steps/mongodb-local.ts';
import { MONGO_SERVICE } from '../../provision/steps/mongodb-standin.ts';
import { supervisedServices } from '../../provision/steps/systemd.ts';
import { freePort } from '../helpers/redis.ts';

/**
 * Issue 15 §4: the MongoDB-protocol server's data folder (items, password
 * hashes) is the lab user's only: 0700, no file readable by others, also
 * when it existed before with looser rights. Real FerretDB on a local lab.
 */
const binary = findMongoServerBinary();

test('the local MongoDB data folder is 0700 and no data file is readable by others (issue 15)', {
  skip: binary ? false : 'needs the FerretDB binary (npm run lab:doctor -- --fix builds it)',
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-hdmongo-'));
  const config = join(dir, 'lab.yaml');
  writeFileSync(config, 'provider: local\n');
  const lab = await openLab({
    configPath: config,
    stateDir: join(dir, 'state'),
    labId: 'hdmongo',
    log: () => {},
  });
  t.after(async () => {
    await lab.provider.destroy(lab.nodes).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  await lab.provider.up(lab.nodes);
  const master = lab.nodes[0]!;
  const transport = lab.provider.transport(master);
  const services = supervisedServices(transport, layoutOf(transport).services);
  t.after(() => services.stop(MONGO_SERVICE).catch(() => {}));
  // a folder left from an earlier run with loose rights
  const data = `${layoutOf(transport).dataDir}/mongo`;
  await transport.run(['mkdir', '-p', '-m', '0755', data]);
  writeFileSync(join(data, 'old.txt'), 'x', { mode: 0o644 });
  const step = localMongodb({
    port: await freePort(),
    database: 'yuliao',
    user: 'crawler',
    password: 'hdMongoPw123',
    machine: 'local',
    serverBinary: binary,
  });
  const r = await step.run({ transport, node: master, nodes: lab.nodes, log: () => {} } as never);
  assert.equal(r.status, 'changed');
  assert.equal(statSync(data).mode & 0o777, 0o700);
  const files = readdirSync(data, { recursive: true }).map((f) => join(data, String(f)));
  assert.ok(files.length > 1, `FerretDB wrote its files: ${files.join(', ')}`);
  const open = files.filter((f) => (statSync(f).mode & 0o077) !== 0);
  assert.deepEqual(open, [], 'no file readable or writable by group or others');
});
