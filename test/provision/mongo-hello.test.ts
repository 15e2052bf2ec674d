import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { test } from 'node:test';
import { localLayout, withLayout } from '../../provision/layout.ts';
import { mongoAnswersOn } from '../../provision/steps/mongodb-standin.ts';
import { LocalTransport } from '../../provision/transports/local.ts';
import { mongoSkipReason, startMongo } from '../helpers/mongo.ts';
import { node } from './netns-support.ts';

/**
 * The mongodb step asks the master itself whether MongoDB answers (node -e,
 * one OP_MSG hello, no driver), so this host never dials a lab address and
 * the step can be planned. Here the "node" is this machine (LocalTransport;
 * its layout's node is the one running the tests) and the servers are real.
 */
const here = new LocalTransport(withLayout(node('here', '127.0.0.1', 'master'), localLayout('/nonexistent')));

test('a real MongoDB-protocol server (FerretDB) answers the node-side hello', {
  skip: await mongoSkipReason(),
  timeout: 60_000,
}, async (t) => {
  const mongo = await startMongo({ auth: { user: 'crawler', password: 'HelloTest0' } });
  t.after(() => mongo.stop());
  const url = new URL(mongo.url);
  const port = Number(url.port || 27017);
  assert.equal(await mongoAnswersOn(here, { ip: url.hostname, port }, 5000), true);
});

test('a closed port and a server that is not MongoDB do not count as answering', async (t) => {
  const http = createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.after(() => http.close());
  const { port } = http.address() as AddressInfo;
  assert.equal(await mongoAnswersOn(here, { ip: '127.0.0.1', port }), false);
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const free = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  assert.equal(await mongoAnswersOn(here, { ip: '127.0.0.1', port: free }), false);
});
