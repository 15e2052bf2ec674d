import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from 'crawl-lab';
import { isCrawlError } from '../../common/errors.ts';
import { extraWorker } from '../../lab/chaos/driver.ts';
import { figuresTable, replaceFigures } from '../../lab/chaos/figures.ts';
import { isScenario, SCENARIOS } from '../../lab/chaos/plan.ts';
import { type ChaosResult, figureRow, runChaos } from '../../lab/chaos/run.ts';
import { SCENARIO_LIST, type Scenario, scenarioNamed } from '../../lab/chaos/scenarios.ts';
import { type Lab, type OpenLabOptions, openLab } from '../../provision/lab.ts';
import { REPO_ROOT } from '../../provision/lab-env.ts';
import { labItemSink } from '../items/sink.ts';
import { labGroundTruth } from '../runner/truth-check.ts';
import { stopWorker, workersOf } from '../runner/workers.ts';
import {
  failedScrapyChaos,
  runScrapyChaos,
  SCRAPY_CHAOS,
  type ScrapyChaosResult,
} from '../scrapy-redis/chaos.ts';
import { ENGINE_OPTION, ENGINE_USAGE, engineOpen } from './engine-flag.ts';
import type { LabCommand } from './run-command.ts';

export const CHAOS_DOC = join(REPO_ROOT, 'docs', 'chaos.md');

function printResult(r: ChaosResult, baseline: ChaosResult | undefined): void {
  const head = r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : 'PENDING';
  console.log(`\n== ${r.scenario}: ${head}`);
  if (r.status === 'pending') {
    console.log(`   ${r.problems.join('; ')}`);
    return;
  }
  const s = r.store;
  if (s) {
    console.log(`   items (${s.source}): expected ${s.expected}, found ${s.found}`);
    console.log(`   lost ${s.lost}, duplicated ${s.duplicated}, extra ${s.extra}, wrong ${s.wrong}`);
  }
  console.log(
    `   pages ${r.pages} (site: ${r.expectedPages}): duplicate fetches ${r.pages - r.expectedPages}`,
  );
  if (r.fault) {
    const rec =
      r.recoveryMs === undefined ? '– (the crawl finished first)' : `${(r.recoveryMs / 1000).toFixed(1)} s`;
    console.log(
      `   fault ${(r.fault.startMs / 1000).toFixed(1)} s → ${(r.fault.endMs / 1000).toFixed(1)} s, recovery ${rec}`,
    );
  }
  const extra =
    baseline && r !== baseline
      ? `, extra ${((r.elapsedMs - baseline.elapsedMs) / 1000).toFixed(1)} s vs baseline`
      : '';
  console.log(`   wall ${(r.elapsedMs / 1000).toFixed(1)} s${extra}`);
  for (const p of r.problems) console.log(`   problem: ${p}`);
}

/** Ours and theirs per scenario: lost, duplicated, recovery (docs/chaos.md's scrapy-redis column). */
export function compareLines(ours: readonly ChaosResult[], theirs: readonly ScrapyChaosResult[]): string[] {
  const lines = [
    'scenario        crawl-lab: lost / again / recovery    scrapy-redis: lost / again / resumed',
  ];
  for (const t of theirs) {
    const o = ours.find((r) => r.scenario === t.scenario);
    const mine = o?.store
      ? `${o.store.lost} threads / ${o.pages - o.expectedPages} pages / ${o.recoveryMs === undefined ? '–' : `${(o.recoveryMs / 1000).toFixed(1)} s`}`
      : '–';
    const resumed = t.resumedAfterMs === undefined ? '–' : `${(t.resumedAfterMs / 1000).toFixed(1)} s`;
    if (t.status === 'failed' && !t.summary) {
      lines.push(`${t.scenario.padEnd(16)}${mine.padEnd(38)}FAILED: ${t.problems.join('; ')}`);
      continue;
    }
    const held = t.kill ? `; killed holding ${t.kill.fresh.length} pages never served` : '';
    const failed = t.status === 'failed' ? `; FAILED: ${t.problems.join('; ')}` : '';
    lines.push(
      `${t.scenario.padEnd(16)}${mine.padEnd(38)}${t.lostPages} pages, ${t.lostThreads} threads / ${t.fetchedAgain} pages / ${resumed}; ${t.stillRunning} workers still running, stopped by the lab${held}${failed}`,
    );
  }
  return lines;
}

/**
 * lab:chaos's exit code: 1 when a scenario of ours failed, or a run against
 * the article's workers failed to show what it measures (it threw, the fault
 * was never injected, the kill found nothing held); their lost pages are the
 * lesson, reported, never a failure. The lines name each failed run.
 */
export function chaosVerdict(
  ours: readonly ChaosResult[],
  theirs: readonly ScrapyChaosResult[],
): { code: 0 | 1; lines: string[] } {
  const lines = [
    ...ours
      .filter((r) => r.status === 'fail')
      .map((r) => `FAIL ${r.scenario} (crawl-lab): ${r.problems.join('; ')}`),
    ...theirs
      .filter((r) => r.status === 'failed')
      .map((r) => `FAIL ${r.scenario} (scrapy-redis): ${r.problems.join('; ')}`),
  ];
  return { code: lines.length > 0 ? 1 : 0, lines };
}

/** Run the baseline and then each scenario in order; every run starts from a reset crawl. */
export async function chaosRuns(
  lab: Lab,
  scenarios: readonly Scenario[],
  say: (line: string) => void,
  onResult: (r: ChaosResult, baseline: ChaosResult) => void = () => {},
  signal?: AbortSignal,
): Promise<{ baseline: ChaosResult; results: ChaosResult[] }> {
  const truth = await labGroundTruth(lab);
  const sink = await labItemSink(lab);
  // what an interrupted earlier run left (redis-disk-full's full tmpfs under Redis) goes before the baseline
  for (const s of SCENARIO_LIST) {
    if (!s.heal || s.pending?.(lab, sink)) continue;
    await s.heal({ lab, say: (l) => say(`   ${l}`) }).catch((e: unknown) => {
      say(`   could not check what an interrupted ${s.name} run left behind: ${String(e)}`);
    });
  }
  say(
    `ground truth: ${truth.pages} pages, ${truth.docs.length} threads; items: ${sink.kind === 'mongodb' ? sink.where : `JSON lines (${sink.why})`}`,
  );
  say('baseline crawl without faults first');
  const on = signal ? { signal } : {};
  const baseline = await runChaos(lab, undefined, { truth, sink, say, ...on });
  onResult(baseline, baseline);
  const results: ChaosResult[] = [];
  for (const s of scenarios) {
    say(`\n-- ${s.name}: ${s.fault}`);
    const r = await runChaos(lab, s, { truth, baseline, sink, say, ...on });
    onResult(r, baseline);
    results.push(r);
  }
  return { baseline, results };
}

export async function chaos(
  wanted: string,
  o: { writeDocs?: boolean; open?: OpenLabOptions } = {},
): Promise<number> {
  if (wanted !== 'all' && !isScenario(wanted)) {
    throw new ConfigError('CRAWL_E_USAGE', `unknown chaos scenario "${wanted}"`, {
      hint: `npm run lab:chaos -- <scenario>, one of: all, ${SCENARIOS.join(', ')}`,
    });
  }
  const lab = await openLab(o.open);
  if (lab.config.crawl.target !== 'mini-tieba') {
    throw new ConfigError('CRAWL_E_LAB_CONFIG', 'lab:chaos checks against the mini-Tieba ground truth', {
      hint: 'set crawl.target: mini-tieba in lab.yaml (and a site.latency_ms so a crawl lasts long enough)',
    });
  }
  const scenarios = wanted === 'all' ? SCENARIO_LIST : [scenarioNamed(wanted)];
  // Ctrl-C: no fault is left behind (a link down, Redis stopped or full, a paused worker). The crawl
  // stops at its next tick, the fault in progress and its preparation are undone, then it exits 130;
  // a second Ctrl-C exits at once
  const interrupt = new AbortController();
  const onSigint = () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
    console.log('\nCtrl-C: stopping after the fault in progress is undone (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  let runs: Awaited<ReturnType<typeof chaosRuns>>;
  try {
    runs = await chaosRuns(lab, scenarios, (l) => console.log(l), printResult, interrupt.signal);
  } catch (error) {
    if (!isCrawlError(error) || error.code !== 'CRAWL_E_INTERRUPTED') throw error;
    // the crawl's workers (and an added one) stop too: nothing of the run goes on behind the learner
    const refs = [...workersOf(lab), ...lab.nodes.map((n) => extraWorker(lab, n.name))];
    await Promise.all(refs.map((w) => stopWorker(lab, w)));
    console.log(
      'interrupted: the fault in progress was undone and the workers stopped; the lab is as before',
    );
    return 130;
  } finally {
    process.off('SIGINT', onSigint);
  }
  const { baseline, results } = runs;
  const table = figuresTable([baseline, ...results].map((r) => figureRow(r, baseline)));
  if (wanted === 'all') console.log(`\n${table}`);
  // crawl.engine scrapy-redis or both: the same faults against the article's workers
  const theirs: ScrapyChaosResult[] = [];
  if (lab.config.crawl.engine !== 'crawl-lab') {
    const truth = await labGroundTruth(lab);
    const sink = await labItemSink(lab);
    for (const s of scenarios.filter((x) => SCRAPY_CHAOS.includes(x.name))) {
      console.log(`\n-- ${s.name} against the article's workers (Scrapy + scrapy-redis)`);
      theirs.push(
        await runScrapyChaos(lab, s, { truth, sink, say: (l) => console.log(l) }).catch((e: unknown) =>
          failedScrapyChaos(s.name, e),
        ),
      );
    }
    console.log('');
    for (const line of compareLines(results, theirs)) console.log(line);
  }
  if (o.writeDocs) {
    writeFileSync(CHAOS_DOC, replaceFigures(readFileSync(CHAOS_DOC, 'utf8'), table));
    console.log(`figures written to ${CHAOS_DOC}`);
  }
  const verdict = chaosVerdict([baseline, ...results], theirs);
  for (const line of verdict.lines) console.log(line);
  return verdict.code;
}

export const chaosCommand: LabCommand = {
  name: 'chaos',
  usage: `npm run lab:chaos -- <scenario>|all [--write-docs] [--engine <e>]

Crawl the lab's mini-Tieba while injecting one fault, then check the item store
against the site's ground truth. A fault-free baseline runs first (extra wall
time and recovery are measured against it). Exit 1 if any scenario fails, or
a run against the article's workers (below) could not show what it measures.
Ctrl-C stops it after undoing the fault in progress and stopping the workers
(exit 130); a second Ctrl-C quits at once.

  <scenario>     one of: ${SCENARIOS.join(', ')}; or all (prints the figures table)
  --write-docs   also rewrite the figures table in docs/chaos.md
${ENGINE_USAGE}

With lab.yaml crawl.engine scrapy-redis or both, kill-worker and redis-restart
then run against the article's workers too (Scrapy + scrapy-redis), and a last
table compares lost and fetched-again pages (docs/chaos.md, docs/scrapy-redis.md).
kill-worker kills theirs while the site holds a request of the victim for a page
never served (so it loses at least that page); what they lose is reported, not
a failure. Such a run fails (exit 1, named) when it throws, never injects the
fault, or the kill finds the worker holding nothing.`,
  options: { 'write-docs': { type: 'boolean' }, ...ENGINE_OPTION },
  positionals: true,
  run: ({ values, positionals }) =>
    chaos(positionals[0] ?? '', {
      writeDocs: Boolean(values['write-docs']),
      open: engineOpen(values['engine']),
    }),
};
