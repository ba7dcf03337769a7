// Inputs that change under the binding (issue 20, audit2 11 and 17): a typed array whose
// buffer was transferred (detached) and a column on a SharedArrayBuffer that another thread
// writes during the call. Each is a JcpbaError or a solve of one consistent snapshot,
// never a raw TypeError, a leaked block of WASM memory or a NaN result.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_FIELDS, JcpbaError, createSolver, generate, toProblem } from '../../dist/ts/index.js';
import { defaultWasmUrl, loadWasm } from '../../dist/bindings/wasm.js';

const BACKENDS = ['ts', 'native', 'wasm'];
const detach = (a) => {
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
};

test('a detached column is an invalid-input JcpbaError naming it, on every backend (not read as absent or as K = 0)', async () => {
  const p = toProblem(generate({ clients: 6, seed: 2 }));
  for (const backend of BACKENDS) {
    const s = await createSolver({ backend });
    for (const f of ['fixedSeconds', 'computeSeconds', 'channelGain', 'energyCapJ']) {
      const q = { ...p, [f]: detach(new Float64Array(6).fill(1)) };
      try {
        const r = s.solve(q, { method: 'equal' });
        assert.unreachable(`${backend} ${f}: solved (latency ${r.latency})`);
      } catch (e) {
        assert.instance(e, JcpbaError, `${backend} ${f}: ${e}`);
        assert.is(e.code, 'invalid-input');
        assert.is(e.field, `clients.${f}`);
        assert.match(e.message, new RegExp(`^clients\\.${f} is a typed array whose buffer is detached`));
      }
    }
    // In a batch, the problem is named.
    try {
      s.solveMany([p, { ...p, dataWeight: detach(new Float64Array(6).fill(1)) }], { method: 'equal' });
      assert.unreachable(`${backend}: batch solved`);
    } catch (e) {
      assert.is(e.code, 'invalid-input', `${backend}: ${e}`);
      assert.match(e.message, /problems\[1\]: clients\.dataWeight is a typed array whose buffer is detached/);
    }
  }
});

/** The raw WASM binding and its linear memory (captured at instantiation). */
async function rawWasm() {
  const instantiate = WebAssembly.instantiate;
  let memory;
  WebAssembly.instantiate = async (...args) => {
    const instance = await instantiate(...args);
    memory = (instance.instance ?? instance).exports.memory;
    return instance;
  };
  try {
    const module = await loadWasm(defaultWasmUrl());
    return { module, memory };
  } finally {
    WebAssembly.instantiate = instantiate;
  }
}

test('wasm binding called directly: a detached input is refused before anything is allocated; a copy that fails midway frees its block', async () => {
  const { module, memory } = await rawWasm();
  const K = 100_000;
  const p = toProblem(generate({ clients: K, seed: 2 }));
  const scalars = new Float64Array([p.bandwidthHz, p.noisePsdWPerHz, p.payloadBits, p.pruningBudget, 1, 1]);
  const columns = () => [...CLIENT_FIELDS.map((f) => p[f]), ...Array.from({ length: 5 }, () => new Float64Array(0))];
  const call = (cols) => module.solve(scalars, ...cols, 'equal', 1e-10, 500);
  call(columns()); // the block of one call, allocated once
  const start = memory.buffer.byteLength;
  // A detached column (as after postMessage(..., [buffer])): a coded error, no allocation.
  for (let i = 0; i < 40; i++) {
    const cols = columns();
    cols[5] = detach(new Float64Array(K));
    try {
      call(cols);
      assert.unreachable('solved');
    } catch (e) {
      assert.is(e.code, 'invalid-input', String(e));
      assert.is(e.field, 'fixedSeconds');
      assert.match(e.message, /^solve: fixedSeconds must be a Float64Array whose buffer is not detached/);
    }
  }
  // A column whose copy into linear memory throws halfway (a typed array's stand-in that
  // passes the binding's checks): the error reaches the caller and the block is freed.
  const failing = new Proxy(new Float64Array(K).fill(1), {
    get(target, key) {
      if (key === Symbol.toStringTag) return 'Float64Array';
      if (key === String(K >> 1)) throw new Error('read failed');
      const v = Reflect.get(target, key);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  for (let i = 0; i < 40; i++) {
    const cols = columns();
    cols[0] = failing;
    try {
      call(cols);
      assert.unreachable('solved');
    } catch (e) {
      assert.match(e.message, /read failed/);
    }
  }
  // 80 leaked blocks would be about 80 x 9.6 MB; freed ones are reused.
  const grown = memory.buffer.byteLength - start;
  assert.ok(grown <= 16 * 2 ** 20, `linear memory grew by ${(grown / 2 ** 20).toFixed(1)} MiB over 80 failed calls`);
  assert.ok(call(columns()).latency > 0, 'the module still solves');
});

test('columns on a SharedArrayBuffer that another thread writes during the call: each solve is of one consistent snapshot, on every backend', async () => {
  const { Worker } = await import('node:worker_threads');
  const K = 2000;
  const p = toProblem(generate({ clients: K, seed: 4 }));
  const shared = (src) => {
    const a = new Float64Array(new SharedArrayBuffer(8 * K));
    a.set(src);
    return a;
  };
  const q = { ...p, computeSeconds: shared(p.computeSeconds), channelGain: shared(p.channelGain) };
  // Untouched shared columns solve exactly as the unshared ones.
  for (const backend of BACKENDS) {
    const s = await createSolver({ backend });
    assert.equal(s.solve(q, { method: 'optimal' }), s.solve(p, { method: 'optimal' }), backend);
  }
  // Another thread flips one entry at a time to NaN and back, for as long as we solve.
  const w = new Worker(
    `const { workerData } = require('node:worker_threads');
    const [c, g] = workerData.map((b) => new Float64Array(b));
    for (let i = 0; ; i++) { const k = (i * 7919) % c.length; const a = c[k], b = g[k];
      c[k] = NaN; g[k] = NaN; for (let j = 0; j < 20; j++); c[k] = a; g[k] = b; for (let j = 0; j < 500; j++); }`,
    { eval: true, workerData: [q.computeSeconds.buffer, q.channelGain.buffer] },
  );
  try {
    for (const backend of BACKENDS) {
      const s = await createSolver({ backend });
      let solved = 0;
      let refused = 0;
      const t0 = Date.now();
      for (let i = 0; i < 3000 && Date.now() - t0 < 1500; i++) {
        const method = ['optimal', 'bcd', 'bandwidth-only'][i % 3];
        let r;
        try {
          r = s.solve(q, { method });
        } catch (e) {
          // The snapshot held a NaN: a clean validation error naming the client.
          assert.instance(e, JcpbaError, `${backend}: ${e}`);
          assert.is(e.code, 'invalid-input');
          assert.ok(Number.isInteger(e.client), e.message);
          refused++;
          continue;
        }
        assert.ok(r.latency > 0 && Number.isFinite(r.latency), `${backend} ${method}: latency ${r.latency}, status ${r.status}`);
        for (const x of r.bandwidth) assert.ok(x > 0 && Number.isFinite(x), `${backend} ${method}: a bandwidth of ${x}`);
        solved++;
      }
      assert.ok(solved > 0, `${backend}: ${solved} solved, ${refused} refused`);
    }
  } finally {
    await w.terminate();
  }
});

test.run();
