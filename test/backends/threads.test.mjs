// The native addon's record of each sweep thread's work (lastRunThreads, for bench/): a
// runUnits on two threads reports two threads whose units add up to the specs run, each
// with its CPU time; one thread runs on the caller, alone. No timing is asserted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { flattenParams, gridPoints, monteCarloOptions, scenarioOf, units } from '../../dist/ts/sweep/config.js';
import { loadNative } from '../../dist/bindings/native.js';

const c = { grid: [{ key: 'clients', values: [20] }], base: {}, seed: 3, drops: 4, realizations: 32, rounds: 1, methods: ['bcd', 'optimal'], tolerance: 1e-10, maxIterations: 500 };

test('lastRunThreads: every thread of the last runUnits, its units and CPU time', () => {
  const core = loadNative();
  const params = flattenParams(gridPoints(c).map((p) => scenarioOf(c, p)));
  const list = units(c);
  const specs = Uint32Array.from(list.flatMap((u) => [u.grid, u.drop, u.block]));
  const o = monteCarloOptions(c);
  for (const threads of [1, 2]) {
    core.runUnits(params, specs, o.methods.join(','), o.trials, o.rounds, o.tolerance, o.maxIterations, threads);
    const runs = JSON.parse(core.lastRunThreads());
    assert.is(runs.length, threads);
    assert.is(runs.reduce((n, r) => n + r.units, 0), list.length);
    for (const r of runs) assert.ok(r.units === 0 || r.cpuSeconds > 0, JSON.stringify(runs));
  }
});

test.run();
