// Cross-backend tests of the energy accounting (MODEL.md section 11.1) and of the fields
// of sections 11 and 12 at the boundary: every backend reports the accounting of its own
// point (recomputed here), the same keys in the same order, the same numbers where the
// points agree, and the same verdict (the same error, or a result) on fuzzed energy
// fields at the edges of the representable range. Run once (not per backend).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JcpbaError, METHODS, createSolver, generate, toProblem } from '../../dist/ts/index.js';
import { extremeProblem, randomV2Problem, rngFor } from '../helpers.mjs';

const backends = {
  ts: await createSolver({ backend: 'ts' }),
  native: await createSolver({ backend: 'native' }),
  wasm: await createSolver({ backend: 'wasm' }),
};
const rel = (x, y) => (x === y ? 0 : Math.abs(x - y) / Math.max(Math.abs(y), 1e-300));
const ENERGY_KEYS = ['energyTotal', 'energyMax', 'uploadBits', 'computeSeconds'];

/** Random energy fields (no caps: the methods do not read caps yet here) on a problem in canonical form. */
function withEnergy(rng, p) {
  const K = p.computeSeconds.length;
  const u = () => rng.uniform();
  p.computePowerW = Float64Array.from({ length: K }, () => (u() < 0.2 ? 0 : 10 ** (3 * u() - 1)));
  if (u() < 0.5) p.fixedJoules = Float64Array.from({ length: K }, () => (u() < 0.3 ? 0 : 100 * u()));
  return p;
}

/** MODEL.md 11.1 from a returned point, written out here. */
function recompute(p, r) {
  const phiC = p.prunableComputeFraction ?? 1;
  const phiS = p.prunablePayloadFraction ?? 1;
  const energy = Array.from(r.pruning, (rho, k) => {
    const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
    const b = r.bandwidth[k];
    const rate = (b * Math.log1p(a / b)) / Math.LN2;
    return (p.fixedJoules?.[k] ?? 0) + (p.computePowerW?.[k] ?? 0) * p.computeSeconds[k] * (1 - phiC * rho) + (p.txPowerW[k] * p.payloadBits * (1 - phiS * rho)) / rate;
  });
  let uploadBits = 0;
  let computeSeconds = 0;
  r.pruning.forEach((rho, k) => {
    uploadBits += p.payloadBits * (1 - phiS * rho);
    computeSeconds += p.computeSeconds[k] * (1 - phiC * rho);
  });
  return { energy, energyTotal: energy.reduce((s, x) => s + x, 0), energyMax: Math.max(...energy), uploadBits, computeSeconds };
}

test('every backend reports the accounting of its own point, with the same keys in the same order', () => {
  const rng = rngFor(31);
  for (let i = 0; i < 40; i++) {
    const K = 1 + Math.floor(rng.uniform() ** 3 * 200);
    const p = withEnergy(rng, randomV2Problem(rng, K));
    for (const method of METHODS) {
      const results = Object.entries(backends).map(([name, s]) => [name, s.solve(p, { method })]);
      const keys = Object.keys(results[0][1]);
      for (const [name, r] of results) {
        assert.equal(Object.keys(r), keys, `${name} ${method}: keys`);
        const want = recompute(p, r);
        for (let k = 0; k < K; k++) assert.ok(rel(r.energy[k], want.energy[k]) <= 1e-12, `#${i} ${method} ${name}: energy[${k}] ${r.energy[k]} vs ${want.energy[k]}`);
        for (const key of ENERGY_KEYS) assert.ok(rel(r[key], want[key]) <= 1e-12, `#${i} ${method} ${name}: ${key}`);
      }
      // Where the backends return the same point (to 1e-12), they report the same cost (1e-9).
      const [, ref] = results[0];
      for (const [name, r] of results.slice(1)) {
        const same = r.pruning.every((x, k) => Math.abs(x - ref.pruning[k]) <= 1e-12 && rel(r.bandwidth[k], ref.bandwidth[k]) <= 1e-12);
        if (!same) continue;
        for (const key of ENERGY_KEYS) assert.ok(rel(r[key], ref[key]) <= 1e-9, `#${i} ${method} ${name}: ${key} ${r[key]} vs ts ${ref[key]}`);
        r.energy.forEach((e, k) => assert.ok(rel(e, ref.energy[k]) <= 1e-9, `#${i} ${method} ${name}: energy[${k}]`));
      }
    }
  }
});

test('the closed-form methods report the same energy on every backend, to 1e-9, on generated problems', () => {
  const p = withEnergy(rngFor(32), toProblem(generate({ clients: 2000, seed: 3, fixedSeconds: 2, prunableComputeFraction: 0.6 })));
  for (const method of ['equal', 'uniform-prune']) {
    const ref = backends.ts.solve(p, { method });
    for (const name of ['native', 'wasm']) {
      const r = backends[name].solve(p, { method });
      for (const key of ENERGY_KEYS) assert.ok(rel(r[key], ref[key]) <= 1e-9, `${method} ${name}: ${key} ${r[key]} vs ${ref[key]}`);
      let worst = 0;
      r.energy.forEach((e, k) => (worst = Math.max(worst, rel(e, ref.energy[k]))));
      assert.ok(worst <= 1e-9, `${method} ${name}: energy differs by ${worst}`);
    }
  }
});

test('fuzz: energy fields at the edges of the representable range get the same verdict from every backend, and finite energies', () => {
  const rng = rngFor(33);
  const u = () => rng.uniform();
  const logUniform = (lo, hi) => Math.exp(Math.log(lo) + u() * (Math.log(hi) - Math.log(lo)));
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < 300; i++) {
    const p = extremeProblem(rng);
    const K = p.computeSeconds.length;
    const unit = (k) => (p.txPowerW[k] * p.payloadBits) / p.bandwidthHz;
    // Scales drawn around the limits of docs/MODEL.md 2.1 (1e50 of the unit, and below 1e-50).
    const around = () => 10 ** (u() < 0.5 ? 50 + 4 * (u() - 0.5) : 100 * u() - 50);
    p.computePowerW = Float64Array.from({ length: K }, (_, k) => (u() < 0.1 ? 0 : (around() * unit(k)) / p.computeSeconds[k]));
    if (u() < 0.5) p.fixedJoules = Float64Array.from({ length: K }, (_, k) => (u() < 0.2 ? 0 : around() * unit(k)));
    if (u() < 0.3) p.minPruning = Float64Array.from(p.maxPruning, (r) => (u() < 0.5 ? 0 : r * u()));
    // Caps are only checked here (no method reads them yet): far above every energy, or out of range.
    if (u() < 0.3) p.energyCapJ = Float64Array.from({ length: K }, (_, k) => (u() < 0.3 ? Infinity : u() < 0.5 ? logUniform(1e-60, 1e-48) * unit(k) : 1e300));
    for (const method of ['equal', 'uniform-prune-bandwidth', 'optimal']) {
      const outcomes = Object.entries(backends).map(([name, s]) => {
        try {
          return { name, r: s.solve(p, { method }) };
        } catch (e) {
          assert.instance(e, JcpbaError, `${name}: ${e}`);
          return { name, error: `${e.message} (${e.field}, ${e.client})` };
        }
      });
      for (const o of outcomes.slice(1)) assert.is(o.error, outcomes[0].error, `#${i} ${method} ${o.name}`);
      if (outcomes[0].error) {
        rejected++;
        continue;
      }
      accepted++;
      for (const { name, r } of outcomes) {
        // Minimum pruning above the budget is a result without a point: nothing to account.
        if (r.status === 'infeasible') {
          assert.is(r.energy, null, `#${i} ${method} ${name}`);
          assert.is(r.energyTotal, null, `#${i} ${method} ${name}`);
          continue;
        }
        assert.ok(r.energy.every((e) => Number.isFinite(e) && e > 0), `#${i} ${method} ${name}: energy not finite and positive`);
        for (const key of ENERGY_KEYS) assert.ok(Number.isFinite(r[key]) && r[key] > 0, `#${i} ${method} ${name}: ${key} = ${r[key]}`);
      }
    }
  }
  assert.ok(accepted > 100 && rejected > 100, `${accepted} accepted, ${rejected} rejected`);
});

test('the new fields at their defaults change nothing on any backend, bit for bit', () => {
  const rng = rngFor(34);
  for (let i = 0; i < 20; i++) {
    const p = randomV2Problem(rng, 1 + Math.floor(rng.uniform() * 50));
    const K = p.computeSeconds.length;
    const explicit = { ...p, minPruning: new Float64Array(K), computePowerW: new Float64Array(K), fixedJoules: new Float64Array(K), energyCapJ: new Float64Array(K).fill(Infinity) };
    for (const [name, s] of Object.entries(backends)) {
      for (const method of METHODS) {
        const a = s.solve(p, { method });
        const b = s.solve(explicit, { method });
        for (const key of Object.keys(a)) {
          const x = a[key] instanceof Float64Array ? Array.from(a[key]) : a[key];
          const y = b[key] instanceof Float64Array ? Array.from(b[key]) : b[key];
          assert.equal(y, x, `#${i} ${name} ${method}: ${key}`);
        }
      }
    }
  }
});

test.run();
