import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redact, redactUrl, urlSecrets } from '../../../common/redact.ts';
import { crawlCli } from '../../helpers/crawl-cli.ts';
import { startRedis } from '../../helpers/redis.ts';

/**
 * Issue 15 §2: redaction parses the Redis URL instead of pattern-matching it,
 * so a password with a space (or an @) is hidden in every spelling: as typed,
 * percent-encoded, decoded.
 */
const PASSWORD = 'pa ss@wo rd';
const SPELLINGS = [PASSWORD, 'pa%20ss@wo%20rd', 'pa%20ss%40wo%20rd', 'ss@wo', 'wo rd', 'wo%20rd'];

function assertHidden(text: string, where: string): void {
  for (const s of SPELLINGS) assert.ok(!text.includes(s), `${where} shows ${JSON.stringify(s)}:\n${text}`);
}

test('redactUrl and urlSecrets hide a password with a space or an @, as typed and encoded (issue 15)', () => {
  const typed = 'redis://:pa ss@wo rd@127.0.0.1:6379/0';
  assert.equal(redactUrl(typed), 'redis://:***@127.0.0.1:6379/0');
  assert.equal(redactUrl('redis://crawler:pa%20ss@10.0.0.1/1'), 'redis://crawler:***@10.0.0.1/1');
  assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  const secrets = urlSecrets(typed);
  assert.ok(secrets.includes(PASSWORD) && secrets.includes('pa%20ss%40wo%20rd'), JSON.stringify(secrets));
  assertHidden(redact(`failed: ${typed}; AUTH pa%20ss%40wo%20rd`, secrets), 'redact');
});

test('crawl stats, inspect and run never show a Redis password with a space (issue 15)', {
  timeout: 60_000,
}, async (t) => {
  const redis = await startRedis(['--requirepass', PASSWORD]);
  t.after(() => redis.stop());
  const typed = `redis://:${PASSWORD}@127.0.0.1:${redis.port}/0`;
  const encoded = `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${redis.port}/0`;
  const down = `redis://:${PASSWORD}@127.0.0.1:1/0`;
  const runs = [
    { args: ['stats', 'x', '--redis', down], code: 1 },
    { args: ['inspect', 'x', '--redis', down], code: 1 },
    { args: ['stats', 'x', '--redis', typed], code: 0 },
    { args: ['inspect', 'x', '--redis', encoded], code: 0 },
    {
      args: [
        'run',
        'test/fixtures/spiders/graph-spider.ts',
        `--redis=${encoded}`,
        '--set',
        'closespiderTimeout=1',
        '--set',
        'logLevel=debug',
      ],
      code: 0,
    },
  ];
  for (const { args, code } of runs) {
    const r = await crawlCli(args).done;
    assert.equal(r.code, code, `crawl ${args[0]}: ${r.stderr}`);
    assertHidden(r.stdout + r.stderr, `crawl ${args[0]} ${args.at(-1)}`);
  }
  const shown = await crawlCli(['inspect', 'x', '--redis', encoded]).done;
  assert.match(shown.stdout, /in Redis redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 /);
  const refused = await crawlCli(['stats', 'x', '--redis', down]).done;
  assert.match(refused.stderr, /cannot use Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0/);
});
