import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { MongoClient } from 'mongodb';
import { CrawlError } from '../../common/errors.ts';
import { layoutOf } from '../layout.ts';
import type { StartOutcome } from '../services.ts';
import type { StepContext, StepStatus, Transport } from '../types.ts';
import type { MongoStepOptions } from './mongodb.ts';
import { type ServiceManager, serviceManagerFor } from './systemd.ts';

/**
 * MongoDB on a stand-in master (netns): no MongoDB packages reach this machine,
 * so the host's MongoDB-protocol server binary (FerretDB with its SQLite
 * backend, built by npm test's set-up step) is copied to the master and run there as a
 * supervised service on the master's lab address, with a user and password
 * (the password through the environment, never argv). Unlike the VMs' user
 * (readWrite on the items database), FerretDB 1.x enforces no authorization:
 * the user may run any command on any database (docs/mongodb.md).
 */

export const MONGO_DATA_DIR = '/var/lib/crawl-lab/mongo';
export const MONGO_BIN = '/usr/local/bin/crawl-lab-ferretdb';
export const MONGO_SERVICE = 'mongo';

/** The server command line on the master (FerretDB 1.x flags). */
export function ferretdbArgv(o: {
  ip: string;
  port: number;
  user: string;
  /** @default MONGO_BIN */
  bin?: string;
  /** @default MONGO_DATA_DIR */
  dataDir?: string;
}): string[] {
  const data = o.dataDir ?? MONGO_DATA_DIR;
  return [
    o.bin ?? MONGO_BIN,
    '--handler=sqlite',
    `--sqlite-url=file:${data}/`,
    `--state-dir=${data}`,
    `--listen-addr=${o.ip}:${o.port}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=warn',
    '--test-enable-new-auth',
    '--setup-database=admin',
    `--setup-username=${o.user}`,
  ];
}

/** Connection string for the lab user (credentials included: pass it through the environment). */
export function labMongoUri(o: { ip: string; port: number; user: string; password: string }): string {
  return `mongodb://${encodeURIComponent(o.user)}:${encodeURIComponent(o.password)}@${o.ip}:${o.port}/?authSource=admin&directConnection=true`;
}

/** Log in and ping from this host (the host reaches the master's lab address); false when nobody answers in time. */
export async function mongoAnswers(uri: string, timeoutMs = 3000): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => {});
  }
}

/**
 * Run ON a node with node: a MongoDB-protocol server answers `hello` at
 * argv[1]:argv[2] within argv[3] ms (retrying). No driver on the node: one
 * OP_MSG (opcode 2013) with the BSON document {hello: 1, $db: "admin"}; any
 * OP_MSG reply means a server is there. Exit 0 yes, 1 no.
 */
const HELLO_PROBE = `const [host,port,ms]=process.argv.slice(1);const net=require('net');
const doc=(()=>{const k=Buffer.from('hello\\0'),d=Buffer.from('$db\\0'),v=Buffer.from('admin\\0');
const b=Buffer.alloc(4+1+k.length+4+1+d.length+4+v.length+1);let o=4;b[o++]=0x10;k.copy(b,o);o+=k.length;b.writeInt32LE(1,o);o+=4;
b[o++]=0x02;d.copy(b,o);o+=d.length;b.writeInt32LE(v.length,o);o+=4;v.copy(b,o);o+=v.length;b[o++]=0;b.writeInt32LE(o,0);return b})();
const msg=Buffer.alloc(21+doc.length);msg.writeInt32LE(msg.length,0);msg.writeInt32LE(1,4);msg.writeInt32LE(2013,12);doc.copy(msg,21);
const end=Date.now()+Number(ms);
const once=()=>new Promise(r=>{const s=net.connect(Number(port),host);let got=Buffer.alloc(0);const t=setTimeout(()=>{s.destroy();r(false)},1000);
s.on('connect',()=>s.write(msg));s.on('data',c=>{got=Buffer.concat([got,c]);if(got.length>=16&&got.readInt32LE(12)===2013){clearTimeout(t);s.destroy();r(true)}});
s.on('error',()=>{clearTimeout(t);r(false)})});
(async()=>{for(;;){if(await once())process.exit(0);if(Date.now()>end)process.exit(1);await new Promise(r=>setTimeout(r,200))}})()`;

/** Asks the node itself (through its transport) whether a MongoDB-protocol server answers on ip:port: this host dials nothing. */
export async function mongoAnswersOn(
  t: Transport,
  o: { ip: string; port: number },
  withinMs = 0,
): Promise<boolean> {
  const { nodeBin } = layoutOf(t);
  const r = await t.run([nodeBin, '-e', HELLO_PROBE, o.ip, String(o.port), String(withinMs)], {
    nothrow: true,
    timeoutMs: withinMs + 15_000,
  });
  return r.exitCode === 0;
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/**
 * The server run with umask 077, so the files it creates (items, password
 * hashes) are its user's only. Supervised processes (stand-ins, local) only:
 * a systemd unit's ExecStart is not a shell.
 */
export function privateFiles(argv: readonly string[]): string[] {
  return ['sh', '-c', 'umask 077 && exec "$@"', 'ferretdb', ...argv];
}

/**
 * Also MongoDB on a VM whose lab.yaml says `mongodb.server: binary`: the same
 * binary, uploaded, as an enabled systemd unit (back after a reboot) listening
 * on every address, so the port forwarded to this host (qemu) reaches it; the
 * firewall step admits only the lab network, loopback and the host's NAT address.
 */
export async function provisionMongoStandin(
  o: MongoStepOptions & { serverBinary: string },
  ctx: StepContext,
): Promise<StepStatus> {
  const { transport: t, node, log } = ctx;
  const vm = o.machine === 'vm';
  const services = serviceManagerFor(t, vm ? 'vm' : 'standin');
  const at = { ip: node.ip, port: o.port };
  const listen = vm ? '0.0.0.0' : node.ip;
  const want = await sha256(o.serverBinary);
  const have = (await t.run(['sha256sum', MONGO_BIN], { nothrow: true })).stdout.split(' ')[0];
  if (have !== want) {
    await services.stop(MONGO_SERVICE);
    await t.copy(o.serverBinary, MONGO_BIN);
  }
  // the items and the users' password hashes: the server's user only (files made before included)
  await t.run(['mkdir', '-p', '--', MONGO_DATA_DIR]);
  await t.run(['chmod', '-R', 'go-rwx', '--', MONGO_DATA_DIR]);
  // restarted when lab.yaml's mongodb keys changed its command line or password (issue 12)
  const outcome = await services.start(
    MONGO_SERVICE,
    vm
      ? ferretdbArgv({ ip: listen, port: o.port, user: o.user })
      : privateFiles(ferretdbArgv({ ip: listen, port: o.port, user: o.user })),
    { FERRETDB_SETUP_PASSWORD: o.password },
    {
      ...(vm ? { enable: true, restart: 'on-failure' as const } : {}),
      onRestart: (why) => log(`restarted ${MONGO_SERVICE}: ${why}`),
    },
  );
  return mongoServiceUp(ctx, services, outcome, {
    at,
    user: o.user,
    what: 'the MongoDB stand-in',
    fix: `if the user or password changed, delete ${MONGO_DATA_DIR} on the master and run lab:up again`,
  });
}

/**
 * After the MongoDB service's start: `ok` when it ran already and answers,
 * `changed` once it answers (the master asks itself, one command retrying for
 * 10 s: nothing dials it from this host), else a provisioning error with the
 * end of its log and `fix`.
 */
export async function mongoServiceUp(
  { transport: t, node, log }: StepContext,
  services: Pick<ServiceManager, 'log'>,
  outcome: StartOutcome,
  o: { at: { ip: string; port: number }; what: string; fix: string; user?: string },
): Promise<StepStatus> {
  if (outcome === 'running' && (await mongoAnswersOn(t, o.at))) return { status: 'ok' };
  if (await mongoAnswersOn(t, o.at, 10_000)) {
    log(`FerretDB (MongoDB protocol, SQLite) on ${o.at.ip}:${o.at.port}${o.user ? `, user ${o.user}` : ''}`);
    return { status: 'changed' };
  }
  const tail = (await services.log(MONGO_SERVICE, 15)).trim();
  throw new CrawlError(
    'CRAWL_E_PROVISION',
    `${o.what} on ${node.name} does not answer at ${o.at.ip}:${o.at.port}${tail ? `: ${tail}` : ''}`,
    { hint: `see its log (npm run lab:logs -- ${node.name} ${MONGO_SERVICE}); ${o.fix}` },
  );
}
