// Energy caps and minimum pruning in every method (MODEL.md sections 11.2 and 12), on the
// TypeScript reference: points checked against the model written out here independently
// (rates, latencies, energies, an inverse rate by bisection), optimal against a brute-force
// F(T) on one and two clients, the infeasibility thresholds on both sides, and a fuzz.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { instance } from '../dist/ts/core/problem.js';
import { METHODS, solveInstance } from '../dist/ts/core/methods.js';
import { Random } from '../dist/ts/core/rng.js';

const F64 = (a) => Float64Array.from(a);
const TOL = 1e-10;

// ---- the model, written out from MODEL.md (no solver code) ----

const rate = (a, b) => b * Math.log2(1 + a / b);
const col = (p, f, k, d) => (p[f] === undefined || p[f].length === 0 ? d : p[f][k]);
const snr = (p, k) => (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
const phiC = (p) => p.prunableComputeFraction ?? 1;
const phiS = (p) => p.prunablePayloadFraction ?? 1;
const rminOf = (p, k) => col(p, 'minPruning', k, 0);
const capOf = (p, k) => col(p, 'energyCapJ', k, Infinity);
const weights = (p) => {
  let s = 0;
  for (const x of p.dataWeight) s += x;
  return Array.from(p.dataWeight, (x) => x / s);
};
function tau(p, k, rho, b) {
  const t0 = col(p, 'fixedSeconds', k, 0);
  return t0 + p.computeSeconds[k] * (1 - phiC(p) * rho) + (p.payloadBits * (1 - phiS(p) * rho)) / rate(snr(p, k), b);
}
function energy(p, k, rho, b) {
  const e0 = col(p, 'fixedJoules', k, 0);
  const e = col(p, 'computePowerW', k, 0);
  return e0 + e * p.computeSeconds[k] * (1 - phiC(p) * rho) + (p.txPowerW[k] * p.payloadBits * (1 - phiS(p) * rho)) / rate(snr(p, k), b);
}
/** The bandwidth that carries q bit/s, by bisection on ln b (Infinity when q >= a / ln 2). */
function rateInv(a, q) {
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
function need(p, k, rho, T) {
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
function golden(f, lo, hi) {
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
function finiteEdge(f, from, to) {
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
function bandNeed(p, T) {
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
function bruteOptimum(p, guess) {
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

// ---- checks ----

const solveAll = (p, tol = TOL) => {
  const inst = instance(p);
  return Object.fromEntries(METHODS.map((m) => [m, solveInstance(inst, m, tol, 500)]));
};

/** MODEL.md section 6 with caps and boxes: a returned point is feasible and its numbers recompute. */
function checkPoint(p, r, where) {
  const K = p.computeSeconds.length;
  const w = weights(p);
  let used = 0;
  let band = 0;
  let T = 0;
  for (let k = 0; k < K; k++) {
    const rho = r.pruning[k];
    const b = r.bandwidth[k];
    assert.ok(rho >= rminOf(p, k) && rho <= p.maxPruning[k], `${where}: rho_${k} = ${rho} outside its box`);
    assert.ok(b > 0 && Number.isFinite(b), `${where}: b_${k} = ${b}`);
    const E = energy(p, k, rho, b);
    assert.ok(E <= capOf(p, k) * (1 + 1e-12), `${where}: client ${k} spends ${E} J over its cap ${capOf(p, k)}`);
    used += w[k] * rho;
    band += b;
    T = Math.max(T, tau(p, k, rho, b));
  }
  assert.ok(used <= p.pruningBudget * (1 + 1e-12) + 1e-300, `${where}: pruning ${used} over the budget ${p.pruningBudget}`);
  assert.ok(band <= p.bandwidthHz * (1 + 1e-12), `${where}: band ${band} over ${p.bandwidthHz}`);
  assert.ok(Math.abs(r.latency - T) <= 1e-12 * T, `${where}: latency ${r.latency} but the point's is ${T}`);
}

function checkInfeasible(r, clients, where) {
  assert.is(r.status, 'infeasible', `${where}: status ${r.status}`);
  assert.is(r.latency, null, where);
  assert.is(r.pruning, null, where);
  assert.is(r.bandwidth, null, where);
  assert.is(r.clientLatency, null, where);
  if (clients !== undefined) assert.equal(r.infeasibleClients, clients, `${where}: infeasibleClients`);
}

/** The orderings of MODEL.md sections 5 and 6 among the methods that returned a point. */
function checkOrderings(p, res, where) {
  const T = (m) => (res[m].status === 'infeasible' ? undefined : res[m].latency);
  const le = (x, y, rel) => {
    if (T(x) === undefined || T(y) === undefined) return;
    assert.ok(T(x) <= T(y) * (1 + rel), `${where}: ${x} ${T(x)} above ${y} ${T(y)}`);
  };
  for (const m of METHODS) le('optimal', m, TOL + 1e-12);
  le('bcd', 'prune-only', 0);
  le('bandwidth-only', 'equal', 0);
  le('uniform-prune-bandwidth', 'uniform-prune', 0);
  le('uniform-prune', 'equal', 1e-15);
  le('prune-only', 'uniform-prune', 1e-9);
  le('uniform-prune-bandwidth', 'bandwidth-only', 1e-9);
  if (res.optimal.status !== 'infeasible') {
    for (const m of METHODS) if (T(m) !== undefined) assert.ok(res.optimal.lowerBound <= T(m) * (1 + 1e-12), `${where}: lower bound above ${m}`);
  }
}

/** A small problem with energy fields; every draw spans a few decades. */
function randomCapped(rng, K, capScale) {
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
    p.minPruning[k] = u() < 0.5 ? 0 : u() * 0.5 * p.maxPruning[k];
    p.computePowerW[k] = u() < 0.2 ? 0 : logU(1, 300);
    p.fixedJoules[k] = u() < 0.5 ? 0 : logU(1, 100);
  }
  // Caps from 0.1x to 10x of each client's energy at the uncapped optimum (or at b = B/K).
  const inst = instance(p);
  const free = solveInstance(inst, 'optimal', 1e-8, 500);
  for (let k = 0; k < K; k++) {
    if (u() < 0.25) continue;
    const E = free.status === 'infeasible' ? energy(p, k, p.maxPruning[k], p.bandwidthHz / K) : energy(p, k, free.pruning[k], free.bandwidth[k]);
    p.energyCapJ[k] = E * (capScale ?? logU(0.1, 10));
  }
  return p;
}

// ---- tests ----

test('no caps and rmin = 0 given as columns: every method bit for bit as without them', () => {
  const rng = new Random(11, 0, 0);
  for (let i = 0; i < 20; i++) {
    const p = randomCapped(rng, 1 + (i % 6));
    const plain = { ...p, minPruning: undefined, computePowerW: undefined, fixedJoules: undefined, energyCapJ: undefined };
    const zero = { ...p, minPruning: new Float64Array(p.computeSeconds.length), energyCapJ: new Float64Array(p.computeSeconds.length).fill(Infinity) };
    const a = solveAll(plain);
    const b = solveAll(zero);
    for (const m of METHODS) {
      assert.is(b[m].latency, a[m].latency, `${i} ${m}`);
      assert.equal(Array.from(b[m].pruning), Array.from(a[m].pruning), `${i} ${m}`);
      assert.equal(Array.from(b[m].bandwidth), Array.from(a[m].bandwidth), `${i} ${m}`);
    }
  }
});

test('one client: every method against the closed form (all the band, the most pruning the budget allows)', () => {
  const rng = new Random(12, 0, 0);
  let capped = 0;
  for (let i = 0; i < 60; i++) {
    const p = randomCapped(rng, 1);
    const res = solveAll(p);
    const rho = Math.min(p.maxPruning[0], Math.max(p.pruningBudget, rminOf(p, 0)));
    const feasible = rminOf(p, 0) <= p.pruningBudget && energy(p, 0, rho, p.bandwidthHz) <= capOf(p, 0);
    const margin = Math.abs(energy(p, 0, rho, p.bandwidthHz) / capOf(p, 0) - 1);
    if (margin < 1e-9) continue; // at the threshold: the next test
    if (capOf(p, 0) < Infinity) capped++;
    if (!feasible) {
      checkInfeasible(res.optimal, undefined, `${i} optimal`);
      continue;
    }
    checkPoint(p, res.optimal, `${i} optimal`);
    const T = tau(p, 0, rho, p.bandwidthHz);
    assert.ok(Math.abs(res.optimal.latency - T) <= 1e-9 * T, `${i}: optimal ${res.optimal.latency} vs ${T}`);
    for (const m of METHODS) if (res[m].status !== 'infeasible') checkPoint(p, res[m], `${i} ${m}`);
    checkOrderings(p, res, `${i}`);
  }
  assert.ok(capped > 20, `${capped} capped draws`);
});

test('two clients: optimal against the brute-force optimum of P_E (caps, rmin, kinks)', () => {
  const rng = new Random(13, 0, 0);
  let feasible = 0;
  let infeasible = 0;
  for (let i = 0; i < 30; i++) {
    const p = randomCapped(rng, 2, Math.exp(Math.log(0.5) + rng.uniform() * Math.log(6)));
    const res = solveAll(p);
    for (const m of METHODS) if (res[m].status !== 'infeasible') checkPoint(p, res[m], `${i} ${m}`);
    checkOrderings(p, res, `${i}`);
    const Tstar = bruteOptimum(p, res.optimal.latency ?? undefined);
    if (Tstar === Infinity) {
      infeasible++;
      checkInfeasible(res.optimal, undefined, `${i}`);
      for (const m of METHODS) checkInfeasible(res[m], undefined, `${i} ${m}`);
      continue;
    }
    feasible++;
    assert.is.not(res.optimal.status, 'infeasible', `${i}: optimal infeasible, brute force ${Tstar}`);
    assert.ok(Math.abs(res.optimal.latency - Tstar) <= 1e-8 * Tstar, `${i}: optimal ${res.optimal.latency} vs brute force ${Tstar}`);
    assert.ok(res.optimal.lowerBound <= Tstar * (1 + 1e-9), `${i}: lower bound ${res.optimal.lowerBound} above ${Tstar}`);
  }
  assert.ok(feasible >= 10 && infeasible > 0, `${feasible} feasible, ${infeasible} infeasible draws`);
});

const nextUp = (x) => {
  const f = new Float64Array([x]);
  const i = new BigInt64Array(f.buffer);
  i[0] += x >= 0 ? 1n : -1n;
  return f[0];
};
const nextDown = (x) => {
  const f = new Float64Array([x]);
  const i = new BigInt64Array(f.buffer);
  i[0] += x > 0 ? -1n : 1n;
  return f[0];
};

test('sum w rmin at the budget is feasible for every method; an ulp below it, every method is infeasible with []', () => {
  const rng = new Random(14, 0, 0);
  for (let i = 0; i < 10; i++) {
    const p = randomCapped(rng, 2 + (i % 4));
    p.energyCapJ = undefined;
    const inst = instance(p);
    // The sum in client order with the normalized weights, as every budget check makes it.
    let least = 0;
    for (let k = 0; k < inst.K; k++) least += inst.w[k] * p.minPruning[k];
    if (!(least > 0)) continue;
    p.pruningBudget = least;
    const at = solveAll(p);
    for (const m of METHODS) {
      checkPoint(p, at[m], `${i} ${m} at the budget`);
      // Nothing is left to prune beyond the least pruning (up to the rounding of the sum).
      for (let k = 0; k < inst.K; k++) assert.ok(Math.abs(at[m].pruning[k] - p.minPruning[k]) <= 1e-12, `${i} ${m} client ${k}`);
    }
    p.pruningBudget = nextDown(least);
    const below = solveAll(p);
    for (const m of METHODS) checkInfeasible(below[m], [], `${i} ${m} above the budget`);
  }
});

test('rmin = rmax fixes a client in every method', () => {
  const rng = new Random(15, 0, 0);
  for (let i = 0; i < 12; i++) {
    const p = randomCapped(rng, 3, 2);
    p.minPruning[1] = p.maxPruning[1];
    const res = solveAll(p);
    for (const m of METHODS) {
      if (res[m].status === 'infeasible') continue;
      checkPoint(p, res[m], `${i} ${m}`);
      assert.is(res[m].pruning[1], p.maxPruning[1], `${i} ${m}`);
    }
    checkOrderings(p, res, `${i}`);
  }
});

test('the cap condition, on both sides of its threshold: listed alone at it, a coupling failure ([]) an ulp above', () => {
  const rng = new Random(16, 0, 0);
  for (let i = 0; i < 10; i++) {
    const p = randomCapped(rng, 2);
    p.energyCapJ = F64([Infinity, Infinity]);
    const k = i % 2;
    // The least energy client k can reach: full pruning with unlimited band.
    const r = p.maxPruning[k];
    const inst = instance(p);
    const least =
      col(p, 'fixedJoules', k, 0) +
      col(p, 'computePowerW', k, 0) * p.computeSeconds[k] * (1 - phiC(p) * r) +
      p.txPowerW[k] * ((p.payloadBits * Math.LN2) / inst.a[k]) * (1 - phiS(p) * r);
    p.energyCapJ[k] = least;
    for (const m of METHODS) checkInfeasible(solveInstance(instance(p), m, TOL, 500), [k], `${i} ${m} at the threshold`);
    // An ulp above, the cap needs more band than any finite share: infeasible together.
    p.energyCapJ[k] = nextUp(least);
    const opt = solveInstance(instance(p), 'optimal', TOL, 500);
    checkInfeasible(opt, [], `${i} an ulp above`);
    // And well above, feasible (the least energy is reachable with band to spare).
    p.energyCapJ[k] = least * 4 + 1;
    const res = solveAll(p);
    if (res.optimal.status !== 'infeasible') checkPoint(p, res.optimal, `${i} well above`);
    else assert.ok(!Number.isFinite(bandNeed(p, Infinity)) || bandNeed(p, Infinity) > p.bandwidthHz, `${i}: optimal infeasible well above the threshold`);
  }
});

test('one client: infeasible exactly when F_E(inf) > B, on both sides of the dual threshold', () => {
  const rng = new Random(17, 0, 0);
  let n = 0;
  for (let i = 0; i < 30 && n < 10; i++) {
    const p = randomCapped(rng, 1);
    p.energyCapJ = undefined;
    const rho = Math.min(p.maxPruning[0], Math.max(p.pruningBudget, rminOf(p, 0)));
    if (rminOf(p, 0) > p.pruningBudget) continue;
    n++;
    // One client gets the whole band: F_E(inf) = B exactly when the cap is its energy there.
    const E = energy(p, 0, rho, p.bandwidthHz);
    for (const [f, ok] of [
      [1 + 1e-9, true],
      [1 - 1e-9, false],
    ]) {
      p.energyCapJ = F64([E * f]);
      const res = solveAll(p);
      if (ok) {
        checkPoint(p, res.optimal, `${i} cap ${f}`);
        checkPoint(p, res.bcd, `${i} bcd cap ${f}`);
      } else {
        // The cap condition holds, so the clients together (here: the band) fail. The
        // baselines fail under their own rules (equal's point breaks the cap: [0]).
        for (const m of METHODS) checkInfeasible(res[m], undefined, `${i} ${m} cap ${f}`);
        checkInfeasible(res.optimal, [], `${i} optimal cap ${f}`);
        checkInfeasible(res.bcd, [], `${i} bcd cap ${f}`);
      }
    }
  }
  assert.ok(n >= 5);
});

test('two clients with the kink active: optimal against the closed form where client 2 meets T and its cap at once', () => {
  // No fixed time or energy, nothing drawn while training: E_2 = p_2 (1 - rho_2) S / r(b_2),
  // so with both binding (1 - rho_2) S / r(b_2) = H = cap / p_2 and (1 - rho_2) c_2 + H = T.
  const base = {
    bandwidthHz: 1e6,
    noisePsdWPerHz: 4e-21,
    payloadBits: 1e7,
    pruningBudget: 0.3,
    computeSeconds: F64([10, 20]),
    txPowerW: F64([0.2, 0.2]),
    channelGain: F64([2e-13, 2e-13]),
    dataWeight: F64([1, 1]),
    maxPruning: F64([0.8, 0.8]),
  };
  const free = solveInstance(instance(base), 'optimal', 1e-12, 500);
  const S = base.payloadBits;
  const a = snr(base, 0);
  for (const f of [0.9, 0.85, 0.8]) {
    const cap = energy(base, 1, free.pruning[1], free.bandwidth[1]) * f;
    const p = { ...base, energyCapJ: F64([Infinity, cap]) };
    const H = cap / p.txPowerW[1];
    // For a round latency T: client 2 at the kink, client 1 pruning what the budget leaves
    // (weights 1/2 each), each given the band it needs; T* is where the two fill the band.
    const bandAt = (T) => {
      const rho2 = 1 - (T - H) / p.computeSeconds[1];
      const rho1 = 2 * p.pruningBudget - rho2;
      const b2 = rateInv(a, ((1 - rho2) * S) / H);
      const b1 = rateInv(a, (S * (1 - rho1)) / (T - (1 - rho1) * p.computeSeconds[0]));
      return b1 + b2;
    };
    // Along the kink the band falls with T here (checked at both ends of the bracket).
    let lo = free.latency;
    let hi = free.latency * 1.1;
    assert.ok(bandAt(lo) > p.bandwidthHz && bandAt(hi) <= p.bandwidthHz);
    while (hi - lo > 1e-14 * hi) {
      const m = 0.5 * (lo + hi);
      if (bandAt(m) <= p.bandwidthHz) hi = m;
      else lo = m;
    }
    const r = solveInstance(instance(p), 'optimal', 1e-12, 500);
    checkPoint(p, r, `cap x${f}`);
    assert.ok(Math.abs(r.latency - hi) <= 1e-10 * hi, `cap x${f}: optimal ${r.latency}, closed form ${hi}`);
    // The kink is active: client 2 meets both its latency and its cap with equality.
    assert.ok(Math.abs(energy(p, 1, r.pruning[1], r.bandwidth[1]) / cap - 1) <= 1e-9, `cap x${f}: cap not binding`);
    assert.ok(Math.abs(r.clientLatency[1] / r.latency - 1) <= 1e-9, `cap x${f}: latency not binding`);
    assert.ok(r.pruning[1] > 0 && r.pruning[1] < p.maxPruning[1]);
  }
});

test("optimal's certificate against a dense scan of T (two clients, caps binding)", () => {
  const rng = new Random(18, 0, 0);
  let scanned = 0;
  for (let i = 0; i < 20 && scanned < 4; i++) {
    const p = randomCapped(rng, 2, 0.6);
    p.energyCapJ[0] = Infinity;
    const r = solveInstance(instance(p), 'optimal', 1e-9, 500);
    if (r.status === 'infeasible') continue;
    scanned++;
    assert.ok(r.upperBound - r.lowerBound <= 1e-9 * r.upperBound, `${i}: bracket`);
    const B = p.bandwidthHz;
    for (let j = 0; j <= 60; j++) {
      const T = r.latency * (0.8 + (0.4 * j) / 60);
      const F = bandNeed(p, T);
      if (T < r.lowerBound * (1 - 1e-9)) assert.ok(F > B, `${i}: T = ${T} below the lower bound ${r.lowerBound} is feasible (F = ${F}, B = ${B})`);
      if (T > r.upperBound * (1 + 1e-9)) assert.ok(F <= B, `${i}: T = ${T} above the upper bound ${r.upperBound} is infeasible (F = ${F}, B = ${B})`);
    }
  }
  assert.ok(scanned >= 3, `${scanned} instances scanned`);
});

test('fuzz: caps from 0.1x to 10x of each client\'s uncapped energy, K up to 8: no NaN, no broken cap, no false infeasible', () => {
  const rng = new Random(19, 0, 0);
  let points = 0;
  let infeasible = 0;
  for (let i = 0; i < 150; i++) {
    const K = 1 + Math.floor(rng.uniform() * 8);
    const p = randomCapped(rng, K);
    const res = solveAll(p);
    const inst = instance(p);
    for (const m of METHODS) {
      const r = res[m];
      if (r.status === 'infeasible') {
        infeasible++;
        assert.ok(Array.isArray(r.infeasibleClients), `${i} ${m}`);
        // A listed client is capped, and listed once, in order.
        for (const k of r.infeasibleClients) assert.ok(capOf(p, k) < Infinity, `${i} ${m}: uncapped client ${k} listed`);
        for (let j = 1; j < r.infeasibleClients.length; j++) assert.ok(r.infeasibleClients[j] > r.infeasibleClients[j - 1]);
        // equal and uniform-prune list exactly the clients whose cap their point breaks.
        if (m === 'equal' || m === 'uniform-prune') {
          const rho = m === 'equal' && weights(p).reduce((s, w, k) => s + w * p.minPruning[k], 0) <= p.pruningBudget * (1 - 1e-12) ? Array.from(p.minPruning) : undefined;
          if (rho !== undefined) {
            const broken = [];
            for (let k = 0; k < K; k++) if (energy(p, k, rho[k], p.bandwidthHz / K) > capOf(p, k) * (1 + 1e-12)) broken.push(k);
            assert.equal(r.infeasibleClients, broken, `${i} equal`);
          }
        }
        continue;
      }
      points++;
      checkPoint(p, r, `${i} ${m}`);
    }
    checkOrderings(p, res, `${i}`);
    // No false infeasible: when any method has a point, optimal has one.
    if (METHODS.some((m) => res[m].status !== 'infeasible')) assert.is.not(res.optimal.status, 'infeasible', `${i}: optimal infeasible while another method has a point`);
    // Clients listed by optimal fail the cap condition, checked here from the model.
    if (res.optimal.status === 'infeasible') {
      for (const k of res.optimal.infeasibleClients) {
        const r = p.maxPruning[k];
        const least = energy(p, k, r, 1) - (p.txPowerW[k] * p.payloadBits * (1 - phiS(p) * r)) / rate(inst.a[k], 1) + (p.txPowerW[k] * p.payloadBits * (1 - phiS(p) * r) * Math.LN2) / inst.a[k];
        assert.ok(!(least < capOf(p, k) * (1 - 1e-12)), `${i}: client ${k} listed though it can reach ${least} < ${capOf(p, k)}`);
      }
    }
  }
  assert.ok(points > 200 && infeasible > 50, `${points} points, ${infeasible} infeasible results`);
});

test.run();
