// Smoke test of the benchmark harness: it runs, covers every backend and method, and
// writes its report. It asserts no timing (speed is reported, never asserted).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/jcpba.js', import.meta.url));

test('jcpba bench --quick reports every backend and method, ratios and the machine', () => {
  const out = mkdtempSync(join(tmpdir(), 'jcpba-bench-'));
  const r = spawnSync(process.execPath, [BIN, 'bench', '--quick', '--out', out], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
  const seen = new Set(report.perSolve.rows.map((row) => `${row.backend}/${row.method}`));
  for (const backend of ['native', 'wasm', 'ts']) {
    for (const method of ['equal', 'bandwidth-only', 'uniform-prune', 'uniform-prune-bandwidth', 'prune-only', 'bcd', 'optimal', 'min-pruning']) {
      assert.ok(seen.has(`${backend}/${method}`), `${backend}/${method}`);
    }
  }
  for (const row of report.perSolve.rows) assert.ok(row.meanMs > 0 && row.p99Ms >= 0 && row.opsPerSecond > 0);
  assert.ok(report.ratios.every((x) => x.nativeOverTs > 0 && x.wasmOverTs > 0));
  assert.type(report.machine.cpu, 'string');
  // Issue 12's accuracy part: parity, certificates, and the scalar path against the vector one.
  assert.ok(report.accuracy.parity.native <= 1e-9 && report.accuracy.parity.wasm <= 1e-9);
  assert.is(report.accuracy.certificates.failureCount, 0);
  assert.ok(report.accuracy.paths.native.worst <= 1e-12 && report.accuracy.paths.wasm.worst <= 1e-12);
  assert.is(report.accuracy.paths.native.scalar, 'scalar');
  assert.ok(report.perSolve.rows.every((row) => row.clients !== 1000 || row.cpuMs === undefined || row.cpuMs > 0));
  // The fine-tuning plan: every backend's static plan (TypeScript skipped in quick mode), native's adaptive.
  const plans = report.plan.rows.map((row) => `${row.backend}/${row.policy}`);
  assert.equal(plans, ['native/static', 'wasm/static', 'native/adaptive']);
  for (const row of report.plan.rows) assert.ok(row.ms > 0 && row.cpuMs >= 0 && row.solves > 0 && row.fineTuningSeconds > 0);
  assert.match(readFileSync(join(out, 'latest.md'), 'utf8'), /## Fine-tuning plan/);
  const md = readFileSync(join(out, 'latest.md'), 'utf8');
  assert.match(md, /native/);
  assert.match(r.stdout, /scalar and vector paths agree/);
  assert.match(r.stdout, /optimal, K = 1,000, native: mean < 800 µs per solve/);
});

test.run();
