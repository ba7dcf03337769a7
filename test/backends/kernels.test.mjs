// The scalar and vector paths of the compiled core: the native addon on the CPU's best
// instruction set against the same addon with JCPBA_SIMD=off (a child process, since
// the choice is made once per process), and the WASM module with SIMD against the one
// without. Every method agrees on T within 1e-12 relative (issue 12's contract), and
// optimal's lower bound within the cross-backend 1e-9. Run once (not per backend).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLIENT_FIELDS, METHODS, createSolver, generate, solve } from '../../dist/ts/index.js';
import { defaultWasmNoSimdUrl, defaultWasmUrl, loadWasm, wasmSimdSupported } from '../../dist/bindings/wasm.js';
import { coreSolver } from '../../dist/ts/solvers.js';
import { randomProblem, rngFor } from '../helpers.mjs';

const rel = (x, y) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);
const scalarForced = ['off', '0', 'scalar', 'none'].includes((process.env.JCPBA_SIMD ?? '').trim().toLowerCase());

/** Problems over wide ranges and the default scenario, as plain JSON-able objects. */
function problems() {
  const rng = rngFor(1212);
  const out = [];
  for (let i = 0; i < 30; i++) out.push(randomProblem(rng, 1 + Math.floor(rng.uniform() ** 2 * 200)));
  for (const clients of [1, 3, 17, 100, 1000]) out.push(generate({ clients, seed: 12 }));
  const plain = out.map((p) => ({
    bandwidthHz: p.bandwidthHz,
    noisePsdWPerHz: p.noisePsdWPerHz,
    payloadBits: p.payloadBits,
    pruningBudget: p.pruningBudget,
    clients: Object.fromEntries(CLIENT_FIELDS.map((f) => [f, [...p[f]]])),
  }));
  // Energy caps binding on about a third of the clients (the kinks, the cap floors and the
  // cap's box ends run on the vector kernels too): each client capped halfway between its
  // energy at uniform-prune-bandwidth's point and at the uncapped optimum where the former
  // is lower, the others uncapped (null).
  for (const clients of [100, 1000]) {
    const p = generate({ clients, seed: 13 });
    const opt = solve(p, { method: 'optimal' });
    const start = solve(p, { method: 'uniform-prune-bandwidth' });
    const cap = Array.from(opt.energy, (e, k) => (start.energy[k] < e ? start.energy[k] + 0.5 * (e - start.energy[k]) : null));
    assert.ok(cap.filter((c) => c !== null).length > clients / 5);
    plain.push({
      bandwidthHz: p.bandwidthHz,
      noisePsdWPerHz: p.noisePsdWPerHz,
      payloadBits: p.payloadBits,
      pruningBudget: p.pruningBudget,
      clients: { ...Object.fromEntries(CLIENT_FIELDS.map((f) => [f, [...p[f]]])), computePowerW: [...p.computePowerW], energyCapJ: cap },
    });
  }
  return plain;
}

/** [latency, lowerBound, upperBound] of every method on every problem. */
function solveAll(solver, list) {
  return list.map((p) =>
    METHODS.map((method) => {
      const r = solver.solve(p, { method });
      return [r.latency, r.lowerBound ?? null, r.upperBound ?? null];
    }),
  );
}

function agree(a, b, label) {
  a.forEach((perMethod, i) =>
    perMethod.forEach((x, m) => {
      const y = b[i][m];
      for (let j = 0; j < 3; j++) {
        if (x[j] === null) {
          assert.is(y[j], null);
          continue;
        }
        // T and the upper bound (the same point) within 1e-12; the lower bound, the last T
        // certified infeasible, lands where the path puts it: within the cross-backend 1e-9.
        const bound = j === 1 ? 1e-9 : 1e-12;
        assert.ok(rel(x[j], y[j]) <= bound, `${label}: problem ${i} ${METHODS[m]} [${j}] ${x[j]} vs ${y[j]}`);
      }
    }),
  );
}

const list = problems();
const native = await createSolver({ backend: 'native' });

test('native: the vector kernels and JCPBA_SIMD=off agree on T within 1e-12 for every method', () => {
  const here = native;
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createSolver, METHODS } from ${JSON.stringify(new URL('../../dist/ts/index.js', import.meta.url).href)};
       const s = await createSolver({ backend: 'native' });
       const list = JSON.parse(await new Response(process.stdin).text());
       const out = list.map((p) => METHODS.map((method) => { const r = s.solve(p, { method }); return [r.latency, r.lowerBound ?? null, r.upperBound ?? null]; }));
       process.stdout.write(JSON.stringify({ kernels: s.kernels, out }));`,
    ],
    { input: JSON.stringify(list), encoding: 'utf8', env: { ...process.env, JCPBA_SIMD: 'off' }, maxBuffer: 1 << 26 },
  );
  assert.is(child.status, 0, child.stderr);
  const scalar = JSON.parse(child.stdout);
  assert.is(scalar.kernels, 'scalar');
  if (scalarForced) assert.is(here.kernels, 'scalar');
  else assert.ok(['avx512f', 'avx2+fma', 'scalar'].includes(here.kernels), here.kernels);
  agree(solveAll(here, list), scalar.out, `native ${here.kernels} vs scalar`);
});

test('wasm: the module with SIMD and the one without agree on T within 1e-12 for every method', async () => {
  const simd = coreSolver('wasm', await loadWasm(defaultWasmUrl()), []);
  const plain = coreSolver('wasm', await loadWasm(defaultWasmNoSimdUrl()), []);
  assert.is(simd.kernels, 'simd128');
  assert.is(plain.kernels, 'scalar');
  agree(solveAll(simd, list), solveAll(plain, list), 'wasm simd128 vs scalar');
});

test('wasm: the loader takes the SIMD module where the engine has SIMD (the scalar one under JCPBA_SIMD=off)', async () => {
  assert.is(wasmSimdSupported(), true); // Node 20's V8 runs WebAssembly SIMD
  const solver = await createSolver({ backend: 'wasm' });
  // JCPBA_SIMD=off is a choice, not a skip: nothing to report either way.
  assert.is(solver.kernels, scalarForced ? 'scalar' : 'simd128');
  assert.equal(solver.skipped, []);
  // A module given explicitly runs as given, with nothing to report.
  const given = await createSolver({ backend: 'wasm', wasm: defaultWasmNoSimdUrl() });
  assert.is(given.kernels, 'scalar');
  assert.equal(given.skipped, []);
});

test('wasm: an engine without SIMD gets the module built without it, and skipped says why', () => {
  // V8 always has SIMD, so the child stands in for an engine without: its validate()
  // rejects every module that uses a SIMD instruction (the loader's probe among them).
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const validate = WebAssembly.validate;
       WebAssembly.validate = (bytes) => { const b = new Uint8Array(bytes); for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0xfd) return false; return validate(bytes); };
       const { createSolver, generate } = await import(${JSON.stringify(new URL('../../dist/ts/index.js', import.meta.url).href)});
       const w = await createSolver({ backend: 'wasm' });
       process.stdout.write(JSON.stringify({ kernels: w.kernels, skipped: w.skipped, T: w.solve(generate({ clients: 30, seed: 2 }), { method: 'optimal' }).latency }));`,
    ],
    { encoding: 'utf8', env: { ...process.env, JCPBA_SIMD: '' } },
  );
  assert.is(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout);
  assert.is(out.kernels, 'scalar');
  assert.is(out.skipped.length, 1);
  assert.is(out.skipped[0].backend, 'wasm');
  assert.match(out.skipped[0].reason, /lacks SIMD/);
  const T = native.solve(generate({ clients: 30, seed: 2 }), { method: 'optimal' }).latency;
  assert.ok(rel(out.T, T) <= 1e-12, `${out.T} vs ${T}`);
});

test.run();
