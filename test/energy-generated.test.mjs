// Energy caps on the generator's scenarios (MODEL.md 11.2), where every client is capped at
// the same value and many cannot meet their cap unpruned: every method's point meets every
// cap (recomputed here from the point), and `optimal` is at most every other method. On
// such problems the native and WASM `optimal` once returned points that broke caps by up
// to 32 % (a client whose time and cap needs were both infinite at its least pruning took
// the time branch there).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { METHODS, generate } from '../dist/ts/index.js';
import { solve } from './helpers.mjs';

const rate = (a, b) => (b * Math.log1p(a / b)) / Math.LN2;

test('generated scenarios with a cap on every client: every point meets every cap and optimal is least', () => {
  let points = 0;
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    for (const cap of [5000, 6500, 8000]) {
      for (const realization of [0, 1]) {
        const p0 = generate({ clients: 30, seed, computePowerW: '150:250', energyCapJ: cap, realization });
        for (const budget of [0.1, 0.2, 0.3]) {
          const p = { ...p0, pruningBudget: budget };
          const best = solve(p, { method: 'optimal' });
          for (const method of METHODS) {
            const r = method === 'optimal' ? best : solve(p, { method });
            if (r.status === 'infeasible') continue;
            points++;
            const label = `seed ${seed} cap ${cap} realization ${realization} budget ${budget} ${method}`;
            let worst = 0;
            for (let k = 0; k < p.computeSeconds.length; k++) {
              const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
              const upload = (p.payloadBits * (1 - r.pruning[k])) / rate(a, r.bandwidth[k]);
              const E = (p.fixedJoules?.[k] ?? 0) + p.computePowerW[k] * p.computeSeconds[k] * (1 - r.pruning[k]) + p.txPowerW[k] * upload;
              worst = Math.max(worst, E / p.energyCapJ[k]);
            }
            assert.ok(worst <= 1 + 1e-12, `${label}: a client spends ${worst} times its cap`);
            assert.ok(best.status !== 'infeasible' && best.latency <= r.latency * (1 + 1e-9), `${label}: optimal ${best.latency} vs ${r.latency}`);
          }
        }
      }
    }
  }
  assert.ok(points > 100, `${points} points`);
});

test.run();
