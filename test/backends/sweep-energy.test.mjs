// Sweep rows with energy caps where some realizations have no point (MODEL.md 11.2): the
// native, WASM and TypeScript backends give the same rows, infeasibleShare included, to
// 1e-9. The caps are chosen so that every case occurs: a method without a point in any
// round (share 1, null latency), methods with a point in some rounds, and no cap.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '../../dist/ts/index.js';

const config = {
  // Upload energy only (no compute power): the fading moves each client's energy, so a
  // cap of 0.4 J leaves some realizations without a point and others with one.
  grid: [{ key: 'energyCapJ', values: [0.4, 1, null] }],
  base: { clients: 5, computePowerW: 0 },
  seed: 1,
  drops: 2,
  realizations: 8,
  rounds: 2,
  methods: ['equal', 'bandwidth-only', 'uniform-prune', 'uniform-prune-bandwidth', 'prune-only', 'bcd', 'optimal'],
};

// Iteration counts are each core's own (optimal's search with caps takes different steps
// to the same point, as MODEL.md 11.2 allows); every other statistic must agree.
const OWN = new Set(['meanIterations']);

async function rowsOf(backend) {
  const dir = mkdtempSync(join(tmpdir(), `jcpba-sweep-energy-${backend}-`));
  try {
    const out = await runSweep(config, { out: join(dir, 'out'), backend, threads: 1 });
    assert.ok(out.complete);
    return out.rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('sweep rows with infeasible realizations agree across backends (infeasibleShare, latency and energy statistics)', async () => {
  const ref = await rowsOf('ts');
  // The test means something only if every case occurs.
  assert.ok(ref.some((r) => r.stats.infeasibleShare === 1 && r.stats.mean === null), 'a method without a point in any round');
  assert.ok(ref.some((r) => r.stats.infeasibleShare > 0 && r.stats.infeasibleShare < 1 && r.stats.mean !== null), 'a method with a point in some rounds');
  assert.ok(ref.some((r) => r.method === 'bcd' && r.stats.infeasibleShare > 0 && r.stats.gapMean !== undefined), 'a bcd gap over the rounds where both had a point');
  assert.ok(ref.some((r) => r.stats.infeasibleShare > 0 && r.stats.fineTuningMean !== null), 'a fine-tuning mean over the trials with every round');
  for (const backend of ['native', 'wasm']) {
    const got = await rowsOf(backend);
    assert.is(got.length, ref.length);
    got.forEach((g, i) => {
      const r = ref[i];
      const label = `${backend} ${JSON.stringify(r.point)} ${r.method}`;
      assert.is(g.method, r.method, label);
      assert.equal(Object.keys(g.stats).sort(), Object.keys(r.stats).sort(), label);
      for (const k of Object.keys(r.stats)) {
        if (OWN.has(k)) continue;
        const x = r.stats[k];
        const y = g.stats[k];
        if (x === null || y === null) {
          assert.is(y, x, `${label} ${k}`);
          continue;
        }
        assert.ok(Number.isFinite(y), `${label} ${k} = ${y}`);
        assert.ok(Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x)), `${label} ${k}: ${y} vs ${x}`);
      }
      assert.is(g.stats.infeasibleShare, r.stats.infeasibleShare, `${label} infeasibleShare`);
      assert.is(g.stats.rounds, r.stats.rounds, `${label} rounds`);
      if (r.reductionVsEqual === null) assert.is(g.reductionVsEqual, null, label);
      else assert.ok(Math.abs(g.reductionVsEqual - r.reductionVsEqual) <= 1e-9, `${label} reductionVsEqual`);
    });
  }
});

test.run();
