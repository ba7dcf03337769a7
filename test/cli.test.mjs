import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const run = (args, input) => spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: { ...process.env, JCPBA_BACKEND: process.env.JCPBA_BACKEND ?? 'ts' } });

function expectError(args, input, pattern) {
  const r = run(args, input);
  assert.is.not(r.status, 0, `exit status of ${args.join(' ')}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], /^jcpba: /);
  assert.match(lines[0], pattern);
  assert.not.match(r.stderr, /at .*\.js:\d+/, 'no stack trace');
}

test('generate | solve --method all --format json: every method, in order, feasible', () => {
  const gen = run(['generate', '--clients', '12', '--seed', '3']);
  assert.is(gen.status, 0, gen.stderr);
  const problem = JSON.parse(gen.stdout);
  assert.is(problem.clients.length, 12);
  const solved = run(['solve', '-', '--method', 'all'], gen.stdout);
  assert.is(solved.status, 0, solved.stderr);
  const out = JSON.parse(solved.stdout);
  assert.type(out.backend, 'string');
  assert.equal(
    out.results.map((r) => r.method),
    ['equal', 'bandwidth-only', 'uniform-prune', 'uniform-prune-bandwidth', 'prune-only', 'bcd', 'optimal'],
  );
  const opt = out.results[6];
  assert.ok(opt.lowerBound <= opt.upperBound && opt.upperBound === opt.latency);
  assert.ok(out.results[0].lowerBound === undefined);
  const sumB = opt.bandwidth.reduce((s, b) => s + b, 0);
  assert.ok(sumB <= problem.bandwidthHz * (1 + 1e-12));
  assert.is(opt.pruning.length, 12);
});

test('solve --method picks methods in the order given; --format table is for people', () => {
  const gen = run(['generate', '--clients', '5', '--columnar']);
  const json = JSON.parse(run(['solve', '-', '--method', 'bcd,equal'], gen.stdout).stdout);
  assert.equal(json.results.map((r) => r.method), ['bcd', 'equal']);
  const table = run(['solve', '-', '--method', 'all', '--format', 'table'], gen.stdout);
  assert.is(table.status, 0);
  assert.match(table.stdout, /method\s+latency \(s\)\s+vs equal\s+energy \(J\)\s+max E_k \(J\)\s+upload \(Mbit\)\s+compute \(s\)\s+iterations\s+status/);
  assert.match(table.stdout, /optimal\s+\d+\.\d+\s+-\d+\.\d+%/);
});

test('--help lists every option with its unit and default', () => {
  const r = run(['generate', '--help']);
  assert.is(r.status, 0);
  for (const flag of ['--clients', '--seed', '--drop', '--realization', '--model', '--dataset', '--bandwidth', '--budget', '--max-pruning']) {
    assert.ok(r.stdout.includes(flag), flag);
  }
  assert.match(r.stdout, /--bandwidth X\s+total uplink bandwidth B, Hz \(default: 20000000\)/);
  assert.is(run(['solve', '--help']).status, 0);
  assert.is(run(['--help']).status, 0);
});

const good = JSON.stringify({
  bandwidthHz: 2e7,
  noisePsdDbmPerHz: -174,
  payloadBits: 67108864,
  pruningBudget: 0.3,
  clients: [
    { computeSeconds: 12.5, txPowerW: 0.2, channelGain: 2.8e-11, dataWeight: 300, maxPruning: 0.5 },
    { computeSeconds: 20, txPowerW: 0.2, channelGain: 1e-12, dataWeight: 100, maxPruning: 0.5 },
  ],
});
const edit = (f) => {
  const p = JSON.parse(good);
  f(p);
  return JSON.stringify(p);
};

test('bad input: one clear line naming the field and the client, non-zero exit', () => {
  expectError(['solve', '-'], '{"bandwidthHz": 2e7,', /not valid JSON/);
  expectError(['solve', '-'], edit((p) => (p.clients[1].txPowerW = -1)), /clients\[1\]\.txPowerW must be a positive finite number/);
  expectError(['solve', '-'], edit((p) => delete p.clients[0].channelGain), /clients\[0\]\.channelGain is missing/);
  expectError(['solve', '-'], edit((p) => (p.clients[1].maxPruning = 1)), /clients\[1\]\.maxPruning must be a finite number in \[0, 1\)/);
  expectError(['solve', '-'], edit((p) => (p.pruningBudget = 1.5)), /pruningBudget must be a finite number in \[0, 1\)/);
  expectError(['solve', '-'], edit((p) => (p.bandwidthHz = 0)), /bandwidthHz must be a positive finite number/);
  expectError(['solve', '-'], edit((p) => (p.clients = [])), /K = 0/);
  expectError(['solve', '-'], edit((p) => (p.clients[0].computeSeconds = 'fast')), /clients\[0\]\.computeSeconds must be a number/);
  expectError(
    ['solve', '-'],
    JSON.stringify({ ...JSON.parse(good), clients: { computeSeconds: [1, 2], txPowerW: [1], channelGain: [1, 1], dataWeight: [1, 1], maxPruning: [0, 0] } }),
    /clients\.txPowerW has 1 entries but clients\.computeSeconds has 2/,
  );
  expectError(['solve', '-', '--method', 'fastest'], good, /unknown method "fastest"/);
  expectError(['solve', '-', '--format', 'xml'], good, /--format/);
  expectError(['solve', '/no/such/file.json'], '', /cannot read/);
  expectError(['solve', '-', '--backend', 'gpu'], good, /unknown backend "gpu"/);
  expectError(['generate', '--clients', 'many'], '', /--clients: expected a finite number/);
  expectError(['generate', '--model', 'gpt5'], '', /unknown model preset "gpt5"/);
  expectError(['generate', '--frobnicate', '1'], '', /unknown option --frobnicate/);
  expectError(['launch'], '', /unknown command/);
});

test.run();
