// Plans under energy caps whose least budget has no point (MODEL.md 10 and 11.2): the static
// search of `optimal` finds the best whole number of rounds among the budgets that have a
// point, checked against a scan of every round count that can win; the adaptive policy is
// infeasible exactly when a realization has no point at any budget, never a plan of 0 s.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generate } from '../dist/ts/index.js';
import { solver, solve } from './helpers.mjs';

const R0 = 100;
const Pmax = 0.5;
// 30 clients drawing 150 to 250 W, every one capped at 6.5 kJ a round: at budget 0 no
// realization has a point (some clients must prune to meet their cap), at 0.3 both have.
const drop = (seed) => [0, 1].map((realization) => generate({ clients: 30, seed, computePowerW: '150:250', energyCapJ: 6500, realization }));

test('static plan of optimal when the least budget has no point: the best whole number of rounds, certified', () => {
  const ps = drop(3);
  assert.is(solve({ ...ps[0], pruningBudget: 0 }, { method: 'optimal' }).status, 'infeasible');
  const [st, ad] = solver.plan(ps, { rounds0: R0, pruningLimit: Pmax, method: 'optimal', policy: 'both', tolerance: 1e-10 });
  assert.is(st.status, 'converged');
  // Independent scan: R rounds allow budget Pmax (1 - R0 / R) (m = 1). Every R has
  // J(R) >= R * (mean latency at Pmax), so no R above J_found / that can win.
  const meanAt = (P) => ps.reduce((s, p) => s + (solve({ ...p, pruningBudget: P }, { method: 'optimal' }).latency ?? Infinity), 0) / ps.length;
  const floor = meanAt(Pmax);
  let best = Infinity;
  let bestR = 0;
  for (let R = R0; R <= Math.ceil(st.fineTuningSeconds / floor) + 1; R++) {
    const J = R * meanAt(Pmax * (1 - R0 / R));
    if (J < best) [best, bestR] = [J, R];
  }
  assert.ok(best < Infinity && bestR > R0, `scan: ${best} at ${bestR}`);
  assert.is(st.rounds, bestR);
  assert.ok(Math.abs(st.fineTuningSeconds - best) <= 1e-8 * best, `${st.fineTuningSeconds} vs scan ${best}`);
  assert.ok(st.lowerBound <= best * (1 + 1e-12) && st.upperBound >= best * (1 - 1e-8));
  // The orderings: adaptive at most static, static optimal at most static bcd.
  assert.ok(ad.status !== 'infeasible' && ad.fineTuningSeconds <= st.fineTuningSeconds * (1 + 1e-9), `adaptive ${ad.fineTuningSeconds}`);
  const [bcd] = solver.plan(ps, { rounds0: R0, pruningLimit: Pmax, method: 'bcd' });
  assert.ok(st.fineTuningSeconds <= bcd.fineTuningSeconds * (1 + 1e-9), `bcd ${bcd.fineTuningSeconds}`);
});

test('a drop with no point at any budget: every policy infeasible, no plan of 0 s', () => {
  const ps = drop(1);
  for (const p of ps) assert.is(solve({ ...p, pruningBudget: Pmax }, { method: 'optimal' }).status, 'infeasible');
  const [st, ad] = solver.plan(ps, { rounds0: R0, pruningLimit: Pmax, method: 'optimal', policy: 'both' });
  for (const r of [st, ad]) {
    assert.is(r.status, 'infeasible', r.policy);
    assert.ok(!(r.fineTuningSeconds < Infinity), `${r.policy}: ${r.fineTuningSeconds}`);
  }
});

test.run();
