// Monte Carlo units of fleets whose small devices must prune (MODEL.md section 12), with and
// without energy caps (section 11): the native and WASM cores' sweep units agree with the
// TypeScript reference, and the problems they solve really carry forced pruning.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSolver } from '../../dist/ts/index.js';
import { generate, resolveScenario } from '../../dist/ts/core/scenario.js';
import { runUnit } from '../../dist/ts/core/montecarlo.js';
import { flattenParams } from '../../dist/ts/sweep/config.js';

const fleets = [
  { clients: 12, seed: 5, devices: 'orin-nano-8gb:1,rtx-4070:1', model: 'llama2-7b-lora', budget: 0.5 },
  { clients: 10, seed: 6, devices: 'edge-mix', model: 'llama2-7b-lora', budget: 0.6 },
  { clients: 8, seed: 7, devices: 'orin-nano-8gb:1,rtx-4070:1', model: 'llama2-7b-lora', budget: 0.5, computePowerW: '20:60', energyCapJ: 5e4 },
];

test('fleets with forced pruning (and a cap): sweep units agree across backends', async () => {
  // Independent check that pruning is really forced: the generator's problems carry rmin > 0.
  for (const f of fleets) {
    const g = generate(f);
    assert.ok(Array.from(g.minPruning).some((r) => r > 0.1), `${f.devices}: some client must prune`);
  }
  const params = fleets.map((f) => resolveScenario(f));
  const specs = [
    { grid: 0, drop: 0, block: 0 },
    { grid: 1, drop: 2, block: 0 },
    { grid: 2, drop: 1, block: 0 },
  ];
  const o = { methods: ['equal', 'uniform-prune-bandwidth', 'bcd', 'optimal'], trials: 3, rounds: 2, tolerance: 1e-10, maxIterations: 500 };
  const ref = specs.map((s) => runUnit(params[s.grid], s, o));
  // 'equal' prunes nobody unless forced: its pruning sum is the forced pruning (MODEL.md 12).
  ref.forEach((u, i) => assert.ok(u.methods[0].pruningSum > 0.1, `unit ${i}: equal carries the forced pruning`));
  const packed = new Uint32Array(specs.flatMap((s) => [s.grid, s.drop, s.block]));
  for (const backend of ['native', 'wasm']) {
    const solver = await createSolver({ backend });
    const got = JSON.parse(solver.core.runUnits(flattenParams(params), packed, o.methods.join(','), o.trials, o.rounds, o.tolerance, o.maxIterations, 1));
    got.forEach((u, i) => {
      u.methods.forEach((m, j) => {
        const r = ref[i].methods[j];
        const label = `${backend} unit ${i} method ${o.methods[j]}`;
        assert.is(m.n, r.n, label);
        assert.ok(Math.abs(m.mean - r.mean) <= 1e-9 * r.mean, `${label}: ${m.mean} vs ${r.mean}`);
        assert.ok(Math.abs(m.pruningSum - r.pruningSum) <= 1e-9 * Math.max(1, r.pruningSum), `${label}: pruning`);
      });
    });
  }
});

test.run();
