// Sweep throughput in client-solves per second (clients x methods x drops x realizations
// x rounds / seconds) at 1 thread and at every thread: the native core's runUnits
// directly, and runSweep (the CLI's path) on each backend into a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { flattenParams, gridPoints, monteCarloOptions, scenarioOf, units } from '../dist/ts/sweep/config.js';
import { runSweep } from '../dist/ts/index.js';
import { otherWork } from './machine.mjs';

/**
 * Enough units (drops x ceil(realizations / 16)) to keep every thread busy, and seconds
 * of work per run, so that starting the workers is a small part of it.
 */
const FULL = { clients: 100, drops: 8, realizations: 64, repeats: 2 };
const QUICK = { clients: 20, drops: 2, realizations: 16, repeats: 1 };

function sweepConfig(plan, methods) {
  return {
    grid: [{ key: 'clients', values: [plan.clients] }],
    base: {},
    seed: 1,
    drops: plan.drops,
    realizations: plan.realizations,
    rounds: 1,
    methods,
    tolerance: 1e-10,
    maxIterations: 500,
  };
}

const clientSolves = (c) => c.grid[0].values[0] * c.methods.length * c.drops * c.realizations * c.rounds;

/**
 * The best of `repeats` timings (noise only ever adds time), with the mean number of
 * cores other processes kept busy during it: a thread speed-up needs idle cores.
 */
async function best(repeats, measure) {
  let out = { seconds: Infinity, others: null };
  for (let i = 0; i < repeats; i++) {
    const others = otherWork();
    const seconds = await measure();
    if (seconds < out.seconds) out = { seconds, others: others() };
  }
  return out;
}

function runUnitsSeconds(core, c, threads) {
  const params = flattenParams(gridPoints(c).map((p) => scenarioOf(c, p)));
  const specs = Uint32Array.from(units(c).flatMap((u) => [u.grid, u.drop, u.block]));
  const o = monteCarloOptions(c);
  const t0 = performance.now();
  core.runUnits(params, specs, o.methods.join(','), o.trials, o.rounds, o.tolerance, o.maxIterations, threads);
  return (performance.now() - t0) / 1000;
}

/**
 * Seconds from the first progress report to the last: the units, workers' start-up
 * included, but not the results, figures and journal written after them.
 */
async function runSweepSeconds(c, backend, threads) {
  const out = mkdtempSync(join(tmpdir(), 'jcpba-bench-'));
  let first;
  let last;
  try {
    await runSweep(c, {
      out,
      backend,
      threads,
      onProgress: () => {
        const now = performance.now();
        first ??= now;
        last = now;
      },
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return (last - first) / 1000;
}

export async function runSweepThroughput({ solvers, methods, quick, log }) {
  const plan = quick ? QUICK : FULL;
  const c = sweepConfig(plan, methods);
  const all = availableParallelism();
  const solves = clientSolves(c);
  const rows = [];
  const measure = async (path, backend, seconds) => {
    const one = await best(plan.repeats, () => seconds(1));
    const many = await best(plan.repeats, () => seconds(all));
    const row = {
      path,
      backend,
      threads: all,
      secondsOneThread: one.seconds,
      secondsAllThreads: many.seconds,
      clientSolvesPerSecondOneThread: solves / one.seconds,
      clientSolvesPerSecondAllThreads: solves / many.seconds,
      speedup: one.seconds / many.seconds,
      otherCoresBusyOneThread: one.others,
      otherCoresBusyAllThreads: many.others,
    };
    rows.push(row);
    log(`sweep ${path} ${backend}: ${row.clientSolvesPerSecondOneThread.toFixed(0)} -> ${row.clientSolvesPerSecondAllThreads.toFixed(0)} client-solves/s (x${row.speedup.toFixed(2)} on ${all} threads; other processes busy on ${row.otherCoresBusyAllThreads ?? '?'} cores meanwhile)`);
  };
  if (solvers.native?.core) {
    runUnitsSeconds(solvers.native.core, c, 1); // loads pages and caches before timing
    await measure('runUnits', 'native', (t) => runUnitsSeconds(solvers.native.core, c, t));
  }
  for (const backend of Object.keys(solvers)) await measure('runSweep', backend, (t) => runSweepSeconds(c, backend, t));
  return { config: { clients: plan.clients, drops: plan.drops, realizations: plan.realizations, rounds: 1, methods, repeats: plan.repeats }, clientSolves: solves, rows };
}
