// Benchmark inputs: problems of the default scenario, several seeds per size, so that
// no single instance sets the figure.
import { generate, solve } from '../dist/ts/index.js';

/** Problems per size; a benchmark function cycles through them. */
export const POOL_SIZE = 4;

export function problemPool(clients, size = POOL_SIZE) {
  return Array.from({ length: size }, (_, i) => generate({ clients, seed: i + 1, drop: 0, realization: 0 }));
}

/** Deadline mode's benchmark deadline: 1.05 times the problem's optimal latency (TypeScript reference, computed once). */
const deadlines = new WeakMap();
function deadlineOf(problem) {
  if (!deadlines.has(problem)) deadlines.set(problem, 1.05 * solve(problem, { method: 'optimal' }).latency);
  return deadlines.get(problem);
}

/** A function that solves the next problem of the pool on each call (`min-pruning`: deadline mode). */
export function cycling(solver, pool, method) {
  let i = 0;
  if (method === 'min-pruning') {
    for (const p of pool) deadlineOf(p);
    return () => {
      const p = pool[i++ % pool.length];
      return solver.minPruning(p, { deadline: deadlineOf(p) });
    };
  }
  return () => solver.solve(pool[i++ % pool.length], { method });
}
