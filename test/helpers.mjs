// Shared helpers of the test suite: random problems over wide ranges, and the
// feasibility checks of MODEL.md section 6 written out independently of the solver.
import { createSolver, toProblem } from '../dist/ts/index.js';
import { bandwidthBlock } from '../dist/ts/core/bandwidth.js';
import { instance } from '../dist/ts/core/problem.js';
import { Random } from '../dist/ts/core/rng.js';

/** The backend under test: JCPBA_BACKEND (native, wasm or ts) or the automatic choice. */
export const solver = await createSolver();
export const solve = (problem, options) => solver.solve(problem, options);

/** A random problem in canonical form; ranges span several decades on purpose. */
export function randomProblem(rng, K, overrides = {}) {
  const u = () => rng.uniform();
  const logUniform = (lo, hi) => Math.exp(Math.log(lo) + u() * (Math.log(hi) - Math.log(lo)));
  const p = {
    bandwidthHz: logUniform(1e5, 1e9),
    noisePsdWPerHz: 10 ** ((-174 - 30) / 10),
    payloadBits: logUniform(1e5, 1e10),
    pruningBudget: u() < 0.1 ? 0 : u() * 0.9,
    computeSeconds: new Float64Array(K),
    txPowerW: new Float64Array(K),
    channelGain: new Float64Array(K),
    dataWeight: new Float64Array(K),
    maxPruning: new Float64Array(K),
  };
  for (let k = 0; k < K; k++) {
    p.computeSeconds[k] = logUniform(1e-2, 1e3);
    p.txPowerW[k] = logUniform(1e-3, 1);
    p.channelGain[k] = logUniform(1e-15, 1e-8);
    p.dataWeight[k] = logUniform(1, 1e4);
    p.maxPruning[k] = u() < 0.1 ? 0 : u() * 0.95;
  }
  return Object.assign(p, overrides);
}

/**
 * A random problem at the edges of the representable range (MODEL.md 2.1): the band and
 * the four scales B, S / B, a_k / B and c_k B / S drawn log-uniformly over [1e-50, 1e50]
 * a quarter of the time (else over ordinary decades), weights spread over 45 decades,
 * budgets down to 1e-300, rmax up to 1 - 1e-6, and a third of the time the fields of round
 * model v2 (fixed times up to 1e50 S / B, prunable fractions 0, 1 or between). Built
 * through the dimensionless scales, so almost every draw is valid.
 */
export function extremeProblem(rng, maxClients = 12) {
  const u = () => rng.uniform();
  const logUniform = (lo, hi) => Math.exp(Math.log(lo) + u() * (Math.log(hi) - Math.log(lo)));
  const scale = (lo, hi) => (u() < 0.25 ? logUniform(1e-50, 1e50) : logUniform(lo, hi));
  const K = 1 + Math.floor(u() ** 2 * maxClients);
  const B = scale(1e5, 1e9);
  const S = B * scale(1e-3, 1e3);
  const N0 = u() < 0.5 ? 4e-21 : logUniform(1e-30, 1e-10);
  const p = {
    bandwidthHz: B,
    noisePsdWPerHz: N0,
    payloadBits: S,
    pruningBudget: u() < 0.1 ? 0 : u() < 0.1 ? logUniform(1e-300, 1e-3) : u() * 0.9,
    computeSeconds: new Float64Array(K),
    txPowerW: new Float64Array(K),
    channelGain: new Float64Array(K),
    dataWeight: new Float64Array(K),
    maxPruning: new Float64Array(K),
  };
  const weights = u() < 0.2 ? 1e45 : 1e4;
  for (let k = 0; k < K; k++) {
    p.computeSeconds[k] = (S / B) * scale(1e-3, 1e3);
    p.txPowerW[k] = logUniform(1e-3, 1);
    p.channelGain[k] = (B * scale(1e-3, 1e3) * N0) / p.txPowerW[k];
    p.dataWeight[k] = logUniform(1, weights);
    p.maxPruning[k] = u() < 0.1 ? 0 : u() < 0.05 ? 1 - logUniform(1e-6, 1e-3) : u() * 0.95;
  }
  if (u() < 1 / 3) {
    const fraction = () => {
      const x = u();
      return x < 0.15 ? 0 : x < 0.3 ? 1 : u();
    };
    p.prunableComputeFraction = fraction();
    p.prunablePayloadFraction = fraction();
    p.fixedSeconds = new Float64Array(K);
    for (let k = 0; k < K; k++) p.fixedSeconds[k] = u() < 0.2 ? 0 : (S / B) * scale(1e-3, 1e3);
  }
  return p;
}

/**
 * A random problem of round model v2 (MODEL.md section 8): randomProblem plus fixed
 * times (none, or per client from 0 to 10 times its compute) and prunable fractions
 * (0, 1 or anything between).
 */
export function randomV2Problem(rng, K, overrides = {}) {
  const u = () => rng.uniform();
  const p = randomProblem(rng, K);
  const fraction = () => {
    const x = u();
    return x < 0.15 ? 0 : x < 0.3 ? 1 : u();
  };
  p.prunableComputeFraction = fraction();
  p.prunablePayloadFraction = fraction();
  if (u() < 0.75) {
    p.fixedSeconds = new Float64Array(K);
    for (let k = 0; k < K; k++) p.fixedSeconds[k] = u() < 0.2 ? 0 : 10 * u() * p.computeSeconds[k];
  }
  return Object.assign(p, overrides);
}

export function rngFor(seed) {
  return new Random(seed, 99, 0, 0);
}

export function rate(a, b) {
  // log1p: 1 + a/b would round away a/b when b >> a.
  return (b * Math.log1p(a / b)) / Math.LN2;
}

/**
 * Client k's round latency at (rho, b), MODEL.md section 8, written out plainly:
 * t0 + c (1 - phi_c rho) + S (1 - phi_s rho) / r(b) (with the defaults t0 = 0 and
 * phi_c = phi_s = 1, the (1 - rho)(c + S / r(b)) of section 2). `p` is canonical.
 */
export function clientLatencyOf(p, k, rho, b) {
  const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
  const t0 = p.fixedSeconds?.length ? p.fixedSeconds[k] : 0;
  const phiC = p.prunableComputeFraction ?? 1;
  const phiS = p.prunablePayloadFraction ?? 1;
  return t0 + p.computeSeconds[k] * (1 - phiC * rho) + (p.payloadBits * (1 - phiS * rho)) / rate(a, b);
}

/** Checks a returned point against MODEL.md section 6; returns a description of the first failure or null. */
export function infeasibility(p, r) {
  const K = p.computeSeconds.length;
  let sumB = 0;
  let wsum = 0;
  let wrho = 0;
  let T = 0;
  for (let k = 0; k < K; k++) wsum += p.dataWeight[k];
  for (let k = 0; k < K; k++) {
    const b = r.bandwidth[k];
    const rho = r.pruning[k];
    if (!(b > 0 && b < Infinity)) return `bandwidth[${k}] = ${b} is not a positive finite number`;
    if (!(rho >= 0 && rho <= p.maxPruning[k])) return `pruning[${k}] = ${rho} outside [0, ${p.maxPruning[k]}]`;
    sumB += b;
    wrho += (p.dataWeight[k] / wsum) * rho;
    const tau = clientLatencyOf(p, k, rho, b);
    if (Math.abs(tau - r.clientLatency[k]) > 1e-12 * tau) return `clientLatency[${k}] = ${r.clientLatency[k]} but recomputes to ${tau}`;
    T = Math.max(T, tau);
  }
  if (sumB > p.bandwidthHz * (1 + 1e-12)) return `sum b = ${sumB} exceeds B = ${p.bandwidthHz}`;
  if (wrho > p.pruningBudget * (1 + 1e-12)) return `sum w rho = ${wrho} exceeds the budget ${p.pruningBudget}`;
  if (!(r.latency > 0 && r.latency < Infinity)) return `latency ${r.latency} is not a positive finite number`;
  if (Math.abs(T - r.latency) > 1e-12 * T) return `latency ${r.latency} but the point recomputes to ${T}`;
  return null;
}

/**
 * Brute force on a tiny instance: pruning more never lengthens a round, so at the optimum
 * the last client takes whatever budget (up to its cap) the others leave. Scan the
 * others' pruning on a grid, give the last client the rest, solve block B exactly for
 * each pruning vector, then refine around the best grid cell by pattern search.
 */
export function bruteForce(p) {
  const inst = instance(toProblem(p));
  const K = inst.K;
  const T = (free) => {
    const rho = new Float64Array(K);
    let used = 0;
    for (let k = 0; k < K - 1; k++) {
      rho[k] = Math.min(Math.max(free[k], 0), inst.rmax[k]);
      used += inst.w[k] * rho[k];
    }
    if (used > inst.budget) return Infinity;
    rho[K - 1] = Math.min(inst.rmax[K - 1], (inst.budget - used) / inst.w[K - 1]);
    return bandwidthBlock(inst, rho).latency;
  };
  const n = K === 2 ? 2000 : 120;
  let best = Infinity;
  let arg = [];
  const walk = (k, free) => {
    if (k === K - 1) {
      const t = T(free);
      if (t < best) {
        best = t;
        arg = [...free];
      }
      return;
    }
    for (let i = 0; i <= n; i++) walk(k + 1, [...free, (inst.rmax[k] * i) / n]);
  };
  walk(0, []);
  // Pattern search from the best grid point.
  let step = Math.max(...inst.rmax) / n;
  while (step > 1e-13) {
    let moved = false;
    for (let k = 0; k < K - 1; k++) {
      for (const s of [step, -step]) {
        const trial = [...arg];
        trial[k] = Math.min(Math.max(trial[k] + s, 0), inst.rmax[k]);
        const t = T(trial);
        if (t < best) {
          best = t;
          arg = trial;
          moved = true;
        }
      }
    }
    if (!moved) step /= 2;
  }
  return best;
}
