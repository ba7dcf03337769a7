// Deadline mode with energy caps and minimum pruning (MODEL.md sections 9, 11.2 and 12) on
// the TypeScript reference: the least pruning against a brute force on one and two clients
// written out in test/energy-model.mjs, the least feasible deadline against block B at full
// pruning with the caps' floors, and the caps that rule out every deadline.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { instance } from '../dist/ts/core/problem.js';
import { minPruningInstance } from '../dist/ts/core/deadline.js';
import { solveInstance } from '../dist/ts/core/methods.js';
import { Random } from '../dist/ts/core/rng.js';
import { capOf, energy, golden, need, randomCapped, rminOf, tau, weights } from './energy-model.mjs';

const TOL = 1e-10;
const solveQ = (p, D) => minPruningInstance(instance(p), D, TOL, 500);

/** The least r in [lo, hi] with f(r) <= limit (f nonincreasing), or undefined. */
function leastWith(f, lo, hi, limit) {
  if (!(f(hi) <= limit)) return undefined;
  if (f(lo) <= limit) return lo;
  for (let i = 0; i < 100; i++) {
    const m = 0.5 * (lo + hi);
    if (f(m) <= limit) hi = m;
    else lo = m;
  }
  return hi;
}

/** P*(D) by brute force on one or two clients (Infinity: infeasible). */
function brutePruning(p, D) {
  const K = p.computeSeconds.length;
  const w = weights(p);
  const B = p.bandwidthHz;
  const f = (k) => (r) => need(p, k, r, D);
  if (K === 1) {
    const r = leastWith(f(0), rminOf(p, 0), p.maxPruning[0], B);
    return r === undefined ? Infinity : r;
  }
  const second = (r1) => {
    const left = B - need(p, 0, r1, D);
    if (!(left > 0)) return Infinity;
    const r2 = leastWith(f(1), rminOf(p, 1), p.maxPruning[1], left);
    return r2 === undefined ? Infinity : w[0] * r1 + w[1] * r2;
  };
  // The feasible rho_1 form an interval (the set is convex); find a point in it, then its edges.
  const lo = rminOf(p, 0);
  const hi = p.maxPruning[0];
  let x;
  for (let i = 0; i <= 256 && x === undefined; i++) if (Number.isFinite(second(lo + ((hi - lo) * i) / 256))) x = lo + ((hi - lo) * i) / 256;
  if (x === undefined) return Infinity;
  let a = lo;
  let b = hi;
  if (!Number.isFinite(second(a))) {
    let from = x;
    for (let i = 0; i < 60; i++) {
      const m = 0.5 * (from + a);
      if (Number.isFinite(second(m))) from = m;
      else a = m;
    }
    a = from;
  }
  if (!Number.isFinite(second(b))) {
    let from = x;
    for (let i = 0; i < 60; i++) {
      const m = 0.5 * (from + b);
      if (Number.isFinite(second(m))) from = m;
      else b = m;
    }
    b = from;
  }
  return golden(second, a, b);
}

function checkDeadlinePoint(p, r, D, where) {
  const K = p.computeSeconds.length;
  let band = 0;
  for (let k = 0; k < K; k++) {
    const rho = r.pruning[k];
    const b = r.bandwidth[k];
    assert.ok(rho >= rminOf(p, k) && rho <= p.maxPruning[k], `${where}: rho_${k} outside its box`);
    assert.ok(b > 0 && Number.isFinite(b), where);
    assert.ok(tau(p, k, rho, b) <= D * (1 + 1e-12), `${where}: client ${k} misses the deadline`);
    assert.ok(energy(p, k, rho, b) <= capOf(p, k) * (1 + 1e-12), `${where}: client ${k} over its cap`);
    band += b;
  }
  assert.ok(band <= p.bandwidthHz * (1 + 1e-12), `${where}: band`);
  const least = weights(p).reduce((s, w, k) => s + w * rminOf(p, k), 0);
  assert.ok(r.weightedPruning >= least * (1 - 1e-12), `${where}: below sum w rmin`);
}

test('one and two clients: the least pruning with caps and rmin against brute force, the certificate around it', () => {
  const rng = new Random(31, 0, 0);
  let feasible = 0;
  let infeasible = 0;
  for (let i = 0; i < 40; i++) {
    const K = 1 + (i % 2);
    const p = randomCapped(rng, K, Math.exp(Math.log(0.5) + rng.uniform() * Math.log(6)));
    // A deadline between the optimum with the whole budget and twice it.
    p.pruningBudget = 0.9;
    const free = solveInstance(instance(p), 'optimal', 1e-10, 500);
    const D = free.status === 'infeasible' ? 100 : free.latency * (1 + rng.uniform());
    const r = solveQ(p, D);
    const Pstar = brutePruning(p, D);
    if (Pstar === Infinity) {
      infeasible++;
      assert.is(r.status, 'infeasible', `${i}: brute force finds no point, the solver ${r.weightedPruning}`);
      continue;
    }
    feasible++;
    assert.is.not(r.status, 'infeasible', `${i}: infeasible, brute force ${Pstar}`);
    checkDeadlinePoint(p, r, D, `${i}`);
    assert.ok(r.lowerBound <= Pstar + 1e-9 && r.upperBound >= Pstar - 1e-9, `${i}: [${r.lowerBound}, ${r.upperBound}] misses ${Pstar}`);
    assert.ok(Math.abs(r.weightedPruning - Pstar) <= 1e-7, `${i}: ${r.weightedPruning} vs brute force ${Pstar}`);
  }
  assert.ok(feasible >= 15 && infeasible >= 1, `${feasible} feasible, ${infeasible} infeasible`);
});

test('the least feasible deadline with caps: block B at full pruning with the floors; infeasible just below it', () => {
  const rng = new Random(32, 0, 0);
  let n = 0;
  for (let i = 0; i < 30 && n < 8; i++) {
    const p = randomCapped(rng, 1 + (i % 3), 1.5);
    const r = solveQ(p, 1e-9);
    if (r.minDeadline === null) continue;
    n++;
    assert.is(r.status, 'infeasible');
    const Dmin = r.minDeadline;
    // At full pruning the clients' needs at Dmin fill the band (brute force with the caps).
    const K = p.computeSeconds.length;
    const sumAt = (T) => {
      let s = 0;
      for (let k = 0; k < K; k++) s += need(p, k, p.maxPruning[k], T);
      return s;
    };
    assert.ok(sumAt(Dmin * (1 + 1e-8)) <= p.bandwidthHz, `${i}: not feasible just above minDeadline`);
    assert.ok(sumAt(Dmin * (1 - 1e-8)) > p.bandwidthHz || !Number.isFinite(sumAt(Dmin * (1 - 1e-8))), `${i}: feasible below minDeadline`);
    checkDeadlinePoint(p, solveQ(p, Dmin), Dmin, `${i} at minDeadline`);
    assert.is(solveQ(p, Dmin * (1 - 1e-9)).status, 'infeasible', `${i} below minDeadline`);
  }
  assert.ok(n >= 5, `${n} instances`);
});

test('caps that rule out every deadline: minDeadline null, with the clients failing alone or [] together', () => {
  const rng = new Random(33, 0, 0);
  const p = randomCapped(rng, 3, 2);
  p.energyCapJ = Float64Array.from([Infinity, Infinity, Infinity]);
  // Client 1 below its least energy (full pruning, unlimited band): listed alone.
  const a = (p.txPowerW[1] * p.channelGain[1]) / p.noisePsdWPerHz;
  const r1 = p.maxPruning[1];
  const pc = p.prunableComputeFraction ?? 1;
  const ps = p.prunablePayloadFraction ?? 1;
  const least = p.fixedJoules[1] + p.computePowerW[1] * p.computeSeconds[1] * (1 - pc * r1) + (p.txPowerW[1] * p.payloadBits * (1 - ps * r1) * Math.LN2) / a;
  p.energyCapJ[1] = least * 0.999;
  let r = solveQ(p, 1e6);
  assert.is(r.status, 'infeasible');
  assert.is(r.minDeadline, null);
  assert.equal(r.infeasibleClients, [1]);
  // Every cap reachable alone, but their floors at full pruning exceed the band: [].
  // (Each floor at full pruning is 1.1 B / 3.)
  for (let k = 0; k < 3; k++) p.energyCapJ[k] = energy(p, k, p.maxPruning[k], (1.1 * p.bandwidthHz) / 3);
  r = solveQ(p, 1e6);
  assert.is(r.status, 'infeasible');
  assert.is(r.minDeadline, null);
  assert.equal(r.infeasibleClients, []);
});

test('deadline mode: rmin = rmax fixes a client, and the least pruning is at least sum w rmin', () => {
  const rng = new Random(34, 0, 0);
  for (let i = 0; i < 15; i++) {
    const p = randomCapped(rng, 4, 3);
    p.minPruning[2] = p.maxPruning[2];
    p.pruningBudget = 0.9;
    const free = solveInstance(instance(p), 'optimal', 1e-10, 500);
    if (free.status === 'infeasible') continue;
    const D = free.latency * 1.5;
    const r = solveQ(p, D);
    assert.is.not(r.status, 'infeasible', `${i}`);
    checkDeadlinePoint(p, r, D, `${i}`);
    assert.is(r.pruning[2], p.maxPruning[2], `${i}`);
    // A deadline every client meets at rmin_k: the least pruning is exactly sum w rmin.
    const loose = solveQ(p, free.latency * 1e6);
    if (loose.status !== 'infeasible' && Array.from(loose.pruning).every((x, k) => x === rminOf(p, k))) {
      assert.is(loose.lowerBound, loose.weightedPruning, `${i}: loose deadline`);
    }
  }
});

test.run();
