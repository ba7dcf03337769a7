#!/usr/bin/env node
// Rate and inverse-rate evaluations per client per solve: the algorithmic cost of bcd
// and optimal, apart from how fast one evaluation runs.
//
// The TypeScript reference is counted as it is shipped, unmodified: V8's precise
// coverage with call counts (the inspector's Profiler domain) reports how many times
// each function of dist/ts/core/rate.js ran. A calibration checks first that the count of a
// known number of direct calls is exact. The compiled core is counted only through a
// counter hook of its own (an exported `evaluationCounts()` or `globalThis.__jcpbaCount`);
// until one exists, its column says "pending".
//
// Usage: node bench/count-evaluations.mjs [--sizes 10,100] [--methods bcd,optimal] [--json]
import { Session } from 'node:inspector/promises';

/** Functions of ts/core/rate.ts that are counted: the two evaluations, and the helpers under them. */
export const COUNTED = ['rate', 'rateInverse', 'rateDerivative', 'lnGap', 'lambertT'];
export const COUNT_METHODS = ['bcd', 'optimal'];
const POOL = 4;
const CALIBRATION_CALLS = 100_000;

function parse(argv) {
  const o = { sizes: [10, 100, 1000], methods: COUNT_METHODS, json: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') o.json = true;
    else if (argv[i] === '--sizes') o.sizes = argv[++i].split(',').map(Number);
    else if (argv[i] === '--methods') o.methods = argv[++i].split(',');
    else throw new Error(`count-evaluations: unknown option ${argv[i]}`);
  }
  return o;
}

/**
 * The core's own counter, if one has been added: `evaluationCounts()` on the backend's
 * core or exported by the package, or a global. Its shape is not fixed yet: a number or
 * an object of numbers, cumulative; the difference across the solves is what counts.
 */
function coreHook(mod, solver) {
  if (typeof solver.core?.evaluationCounts === 'function') return { name: 'core.evaluationCounts()', read: () => solver.core.evaluationCounts() };
  if (typeof mod.evaluationCounts === 'function') return { name: 'evaluationCounts()', read: () => mod.evaluationCounts() };
  if (globalThis.__jcpbaCount !== undefined) return { name: 'globalThis.__jcpbaCount', read: () => structuredClone(globalThis.__jcpbaCount) };
  return undefined;
}

/** Numeric fields of b minus those of a (a hook's counts may be a number or an object). */
function delta(a, b) {
  if (typeof b === 'number') return b - a;
  const out = {};
  for (const [k, v] of Object.entries(b ?? {})) if (typeof v === 'number') out[k] = v - (a?.[k] ?? 0);
  return out;
}

function perClient(d, denominator) {
  if (typeof d === 'number') return d / denominator;
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v / denominator]));
}

export async function countEvaluations({ sizes, methods }) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // Before the module loads, so that every function of it is counted from its first call.
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
  const mod = await import('../dist/ts/index.js');
  const rateUrl = new URL('../dist/ts/core/rate.js', import.meta.url).href;
  /** Calls per counted function since the last read (taking coverage resets the counts). */
  const take = async () => {
    const { result } = await session.post('Profiler.takePreciseCoverage');
    const counts = Object.fromEntries(COUNTED.map((f) => [f, 0]));
    for (const script of result) {
      if (script.url !== rateUrl) continue;
      for (const f of script.functions) if (f.functionName in counts) counts[f.functionName] += f.ranges[0].count;
    }
    return counts;
  };

  await take();
  for (let i = 0; i < CALIBRATION_CALLS; i++) mod.rate(1e6, 1e5 + i);
  const calibration = await take();
  if (calibration.rate !== CALIBRATION_CALLS) {
    throw new Error(`count-evaluations: V8 counted ${calibration.rate} calls of rate for ${CALIBRATION_CALLS} made; call counts are unreliable on this Node`);
  }

  /** backend -> { solver, hook } for each compiled backend that loads and has a counter. */
  const cores = {};
  for (const backend of ['native', 'wasm']) {
    let solver;
    try {
      solver = await mod.createSolver({ backend });
    } catch {
      continue; // a missing backend is simply not counted
    }
    const hook = coreHook(mod, solver);
    if (hook) cores[backend] = { solver, hook };
  }
  const hooks = [...new Set(Object.values(cores).map((c) => c.hook.name))];

  const rows = [];
  for (const K of sizes) {
    const pool = Array.from({ length: POOL }, (_, i) => mod.generate({ clients: K, seed: i + 1, drop: 0, realization: 0 }));
    for (const method of methods) {
      await take();
      let iterations = 0;
      for (const p of pool) iterations += mod.solve(p, { method }).iterations;
      const counts = await take();
      const solves = pool.length;
      const per = Object.fromEntries(Object.entries(counts).map(([f, n]) => [f, n / (K * solves)]));
      const row = {
        clients: K,
        method,
        solves,
        meanIterations: iterations / solves,
        tsPerClientPerSolve: per,
        tsEvaluationsPerClientPerSolve: per.rate + per.rateInverse,
        core: 'pending',
      };
      if (hooks.length) {
        row.core = {};
        for (const [backend, { solver, hook }] of Object.entries(cores)) {
          const before = hook.read();
          for (const p of pool) solver.solve(p, { method });
          row.core[backend] = perClient(delta(before, hook.read()), K * solves);
        }
      }
      rows.push(row);
    }
  }
  await session.post('Profiler.stopPreciseCoverage');
  session.disconnect();
  return {
    how: `TypeScript reference: V8 precise coverage call counts of dist/ts/core/rate.js functions, calibrated; core: ${hooks.length ? `its counter hook ${hooks.join(', ')}` : 'pending (no counter hook yet)'}`,
    poolSeeds: `seeds 1..${POOL}, drop 0, realization 0`,
    calibration: { calls: CALIBRATION_CALLS, counted: calibration.rate },
    coreHooks: hooks,
    rows,
  };
}

function table(result) {
  const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
  const lines = [
    '| K | method | iterations | rate + rateInverse per client per solve (TS) | rate | rateInverse | rateDerivative | lnGap | core |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of result.rows) {
    const p = r.tsPerClientPerSolve;
    const core = typeof r.core === 'string' ? r.core : JSON.stringify(r.core);
    lines.push(`| ${r.clients} | ${r.method} | ${fmt(r.meanIterations)} | ${fmt(r.tsEvaluationsPerClientPerSolve)} | ${fmt(p.rate)} | ${fmt(p.rateInverse)} | ${fmt(p.rateDerivative)} | ${fmt(p.lnGap)} | ${core} |`);
  }
  return lines.join('\n');
}

if (import.meta.url === new URL(process.argv[1], 'file://').href) {
  const o = parse(process.argv.slice(2));
  const result = await countEvaluations(o);
  process.stdout.write(o.json ? `${JSON.stringify(result)}\n` : `${result.how}\n\n${table(result)}\n`);
}

export { table as evaluationsTable };
