// Smoke check of both bindings against a hand computation. Run after building the
// addon, the WASM module and the TypeScript (dist/bindings/*.js):
//   node scripts/smoke-bindings.mjs [distDir]     (distDir defaults to ./dist)
// Exits non-zero on the first mismatch.

import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.argv[2] ?? resolve(root, 'dist'));
const { loadNative } = await import(pathToFileURL(resolve(dist, 'bindings/native.js')).href);
const { loadWasm } = await import(pathToFileURL(resolve(dist, 'bindings/wasm.js')).href);

// a_k = p_k g_k / N0 = 1, 3, 7 MHz; at B/K = 1 MHz, r_k = log2(2, 4, 8) = 1, 2, 3 Mbit/s,
// S / r_k = 6, 3, 2 s, tau_k = c_k + S / r_k = 7, 8, 4 s, so T = 8 s.
const F = (xs) => new Float64Array(xs);
const scalars = F([3e6, 1e-20, 6e6, 0.3]);
const columns = [F([1, 5, 2]), F([0.1, 0.3, 0.7]), F([1e-13, 1e-13, 1e-13]), F([10, 20, 30]), F([0.5, 0.5, 0.5])];
const expected = { latency: 8, clientLatency: [7, 8, 4], bandwidth: [1e6, 1e6, 1e6] };

const close = (a, b) => Math.abs(a - b) <= 1e-12 * Math.abs(b);

function check(name, backend) {
  const out = backend.solve(scalars, ...columns, 'equal', 1e-10, 500);
  assert.equal(out.method, 'equal');
  assert.ok(close(out.latency, expected.latency), `${name}: latency ${out.latency}`);
  expected.clientLatency.forEach((t, k) => assert.ok(close(out.clientLatency[k], t), `${name}: tau_${k}`));
  assert.deepEqual([...out.bandwidth], expected.bandwidth);
  assert.deepEqual([...out.pruning], [0, 0, 0]);
  assert.ok(out.pruning instanceof Float64Array);
  assert.equal(out.status, 'converged');
  assert.ok(!('lowerBound' in out) && !('upperBound' in out));

  const bad = columns.slice();
  bad[1] = F([0.1, NaN, 0.7]);
  assert.throws(() => backend.solve(scalars, ...bad, 'equal', 1e-10, 500), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.message, 'clients[1].txPowerW must be a positive finite number');
    assert.equal(e.code, 'invalid-input');
    assert.equal(e.field, 'clients[1].txPowerW');
    assert.equal(e.client, 1);
    return true;
  });

  const cat = (xs) => F(xs.flatMap((x) => [...x]));
  const batch = [cat([scalars, scalars]), new Uint32Array([0, 3, 6]), ...columns.map((c) => cat([c, c]))];
  const many = backend.solveMany(...batch, 'equal', 1e-10, 500);
  assert.equal(many.length, 2);
  many.forEach((r) => assert.ok(close(r.latency, 8)));
  batch[3] = cat([columns[1], bad[1]]);
  assert.throws(() => backend.solveMany(...batch, 'equal', 1e-10, 500), {
    message: 'problems[1]: clients[1].txPowerW must be a positive finite number',
  });
  return out;
}

const native = loadNative();
const wasm = await loadWasm();
const a = check('native', native);
const b = check('wasm', wasm);
assert.equal(a.latency, b.latency, 'native and wasm disagree on T');
assert.equal(native.version(), wasm.version());

// Every method: both bindings succeed or fail alike, and agree on T within 1e-9
// (MODEL.md section 6; their libm differ, so bit equality is not expected).
const methods = ['equal', 'bandwidth-only', 'uniform-prune', 'uniform-prune-bandwidth', 'prune-only', 'bcd', 'optimal'];
const outcome = (f) => {
  try {
    return { value: f() };
  } catch (e) {
    return { message: e.message, code: e.code, field: e.field, client: e.client };
  }
};
for (const method of methods) {
  const n = outcome(() => native.solve(scalars, ...columns, method, 1e-10, 500));
  const w = outcome(() => wasm.solve(scalars, ...columns, method, 1e-10, 500));
  if ('value' in n && 'value' in w) {
    const [x, y] = [n.value.latency, w.value.latency];
    assert.ok(Math.abs(x - y) <= 1e-9 * x, `${method}: native T ${x} vs wasm T ${y}`);
    assert.deepEqual(Object.keys(w.value), Object.keys(n.value), `${method}: result shapes differ`);
  } else {
    assert.deepEqual(w, n, `${method}: the bindings fail differently`);
  }
}

// Both bindings must fail alike on anything else a caller might pass.
const probes = [
  [scalars, ...columns, 'eq', 1e-10, 500],
  [scalars, ...columns, 'a"b\\c\n', 1e-10, 500],
  [scalars, ...columns, 'equal', 0, 500],
  [scalars, ...columns, 'equal', 1e-3, 2.5],
  [scalars, ...columns, 'equal', 1e-3],
  [[1, 2, 3, 4], ...columns, 'equal', 1e-3, 2],
  [scalars, new Float32Array(3), ...columns.slice(1), 'equal', 1e-3, 2],
  [scalars, ...columns, 5, 1e-3, 2],
  [scalars, ...columns, 'equal', '1e-3', 2],
  [F([1, 2]), ...columns, 'equal', 1e-3, 2],
  [scalars, F([]), F([]), F([]), F([]), F([]), 'equal', 1e-3, 2],
];
for (const args of probes) {
  const n = outcome(() => native.solve(...args));
  assert.ok('message' in n, `native did not throw for ${args.slice(6)}`);
  assert.deepEqual(outcome(() => wasm.solve(...args)), n);
}
// The core quotes an unknown id exactly like JSON.stringify (the TypeScript reference).
assert.equal(
  outcome(() => native.solve(scalars, ...columns, 'a"b\\c\n', 1e-10, 500)).message,
  `unknown method ${JSON.stringify('a"b\\c\n')}; expected one of ${methods.join(', ')}`,
);
console.log(`smoke-bindings: ok (native ${native.version()}, wasm ${wasm.version()}, T = ${a.latency} s)`);
