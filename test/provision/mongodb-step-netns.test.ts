import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MongoClient } from 'mongodb';
import { ensureDist } from '../../lab/build/dist.ts';
import { runCrawl } from '../../lab/runner/run-crawl.ts';
import { labUp, masterOf } from '../../provision/lab.ts';
import { labMongoUri } from '../../provision/steps/mongodb-standin.ts';
import { netnsSkip, tempLab, threeNodeYaml } from '../helpers/netns-lab.ts';

/**
 * MongoDB on a stand-in master (lab "mgo", 10.57.3.0/24): lab:up copies the
 * host's FerretDB to the master and runs it on the lab address with the lab
 * user; lab:crawl's workers on all three nodes write items into it.
 */
const skip = netnsSkip({ mongo: true });

const CONFIG = threeNodeYaml(
  '10.57.3',
  `
crawl: { list_pages: 3 }
mongodb: { enabled: true }
`,
);

test('on netns stand-ins lab:up runs MongoDB (FerretDB) on the master and lab:crawl stores exactly one document per thread of the site', {
  skip,
  timeout: 900_000,
}, async (t) => {
  const temp = tempLab(t, { labId: 'mgo', yaml: CONFIG });
  const lines: string[] = [];
  const lab = await temp.open((l) => lines.push(l));
  await ensureDist();
  const first = await labUp(lab);
  assert.deepEqual(
    first.filter((r) => r.step === 'mongodb').map((r) => [r.node, r.status]),
    [['master', 'changed']],
  );
  const second = await labUp(lab);
  assert.deepEqual(
    second.filter((r) => r.step === 'mongodb').map((r) => r.status),
    ['ok'],
    'a second lab:up finds MongoDB running',
  );

  const result = await runCrawl(lab, { resume: false });
  assert.ok(
    result.workers.every((w) => w.exit === 0),
    JSON.stringify(result.workers),
  );
  assert.match(result.itemSink, /^MongoDB 10\.57\.3\.10:27017, yuliao\.tieba: \d+ documents$/);

  const master = masterOf(lab);
  const truth = (await (await fetch(`http://${master.ip}:${lab.config.site.port}/__truth`)).json()) as {
    threads: { count: number };
  };
  const client = new MongoClient(
    labMongoUri({ ip: master.ip, port: 27017, user: 'crawler', password: lab.secrets.mongoPassword }),
  );
  t.after(() => client.close());
  const stored = await client.db('yuliao').collection('tieba').countDocuments();
  assert.equal(stored, truth.threads.count, 'one document per thread of the site');
  assert.ok(result.itemSink.endsWith(`: ${stored} documents`));
  assert.ok(!lines.join('\n').includes(lab.secrets.mongoPassword), 'the password is never printed');

  await lab.provider.destroy(lab.nodes);
  assert.deepEqual(temp.leftovers(), [], 'destroy leaves nothing of the provider behind');
});
