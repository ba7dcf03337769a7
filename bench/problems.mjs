// Benchmark inputs: problems of the default scenario, several seeds per size, so that
// no single instance sets the figure.
import { generate } from '../dist/ts/index.js';

/** Problems per size; a benchmark function cycles through them. */
export const POOL_SIZE = 4;

export function problemPool(clients, size = POOL_SIZE) {
  return Array.from({ length: size }, (_, i) => generate({ clients, seed: i + 1, drop: 0, realization: 0 }));
}

/** A function that solves the next problem of the pool on each call. */
export function cycling(solver, pool, method) {
  let i = 0;
  return () => solver.solve(pool[i++ % pool.length], { method });
}
