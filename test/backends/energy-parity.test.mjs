// Cross-backend tests of energy caps and minimum pruning (MODEL.md sections 11.2 and 12):
// the native addon and the WASM module agree with the TypeScript reference on every
// method's status and infeasibleClients, and on T within 1e-9. Run once (not per backend).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { METHODS, createSolver } from '../../dist/ts/index.js';
import { rngFor } from '../helpers.mjs';
import { randomCapped } from '../energy-model.mjs';
import { instance } from '../../dist/ts/core/problem.js';
import { energyAt } from '../../dist/ts/core/energy.js';

const backends = {
  ts: await createSolver({ backend: 'ts' }),
  native: await createSolver({ backend: 'native' }),
  wasm: await createSolver({ backend: 'wasm' }),
};
const rel = (x, y) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);

/** A problem with energy fields: a least pruning on 30 % of the clients, caps on 40 % from 0.3x to 10x of their energy at the uncapped optimum. */
const cappedProblem = (rng, K) => randomCapped(rng, K, undefined, { minPruningShare: 0.3, capShare: 0.4, capRange: [0.3, 10] });

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

test('a cap exactly at the cap condition of bandwidth-only\'s pruning (E(0, unlimited band)): every backend lists the client, as it cannot meet its cap with any bandwidth (MODEL.md 11.2)', () => {
  // The rate inverse of q_E rounds to a finite, huge bandwidth on some of these problems:
  // the compiled core then took it as the floor and returned [] (the band exceeded).
  let listed = 0;
  for (let i = 0; i < 40; i++) {
    const p = {
      bandwidthHz: 1e6,
      noisePsdWPerHz: 4e-21,
      payloadBits: 1e6 * (1 + (i % 7)),
      pruningBudget: 0.3,
      computeSeconds: Float64Array.of(1 + (i % 17) * 0.37),
      txPowerW: Float64Array.of(0.2 + 0.01 * (i % 11)),
      channelGain: Float64Array.of(1e-12 * (1 + (i % 13))),
      dataWeight: Float64Array.of(1),
      maxPruning: Float64Array.of(0.5),
      computePowerW: Float64Array.of([0, 3, 30][i % 3]),
      fixedJoules: Float64Array.of([0, 0.5][i % 2]),
    };
    const inst = instance(p);
    p.energyCapJ = Float64Array.of(energyAt(inst, 0, 0, (inst.S * Math.LN2) / inst.a[0]));
    for (const method of METHODS) compare(p, method, `#${i} cap at E(0, inf)`);
    const r = backends.ts.solve(p, { method: 'bandwidth-only' });
    assert.is(r.status, 'infeasible', `#${i}`);
    assert.equal(r.infeasibleClients, [0], `#${i}`);
    listed++;
  }
  assert.is(listed, 40);
});

test.run();
