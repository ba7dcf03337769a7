// Round model v2 with its defaults (no fixed time, everything prunable) is the model of
// MODEL.md section 2: every method must give today's numbers. test/data/v1-results.json
// holds every method's latency (and optimal's lower bound) on fixed problems from every
// backend, computed before v2 existed (scripts/v1-snapshot.mjs at commit a1d4bda).
//
// One correction is allowed: v1's block B ended by scaling a split that was over the
// band down onto it, which lengthened the rounds of upload-bound clients by up to 3.4e-10
// relative on these problems when one client near its pole held most of the band (the
// fix and its own test: test/block-b.test.mjs). The methods built on block B may
// therefore come out lower than v1, by at most 1e-9 and with a feasible point; nothing
// may come out higher, and everything else must match within 1e-12, except optimal,
// which is certified to its tolerance (1e-10): its T and lower bound may move within the
// bracket when the search takes another path, and the two certificates must overlap.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { infeasibility, solver } from './helpers.mjs';
import { toProblem } from '../dist/ts/index.js';

const BLOCK_B = new Set(['bandwidth-only', 'uniform-prune-bandwidth', 'bcd']);

const snapshot = JSON.parse(readFileSync(new URL('./data/v1-results.json', import.meta.url), 'utf8'));
const rel = (x, y) => (x === y ? 0 : Math.abs(x / y - 1));

/** The same problem with the v2 fields spelt out at their defaults. */
function explicitDefaults(problem) {
  return {
    ...problem,
    prunableComputeFraction: 1,
    prunablePayloadFraction: 1,
    clients: problem.clients.map((c) => ({ ...c, fixedSeconds: 0 })),
  };
}

/** The same again with the fields of MODEL.md sections 11 and 12 at their defaults (no cap: null). */
function energyDefaults(problem) {
  const p = explicitDefaults(problem);
  return { ...p, clients: p.clients.map((c) => ({ ...c, minPruning: 0, computePowerW: 0, fixedJoules: 0, energyCapJ: null })) };
}

const POINT = ['latency', 'lowerBound', 'upperBound', 'iterations', 'status', 'energyTotal', 'energyMax', 'uploadBits', 'computeSeconds'];
const ARRAYS = ['pruning', 'bandwidth', 'clientLatency', 'energy'];

test(`defaults reproduce the v1 results within 1e-12 (${solver.backend})`, () => {
  let worst = 0;
  let lower = 0;
  for (const { name, problem, results } of snapshot.problems) {
    const want = results[solver.backend];
    for (const [form, p] of [['implicit', problem], ['explicit', explicitDefaults(problem)]]) {
      snapshot.methods.forEach((method, i) => {
        const r = solver.solve(p, { method });
        const v1 = want[i][0];
        if (method !== 'optimal') assert.ok(r.latency <= v1 * (1 + 1e-12), `${name} ${form} ${method}: ${r.latency} above v1 ${v1}`);
        if (method === 'optimal') {
          // optimal's T is certified to the tolerance (1e-10), not determined to 1e-12: a
          // different path through the bracket (issue 12's outer Newton in ln(T - pole))
          // may end anywhere in it. The certificates below must still hold each other.
          assert.ok(rel(r.latency, v1) <= 1e-10, `${name} ${form} ${method}: ${r.latency} vs v1 ${v1}`);
        } else if (BLOCK_B.has(method) && r.latency < v1 * (1 - 1e-12)) {
          lower++;
          assert.ok(r.latency >= v1 * (1 - 1e-9), `${name} ${form} ${method}: ${r.latency} far below v1 ${v1}`);
          assert.is(infeasibility(toProblem(p), r), null, `${name} ${form} ${method}`);
        } else {
          const d = rel(r.latency, v1);
          worst = Math.max(worst, d);
          assert.ok(d <= 1e-12, `${name} ${form} ${method}: ${r.latency} vs v1 ${v1}`);
        }
        if (method === 'optimal') {
          // Each certificate holds against the other: the brackets overlap. (The bracket's
          // lower end moves when a better block-B start changes optimal's path.)
          assert.ok(r.lowerBound <= v1 * (1 + 1e-12), `${name} ${form}: lower bound ${r.lowerBound} above v1's point ${v1}`);
          assert.ok(r.latency >= want[i][1] * (1 - 1e-12), `${name} ${form}: ${r.latency} below v1's lower bound ${want[i][1]}`);
        }
      });
    }
  }
  console.log(`  ${solver.backend}: worst relative difference from v1 ${worst.toExponential(2)}; ${lower} block-B results lower than v1`);
});

test(`the energy and minimum-pruning fields at their defaults change nothing, bit for bit (${solver.backend})`, () => {
  for (const { name, problem } of snapshot.problems) {
    for (const method of snapshot.methods) {
      const want = solver.solve(problem, { method });
      const got = solver.solve(energyDefaults(problem), { method });
      for (const key of POINT) assert.ok(Object.is(got[key], want[key]), `${name} ${method} ${key}: ${got[key]} vs ${want[key]}`);
      for (const key of ARRAYS) assert.equal(Array.from(got[key]), Array.from(want[key]), `${name} ${method} ${key}`);
      // Energy without compute power or fixed energy is the upload's alone: p S / r(b).
      assert.ok(want.energyTotal > 0 && Number.isFinite(want.energyTotal), `${name} ${method} energyTotal`);
    }
  }
});

test.run();
