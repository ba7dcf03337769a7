// Issue 22's large-K rows: CPU time per client of `optimal` and `bcd` on the native
// backend at K = 10,000 and K = 1,000,000 (default scenario), and their ratio, measured
// in the same run. One problem per size (seed 1; the K = 1,000,000 problem alone holds
// about 100 MB of columns), one warm-up solve, then solves until a CPU budget is spent.
import { cpuPerSolve } from './per-solve.mjs';
import { problemPool } from './problems.mjs';

export const SCALE = { small: 10_000, large: 1_000_000, methods: ['optimal', 'bcd'] };

export function runScaleBench({ solvers, quick, log }) {
  const solver = solvers.native;
  if (!solver) return undefined;
  const sizes = quick ? [SCALE.small / 10, SCALE.small] : [SCALE.small, SCALE.large];
  const pools = sizes.map((K) => problemPool(K, 1));
  const rows = [];
  for (const method of SCALE.methods) {
    const [small, large] = pools.map((pool) => cpuPerSolve(solver, pool, method, quick ? 20 : 1500));
    const [ks, kl] = sizes;
    const row = {
      method,
      clientsSmall: ks,
      clientsLarge: kl,
      cpuMsSmall: small,
      cpuMsLarge: large,
      nsPerClientSmall: (small * 1e6) / ks,
      nsPerClientLarge: (large * 1e6) / kl,
    };
    row.ratio = row.nsPerClientLarge / row.nsPerClientSmall;
    rows.push(row);
    log(`scale ${method} native: ${row.nsPerClientSmall.toFixed(0)} ns per client at K = ${ks}, ${row.nsPerClientLarge.toFixed(0)} at K = ${kl} (x${row.ratio.toFixed(2)})`);
  }
  return { config: { sizes, seed: 1, backend: 'native' }, rows };
}
