// solve's JSON output in chunks (issue 20, audit2 14): the text of JSON.stringify(value, null,
// indent), character for character, never built as one string, so a million clients' results
// (longer than V8's longest string) are written instead of "Invalid string length".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, toJson } from '../dist/ts/index.js';
import { main } from '../dist/ts/cli/main.js';
import { resultJson } from '../dist/ts/cli/solve.js';
import { JSON_CHUNK_CHARS, jsonChunks } from '../dist/ts/cli/json-writer.js';
import { rngFor, solver } from './helpers.mjs';

const backend = solver.backend;

/** A random JSON-ish value: nested arrays and objects, numbers of every kind, strings with escapes, and what JSON.stringify drops or replaces. */
function randomValue(rng, depth) {
  const u = () => rng.uniform();
  const pick = (list) => list[Math.floor(u() * list.length)];
  const leaves = [
    () => (u() - 0.5) * 10 ** Math.floor(u() * 40 - 20),
    () => pick([0, -0, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 5e-324, 1e21, 1e-7, 2 ** 53 + 2]),
    () => pick(['', 'a', 'quote " and backslash \\', 'line\nbreak\ttab', '\u0000\u001b[2J', 'é 🙂', '\ud800 lone surrogate', 'constructor', '__proto__']),
    () => pick([true, false, null, undefined, () => 1, Symbol('s')]),
    () => pick([new Date(0), new Number(3), new String('boxed'), new Boolean(false), { toJSON: (key) => `key ${key}` }]),
  ];
  if (depth <= 0 || u() < 0.3) return pick(leaves)();
  const n = Math.floor(u() * 6);
  if (u() < 0.5) {
    const a = Array.from({ length: n }, () => randomValue(rng, depth - 1));
    if (n > 2 && u() < 0.2) delete a[1]; // a hole: "null", as undefined
    return a;
  }
  const o = {};
  for (let i = 0; i < n; i++) o[pick(['a', 'b', 'key with space', '"q"', '0', '17', 'toString', `k${i}`])] = randomValue(rng, depth - 1);
  return o;
}

test('the chunks join to JSON.stringify exactly (pretty and compact), each at least chunkChars but the last', () => {
  const rng = rngFor(2026);
  for (let i = 0; i < 400; i++) {
    const value = randomValue(rng, 5);
    for (const indent of ['', '  ', '\t']) {
      const expected = JSON.stringify(value, null, indent);
      for (const size of [1, 7, 64, JSON_CHUNK_CHARS]) {
        const chunks = [...jsonChunks(value, indent, '\n', size)];
        assert.is(chunks.join(''), `${expected ?? ''}\n`, `value ${i}, indent ${JSON.stringify(indent)}, chunks of ${size}`);
        chunks.slice(0, -1).forEach((c) => assert.ok(c.length >= size, `a chunk of ${c.length} < ${size}`));
      }
    }
  }
  // A long array of numbers in 10-character chunks: each passes the size by at most one entry.
  const numbers = Array.from({ length: 5000 }, (_, k) => k / 7);
  const chunks = [...jsonChunks({ pruning: numbers }, '  ', '', 10)];
  assert.ok(chunks.length > 1000, String(chunks.length));
  for (const c of chunks) assert.ok(c.length <= 10 + 30, `${c.length}: ${c}`);
  assert.is(chunks.join(''), JSON.stringify({ pruning: numbers }, null, 2));
});

test('cycles and BigInt throw a TypeError, as JSON.stringify', () => {
  const cyclic = { a: [1] };
  cyclic.a.push(cyclic);
  assert.throws(() => [...jsonChunks(cyclic, '  ')], (e) => e instanceof TypeError && /circular/.test(e.message));
  assert.throws(() => [...jsonChunks([1n])], (e) => e instanceof TypeError && /BigInt/.test(e.message));
  // A shared (not cyclic) object twice is fine.
  const shared = { x: 1 };
  assert.is([...jsonChunks([shared, shared])].join(''), '[{"x":1},{"x":1}]');
});

/** An Io that records stdout's writes and refuses a string longer than `longest` (a small stand-in for V8's limit). */
function recordingIo(longest, chunkChars) {
  const writes = [];
  const err = [];
  const take = (t) => {
    if (t.length > longest) throw new RangeError(`Invalid string length (${t.length} > ${longest})`);
    writes.push(t);
  };
  return {
    writes,
    err,
    io: { out: take, err: (t) => err.push(t), readStdin: async () => '', write: async (t) => take(t), ...(chunkChars ? { chunkChars } : {}) },
  };
}

test('solve writes results longer than the longest string in chunks, byte-identical to the pretty JSON it wrote in one piece', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-json-out-'));
  try {
    const problem = generate({ clients: 300, seed: 14 });
    const file = join(dir, 'p.json');
    writeFileSync(file, JSON.stringify(toJson(problem)));
    const methods = ['equal', 'bcd', 'optimal'];
    // What solve printed before: one JSON.stringify(..., null, 2) and a newline.
    const results = methods.map((method) => resultJson(solver.solve(problem, { method })));
    const expected = `${JSON.stringify({ backend, results }, null, 2)}\n`;
    assert.ok(expected.length > 50_000, String(expected.length));
    // Strings of at most 8,192 characters (the output is 6x longer): before, solve threw here.
    const small = recordingIo(8192, 4096);
    const code = await main(['solve', file, '--method', methods.join(','), '--backend', backend], small.io);
    assert.is(code, 0, small.err.join(''));
    assert.ok(small.writes.length >= 10, `${small.writes.length} writes`);
    assert.is(small.writes.join(''), expected);
    // The default chunk size: this output is one write, exactly as before.
    const one = recordingIo(Infinity);
    assert.is(await main(['solve', file, '--method', methods.join(','), '--backend', backend], one.io), 0);
    assert.equal(one.writes, [expected]);
    // Deadline mode and --ndjson write the same way (compact lines for --ndjson).
    const deadline = recordingIo(8192, 4096);
    assert.is(await main(['solve', file, '--deadline', '1e6', '--backend', backend], deadline.io), 0, deadline.err.join(''));
    const d = JSON.parse(deadline.writes.join(''));
    assert.is(d.results[0].pruning.length, 300);
    assert.ok(deadline.writes.length > 1);
    const lines = join(dir, 'p.ndjson');
    writeFileSync(lines, `${JSON.stringify(toJson(problem))}\n${JSON.stringify(toJson(problem))}\n`);
    const nd = recordingIo(8192, 4096);
    assert.is(await main(['solve', '--ndjson', lines, '--method', methods.join(','), '--backend', backend], nd.io), 0, nd.err.join(''));
    const line = `${JSON.stringify({ line: 1, backend, results })}\n`;
    assert.is(nd.writes.join(''), line + line.replace('{"line":1', '{"line":2'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
