// Client limits per backend (ts/solvers.ts CLIENT_LIMITS; README "Limits"): a call with
// more clients than its backend can hold is refused from the input's lengths alone,
// before anything is copied or allocated, with one line naming the backend, the limit and
// the count (field `clients`), never a WASM trap or an "internal error". The problems
// here are sparse arrays (a length and no rows): any step past the check would fail on
// clients[0] instead, so each error proves the check came first.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_LIMITS, JcpbaError } from '../dist/ts/index.js';
import { solver } from './helpers.mjs';

const backend = solver.backend;
const limit = CLIENT_LIMITS[backend];
const rows = (n) => ({ bandwidthHz: 2e7, noisePsdDbmPerHz: -174, payloadBits: 6.7e7, pruningBudget: 0.3, clients: new Array(n) });

function refused(run, pattern) {
  let error;
  try {
    run();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof JcpbaError, `a JcpbaError, got ${error}`);
  assert.is(error.code, 'invalid-input');
  assert.is(error.field, 'clients');
  assert.not.match(error.message, /\n/);
  assert.match(error.message, pattern);
  return error;
}

test('the limits: 4,000,000 clients per call on wasm (its 4 GiB linear memory), 2^32 - 1 elsewhere', () => {
  assert.equal({ ...CLIENT_LIMITS }, { native: 2 ** 32 - 1, wasm: 4_000_000, ts: 2 ** 32 - 1 });
});

test('one problem over the limit: solve and minPruning refuse it before reading a row', () => {
  // A JavaScript array holds at most 2^32 - 1 entries: only wasm's limit can be passed by one problem.
  if (limit >= 2 ** 32 - 1) return;
  const words = new RegExp(`^clients: ${limit + 1} clients, more than the ${backend} backend's limit of ${limit} per call \\(.+\\); use the native backend`);
  refused(() => solver.solve(rows(limit + 1), { method: 'optimal' }), words);
  refused(() => solver.minPruning(rows(limit + 1), { deadline: 100 }), words);
  // Column form: the longest column counts.
  const p = rows(0);
  p.clients = { computeSeconds: [1], txPowerW: [0.2], channelGain: [1e-10], dataWeight: [1], maxPruning: new Array(limit + 1) };
  refused(() => solver.solve(p, { method: 'equal' }), words);
});

test('at the limit a problem passes the check (and fails on its first row, which is missing)', () => {
  if (limit >= 2 ** 32 - 1) return;
  try {
    solver.solve(rows(limit), { method: 'equal' });
    assert.unreachable('a problem without rows was solved');
  } catch (e) {
    assert.is(e.field, 'clients[0]', e.message);
  }
});

test('a batch over the limit in all: solveMany and plan refuse it on the compiled cores', () => {
  // Two sparse problems of half the limit each and one more client: together over it.
  const half = Math.ceil((limit + 1) / 2);
  const batch = [rows(half), rows(limit + 1 - half)];
  // The reference solves a batch one problem at a time: only each problem counts there.
  if (backend === 'ts') return;
  const words = new RegExp(`^problems: the batch holds ${limit + 1} clients in all, more than the ${backend} backend's limit of ${limit} per call`);
  refused(() => solver.solveMany(batch, { method: 'equal' }), words);
  refused(() => solver.plan(batch, { method: 'optimal', rounds0: 100, pruningLimit: 0.5 }), words);
});

test('wasm: the binding itself checks the rows before it allocates its block', () => {
  if (backend !== 'wasm') return;
  // One column of limit + 1 entries (32 MB), shared by the ten column arguments.
  const column = new Float64Array(CLIENT_LIMITS.wasm + 1);
  const scalars = new Float64Array([2e7, 4e-21, 6.7e7, 0.3, 1, 1]);
  const columns = Array.from({ length: 10 }, () => column);
  let error;
  try {
    solver.core.solve(scalars, ...columns, 'equal', 1e-9, 100);
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'refused');
  assert.is(error.code, 'invalid-input');
  assert.is(error.field, 'clients');
  assert.match(error.message, /^solve: 4000001 clients, more than the wasm backend's limit of 4000000 per call/);
});

test.run();
