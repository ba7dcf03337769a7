// jcpba solve --ndjson: one problem per line in, one result per line out, errors per line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, solve, toJson } from '../dist/ts/index.js';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const backend = process.env.JCPBA_BACKEND ?? 'ts';
const run = (args, input) => spawnSync(process.execPath, [BIN, ...args, '--backend', backend], { input, encoding: 'utf8' });
const problem = (seed, clients = 6) => JSON.stringify(toJson(generate({ clients, seed })));

test('one result line per problem line, in order; a bad line gets an error line and the rest are solved', () => {
  const input = [problem(1), '', '{"bandwidthHz": 1}', 'not json', problem(2, 9)].join('\n') + '\n';
  const r = run(['solve', '--ndjson', '-', '--methods', 'equal,optimal'], input);
  assert.is(r.status, 1, 'some lines failed: exit 1');
  const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(out.map((o) => o.line), [1, 3, 4, 5], 'blank lines are skipped; line numbers count them');
  for (const [o, seed, K] of [[out[0], 1, 6], [out[3], 2, 9]]) {
    assert.is(o.backend, backend);
    assert.equal(o.results.map((x) => x.method), ['equal', 'optimal']);
    const ref = solve(generate({ clients: K, seed }), { method: 'optimal' });
    assert.ok(Math.abs(o.results[1].latency - ref.latency) <= 1e-9 * ref.latency, `line ${o.line}: ${o.results[1].latency} vs ${ref.latency}`);
    assert.is(o.results[1].pruning.length, K);
  }
  assert.is(out[1].error.code, 'invalid-input');
  assert.type(out[1].error.message, 'string');
  assert.is(out[2].error.code, 'parse-error');
  assert.match(out[2].error.message, /not valid JSON/);
  const errLines = r.stderr.trim().split('\n');
  assert.match(errLines[0], /^jcpba: stdin line 3: /);
  assert.match(errLines[1], /^jcpba: stdin line 4: not valid JSON/);
  assert.match(errLines.at(-1), /2 problems solved, 2 lines with errors/);
});

test('a file, CRLF line ends, no final newline, --rounds0: exit 0 when every line is solved', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-ndjson-'));
  try {
    const file = join(dir, 'trace.ndjson');
    writeFileSync(file, `${problem(3)}\r\n${problem(4)}`);
    const r = run(['solve', '--ndjson', file, '--method', 'bcd', '--rounds0', '100', '--pruning-limit', 'inf']);
    assert.is(r.status, 0, r.stderr);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.is(out.length, 2);
    for (const o of out) {
      assert.is(o.results[0].method, 'bcd');
      assert.is(o.results[0].roundsToTarget, 100, 'Pmax = inf: R0 rounds');
    }
    const missing = run(['solve', '--ndjson', join(dir, 'nope.ndjson')]);
    assert.is(missing.status, 1);
    assert.match(missing.stderr, /cannot read .*nope.ndjson: no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('streaming: the first result is out before the input ends', async () => {
  const child = spawn(process.execPath, [BIN, 'solve', '--ndjson', '-', '--method', 'equal', '--backend', backend]);
  let out = '';
  const first = new Promise((resolve) => child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('\n')) resolve();
  }));
  child.stdin.write(`${problem(5)}\n`);
  await first; // stdin is still open: the line was answered as it came
  assert.is(JSON.parse(out.split('\n')[0]).line, 1);
  child.stdin.end(`${problem(6)}\n`);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.is(code, 0);
  assert.is(out.trim().split('\n').length, 2);
});

test('--ndjson with --format table is a usage error', () => {
  const r = run(['solve', '--ndjson', '-', '--format', 'table'], '');
  assert.is(r.status, 2);
  assert.match(r.stderr, /--ndjson writes JSON lines/);
});

// Issue 20 (audit 15): an endless line (/dev/zero) was read forever: a line past the limit
// now ends the input with one error line.
test('an endless line ends the input with an error, in bounded time', () => {
  const r = spawnSync(process.execPath, [BIN, 'solve', '--ndjson', '/dev/zero', '--backend', backend], { encoding: 'utf8', timeout: 60000 });
  assert.is(r.status, 1, `exit ${r.status} ${r.signal ?? ''}`);
  assert.match(r.stdout, /"line":1,"error":\{"code":"invalid-input","message":"the line is longer than 268435456 bytes/);
  assert.is(r.stdout.trim().split('\n').length, 1);
});

test.run();
