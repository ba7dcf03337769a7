// The demo's solver, in a module worker so the page never freezes. It owns the one
// Solver of the page (WASM, or the TypeScript reference when WASM cannot run) and
// answers three messages:
//   { type: 'init', backend }                       -> { type: 'ready', backend, kernels, skipped, version }
//   { type: 'solve', id, scenario }                 -> { type: 'solved', id, problem, results, leastEnergy }
//   { type: 'montecarlo', id, scenario, methods, realizations }
//                                                   -> { type: 'progress', ... } ..., { type: 'mc-done', id, stats }
//   { type: 'plan', id, scenario, realizations, rounds0, pruningLimit }
//                                                   -> { type: 'plan-progress', ... } ..., { type: 'planned', id, plans, atBudget }
//   { type: 'learning', id, scenario, text, name, pruningLimit, exponent, rounds }
//                                                   -> { type: 'learned', id, rounds, series: [{ method, time, loss }] }
//   { type: 'cancel', id } stops a Monte Carlo run or a plan -> { type: 'mc-cancelled' | 'plan-cancelled', id, done }
// Failures answer { type: 'error', id, error: { code, field, client, message } }.
import { METHODS, VERSION, createSolver, generate } from '../dist/ts/browser.js';
import { t975 } from '../dist/ts/core/montecarlo.js';
import { progress } from '../dist/ts/core/plan.js';
import { lossAt, parseLossCurve } from '../dist/ts/learning/curve.js';
import { energyAt } from '../dist/ts/core/energy.js';
import { instance } from '../dist/ts/core/problem.js';

/** Longest stretch of solving between two looks at the message queue (a cancel), ms. */
const YIELD_EVERY_MS = 25;

/** @type {Promise<import('../dist/ts/browser.js').Solver> | undefined} */
let solverReady;
const cancelled = new Set();

function post(message, transfer = []) {
  self.postMessage(message, transfer);
}

function errorOf(e) {
  if (e && typeof e === 'object') {
    const { code, field, client, message } = /** @type {any} */ (e);
    return { code: code ?? 'internal', field, client, message: String(message ?? e) };
  }
  return { code: 'internal', message: String(e) };
}

function median(xs) {
  const sorted = Float64Array.from(xs).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const yieldToEvents = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The least energy each client can spend in a round: at full pruning rmax_k with unlimited
 * band, E0 + e c (1 - phi_c rmax) + p S (1 - phi_s rmax) ln 2 / a (MODEL.md 11.2, the cap
 * condition, computed by the reference's own energy_at). Only for a problem with caps.
 */
function leastEnergies(problem) {
  if (!problem.energyCapJ) return undefined;
  const inst = instance(problem);
  return Float64Array.from({ length: inst.K }, (_, k) => energyAt(inst, k, inst.rmax[k], (inst.S * Math.LN2) / inst.a[k]));
}

function solveAll(solver, scenario) {
  const problem = generate(scenario);
  // Every field of the result, feasible (a point and its energy accounting) or infeasible
  // (latency null and infeasibleClients): docs/CORE_API.md.
  const results = METHODS.map((method) => ({ ...solver.solve(problem, { method }) }));
  return { problem, results, leastEnergy: leastEnergies(problem) };
}

async function monteCarlo(id, solver, scenario, methods, realizations) {
  // Welford's running mean and sum of squared deviations, per method.
  // Realizations where a method has no point (energy caps) are counted, not averaged:
  // the statistics cover the realizations where it returned one.
  const acc = methods.map(() => ({ n: 0, mean: 0, m2: 0, infeasible: 0, energy: 0 }));
  // Every latency is kept for the median: deep fades make the mean a poor summary alone.
  const samples = methods.map(() => []);
  let since = performance.now();
  for (let i = 0; i < realizations; i++) {
    const problem = generate({ ...scenario, realization: i });
    methods.forEach((method, j) => {
      const r = solver.solve(problem, { method });
      const a = acc[j];
      if (r.latency === null) {
        a.infeasible += 1;
        return;
      }
      const T = r.latency;
      samples[j].push(T);
      a.n += 1;
      a.energy += (r.energyTotal - a.energy) / a.n;
      const d = T - a.mean;
      a.mean += d / a.n;
      a.m2 += d * (T - a.mean);
    });
    post({ type: 'progress', id, done: i + 1, total: realizations });
    if (performance.now() - since > YIELD_EVERY_MS) {
      await yieldToEvents();
      since = performance.now();
      if (cancelled.delete(id)) return post({ type: 'mc-cancelled', id, done: i + 1 });
    }
  }
  const stats = methods.map((method, j) => {
    const { n, mean, m2, infeasible, energy } = acc[j];
    if (n === 0) return { method, n, infeasible, mean: null, std: null, ci95Low: null, ci95High: null, median: null, energyTotal: null };
    const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
    const half = n > 1 ? (t975(n - 1) * std) / Math.sqrt(n) : 0;
    return { method, n, infeasible, mean, std, ci95Low: mean - half, ci95High: mean + half, median: median(samples[j]), energyTotal: energy };
  });
  post({ type: 'mc-done', id, stats });
}

/**
 * The fine-tuning plan of every method over realizations 0..N-1 of the drop (static; and
 * optimal's adaptive plan), then optimal at the form's own budget for comparison.
 */
async function planAll(id, solver, scenario, realizations, rounds0, pruningLimit) {
  const problems = Array.from({ length: realizations }, (_, realization) => generate({ ...scenario, realization }));
  const plans = [];
  const total = METHODS.length + 1;
  for (const [i, method] of METHODS.entries()) {
    const policy = method === 'optimal' ? 'both' : 'static';
    for (const p of solver.plan(problems, { rounds0, pruningLimit, method, policy })) {
      plans.push(p.policy === 'adaptive' ? { ...p, budgets: Array.from(p.budgets) } : p);
    }
    post({ type: 'plan-progress', id, done: i + 1, total });
    await yieldToEvents();
    if (cancelled.delete(id)) return post({ type: 'plan-cancelled', id, done: i + 1 });
  }
  // optimal at the budget of the form: what a fixed budget costs.
  // A realization without a point (energy caps) has no round that ends: Infinity.
  let latency = 0;
  for (const problem of problems) latency += solver.solve({ ...problem, pruningBudget: scenario.budget }, { method: 'optimal' }).latency ?? Infinity;
  latency /= realizations;
  const rounds = scenario.budget < pruningLimit ? Math.ceil(rounds0 / (1 - scenario.budget / pruningLimit)) : Infinity;
  post({ type: 'plan-progress', id, done: total, total });
  post({ type: 'planned', id, plans, atBudget: { budget: scenario.budget, rounds, latency, seconds: rounds * latency } });
}

/**
 * One trial of every method over realizations 0..R-1 of the drop (as trial 0 of a sweep
 * with R rounds): wall-clock time and loss after each round (MODEL.md section 13.2). R is
 * at most the curve's last round: no extrapolation.
 */
async function learningAll(id, solver, scenario, text, name, pruningLimit, exponent, rounds) {
  const curve = parseLossCurve(text, name);
  const R = Math.min(rounds, Math.floor(curve.rounds[curve.rounds.length - 1]));
  if (!(R >= 1)) throw Object.assign(new Error(`${name}: the loss curve must reach round 1 at least`), { code: 'invalid-input', field: 'lossCurve' });
  // A method with no point in a round (energy caps) stops there: its round never ends.
  const series = METHODS.map((method) => ({ method, time: [0], loss: [curve.loss[0]], x: 0, stoppedAt: null }));
  let last = performance.now();
  for (let r = 0; r < R; r++) {
    const problem = generate({ ...scenario, realization: r });
    let wsum = 0;
    for (const w of problem.dataWeight) wsum += w;
    for (const s of series) {
      if (s.stoppedAt !== null) continue;
      const res = solver.solve(problem, { method: s.method });
      if (res.latency === null) {
        s.stoppedAt = r + 1;
        continue;
      }
      let P = 0;
      problem.dataWeight.forEach((w, k) => (P += (w / wsum) * res.pruning[k]));
      P = Math.min(P, problem.pruningBudget);
      s.x += P < pruningLimit ? progress(pruningLimit, exponent, P) : 0;
      s.time.push(s.time[s.time.length - 1] + res.latency);
      s.loss.push(lossAt(curve, s.x));
    }
    if (performance.now() - last > YIELD_EVERY_MS) {
      await yieldToEvents();
      last = performance.now();
      if (cancelled.delete(id)) return;
    }
  }
  post({ type: 'learned', id, rounds: R, series: series.map(({ method, time, loss, stoppedAt }) => ({ method, time, loss, stoppedAt })) });
}

self.onmessage = async (event) => {
  const message = event.data;
  try {
    switch (message.type) {
      case 'init': {
        solverReady = createSolver({ backend: message.backend ?? 'auto' });
        const solver = await solverReady;
        post({ type: 'ready', backend: solver.backend, kernels: solver.kernels, skipped: solver.skipped, version: VERSION });
        break;
      }
      case 'solve': {
        const solver = await solverReady;
        const { problem, results, leastEnergy } = solveAll(solver, message.scenario);
        post({ type: 'solved', id: message.id, problem, results, leastEnergy });
        break;
      }
      case 'montecarlo': {
        const solver = await solverReady;
        await monteCarlo(message.id, solver, message.scenario, message.methods, message.realizations);
        break;
      }
      case 'plan': {
        const solver = await solverReady;
        await planAll(message.id, solver, message.scenario, message.realizations, message.rounds0, message.pruningLimit);
        break;
      }
      case 'learning': {
        const solver = await solverReady;
        await learningAll(message.id, solver, message.scenario, message.text, message.name, message.pruningLimit, message.exponent, message.rounds);
        break;
      }
      case 'cancel':
        cancelled.add(message.id);
        break;
      default:
        throw new Error(`unknown message type ${JSON.stringify(message.type)}`);
    }
  } catch (e) {
    post({ type: 'error', id: message.id, request: message.type, error: errorOf(e) });
  }
};
