import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { mongodbStep } from '../../provision/steps/mongodb.ts';
import { ferretdbArgv, labMongoUri } from '../../provision/steps/mongodb-standin.ts';
import {
  MONGO_APT_SCRIPT,
  MONGO_USER_JS,
  mongoAptSource,
  mongodConf,
  parseOsRelease,
} from '../../provision/steps/mongodb-vm.ts';
import type { RunOptions, RunResult, Transport } from '../../provision/types.ts';
import { node } from './netns-support.ts';

const master = node('master', '192.168.56.10', 'master');

test('VM path (text only, no VM here): the apt source is MongoDB 8.0 for the box release, trusted with its own keyring', () => {
  const noble = parseOsRelease('PRETTY_NAME="Ubuntu 24.04.2 LTS"\nID=ubuntu\nVERSION_CODENAME=noble\n');
  assert.deepEqual(noble, { id: 'ubuntu', codename: 'noble' });
  assert.equal(
    mongoAptSource(noble),
    'deb [ arch=amd64,arm64 signed-by=/usr/share/keyrings/mongodb-server-8.0.gpg ] https://repo.mongodb.org/apt/ubuntu noble/mongodb-org/8.0 multiverse',
  );
  assert.match(
    mongoAptSource({ id: 'debian', codename: 'bookworm' }),
    /apt\/debian bookworm\/mongodb-org\/8\.0 main$/,
  );
  assert.throws(
    () => mongoAptSource({ id: 'ubuntu', codename: 'focal' }),
    (e: Error & { hint?: string }) =>
      /ubuntu focal/.test(e.message) && /noble/.test(e.hint ?? '') && /mongodb\.enabled/.test(e.hint ?? ''),
  );
});

test('VM path (text only): mongod.conf turns auth on and listens on loopback and the master lab address only', () => {
  const conf = mongodConf({ ip: '192.168.56.10', port: 27017 });
  assert.match(conf, /^ {2}bindIp: 127\.0\.0\.1,192\.168\.56\.10$/m);
  assert.match(conf, /^ {2}port: 27017$/m);
  assert.match(conf, /^security:\n {2}authorization: enabled$/m);
  assert.doesNotMatch(conf, /0\.0\.0\.0|bindIpAll/);
});

test('VM path (text only): the apt script is valid bash taking values as arguments, the user script valid JavaScript', () => {
  const bash = spawnSync('bash', ['-n'], { input: MONGO_APT_SCRIPT, encoding: 'utf8' });
  assert.equal(bash.status, 0, bash.stderr);
  assert.match(MONGO_APT_SCRIPT, /^series=\$1; source=\$2$/m);
  assert.doesNotThrow(() => new Function('db', 'print', 'process', MONGO_USER_JS));
  assert.match(MONGO_USER_JS, /process\.env\.LAB_MONGO_PASSWORD/);
  assert.match(MONGO_USER_JS, /role: 'readWrite', db: dbName/);
});

/** Records the commands the VM path would run, answering like a fresh Ubuntu 24.04 VM. */
class PlanTransport implements Transport {
  readonly node = master;
  readonly calls: { argv: readonly string[]; options: RunOptions }[] = [];
  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ argv, options });
    const answers: Record<string, RunResult> = {
      'dpkg-query': { exitCode: 1, stdout: '', stderr: 'no packages found' },
      cat:
        argv[1] === '/etc/os-release'
          ? { exitCode: 0, stdout: 'ID=ubuntu\nVERSION_CODENAME=noble\n', stderr: '' }
          : { exitCode: 1, stdout: '', stderr: '' },
    };
    const bashScript = argv[0] === 'bash' && argv.includes('mongo-user');
    return answers[argv[0]!] ?? { exitCode: 0, stdout: bashScript ? 'created\n' : '', stderr: '' };
  }
  script(text: string): Promise<RunResult> {
    return this.run(['bash', '-s'], { input: text });
  }
  async copy(): Promise<void> {}
  async close(): Promise<void> {}
}

test('VM path (command plan): install from the repository, write mongod.conf, restart, create the user with the password only in the environment', async () => {
  const t = new PlanTransport();
  const password = 'Pw4LabMongo0123';
  const step = mongodbStep({ port: 27017, database: 'yuliao', user: 'crawler', password, machine: 'vm' });
  assert.equal(step.appliesTo(master), true);
  assert.equal(step.appliesTo(node('worker1', '192.168.56.11')), false);
  const result = await step.run({ node: master, transport: t, nodes: [master], log: () => {} });
  assert.deepEqual(result, { status: 'changed' });
  const argvs = t.calls.map((c) => c.argv);
  assert.ok(!JSON.stringify(argvs).includes(password), 'no password on any command line');
  const apt = t.calls.find((c) => c.argv[5] === 'mongo-apt');
  assert.deepEqual(apt?.argv.slice(6), ['8.0', mongoAptSource({ id: 'ubuntu', codename: 'noble' })]);
  assert.equal(apt?.options.internet, true);
  assert.equal(
    t.calls.find((c) => c.argv[0] === 'tee')?.options.input,
    mongodConf({ ip: master.ip, port: 27017 }),
  );
  assert.ok(argvs.some((a) => a.join(' ') === 'systemctl restart mongod'));
  const user = t.calls.find((c) => c.argv[3] === 'mongo-user');
  assert.equal(user?.options.env?.['LAB_MONGO_PASSWORD'], password);
  assert.equal(user?.options.env?.['LAB_MONGO_DB'], 'yuliao');
});

test('stand-ins without a server binary and local nodes skip MongoDB and say why (items go to JSON lines)', async () => {
  const t = new PlanTransport();
  const ctx = { node: master, transport: t, nodes: [master], log: () => {} };
  const base = { port: 27017, database: 'yuliao', user: 'crawler', password: 'x'.repeat(16) };
  const standin = await mongodbStep({ ...base, machine: 'standin' }).run(ctx);
  assert.equal(standin.status, 'skipped');
  assert.match(standin.status === 'skipped' ? standin.why : '', /FerretDB.*JSON-lines/);
  const local = await mongodbStep({ ...base, machine: 'local', serverBinary: '/bin/true' }).run(ctx);
  assert.equal(local.status, 'skipped');
  assert.equal(t.calls.length, 0, 'nothing ran on the node');
});

test('the stand-in server listens on the master lab address with a setup user, and the password only travels in the URI', () => {
  const argv = ferretdbArgv({ ip: '10.57.3.10', port: 27017, user: 'crawler' });
  assert.ok(argv.includes('--listen-addr=10.57.3.10:27017'));
  assert.ok(argv.includes('--setup-username=crawler'));
  assert.ok(!argv.some((a) => a.startsWith('--setup-password')));
  assert.equal(
    labMongoUri({ ip: '10.57.3.10', port: 27017, user: 'crawler', password: 'abc123XYZ' }),
    'mongodb://crawler:abc123XYZ@10.57.3.10:27017/?authSource=admin&directConnection=true',
  );
});
