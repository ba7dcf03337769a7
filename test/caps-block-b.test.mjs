// Block B with the cap floors (MODEL.md 11.2) reaches its optimum for the pruning it is
// given, on the backend under test (JCPBA_BACKEND): `bandwidth-only` and
// `uniform-prune-bandwidth` against the least T at which the clients' needs (time and cap,
// each an inverse rate by bisection, test/energy-model.mjs) fit in the band.
//
// test/data/caps_block_b_onto_band.json is problem #366 of the Rust caps fuzz
// (crates/jcpba-core/tests/energy.rs, K = 40, 6 clients capped). Block B found its root,
// T = 23,350 s, with a split one ulp over the band; moving it onto the band gave a shrink
// factor that rounded to 1, which onto_band refused, so the block returned its start (the
// floors and an equal share of the rest): uniform-prune-bandwidth 60,846 s, above
// bandwidth-only's 36,109 s, on all three backends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { solver } from './helpers.mjs';
import { need } from './energy-model.mjs';

const json = JSON.parse(readFileSync(new URL('./data/caps_block_b_onto_band.json', import.meta.url), 'utf8'));
const { clients, ...top } = json;
/** The flat form of test/energy-model.mjs (no cap: Infinity). */
const flat = { ...top, ...clients, energyCapJ: clients.energyCapJ.map((c) => (c === null ? Infinity : c)) };

/** The least T at which sum_k need_k(rho_k, T) <= B, by bisection. */
function blockOptimum(rho) {
  const fits = (T) => rho.reduce((s, r, k) => s + need(flat, k, r, T), 0) <= flat.bandwidthHz;
  let lo = 0;
  let hi = 1;
  while (!fits(hi)) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

test('bandwidth-only and uniform-prune-bandwidth are block B optima with cap floors (a split an ulp over the band)', () => {
  const s = solver;
  const T = {};
  for (const method of ['bandwidth-only', 'uniform-prune-bandwidth']) {
    const r = s.solve(json, { method });
    assert.is(r.status, 'converged', method);
    const best = blockOptimum(r.pruning);
    assert.ok(Math.abs(r.latency / best - 1) <= 1e-9, `${method}: T = ${r.latency}, block optimum ${best}`);
    const band = r.bandwidth.reduce((a, b) => a + b, 0);
    assert.ok(band <= json.bandwidthHz * (1 + 1e-12), `${method}: band ${band}`);
    T[method] = r.latency;
  }
  // MODEL.md section 6: uniform-prune-bandwidth <= bandwidth-only to 1e-9.
  assert.ok(T['uniform-prune-bandwidth'] <= T['bandwidth-only'] * (1 + 1e-9), JSON.stringify(T));
});

test.run();
