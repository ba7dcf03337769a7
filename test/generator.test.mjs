import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JcpbaError, MODEL_PRESETS, generate, resolveScenario } from '../dist/ts/index.js';
import { Random, mix32 } from '../dist/ts/core/rng.js';
import { pathLossDb } from '../dist/ts/core/scenario.js';

const same = (x, y) => assert.equal(Array.from(x), Array.from(y));

test('same seed, drop and realization: the same problem', () => {
  const a = generate({ clients: 50, seed: 42, drop: 3, realization: 7 });
  const b = generate({ clients: 50, seed: 42, drop: 3, realization: 7 });
  for (const f of ['computeSeconds', 'txPowerW', 'channelGain', 'dataWeight', 'maxPruning']) same(a[f], b[f]);
});

test('another realization changes the fading only', () => {
  const a = generate({ clients: 50, seed: 42, drop: 3, realization: 7 });
  const b = generate({ clients: 50, seed: 42, drop: 3, realization: 8 });
  for (const f of ['computeSeconds', 'txPowerW', 'dataWeight', 'maxPruning']) same(a[f], b[f]);
  let differ = 0;
  for (let k = 0; k < 50; k++) if (a.channelGain[k] !== b.channelGain[k]) differ++;
  assert.is(differ, 50);
  // The path loss (large scale) is shared: the gains' ratio is a ratio of Exp(1) draws.
  const c = generate({ clients: 50, seed: 42, drop: 4, realization: 7 });
  assert.not.equal(Array.from(a.computeSeconds), Array.from(c.computeSeconds));
});

test('a larger K keeps the first clients of the drop (streams are per client, in order)', () => {
  const a = generate({ clients: 10, seed: 9 });
  const b = generate({ clients: 30, seed: 9 });
  same(a.computeSeconds, b.computeSeconds.subarray(0, 10));
  same(a.channelGain, b.channelGain.subarray(0, 10));
});

test('uniforms lie in (0, 1) with the right mean and variance; streams differ by every key', () => {
  const r = new Random(1, 2, 3, 4);
  let sum = 0;
  let sq = 0;
  const n = 200000;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u > 0 && u < 1);
    sum += u;
    sq += u * u;
  }
  const mean = sum / n;
  const variance = sq / n - mean * mean;
  assert.ok(Math.abs(mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 0.002, `variance ${variance}`);
  const first = (s, st, d, re) => new Random(s, st, d, re).nextU32();
  const base = first(1, 2, 3, 4);
  for (const other of [first(2, 2, 3, 4), first(1, 1, 3, 4), first(1, 2, 4, 4), first(1, 2, 3, 5)]) assert.is.not(other, base);
});

test('the stream matches the Rust core bit for bit (vectors pinned in crates/jcpba-core/src/rng.rs)', () => {
  const r = new Random(1, 2, 3, 4);
  assert.is(r.nextU32(), 3672378867);
  assert.is(r.nextU32(), 2572024654);
  assert.is(r.uniform(), 0.05865989938248395);
});

test('mix32 is the lowbias32 permutation (published test value)', () => {
  // lowbias32(0) = 0 and lowbias32(1) computed by hand with 32-bit wrap-around.
  assert.is(mix32(0), 0);
  let x = 1;
  x ^= x >>> 16;
  x = Number((BigInt(x) * 0x7feb352dn) & 0xffffffffn);
  x ^= x >>> 15;
  x = Number((BigInt(x >>> 0) * 0x846ca68bn) & 0xffffffffn);
  x = (x ^ (x >>> 16)) >>> 0;
  assert.is(mix32(1), x);
});

test('generated quantities follow MODEL.md section 7', () => {
  const p = generate({ clients: 400, seed: 5 });
  const s = resolveScenario({ clients: 400, seed: 5 });
  const model = MODEL_PRESETS['llama2-7b-lora'];
  assert.is(p.payloadBits, 4194304 * 16);
  assert.ok(Math.abs(p.txPowerW[0] - 0.19952623149688797) < 1e-15);
  let meanH2 = 0;
  for (let k = 0; k < 400; k++) {
    assert.ok(p.dataWeight[k] >= 50 && p.dataWeight[k] <= 150 && Number.isInteger(p.dataWeight[k]));
    // c = samples x tokens x 4 x 6.74e9 / throughput with throughput in [1e13, 5e13].
    const throughput = (p.dataWeight[k] * 256 * model.flopsPerToken) / p.computeSeconds[k];
    assert.ok(throughput >= 1e13 * (1 - 1e-12) && throughput <= 5e13 * (1 + 1e-12));
    // The gain is at most the path loss at the minimum distance times the fading.
    assert.ok(p.channelGain[k] > 0);
    meanH2 += p.channelGain[k] / 10 ** (-pathLossDb(s.minDistanceM) / 10);
  }
  assert.ok(pathLossDb(1000) === 128.1);
  assert.ok(meanH2 > 0);
});

test('bad scenario options name the option', () => {
  for (const [opts, field] of [
    [{ clients: 0 }, 'clients'],
    [{ clients: 2.5 }, 'clients'],
    [{ seed: -1 }, 'seed'],
    [{ budget: 1 }, 'budget'],
    [{ maxPruning: NaN }, 'maxPruning'],
    [{ bandwidthHz: -5 }, 'bandwidthHz'],
    [{ model: 'gpt5' }, 'model'],
    [{ dataset: 'mnist' }, 'dataset'],
    [{ minDistanceM: 600 }, 'minDistanceM'],
  ]) {
    try {
      generate(opts);
      assert.unreachable(`${JSON.stringify(opts)} accepted`);
    } catch (e) {
      assert.instance(e, JcpbaError);
      assert.is(e.field, field, e.message);
    }
  }
});

test.run();
