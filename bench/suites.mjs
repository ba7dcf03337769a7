// Backend comparison suites with benny: per method at one K, every backend solving the
// same pool one problem at a time and in one solveMany batch; and a batching suite of
// many small problems, where crossing into the core once per problem costs the most.
import benny from 'benny';
import { problemPool } from './problems.mjs';

/** Methods worth a suite: the two iterative ones. */
export const SUITE_METHODS = ['bcd', 'optimal'];

const FULL = { clients: 1000, pool: 4, batchClients: 10, batchPool: 200, cases: { minTime: 0.05, maxTime: 1, minSamples: 5, delay: 0 } };
const QUICK = { clients: 100, pool: 4, batchClients: 10, batchPool: 50, cases: { minTime: 0.01, maxTime: 0.2, minSamples: 2, delay: 0 } };

/** One benny case per backend and way: each operation solves the whole pool. */
function cases(solvers, pool, method) {
  const out = [];
  for (const [backend, solver] of Object.entries(solvers)) {
    out.push(benny.add(`${backend} one-by-one`, () => {
      for (const p of pool) solver.solve(p, { method });
    }));
    // On `ts`, solveMany is the same loop: it is there to show that.
    out.push(benny.add(`${backend} solveMany`, () => {
      solver.solveMany(pool, { method });
    }));
  }
  return out;
}

async function suite(name, file, solvers, pool, method, plan, folder) {
  const summary = await benny.suite(
    name,
    ...cases(solvers, pool, method),
    // Two decimals of ops/s: benny rounds to whole operations by default, too coarse for slow ones.
    benny.configure({ cases: plan.cases, minDisplayPrecision: 2 }),
    benny.save({ folder, file, format: 'json', details: false }),
  );
  const problems = pool.length;
  return {
    name,
    method,
    clients: pool[0].computeSeconds.length,
    problems,
    file: `${folder}/${file}.json`,
    fastest: summary.fastest.name,
    results: summary.results.map((r) => ({
      case: r.name,
      opsPerSecond: r.ops,
      problemsPerSecond: r.ops * problems,
      marginPercent: r.margin,
      samples: r.samples,
      percentSlower: r.percentSlower,
    })),
  };
}

export async function runSuites({ solvers, methods, quick, folder, log }) {
  const plan = quick ? QUICK : FULL;
  const chosen = SUITE_METHODS.filter((m) => methods.includes(m));
  const suiteMethods = chosen.length ? chosen : methods.slice(0, 1);
  const out = [];
  const pool = problemPool(plan.clients, plan.pool);
  for (const method of suiteMethods) {
    const started = performance.now();
    out.push(await suite(`${method}, K=${plan.clients}, ${plan.pool} problems per operation`, `benny-${method}-K${plan.clients}`, solvers, pool, method, plan, folder));
    log(`suite ${method} K=${plan.clients}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const small = problemPool(plan.batchClients, plan.batchPool);
  const method = suiteMethods[0];
  const started = performance.now();
  out.push(await suite(`batching: ${method}, ${plan.batchPool} problems of K=${plan.batchClients} per operation`, `benny-batching-${method}-K${plan.batchClients}`, solvers, small, method, plan, folder));
  log(`suite batching K=${plan.batchClients}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { cases: plan.cases, suites: out };
}
