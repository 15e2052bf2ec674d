#!/usr/bin/env -S npx tsx
/**
 * npm run lab:chaos -- <scenario>|all [--write-docs] — crawl the lab's
 * mini-Tieba while injecting one fault, then check the item store against the
 * site's ground truth. A fault-free baseline runs first (extra wall time and
 * recovery are measured against it). `all` prints the figures table;
 * `--write-docs` also rewrites it in docs/chaos.md. Exit 1 if any scenario fails.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argv } from 'zx';
import { ConfigError } from '../../crawler/errors.ts';
import { figuresTable, replaceFigures } from '../../provision/chaos/figures.ts';
import { labGroundTruth } from '../../provision/chaos/outcome.ts';
import { isScenario, SCENARIOS } from '../../provision/chaos/plan.ts';
import { type ChaosResult, figureRow, runChaos } from '../../provision/chaos/run.ts';
import { SCENARIO_LIST, type Scenario, scenarioNamed } from '../../provision/chaos/scenarios.ts';
import { type Lab, masterOf, openLab, ROOT } from '../../provision/lab.ts';
import { labItemSink } from '../../provision/steps/mongodb.ts';
import { isMain, runLabCommand } from './run.ts';

export const CHAOS_DOC = join(ROOT, 'docs', 'chaos.md');

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
    console.log(`   lost ${s.lost}, duplicated ${s.duplicated}, wrong ${s.wrong}`);
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

/** Run the baseline and then each scenario in order; every run starts from a reset crawl. */
export async function chaosRuns(
  lab: Lab,
  scenarios: readonly Scenario[],
  say: (line: string) => void,
  onResult: (r: ChaosResult, baseline: ChaosResult) => void = () => {},
): Promise<{ baseline: ChaosResult; results: ChaosResult[] }> {
  const truth = await labGroundTruth(lab);
  const sink = await labItemSink(lab, masterOf(lab));
  say(
    `ground truth: ${truth.pages} pages, ${truth.docs.length} threads; items: ${sink.kind === 'mongodb' ? sink.where : `JSON lines (${sink.why})`}`,
  );
  say('baseline crawl without faults first');
  const baseline = await runChaos(lab, undefined, { truth, sink, say });
  onResult(baseline, baseline);
  const results: ChaosResult[] = [];
  for (const s of scenarios) {
    say(`\n-- ${s.name}: ${s.fault}`);
    const r = await runChaos(lab, s, { truth, baseline, sink, say });
    onResult(r, baseline);
    results.push(r);
  }
  return { baseline, results };
}

export async function chaosCommand(): Promise<number> {
  const wanted = String(argv._[0] ?? '');
  if (wanted !== 'all' && !isScenario(wanted)) {
    throw new ConfigError('CRAWL_E_USAGE', `unknown chaos scenario "${wanted}"`, {
      hint: `npm run lab:chaos -- <scenario>, one of: all, ${SCENARIOS.join(', ')}`,
    });
  }
  const lab = await openLab();
  if (lab.config.crawl.target !== 'mini-tieba') {
    throw new ConfigError('CRAWL_E_LAB_CONFIG', 'lab:chaos checks against the mini-Tieba ground truth', {
      hint: 'set crawl.target: mini-tieba in lab.yaml (and a site.latency_ms so a crawl lasts long enough)',
    });
  }
  const scenarios = wanted === 'all' ? SCENARIO_LIST : [scenarioNamed(wanted)];
  const { baseline, results } = await chaosRuns(lab, scenarios, (l) => console.log(l), printResult);
  const table = figuresTable([baseline, ...results].map((r) => figureRow(r, baseline)));
  if (wanted === 'all') console.log(`\n${table}`);
  if (argv['write-docs']) {
    writeFileSync(CHAOS_DOC, replaceFigures(readFileSync(CHAOS_DOC, 'utf8'), table));
    console.log(`figures written to ${CHAOS_DOC}`);
  }
  return [baseline, ...results].some((r) => r.status === 'fail') ? 1 : 0;
}

if (isMain(import.meta.url)) await runLabCommand('chaos', chaosCommand);
