// Energy caps and minimum pruning in every method (MODEL.md sections 11.2 and 12), on the
// TypeScript reference: points checked against the model written out here independently
// (rates, latencies, energies, an inverse rate by bisection), optimal against a brute-force
// F(T) on one and two clients, the infeasibility thresholds on both sides, and a fuzz.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { instance } from '../dist/ts/core/problem.js';
import { METHODS, solveInstance } from '../dist/ts/core/methods.js';
import { Random } from '../dist/ts/core/rng.js';
import { extremeProblem, rngFor } from './helpers.mjs';
import { bandNeed, bruteOptimum, capOf, col, energy, finiteEdge, golden, need, phiC, phiS, randomCapped, rate, rateInv, rminOf, snr, tau, weights } from './energy-model.mjs';

const F64 = (a) => Float64Array.from(a);
const TOL = 1e-10;

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

test('fuzz at the edges of the representable range (MODEL.md 2.1) with caps from 0.1x to 10x: no NaN, no broken cap, no false infeasible', () => {
  const rng = rngFor(71);
  let points = 0;
  for (let i = 0; i < 120; i++) {
    const p = extremeProblem(rng, 8);
    const K = p.computeSeconds.length;
    const u = () => rng.uniform();
    const logU = (lo, hi) => Math.exp(Math.log(lo) + u() * (Math.log(hi) - Math.log(lo)));
    p.minPruning = Float64Array.from(p.maxPruning, (r) => (u() < 0.3 ? u() * r : 0));
    // Compute power and fixed energy on the scale of each client's upload energy S p / B.
    p.computePowerW = Float64Array.from(p.txPowerW, (pw, k) => (u() < 0.3 ? 0 : ((pw * p.payloadBits) / p.bandwidthHz / p.computeSeconds[k]) * logU(0.01, 100)));
    p.fixedJoules = Float64Array.from(p.txPowerW, (pw) => (u() < 0.5 ? 0 : ((pw * p.payloadBits) / p.bandwidthHz) * logU(0.01, 10)));
    const free = solveInstance(instance(p), 'optimal', TOL, 500);
    if (free.status === 'infeasible') continue;
    p.energyCapJ = Float64Array.from({ length: K }, (_, k) => (u() < 0.3 ? Infinity : energy(p, k, free.pruning[k], free.bandwidth[k]) * logU(0.1, 10)));
    const inst = instance(p);
    const res = Object.fromEntries(METHODS.map((m) => [m, solveInstance(inst, m, TOL, 500)]));
    for (const m of METHODS) {
      const r = res[m];
      if (r.status === 'infeasible') continue;
      points++;
      assert.ok(r.latency > 0 && Number.isFinite(r.latency), `${i} ${m}: latency ${r.latency}`);
      for (let k = 0; k < K; k++) {
        assert.ok(r.pruning[k] >= rminOf(p, k) && r.pruning[k] <= p.maxPruning[k], `${i} ${m}: rho_${k} outside its box`);
        assert.ok(r.bandwidth[k] > 0 && Number.isFinite(r.bandwidth[k]), `${i} ${m}: b_${k} = ${r.bandwidth[k]}`);
        const E = energy(p, k, r.pruning[k], r.bandwidth[k]);
        assert.ok(E <= capOf(p, k) * (1 + 1e-12), `${i} ${m}: client ${k} spends ${E} over its cap ${capOf(p, k)}`);
      }
    }
    if (METHODS.some((m) => res[m].status !== 'infeasible')) assert.is.not(res.optimal.status, 'infeasible', `${i}: optimal infeasible while another method has a point`);
  }
  assert.ok(points > 100, `${points} points`);
});

test.run();
