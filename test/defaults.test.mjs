// The documented defaults of the API, each pinned: a sweep from code without tolerance,
// maxIterations, rounds or base (README "Use it from code"), and a solve without options
// (the certified optimum).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE, JcpbaError, generate, runSweep, solve as solveReference } from '../dist/ts/index.js';
import { solver } from './helpers.mjs';

const backend = process.env.JCPBA_BACKEND || undefined;

test('runSweep without tolerance, maxIterations, rounds and base runs with the CLI defaults (1e-10, 500, 1, {})', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-defaults-'));
  try {
    const common = { grid: [{ key: 'clients', values: [4, 6] }], seed: 3, drops: 1, realizations: 2, methods: ['equal', 'bcd', 'optimal'] };
    const bare = await runSweep(common, { out: join(dir, 'bare'), backend, threads: 1 });
    const full = await runSweep(
      { ...common, base: {}, rounds: 1, tolerance: DEFAULT_TOLERANCE, maxIterations: DEFAULT_MAX_ITERATIONS },
      { out: join(dir, 'full'), backend, threads: 1 },
    );
    assert.is(bare.unitsDone, bare.unitsTotal);
    const config = JSON.parse(readFileSync(join(dir, 'bare', 'results.json'), 'utf8')).config;
    assert.equal([config.tolerance, config.maxIterations, config.rounds, config.base], [1e-10, 500, 1, {}]);
    // The same sweep, identity included: the results files are byte for byte the same.
    assert.is(readFileSync(join(dir, 'bare', 'results.csv'), 'utf8'), readFileSync(join(dir, 'full', 'results.csv'), 'utf8'));
    assert.equal(bare.rows.map((r) => r.stats.mean), full.rows.map((r) => r.stats.mean));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runSweep still checks a tolerance or maxIterations that is given', async () => {
  const input = { grid: [{ key: 'clients', values: [4] }], seed: 1, drops: 1, realizations: 1, methods: ['optimal'] };
  for (const [bad, field] of [[{ tolerance: 2 }, 'tolerance'], [{ maxIterations: 0.5 }, 'maxIterations']]) {
    try {
      await runSweep({ ...input, ...bad }, { out: join(tmpdir(), 'jcpba-never-written'), backend });
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, JcpbaError);
      assert.is(e.field, field);
    }
  }
});

test('solve(problem) without options runs optimal, with the default tolerance and cap', () => {
  const problem = generate({ clients: 30, seed: 5 });
  const bare = solver.solve(problem);
  const explicit = solver.solve(problem, { method: 'optimal', tolerance: 1e-10, maxIterations: 500 });
  assert.is(bare.method, 'optimal');
  assert.is(bare.latency, explicit.latency);
  assert.is(bare.lowerBound, explicit.lowerBound);
  assert.equal(bare.bandwidth, explicit.bandwidth);
  assert.is(solver.solve(problem, {}).latency, explicit.latency);
  assert.is(solver.solveMany([problem, problem])[1].latency, explicit.latency);
  assert.is(solveReference(problem).method, 'optimal');
});

test('solve with options that are not an object is an invalid-option error, not a TypeError', () => {
  const problem = generate({ clients: 3 });
  for (const options of [null, 'optimal', 7]) {
    try {
      solver.solve(problem, options);
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, JcpbaError);
      assert.is(e.code, 'invalid-option');
      assert.match(e.message, /options must be an object/);
    }
  }
});

test.run();
