// The model of MODEL.md sections 2, 8, 11 and 12 written out independently of the solver
// (rates, latencies, energies, an inverse rate by bisection, brute-force F(T) on one and two
// clients), for the tests of energy caps and minimum pruning.
import { instance } from '../dist/ts/core/problem.js';
import { solveInstance } from '../dist/ts/core/methods.js';

// log1p: 1 + a / b would round a / b away when b >> a.
export const rate = (a, b) => (b * Math.log1p(a / b)) / Math.LN2;
export const col = (p, f, k, d) => (p[f] === undefined || p[f].length === 0 ? d : p[f][k]);
export const snr = (p, k) => (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
export const phiC = (p) => p.prunableComputeFraction ?? 1;
export const phiS = (p) => p.prunablePayloadFraction ?? 1;
export const rminOf = (p, k) => col(p, 'minPruning', k, 0);
export const capOf = (p, k) => col(p, 'energyCapJ', k, Infinity);
export const weights = (p) => {
  let s = 0;
  for (const x of p.dataWeight) s += x;
  return Array.from(p.dataWeight, (x) => x / s);
};
export function tau(p, k, rho, b) {
  const t0 = col(p, 'fixedSeconds', k, 0);
  return t0 + p.computeSeconds[k] * (1 - phiC(p) * rho) + (p.payloadBits * (1 - phiS(p) * rho)) / rate(snr(p, k), b);
}
export function energy(p, k, rho, b) {
  const e0 = col(p, 'fixedJoules', k, 0);
  const e = col(p, 'computePowerW', k, 0);
  return e0 + e * p.computeSeconds[k] * (1 - phiC(p) * rho) + (p.txPowerW[k] * p.payloadBits * (1 - phiS(p) * rho)) / rate(snr(p, k), b);
}
/** The bandwidth that carries q bit/s, by bisection on ln b (Infinity when q >= a / ln 2). */
export function rateInv(a, q) {
  if (!(q > 0)) return 0;
  if (!(q < a / Math.LN2)) return Infinity;
  // r(b) < min(b log2(1 + a / b), a / ln 2): start below q and walk up.
  let lo = Math.log(q) - 10;
  while (rate(a, Math.exp(lo)) > q) lo -= 10;
  let hi = lo + 10;
  for (let i = 0; !(rate(a, Math.exp(hi)) >= q); i++) {
    if (i > 100) return Infinity; // q within rounding of a / ln 2
    hi += 10;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-16 * Math.abs(hi); i++) {
    const m = 0.5 * (lo + hi);
    if (rate(a, Math.exp(m)) >= q) hi = m;
    else lo = m;
  }
  return Math.exp(hi);
}
/** Client k's bandwidth need at pruning rho to finish by T and meet its cap (MODEL.md 11.2). */
export function need(p, k, rho, T) {
  const t0 = col(p, 'fixedSeconds', k, 0);
  const payload = p.payloadBits * (1 - phiS(p) * rho);
  const wT = T - t0 - p.computeSeconds[k] * (1 - phiC(p) * rho);
  const bT = T === Infinity ? 0 : wT > 0 ? rateInv(snr(p, k), payload / wT) : Infinity;
  const cap = capOf(p, k);
  if (cap === Infinity) return bT;
  const wE = (cap - col(p, 'fixedJoules', k, 0) - col(p, 'computePowerW', k, 0) * p.computeSeconds[k] * (1 - phiC(p) * rho)) / p.txPowerW[k];
  const bE = wE > 0 ? rateInv(snr(p, k), payload / wE) : Infinity;
  return Math.max(bT, bE);
}
/** Golden-section minimum of a convex function (Infinity allowed outside [lo, hi]'s finite part). */
export function golden(f, lo, hi) {
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let i = 0; i < 80; i++) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = f(x2);
    }
  }
  return Math.min(f1, f2, f(lo), f(hi));
}
/** The end of the interval [lo, hi] where f is finite, by bisection toward `to` (f finite at `from`). */
export function finiteEdge(f, from, to) {
  if (Number.isFinite(f(to))) return to;
  for (let i = 0; i < 64; i++) {
    const m = 0.5 * (from + to);
    if (Number.isFinite(f(m))) from = m;
    else to = m;
  }
  return from;
}
/**
 * F(T) = min over the box and the budget of sum_k need_k (K = 1 or 2), brute force: more
 * pruning never needs more band, so client 2 prunes all the budget leaves it; the sum is
 * convex in rho_1.
 */
export function bandNeed(p, T) {
  const w = weights(p);
  const K = p.computeSeconds.length;
  const rmin = Array.from({ length: K }, (_, k) => rminOf(p, k));
  const budget = p.pruningBudget;
  if (K === 1) {
    if (rmin[0] > budget) return Infinity;
    return need(p, 0, Math.min(p.maxPruning[0], Math.max(rmin[0], budget)), T);
  }
  const top1 = Math.min(p.maxPruning[0], (budget - w[1] * rmin[1]) / w[0]);
  if (!(top1 >= rmin[0])) return Infinity;
  const rho2 = (r1) => Math.max(rmin[1], Math.min(p.maxPruning[1], (budget - w[0] * r1) / w[1]));
  const f = (r1) => need(p, 0, r1, T) + need(p, 1, rho2(r1), T);
  // The finite part: need_1 finite for large rho_1, need_2 for small.
  let lo = rmin[0];
  let hi = top1;
  if (!Number.isFinite(f(lo)) || !Number.isFinite(f(hi))) {
    // Find a finite point by a scan, then the edges.
    let x;
    for (let i = 0; i <= 256; i++) {
      const r = lo + ((hi - lo) * i) / 256;
      if (Number.isFinite(f(r))) {
        x = r;
        break;
      }
    }
    if (x === undefined) return Infinity;
    lo = finiteEdge(f, x, lo);
    hi = finiteEdge(f, x, hi);
  }
  return golden(f, lo, hi);
}
/**
 * T* by bisection on F(T) <= B, or Infinity when even F(inf) > B. `guess` (a solver's T*)
 * only narrows the first bracket, whose ends are checked here.
 */
export function bruteOptimum(p, guess) {
  const B = p.bandwidthHz;
  if (!(bandNeed(p, Infinity) <= B)) return Infinity;
  if (guess !== undefined && bandNeed(p, guess * (1 - 1e-7)) > B && bandNeed(p, guess * (1 + 1e-7)) <= B) {
    let lo = guess * (1 - 1e-7);
    let hi = guess * (1 + 1e-7);
    while (hi - lo > 1e-13 * hi) {
      const m = 0.5 * (lo + hi);
      if (bandNeed(p, m) <= B) hi = m;
      else lo = m;
    }
    return hi;
  }
  let hi = 1;
  let lo = 0;
  for (let k = 0; k < p.computeSeconds.length; k++) {
    // Client k's latency at full pruning with unlimited band (the rate tends to a / ln 2).
    const r = p.maxPruning[k];
    const t0 = col(p, 'fixedSeconds', k, 0);
    lo = Math.max(lo, t0 + p.computeSeconds[k] * (1 - phiC(p) * r) + (p.payloadBits * (1 - phiS(p) * r) * Math.LN2) / snr(p, k));
  }
  for (let i = 0; !(bandNeed(p, hi) <= B); i++) {
    if (i > 200) return Infinity;
    hi *= 2;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const m = 0.5 * (lo + hi);
    if (bandNeed(p, m) <= B) hi = m;
    else lo = m;
  }
  return hi;
}

/**
 * A small problem with energy fields; every draw spans a few decades. `capScale` fixes the
 * caps' factor (default: drawn in `capRange` per client); `minPruningShare` and `capShare`
 * are the shares of clients with a least pruning and with a cap.
 */
export function randomCapped(rng, K, capScale, { minPruningShare = 0.5, capShare = 0.75, capRange = [0.1, 10] } = {}) {
  const u = () => rng.uniform();
  const logU = (lo, hi) => Math.exp(Math.log(lo) + u() * (Math.log(hi) - Math.log(lo)));
  const p = {
    bandwidthHz: logU(1e6, 1e8),
    noisePsdWPerHz: 4e-21,
    payloadBits: logU(1e6, 1e9),
    pruningBudget: u() * 0.6,
    prunableComputeFraction: u() < 0.5 ? 1 : u(),
    prunablePayloadFraction: u() < 0.5 ? 1 : u(),
    computeSeconds: new Float64Array(K),
    txPowerW: new Float64Array(K),
    channelGain: new Float64Array(K),
    dataWeight: new Float64Array(K),
    maxPruning: new Float64Array(K),
    fixedSeconds: new Float64Array(K),
    minPruning: new Float64Array(K),
    computePowerW: new Float64Array(K),
    fixedJoules: new Float64Array(K),
    energyCapJ: new Float64Array(K).fill(Infinity),
  };
  for (let k = 0; k < K; k++) {
    p.computeSeconds[k] = logU(0.1, 100);
    p.txPowerW[k] = logU(0.01, 1);
    p.channelGain[k] = logU(1e-14, 1e-10);
    p.dataWeight[k] = logU(1, 100);
    p.maxPruning[k] = 0.2 + 0.7 * u();
    p.fixedSeconds[k] = u() < 0.5 ? 0 : logU(0.01, 10);
    p.minPruning[k] = u() < 1 - minPruningShare ? 0 : u() * 0.5 * p.maxPruning[k];
    p.computePowerW[k] = u() < 0.2 ? 0 : logU(1, 300);
    p.fixedJoules[k] = u() < 0.5 ? 0 : logU(1, 100);
  }
  // Caps from capRange (0.1x to 10x) of each client's energy at the uncapped optimum (or at b = B/K).
  const inst = instance(p);
  const free = solveInstance(inst, 'optimal', 1e-8, 500);
  for (let k = 0; k < K; k++) {
    if (u() < 1 - capShare) continue;
    const E = free.status === 'infeasible' ? energy(p, k, p.maxPruning[k], p.bandwidthHz / K) : energy(p, k, free.pruning[k], free.bandwidth[k]);
    p.energyCapJ[k] = E * (capScale ?? logU(capRange[0], capRange[1]));
  }
  return p;
}

