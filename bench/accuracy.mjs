// The accuracy half of issue 12's targets, on the benchmark's own problems (the default
// scenario, seeds 1..4, K = 100 and 1,000, every method):
// - parity: every backend's T against the TypeScript reference's, within 1e-9;
// - certificates: optimal's bracket on every backend holds (lowerBound <= T, and each
//   backend's lower bound is below every other backend's T), and every returned point is
//   feasible (band, budget, box) with its T recomputed from it;
// - paths: the compiled core's vector kernels against its scalar path (JCPBA_SIMD=off, in
//   a child process: the choice is made once per process), T within 1e-12.
import { execFileSync } from 'node:child_process';
import { METHODS, rate } from '../dist/ts/index.js';
import { problemPool } from './problems.mjs';

export const ACCURACY_SIZES = [100, 1000];
const rel = (x, y) => (x === y ? 0 : Math.abs(x - y) / Math.abs(y));

function pools(sizes) {
  return sizes.flatMap((K) => problemPool(K));
}

/** Why the point breaks the model (band, budget, box, its T), or null. */
function infeasibility(p, r) {
  const K = p.computeSeconds.length;
  let band = 0;
  let wsum = 0;
  let used = 0;
  let T = 0;
  for (let k = 0; k < K; k++) wsum += p.dataWeight[k];
  for (let k = 0; k < K; k++) {
    const rho = r.pruning[k];
    const b = r.bandwidth[k];
    if (!(b > 0) || !(rho >= 0 && rho <= p.maxPruning[k])) return `client ${k} outside its box`;
    band += b;
    used += (p.dataWeight[k] / wsum) * rho;
    const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
    const t0 = p.fixedSeconds?.[k] ?? 0;
    const tau = t0 + p.computeSeconds[k] * (1 - p.prunableComputeFraction * rho) + (p.payloadBits * (1 - p.prunablePayloadFraction * rho)) / rate(a, b);
    T = Math.max(T, tau);
  }
  if (band > p.bandwidthHz * (1 + 1e-12)) return `band ${band} > ${p.bandwidthHz}`;
  if (used > p.pruningBudget + 1e-12) return `pruning ${used} > ${p.pruningBudget}`;
  if (rel(T, r.latency) > 1e-12) return `T recomputed ${T} vs reported ${r.latency}`;
  return null;
}

/** [latency, lowerBound | null] of every method on every problem. */
function solveAll(solver, problems) {
  return problems.map((p) => METHODS.map((method) => {
    const r = solver.solve(p, { method });
    return [r.latency, r.lowerBound ?? null];
  }));
}

/** The same numbers from a child process with JCPBA_SIMD=off, per compiled backend. */
function scalarPaths(backends, sizes) {
  const script = `
    import { createSolver, METHODS } from ${JSON.stringify(new URL('../dist/ts/index.js', import.meta.url).href)};
    import { problemPool } from ${JSON.stringify(new URL('./problems.mjs', import.meta.url).href)};
    const problems = ${JSON.stringify(sizes)}.flatMap((K) => problemPool(K));
    const out = {};
    for (const backend of ${JSON.stringify(backends)}) {
      const s = await createSolver({ backend });
      out[backend] = { kernels: s.kernels, T: problems.map((p) => METHODS.map((method) => s.solve(p, { method }).latency)) };
    }
    process.stdout.write(JSON.stringify(out));`;
  const json = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, JCPBA_SIMD: 'off' },
    maxBuffer: 1 << 26,
  });
  return JSON.parse(json);
}

export function runAccuracy({ solvers, log }) {
  const problems = pools(ACCURACY_SIZES);
  const results = Object.fromEntries(Object.entries(solvers).map(([name, s]) => [name, solveAll(s, problems)]));
  const out = { sizes: ACCURACY_SIZES, problems: problems.length, methods: METHODS.length };
  if (results.ts) {
    out.parity = {};
    for (const name of Object.keys(results).filter((n) => n !== 'ts')) {
      let worst = 0;
      results[name].forEach((perMethod, i) => perMethod.forEach(([T], m) => (worst = Math.max(worst, rel(T, results.ts[i][m][0])))));
      out.parity[name] = worst;
    }
  }
  // Certificates and feasibility, on every backend, against every backend's optimum.
  const iOpt = METHODS.indexOf('optimal');
  let brackets = 0;
  let failures = [];
  problems.forEach((p, i) => {
    for (const [name, solver] of Object.entries(solvers)) {
      const [T, lower] = results[name][i][iOpt];
      brackets++;
      if (!(lower <= T)) failures.push(`${name} problem ${i}: lowerBound ${lower} > T ${T}`);
      for (const other of Object.keys(results)) {
        if (!(lower <= results[other][i][iOpt][0] * (1 + 1e-12))) failures.push(`${name} problem ${i}: lowerBound above ${other}'s T`);
      }
      for (const method of METHODS) {
        const why = infeasibility(p, solver.solve(p, { method }));
        if (why) failures.push(`${name} ${method} problem ${i}: ${why}`);
      }
    }
  });
  out.certificates = { checked: brackets, points: problems.length * METHODS.length * Object.keys(solvers).length, failures: failures.slice(0, 10), failureCount: failures.length };
  const compiled = Object.keys(solvers).filter((n) => n !== 'ts');
  if (compiled.length) {
    const scalar = scalarPaths(compiled, ACCURACY_SIZES);
    out.paths = {};
    for (const name of compiled) {
      let worst = 0;
      results[name].forEach((perMethod, i) => perMethod.forEach(([T], m) => (worst = Math.max(worst, rel(T, scalar[name].T[i][m])))));
      out.paths[name] = { vector: solvers[name].kernels, scalar: scalar[name].kernels, worst };
    }
  }
  log(`accuracy: ${problems.length} problems x ${METHODS.length} methods; parity ${JSON.stringify(out.parity)}; paths ${JSON.stringify(out.paths)}; ${failures.length} certificate or feasibility failures`);
  return out;
}
