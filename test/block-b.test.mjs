// Block B (MODEL.md section 3) is exact: bandwidth-only's latency T is the least round
// latency of any split of the band with no pruning, and uniform-prune-bandwidth's the
// least with its pruning. Checked independently of the solver: at T (1 - 1e-11) the
// clients' bandwidth needs, each found by bisection on the rate function, exceed the band.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { infeasibility, randomProblem, randomV2Problem, rate, rngFor, solve } from './helpers.mjs';

/** The bandwidth that carries q bit/s for SNR bandwidth a, by bisection on r(b) (Infinity when none does). */
function bandwidthFor(a, q) {
  if (!(q < a / Math.LN2)) return Infinity;
  let lo = 0;
  let hi = 1;
  while (rate(a, hi) < q) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-16 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (rate(a, mid) < q) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** sum_k b_k(T) for pruning rho, MODEL.md section 8 (section 2 with the defaults). */
function demand(p, rho, T) {
  let sum = 0;
  for (let k = 0; k < p.computeSeconds.length; k++) {
    const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
    const t0 = p.fixedSeconds?.length ? p.fixedSeconds[k] : 0;
    const window = T - t0 - p.computeSeconds[k] * (1 - (p.prunableComputeFraction ?? 1) * rho[k]);
    if (!(window > 0)) return Infinity;
    sum += bandwidthFor(a, (p.payloadBits * (1 - (p.prunablePayloadFraction ?? 1) * rho[k])) / window);
  }
  return sum;
}

test('bandwidth-only and uniform-prune-bandwidth reach the block optimum (random problems, v1 and v2)', () => {
  const rng = rngFor(202);
  for (let i = 0; i < 150; i++) {
    const K = 1 + Math.floor(rng.uniform() * 25);
    const p = i % 2 === 0 ? randomProblem(rng, K) : randomV2Problem(rng, K);
    for (const method of ['bandwidth-only', 'uniform-prune-bandwidth']) {
      const r = solve(p, { method });
      assert.is(infeasibility(p, r), null, `#${i} ${method}`);
      const below = r.latency * (1 - 1e-11);
      const need = demand(p, r.pruning, below);
      assert.ok(need > p.bandwidthHz, `#${i} K=${K} ${method}: T (1 - 1e-11) = ${below} needs only ${need} <= B = ${p.bandwidthHz}`);
    }
  }
});

test.run();
