import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkOutput, compileExpectation } from '../../../lab/lessons/expect.ts';

test('placeholders stand for numbers, decimals, addresses and any text; other characters are literal', () => {
  const re = compileExpectation('{x} s pages {n} | master {n}/s at {ip} ({any})');
  assert.ok(re.test('1.5 s pages 42 | master 7/s at 10.57.6.10 (whatever [x])'));
  assert.ok(!re.test('1.5 s pages many | master 7/s at 10.57.6.10 (x)'));
  assert.ok(
    compileExpectation('worker1: {n} pages (100%), exit 0').test('worker1: 145 pages (100%), exit 0'),
  );
  assert.ok(!compileExpectation('a.b').test('axb'), 'a dot is a dot');
  assert.ok(compileExpectation('crawl seed <spider> [url ...]').test('crawl seed <spider> [url ...]'));
});

test('expected lines must appear in order as whole lines, with runs of spaces collapsed and colours ignored', () => {
  const out = '  state                   finished\n\x1b[32mcount 12\x1b[0m\nnoise\n  pages   202  \n';
  assert.deepEqual(checkOutput(out, ['state finished', 'count {n}', 'pages {n}']), { ok: true });
  assert.deepEqual(checkOutput(out, ['pages {n}', 'count {n}']), {
    ok: false,
    missing: 'count {n}',
    matched: 1,
    after: 'pages 202',
  });
  assert.equal(checkOutput('pages 202 more', ['pages {n}']).ok, false, 'a part of a line is not enough');
  assert.deepEqual(checkOutput('', []), { ok: true });
});
