// Cross-backend tests of energy caps and minimum pruning (MODEL.md sections 11.2 and 12):
// the native addon and the WASM module agree with the TypeScript reference on every
// method's status and infeasibleClients, and on T within 1e-9. Run once (not per backend).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { METHODS, createSolver } from '../../dist/ts/index.js';
import { rngFor } from '../helpers.mjs';

const backends = {
  ts: await createSolver({ backend: 'ts' }),
  native: await createSolver({ backend: 'native' }),
  wasm: await createSolver({ backend: 'wasm' }),
};
const rel = (x, y) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);

/** A problem with energy fields, caps on about 40 % of the clients, from 0.3x to 10x of each client's energy at the uncapped optimum. */
function cappedProblem(rng, K) {
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
    p.minPruning[k] = u() < 0.7 ? 0 : u() * 0.3 * p.maxPruning[k];
    p.computePowerW[k] = u() < 0.2 ? 0 : logU(1, 300);
    p.fixedJoules[k] = u() < 0.5 ? 0 : logU(1, 100);
  }
  const free = backends.ts.solve({ ...p, energyCapJ: undefined }, { method: 'optimal' });
  for (let k = 0; k < K; k++) {
    if (u() < 0.6 || free.status === 'infeasible') continue;
    // E_k at the uncapped optimum (MODEL.md section 11), written out.
    const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
    const b = free.bandwidth[k];
    const rho = free.pruning[k];
    const rate = b * Math.log2(1 + a / b);
    const E = p.fixedJoules[k] + p.computePowerW[k] * p.computeSeconds[k] * (1 - p.prunableComputeFraction * rho) + (p.txPowerW[k] * p.payloadBits * (1 - p.prunablePayloadFraction * rho)) / rate;
    p.energyCapJ[k] = E * logU(0.3, 10);
  }
  return p;
}

function compare(p, method, label) {
  const ref = backends.ts.solve(p, { method });
  for (const name of ['native', 'wasm']) {
    const r = backends[name].solve(p, { method });
    assert.is(r.status === 'infeasible', ref.status === 'infeasible', `${label} ${method} ${name}: status ${r.status} vs ts ${ref.status}`);
    if (ref.status === 'infeasible') {
      assert.equal(r.infeasibleClients, ref.infeasibleClients, `${label} ${method} ${name}: infeasibleClients`);
      assert.is(r.latency, null);
      continue;
    }
    assert.ok(rel(r.latency, ref.latency) <= 1e-9, `${label} ${method} ${name}: T ${r.latency} vs ts ${ref.latency}`);
    if (method === 'optimal') assert.ok(rel(r.lowerBound, ref.lowerBound) <= 1e-9, `${label} ${name}: lowerBound`);
  }
  return ref.status === 'infeasible';
}

test('every method agrees across backends with energy caps and minimum pruning (status, infeasibleClients, T)', () => {
  const rng = rngFor(61);
  let infeasible = 0;
  let feasible = 0;
  for (let i = 0; i < 60; i++) {
    const K = 1 + Math.floor(rng.uniform() ** 2 * 40);
    const p = cappedProblem(rng, K);
    for (const method of METHODS) {
      if (compare(p, method, `#${i} K=${K}`)) infeasible++;
      else feasible++;
    }
  }
  assert.ok(feasible > 100 && infeasible > 30, `${feasible} feasible, ${infeasible} infeasible results`);
});

test('sum w rmin above the budget: every backend infeasible with [] for every method', () => {
  const rng = rngFor(62);
  const p = cappedProblem(rng, 5);
  p.energyCapJ = undefined;
  p.minPruning = Float64Array.from(p.maxPruning, (x) => 0.9 * x);
  p.pruningBudget = 0.01;
  for (const method of METHODS) for (const name of ['ts', 'native', 'wasm']) {
    const r = backends[name].solve(p, { method });
    assert.is(r.status, 'infeasible', `${method} ${name}`);
    assert.equal(r.infeasibleClients, [], `${method} ${name}`);
  }
});

test.run();
