// Sweep throughput in client-solves per second (clients x methods x drops x realizations
// x rounds / seconds) at 1 thread and at every thread: the native core's runUnits
// directly, and runSweep (the CLI's path) on each backend into a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { flattenParams, gridPoints, monteCarloOptions, scenarioOf, units } from '../dist/ts/sweep/config.js';
import { runSweep } from '../dist/ts/index.js';
import { loadNative } from '../dist/bindings/native.js';
import { otherWork } from './machine.mjs';

/**
 * Enough units (drops x ceil(realizations / 16)) to keep every thread busy, and seconds
 * of work per run, so that starting the workers is a small part of it.
 */
const FULL = { clients: 100, drops: 8, realizations: 64, repeats: 5 };
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

/**
 * runSweep with the native backend loading `addon` (JCPBA_NATIVE_PATH reaches the
 * worker that loads it), or the package's own addon when undefined.
 */
async function withAddon(addon, run) {
  const saved = process.env.JCPBA_NATIVE_PATH;
  if (addon === undefined) delete process.env.JCPBA_NATIVE_PATH;
  else process.env.JCPBA_NATIVE_PATH = addon;
  try {
    return await run();
  } finally {
    if (saved === undefined) delete process.env.JCPBA_NATIVE_PATH;
    else process.env.JCPBA_NATIVE_PATH = saved;
  }
}

/**
 * @param baseline `{ file, commit }`: an earlier build of the native addon (bench/baseline.sh),
 *   measured on the same sweep in the same run, interleaved with today's build, for issue
 *   12's "at least 2x today's throughput" target
 */
export async function runSweepThroughput({ solvers, methods, quick, log, baseline }) {
  const plan = quick ? QUICK : FULL;
  const c = sweepConfig(plan, methods);
  const all = availableParallelism();
  const solves = clientSolves(c);
  const rows = [];
  const row = (path, backend, one, many) => {
    const r = {
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
    rows.push(r);
    log(`sweep ${path} ${backend}: ${r.clientSolvesPerSecondOneThread.toFixed(0)} -> ${r.clientSolvesPerSecondAllThreads.toFixed(0)} client-solves/s (x${r.speedup.toFixed(2)} on ${all} threads; other processes busy on ${r.otherCoresBusyAllThreads ?? '?'} cores meanwhile)`);
    return r;
  };
  const measure = async (path, backend, seconds) => row(path, backend, await best(plan.repeats, () => seconds(1)), await best(plan.repeats, () => seconds(all)));
  /** Today's build and the baseline's, repeat by repeat in turn, so that both see the same load. */
  const pair = async (path, seconds, baselineSeconds) => {
    const out = {};
    for (const threads of [1, all]) {
      const now = { seconds: Infinity, others: null };
      const then = { seconds: Infinity, others: null };
      for (let i = 0; i < plan.repeats; i++) {
        for (const [into, fn] of [[now, seconds], [then, baselineSeconds]]) {
          const t = await best(1, () => fn(threads));
          if (t.seconds < into.seconds) Object.assign(into, t);
        }
      }
      out[threads] = { now, then };
    }
    row(path, 'native', out[1].now, out[all].now);
    const b = row(path, `native (baseline ${baseline.commit})`, out[1].then, out[all].then);
    b.baseline = baseline.commit;
  };
  if (solvers.native?.core) {
    runUnitsSeconds(solvers.native.core, c, 1); // loads pages and caches before timing
    if (baseline) {
      const old = loadNative(baseline.file);
      runUnitsSeconds(old, c, 1);
      await pair('runUnits', (t) => runUnitsSeconds(solvers.native.core, c, t), (t) => runUnitsSeconds(old, c, t));
    } else {
      await measure('runUnits', 'native', (t) => runUnitsSeconds(solvers.native.core, c, t));
    }
  }
  for (const backend of Object.keys(solvers)) {
    if (backend === 'native' && baseline) {
      await pair(
        'runSweep',
        (t) => withAddon(undefined, () => runSweepSeconds(c, backend, t)),
        (t) => withAddon(baseline.file, () => runSweepSeconds(c, backend, t)),
      );
    } else {
      await measure('runSweep', backend, (t) => runSweepSeconds(c, backend, t));
    }
  }
  return {
    config: { clients: plan.clients, drops: plan.drops, realizations: plan.realizations, rounds: 1, methods, repeats: plan.repeats },
    clientSolves: solves,
    baseline: baseline?.commit ?? null,
    rows,
  };
}
