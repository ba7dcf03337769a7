// Per-solve figures with tinybench: every method on every backend at each K.
import { Bench } from 'tinybench';
import { cycling, problemPool } from './problems.mjs';

/**
 * tinybench runs a task until both `time` (ms) and `iterations` are reached, after a
 * warm-up of both `warmupTime` and `warmupIterations`. Large K gets few iterations:
 * the TypeScript reference solves K = 10,000 with `optimal` in about half a second.
 */
export const FULL_SETTINGS = {
  10: { time: 150, iterations: 50, warmupTime: 30, warmupIterations: 10 },
  100: { time: 150, iterations: 30, warmupTime: 30, warmupIterations: 5 },
  1000: { time: 250, iterations: 16, warmupTime: 0, warmupIterations: 2 },
  10000: { time: 0, iterations: 4, warmupTime: 0, warmupIterations: 1 },
};
export const QUICK_SETTINGS = { time: 20, iterations: 5, warmupTime: 0, warmupIterations: 1 };

/** The settings for a K not in the table: those of the next larger listed size. */
export function settingsFor(K, quick) {
  if (quick) return QUICK_SETTINGS;
  const listed = Object.keys(FULL_SETTINGS).map(Number).sort((a, b) => a - b);
  return FULL_SETTINGS[listed.find((k) => K <= k) ?? listed.at(-1)];
}

/** CPU milliseconds this process has used (user + system; the solves are single-threaded). */
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * CPU time per solve: solves the pool round and round until `budgetMs` of CPU time (at
 * least 8 solves), after one warm-up round. On a busy machine the wall clock also counts
 * the time other processes held the core; the CPU time does not.
 */
export function cpuPerSolve(solver, pool, method, budgetMs) {
  const solve = cycling(solver, pool, method);
  for (let i = 0; i < pool.length; i++) solve();
  const c0 = cpuMs();
  let n = 0;
  while (n < 8 || cpuMs() - c0 < budgetMs) {
    solve();
    n++;
  }
  return (cpuMs() - c0) / n;
}

/** The (K, method) rows that also get a CPU time per solve: issue 12's and issue 22's targets (deadline mode). */
export const CPU_ROWS = { clients: 1000, methods: ['bcd', 'optimal', 'min-pruning'] };

/**
 * @param solvers map backend name -> solver
 * @returns one row per (K, backend, method): mean and p99 latency in ms, ops/s = 1000 / mean
 */
export function runPerSolve({ solvers, methods, sizes, quick, log }) {
  const rows = [];
  for (const K of sizes) {
    const pool = problemPool(K);
    const settings = settingsFor(K, quick);
    const bench = new Bench({ name: `K=${K}`, throws: true, ...settings });
    // A method's backends run one after another, so that the ratios between them are
    // measured close together in time, under the same conditions.
    for (const method of methods) {
      for (const [backend, solver] of Object.entries(solvers)) bench.add(`${backend} ${method}`, cycling(solver, pool, method));
    }
    const started = performance.now();
    bench.runSync();
    for (const task of bench.tasks) {
      const [backend, method] = task.name.split(' ');
      const r = task.result;
      if (r.state !== 'completed') throw new Error(`${task.name} K=${K}: ${r.error?.message ?? r.state}`);
      rows.push({
        clients: K,
        backend,
        method,
        meanMs: r.latency.mean,
        p99Ms: r.latency.p99,
        opsPerSecond: 1000 / r.latency.mean,
        samples: r.latency.samplesCount,
        rmePercent: r.latency.rme,
      });
    }
    if (K === CPU_ROWS.clients) {
      for (const row of rows.filter((r) => r.clients === K && CPU_ROWS.methods.includes(r.method))) {
        row.cpuMs = cpuPerSolve(solvers[row.backend], pool, row.method, quick ? 20 : 300);
      }
    }
    log(`per-solve K=${K}: ${bench.tasks.length} tasks in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return { settings: quick ? { all: QUICK_SETTINGS } : FULL_SETTINGS, poolSeeds: 'seeds 1..4, drop 0, realization 0', rows };
}

/** Speed-ups measured in the same run: TS mean over native (or WASM) mean. */
export function ratios(rows) {
  const at = (K, backend, method) => rows.find((r) => r.clients === K && r.backend === backend && r.method === method);
  const out = [];
  for (const r of rows) {
    if (r.backend !== 'ts') continue;
    const native = at(r.clients, 'native', r.method);
    const wasm = at(r.clients, 'wasm', r.method);
    if (!native && !wasm) continue;
    out.push({
      clients: r.clients,
      method: r.method,
      nativeOverTs: native ? r.meanMs / native.meanMs : null,
      wasmOverTs: wasm ? r.meanMs / wasm.meanMs : null,
    });
  }
  return out;
}
