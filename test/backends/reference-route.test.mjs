// Deadline mode and plans with energy caps or minimum pruning exist in the TypeScript
// reference only this release: the compiled backends must give the reference's answer
// (they run it), never a point that ignores a cap or a client's least pruning.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSolver, generate, toProblem } from '../../dist/ts/index.js';

const solvers = {
  ts: await createSolver({ backend: 'ts' }),
  native: await createSolver({ backend: 'native' }),
  wasm: await createSolver({ backend: 'wasm' }),
};

function capped() {
  const p = toProblem(generate({ clients: 12, seed: 5 }));
  const K = p.computeSeconds.length;
  p.computePowerW = new Float64Array(K).fill(30);
  p.minPruning = new Float64Array(K).map((_, k) => (k % 4 === 0 ? 0.2 : 0));
  // Caps at 0.8x the energy each client spends at rmin with an equal share, on every third client.
  const base = solvers.ts.solve({ ...p, energyCapJ: undefined }, { method: 'equal' });
  p.energyCapJ = new Float64Array(K).map((_, k) => (k % 3 === 0 ? 0.8 * base.energy[k] : Infinity));
  return p;
}

test('deadline mode with caps and minimum pruning: every backend gives the reference result, caps met', () => {
  const p = capped();
  const opt = solvers.ts.solve(p, { method: 'optimal' });
  assert.is(opt.status, 'converged');
  const want = solvers.ts.minPruning(p, { deadline: 1.2 * opt.latency });
  assert.is(want.status, 'converged');
  for (let k = 0; k < p.minPruning.length; k++) assert.ok(want.pruning[k] >= p.minPruning[k], `client ${k} below its least pruning`);
  for (const [name, s] of Object.entries(solvers)) {
    const got = s.minPruning(p, { deadline: 1.2 * opt.latency });
    assert.is(got.status, want.status, name);
    assert.is(got.weightedPruning, want.weightedPruning, name);
    assert.equal(Array.from(got.pruning), Array.from(want.pruning), name);
  }
});

test('plans with minimum pruning: every backend gives the reference plan', () => {
  const realizations = [1, 2, 3].map((r) => {
    const p = toProblem(generate({ clients: 8, seed: 9, realization: r }));
    p.minPruning = new Float64Array(8).map((_, k) => (k % 2 === 0 ? 0.1 : 0));
    return p;
  });
  const want = solvers.ts.plan(realizations, { method: 'optimal', rounds0: 100, pruningLimit: 0.8 });
  for (const [name, s] of Object.entries(solvers)) {
    const got = s.plan(realizations, { method: 'optimal', rounds0: 100, pruningLimit: 0.8 });
    assert.equal(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(want)), name);
    const w = realizations[0].dataWeight;
    const W = w.reduce((a, b) => a + b, 0);
    const floor = w.reduce((a, x, k) => a + (x / W) * realizations[0].minPruning[k], 0);
    assert.ok(got[0].budget >= floor * (1 - 1e-12), `${name}: budget ${got[0].budget} below sum w rmin ${floor}`);
  }
});

test.run();
