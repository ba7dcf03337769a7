// The fine-tuning plan (MODEL.md section 10): a static plan of optimal over N = 64
// realizations of one drop at K = 100 (the default scenario), on each backend; the
// adaptive plan on the native backend. Wall time (best of a few runs) and the CPU time
// of this process during the best run: on a busy machine the wall time waits for other
// processes, the CPU time much less.
import { generate } from '../dist/ts/index.js';
import { otherWork } from './machine.mjs';

export const PLAN_CONFIG = { clients: 100, realizations: 64, rounds0: 100, pruningLimit: 0.5 };

function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function timeOnce(fn) {
  const others = otherWork();
  const c0 = cpuMs();
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, cpuMs: cpuMs() - c0, others: others(), value };
}

export function runPlanBench({ solvers, quick, log }) {
  const c = PLAN_CONFIG;
  const problems = Array.from({ length: c.realizations }, (_, realization) => generate({ clients: c.clients, seed: 1, drop: 0, realization }));
  const repeats = quick ? 1 : 3;
  const rows = [];
  const cases = [];
  for (const backend of Object.keys(solvers)) cases.push({ backend, policy: 'static' });
  if (solvers.native) cases.push({ backend: 'native', policy: 'adaptive' });
  for (const { backend, policy } of cases) {
    if (quick && backend === 'ts' && policy === 'static' && Object.keys(solvers).length > 1) continue;
    const solver = solvers[backend];
    const run = () => solver.plan(problems, { rounds0: c.rounds0, pruningLimit: c.pruningLimit, policy });
    let best;
    for (let i = 0; i < repeats; i++) {
      const t = timeOnce(run);
      if (!best || t.ms < best.ms) best = t;
    }
    const [p] = best.value;
    const solves = policy === 'static' ? p.evaluations * c.realizations : p.evaluations;
    const row = {
      backend,
      policy,
      ms: best.ms,
      cpuMs: best.cpuMs,
      otherCoresBusy: best.others,
      fineTuningSeconds: p.fineTuningSeconds,
      budget: p.policy === 'static' ? p.budget : p.meanPruning,
      budgetsEvaluated: p.policy === 'static' ? p.evaluations : undefined,
      solves,
      msPerSolve: best.cpuMs / solves,
    };
    rows.push(row);
    log(
      `plan ${policy} ${backend}: ${row.ms.toFixed(0)} ms wall, ${row.cpuMs.toFixed(0)} ms CPU, ${solves} solves` +
        `${row.budgetsEvaluated ? ` (${row.budgetsEvaluated} budgets x ${c.realizations})` : ''}; other processes busy on ${row.otherCoresBusy ?? '?'} cores`,
    );
  }
  return { config: { ...c, repeats }, rows };
}
