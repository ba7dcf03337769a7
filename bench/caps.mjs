// The cost of energy caps in `optimal` (issue 17): K = 1,000, the default scenario (4
// seeds), each client capped halfway between its energy at uniform-prune-bandwidth's
// point and at the uncapped optimum where the former is lower (so the cap binds at the
// capped optimum and a point exists; about a third of the clients), the others uncapped.
// The capped and the uncapped problems are solved alternately, in blocks of one pass over
// the pool, on each backend: mean wall time and CPU time per solve of each, and their
// ratio in the same run. crates/jcpba-core/examples/caps.rs is the same figure in Rust.
import { generate, solve } from '../dist/ts/index.js';

export const CAPS_CONFIG = { clients: 1000, seeds: [1, 2, 3, 4], target: 1.5 };

function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The uncapped and capped pools, and the share of clients whose cap binds at the capped optimum. */
export function cappedPool(clients = CAPS_CONFIG.clients, seeds = CAPS_CONFIG.seeds) {
  const free = [];
  const capped = [];
  let binding = 0;
  for (const seed of seeds) {
    const p = generate({ clients, seed, drop: 0, realization: 0 });
    const opt = solve(p, { method: 'optimal' });
    const start = solve(p, { method: 'uniform-prune-bandwidth' });
    const energyCapJ = Float64Array.from(opt.energy, (e, k) => (start.energy[k] < e ? start.energy[k] + 0.5 * (e - start.energy[k]) : Infinity));
    const q = { ...p, energyCapJ };
    const s = solve(q, { method: 'optimal' });
    if (s.status !== 'converged') throw new Error(`caps bench: seed ${seed}: capped optimal ${s.status}`);
    binding += energyCapJ.filter((c, k) => c < Infinity && s.energy[k] >= c * (1 - 1e-9)).length;
    free.push(p);
    capped.push(q);
  }
  return { free, capped, bindingShare: binding / (clients * seeds.length) };
}

/** Solves every problem of `pool` once; returns [wall ms, CPU ms]. */
function pass(solver, pool) {
  const c0 = cpuMs();
  const t0 = performance.now();
  for (const p of pool) solver.solve(p, { method: 'optimal' });
  return [performance.now() - t0, cpuMs() - c0];
}

export function runCapsBench({ solvers, quick, log }) {
  const c = CAPS_CONFIG;
  const { free, capped, bindingShare } = cappedPool();
  const rows = [];
  for (const [backend, solver] of Object.entries(solvers)) {
    // The TypeScript reference takes ~10x longer per solve: fewer passes.
    const budgetMs = (quick ? 150 : 2500) / (backend === 'ts' ? 4 : 1);
    pass(solver, free);
    pass(solver, capped);
    const sum = { free: [0, 0], capped: [0, 0] };
    let passes = 0;
    const started = performance.now();
    while (passes < 3 || performance.now() - started < budgetMs) {
      const a = pass(solver, free);
      const b = pass(solver, capped);
      sum.free[0] += a[0];
      sum.free[1] += a[1];
      sum.capped[0] += b[0];
      sum.capped[1] += b[1];
      passes++;
    }
    const n = passes * free.length;
    const row = {
      backend,
      solves: n,
      uncappedMs: sum.free[0] / n,
      cappedMs: sum.capped[0] / n,
      uncappedCpuMs: sum.free[1] / n,
      cappedCpuMs: sum.capped[1] / n,
      ratio: sum.capped[0] / sum.free[0],
      cpuRatio: sum.capped[1] / sum.free[1],
    };
    rows.push(row);
    log(`caps ${backend}: capped ${row.cappedMs.toFixed(3)} ms vs uncapped ${row.uncappedMs.toFixed(3)} ms per solve (${row.ratio.toFixed(2)}x; CPU ${row.cpuRatio.toFixed(2)}x), ${n} solves each`);
  }
  return { config: { ...c, bindingShare }, rows };
}
