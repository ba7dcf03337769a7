// Cross-backend parity of deadline mode and of the planner with energy caps and minimum
// pruning (MODEL.md sections 9, 10, 11.2 and 12): every backend runs its own core (no
// routing to the reference), and the native addon and the WASM module agree with the
// TypeScript reference on statuses, infeasibleClients and minDeadline, and on the numbers
// within 1e-9, on feasible and infeasible cases and on both sides of each threshold: the
// least feasible deadline, a client's cap condition, the caps' floors against the band,
// and pruningLimit against sum_k w_k rmin_k. Run once (not per backend).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSolver } from '../../dist/ts/index.js';
import { rngFor } from '../helpers.mjs';

const backends = {
  ts: await createSolver({ backend: 'ts' }),
  native: await createSolver({ backend: 'native' }),
  wasm: await createSolver({ backend: 'wasm' }),
};
const rel = (x, y) => (x === y ? 0 : Math.abs(x - y) / Math.max(Math.abs(y), 1e-300));
const weighted = (p, x) => {
  const W = p.dataWeight.reduce((a, b) => a + b, 0);
  return p.dataWeight.reduce((s, w, k) => s + (w / W) * x[k], 0);
};

/** E_k(rho, b) written out (MODEL.md section 11); b = Infinity: the upload at r = a / ln 2. */
function energy(p, k, rho, b) {
  const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
  const upload = b === Infinity ? (p.payloadBits * Math.LN2) / a : p.payloadBits / (b * Math.log2(1 + a / b));
  const pc = p.prunableComputeFraction ?? 1;
  const ps = p.prunablePayloadFraction ?? 1;
  return (p.fixedJoules?.[k] ?? 0) + (p.computePowerW?.[k] ?? 0) * p.computeSeconds[k] * (1 - pc * rho) + p.txPowerW[k] * upload * (1 - ps * rho);
}

/** A problem with minimum pruning on some clients and caps on about 40 %, from 0.5x to 5x of each client's energy at the equal split. */
function cappedProblem(rng, K) {
  const u = () => rng.uniform();
  const logU = (lo, hi) => Math.exp(Math.log(lo) + u() * (Math.log(hi) - Math.log(lo)));
  const p = {
    bandwidthHz: logU(1e6, 1e8),
    noisePsdWPerHz: 4e-21,
    payloadBits: logU(1e6, 1e9),
    pruningBudget: 0.3,
    prunableComputeFraction: u() < 0.5 ? 1 : 0.2 + 0.8 * u(),
    prunablePayloadFraction: u() < 0.5 ? 1 : 0.2 + 0.8 * u(),
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
  const share = p.bandwidthHz / K;
  for (let k = 0; k < K; k++) {
    p.computeSeconds[k] = logU(0.5, 50);
    p.txPowerW[k] = logU(0.05, 1);
    p.channelGain[k] = (share * logU(0.3, 300) * p.noisePsdWPerHz) / p.txPowerW[k];
    p.dataWeight[k] = logU(1, 100);
    p.maxPruning[k] = 0.3 + 0.6 * u();
    p.fixedSeconds[k] = u() < 0.5 ? 0 : logU(0.01, 5);
    p.minPruning[k] = u() < 0.5 ? 0 : 0.5 * p.maxPruning[k] * u();
    p.computePowerW[k] = logU(1, 100);
    p.fixedJoules[k] = u() < 0.5 ? 0 : logU(1, 50);
  }
  for (let k = 0; k < K; k++) {
    if (u() < 0.6) continue;
    p.energyCapJ[k] = energy(p, k, p.minPruning[k], share) * logU(0.5, 5);
  }
  return p;
}

/** The deadline every client meets at the equal split and rmax, times `factor`. */
function deadlineAt(p, factor) {
  const K = p.computeSeconds.length;
  let worst = 0;
  for (let k = 0; k < K; k++) {
    const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
    const b = p.bandwidthHz / K;
    const rho = p.maxPruning[k];
    const t = p.fixedSeconds[k] + p.computeSeconds[k] * (1 - p.prunableComputeFraction * rho) + (p.payloadBits * (1 - p.prunablePayloadFraction * rho)) / (b * Math.log2(1 + a / b));
    worst = Math.max(worst, t);
  }
  return worst * factor;
}

/** Compares deadline mode across backends; returns the reference result. */
function compareDeadline(p, deadline, label) {
  const ref = backends.ts.minPruning(p, { deadline });
  for (const name of ['native', 'wasm']) {
    const r = backends[name].minPruning(p, { deadline });
    const at = `${label} ${name}`;
    assert.is(r.status, ref.status, `${at}: status ${r.status} vs ts ${ref.status}`);
    assert.equal(r.infeasibleClients, ref.infeasibleClients, `${at}: infeasibleClients`);
    if (ref.status === 'infeasible') {
      assert.is(r.pruning, null, at);
      assert.is(r.weightedPruning, null, at);
      if (ref.minDeadline === null) assert.is(r.minDeadline, null, at);
      else assert.ok(rel(r.minDeadline, ref.minDeadline) <= 1e-9, `${at}: minDeadline ${r.minDeadline} vs ${ref.minDeadline}`);
      continue;
    }
    assert.is(r.minDeadline, undefined, at);
    assert.ok(Math.abs(r.weightedPruning - ref.weightedPruning) <= 1e-9, `${at}: ${r.weightedPruning} vs ts ${ref.weightedPruning}`);
    assert.ok(Math.abs(r.lowerBound - ref.lowerBound) <= 1e-9, `${at}: lowerBound ${r.lowerBound} vs ${ref.lowerBound}`);
    assert.ok(r.latency <= deadline * (1 + 1e-12), `${at}: latency ${r.latency} > D`);
    // Every point meets every cap (recomputed here) and its least pruning.
    for (let k = 0; k < p.computeSeconds.length; k++) {
      assert.ok(r.pruning[k] >= p.minPruning[k], `${at}: client ${k} below rmin`);
      assert.ok(energy(p, k, r.pruning[k], r.bandwidth[k]) <= p.energyCapJ[k] * (1 + 1e-12), `${at}: client ${k} breaks its cap`);
    }
    assert.ok(r.weightedPruning >= weighted(p, p.minPruning) - 1e-15, `${at}: below sum w rmin`);
  }
  return ref;
}

test('deadline mode with caps and minimum pruning agrees across backends (status, infeasibleClients, minDeadline, P within 1e-9)', () => {
  const rng = rngFor(71);
  const seen = { converged: 0, infeasible: 0, named: 0 };
  for (let i = 0; i < 40; i++) {
    const K = 1 + Math.floor(rng.uniform() * 20);
    const p = cappedProblem(rng, K);
    for (const factor of [0.6, 1, 1.5, 4]) {
      const ref = compareDeadline(p, deadlineAt(p, factor), `#${i} K=${K} x${factor}`);
      if (ref.status === 'infeasible') seen[ref.minDeadline === null ? 'named' : 'infeasible']++;
      else seen.converged++;
      // Both sides of the least feasible deadline.
      if (ref.status === 'infeasible' && ref.minDeadline !== null) {
        compareDeadline(p, ref.minDeadline * (1 + 1e-9), `#${i} above minDeadline`);
        const below = compareDeadline(p, ref.minDeadline * (1 - 1e-9), `#${i} below minDeadline`);
        assert.is(below.status, 'infeasible');
      }
    }
  }
  assert.ok(seen.converged >= 40 && seen.infeasible >= 10 && seen.named >= 3, JSON.stringify(seen));
});

test("deadline mode on both sides of a client's cap condition and of the caps' floors against the band", () => {
  const rng = rngFor(72);
  for (let i = 0; i < 6; i++) {
    const p = cappedProblem(rng, 3 + i);
    p.energyCapJ.fill(Infinity);
    const k = i % p.computeSeconds.length;
    const D = deadlineAt(p, 3);
    // The cap condition: E_k(rmax, infinite band) < cap.
    const atInf = energy(p, k, p.maxPruning[k], Infinity);
    p.energyCapJ[k] = atInf * (1 - 1e-9);
    const named = compareDeadline(p, D, `#${i} cap below its condition`);
    assert.equal([named.status, named.minDeadline, named.infeasibleClients], ['infeasible', null, [k]]);
    // The floor at rmax against the band: met with the whole band, or not.
    const atBand = energy(p, k, p.maxPruning[k], p.bandwidthHz);
    p.energyCapJ[k] = atBand * (1 - 1e-9);
    const together = compareDeadline(p, D, `#${i} floor above the band`);
    assert.equal([together.status, together.minDeadline, together.infeasibleClients], ['infeasible', null, []]);
    p.energyCapJ[k] = atBand * 1.5;
    compareDeadline(p, D, `#${i} cap well above the band's floor`);
  }
});

/** Plans of one drop, compared across backends; returns the reference plans. */
function comparePlans(drop, options, label) {
  const ref = backends.ts.plan(drop, options);
  for (const name of ['native', 'wasm']) {
    const plans = backends[name].plan(drop, options);
    assert.is(plans.length, ref.length, `${label} ${name}`);
    plans.forEach((p, i) => {
      const r = ref[i];
      const at = `${label} ${name} ${p.method} ${p.policy}`;
      assert.is(p.status, r.status, `${at}: status ${p.status} vs ts ${r.status}`);
      if (r.status === 'infeasible') {
        assert.is(p.fineTuningSeconds, Infinity, at);
        assert.is(p.fineTuningJoules, Infinity, at);
        return;
      }
      assert.ok(rel(p.fineTuningSeconds, r.fineTuningSeconds) <= 1e-9, `${at}: ${p.fineTuningSeconds} vs ts ${r.fineTuningSeconds}`);
      if (p.policy === 'static') {
        assert.is(p.rounds, r.rounds, at);
        assert.ok(Math.abs(p.budget - r.budget) <= 1e-9, `${at}: budget ${p.budget} vs ${r.budget}`);
        assert.ok(rel(p.meanRoundLatency, r.meanRoundLatency) <= 1e-9, at);
        // The energy of the points at the budget: optimal's points are unique only to the
        // tolerance (1e-10), and energy moves with them to first order.
        assert.ok(rel(p.meanRoundEnergy, r.meanRoundEnergy) <= 1e-6, `${at}: meanRoundEnergy ${p.meanRoundEnergy} vs ${r.meanRoundEnergy}`);
        assert.ok(rel(p.fineTuningJoules, r.fineTuningJoules) <= 1e-6, `${at}: fineTuningJoules`);
      } else {
        assert.ok(rel(p.price, r.price) <= 1e-9, at);
        // Budgets, and so energies, are determined only to about sqrt(tolerance).
        p.budgets.forEach((b, k) => assert.ok(Math.abs(b - r.budgets[k]) <= 1e-3, `${at}: budgets[${k}]`));
        assert.ok(rel(p.fineTuningJoules, r.fineTuningJoules) <= 1e-3, `${at}: fineTuningJoules ${p.fineTuningJoules} vs ${r.fineTuningJoules}`);
      }
    });
  }
  return ref;
}

test('plans with caps and minimum pruning agree across backends; budgets start at sum w rmin', () => {
  const rng = rngFor(73);
  let infeasible = 0;
  for (let i = 0; i < 10; i++) {
    const K = 2 + Math.floor(rng.uniform() * 6);
    const base = cappedProblem(rng, K);
    const drop = [0, 1, 2].map(() => ({ ...base, channelGain: base.channelGain.map((g) => g * -Math.log(1 - rng.uniform())) }));
    const least = weighted(base, base.minPruning);
    const pruningLimit = least + 0.2 + rng.uniform();
    const ref = comparePlans(drop, { rounds0: 50, pruningLimit, policy: 'both' }, `#${i} K=${K}`);
    if (ref[0].status !== 'infeasible') assert.ok(ref[0].budget >= least * (1 - 1e-15), `#${i}: budget below sum w rmin`);
    for (const method of ['equal', 'bandwidth-only', 'bcd']) {
      const [s] = comparePlans(drop, { rounds0: 50, pruningLimit, method }, `#${i} K=${K}`);
      if (s.status === 'infeasible') infeasible++;
      else if (method !== 'bcd') assert.is(s.budget, least, `#${i} ${method} planned at sum w rmin`);
    }
  }
  assert.ok(infeasible >= 1, 'some method has no point at any budget');
});

test('pruningLimit on both sides of sum w rmin: every backend plans above it and gives the same error at it', () => {
  const rng = rngFor(74);
  const base = cappedProblem(rng, 4);
  base.energyCapJ.fill(Infinity);
  base.minPruning = base.maxPruning.map((x) => 0.4 * x);
  const least = weighted(base, base.minPruning);
  comparePlans([base], { rounds0: 10, pruningLimit: least * (1 + 1e-9), policy: 'both' }, 'just above');
  const errors = Object.values(backends).map((s) => {
    try {
      s.plan([base], { rounds0: 10, pruningLimit: least });
      return 'no error';
    } catch (e) {
      return `${e.code} ${e.field} ${e.message}`;
    }
  });
  assert.match(errors[0], /^invalid-option pruningLimit pruningLimit must be above the least mean pruning/);
  assert.equal(errors, [errors[0], errors[0], errors[0]]);
});

test('a plan with a capped client no point meets below some budget: the same plans everywhere, equal infeasible', () => {
  const base = {
    bandwidthHz: 1e6,
    noisePsdWPerHz: 4e-21,
    payloadBits: 1e7,
    pruningBudget: 0.3,
    computeSeconds: new Float64Array([10, 20]),
    txPowerW: new Float64Array([0.2, 0.2]),
    channelGain: new Float64Array([2e-13, 2e-13]),
    dataWeight: new Float64Array([1, 1]),
    maxPruning: new Float64Array([0.8, 0.8]),
    computePowerW: new Float64Array([30, 30]),
    energyCapJ: new Float64Array([Infinity, 300]),
  };
  const [s, a] = comparePlans([base], { rounds0: 10, pruningLimit: 1.5, policy: 'both' }, 'capped');
  assert.is(s.status, 'converged');
  assert.is.not(a.status, 'infeasible');
  const [e] = comparePlans([base], { rounds0: 10, pruningLimit: 1.5, method: 'equal' }, 'capped equal');
  assert.is(e.status, 'infeasible');
});

test.run();
