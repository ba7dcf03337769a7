// Fuzz of drops files (issue 20): random valid and invalid entries (device names, energy
// field names, minPruning, huge distances, wrong types), seeded and bounded. Each file is
// either refused with a one-line JcpbaError naming the file, the drop and the client, before
// anything is written, or swept to finite numbers equal to solving the same problems directly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JcpbaError, resolveScenario, runSweep } from '../dist/ts/index.js';
import { Random } from '../dist/ts/core/rng.js';
import { DEVICES } from '../dist/ts/core/devices.js';
import { drawFading, problemFromDraws } from '../dist/ts/core/scenario.js';
import { loadDrops } from '../dist/ts/sweep/drops.js';
import { solver } from './helpers.mjs';

const dir = mkdtempSync(join(tmpdir(), 'jcpba-drops-fuzz-'));
const rng = new Random(2026, 20, 0, 0);
const u = () => rng.uniform();
const pick = (xs) => xs[Math.floor(u() * xs.length)];

function client(byDevice) {
  const c = { distanceM: 10 ** (u() * 3.5), samples: Math.ceil(u() * 500) };
  if (u() < 0.5) c.shadowDb = (u() - 0.5) * 20;
  if (byDevice) c.device = pick(DEVICES).name;
  else c.throughput = 10 ** (11 + 3 * u());
  return c;
}

/** One defect, or none (a third of the files). */
function mutate(drops) {
  const d = Math.floor(u() * drops.length);
  const k = Math.floor(u() * drops[d].length);
  const c = drops[d][k];
  const defect = pick([
    () => (c.distanceM = 1e300),
    () => (c.distanceM = 0.5),
    () => (c.samples = -1),
    () => (c.samples = 'many'),
    () => (c.shadowDb = 1000),
    () => (c.minPruning = 0.3),
    () => (c.energyCapJ = 5),
    () => (c.computePowerW = 30),
    () => (c.device = 'rtx-9090'),
    () => (c.distanceM = null),
  ]);
  defect();
  return { d, k };
}

test('random drops files: refused naming file, drop and client, or swept to the numbers of direct solves', async () => {
  let refused = 0;
  let swept = 0;
  for (let i = 0; i < 24; i++) {
    const byDevice = u() < 0.3;
    const drops = Array.from({ length: 1 + Math.floor(u() * 2) }, () => Array.from({ length: 1 + Math.floor(u() * 5) }, () => client(byDevice)));
    const bad = u() < 0.6 ? mutate(drops) : undefined;
    const file = join(dir, `drops-${i}.json`);
    writeFileSync(file, JSON.stringify(drops));
    const base = { budget: 0.3, maxPruning: 0.9, ...(byDevice ? { model: pick(['llama2-7b-lora', 'llama2-13b-lora']) } : {}) };
    const config = { grid: [{ key: 'bandwidthHz', values: [1e7] }], base, seed: i, realizations: 2, rounds: 1, methods: ['equal', 'optimal'], dropsFile: file };
    const out = join(dir, `out-${i}`);
    let outcome;
    try {
      outcome = await runSweep(config, { out, backend: solver.backend, threads: 1 });
    } catch (e) {
      assert.instance(e, JcpbaError, String(e));
      assert.not.match(e.message, /\n/);
      if (e.field === 'dropsFile') {
        assert.ok(e.message.includes(file), e.message);
        if (bad && e.client !== undefined) assert.match(e.message, new RegExp(`drop ${bad.d}, client ${bad.k}\\b`), e.message);
      } else assert.is(e.field, 'devices', e.message); // every client of a drop excluded by its device
      assert.not.ok(existsSync(join(out, 'units.jsonl')), 'nothing run before the error');
      refused++;
      continue;
    }
    // Valid: the same problems solved directly give the sweep's mean latency.
    const { drops: draws } = loadDrops(file);
    const params = resolveScenario({ ...base, bandwidthHz: 1e7, seed: i, drop: 0, realization: 0 });
    for (const row of outcome.rows) {
      const T = [];
      draws.forEach((dr, d) => {
        const p = { ...params, clients: dr.distanceM.length, drop: d };
        for (let r = 0; r < 2; r++) {
          const res = solver.solve(problemFromDraws(p, dr, drawFading({ ...p, realization: r })), { method: row.method, tolerance: 1e-10, maxIterations: 500 });
          if (res.latency !== undefined && Number.isFinite(res.latency)) T.push(res.latency);
        }
      });
      if (T.length === 0) continue;
      const mean = T.reduce((a, b) => a + b, 0) / T.length;
      assert.ok(Number.isFinite(row.stats.mean), `${row.method}: mean ${row.stats.mean}`);
      assert.ok(Math.abs(row.stats.mean - mean) <= 1e-9 * mean, `${row.method}: ${row.stats.mean} vs ${mean}`);
    }
    swept++;
  }
  assert.ok(refused > 0 && swept > 0, `refused ${refused}, swept ${swept}`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
