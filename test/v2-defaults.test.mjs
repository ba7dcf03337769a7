// Round model v2 with its defaults (no fixed time, everything prunable) is the model of
// MODEL.md section 2: every method must give today's numbers. test/data/v1-results.json
// holds every method's latency (and optimal's lower bound) on fixed problems from every
// backend, computed before v2 existed (scripts/v1-snapshot.mjs at commit a1d4bda).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { solver } from './helpers.mjs';

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

test(`defaults reproduce the v1 results within 1e-12 (${solver.backend})`, () => {
  let worst = 0;
  for (const { name, problem, results } of snapshot.problems) {
    const want = results[solver.backend];
    for (const [form, p] of [['implicit', problem], ['explicit', explicitDefaults(problem)]]) {
      snapshot.methods.forEach((method, i) => {
        const r = solver.solve(p, { method });
        const d = rel(r.latency, want[i][0]);
        worst = Math.max(worst, d);
        assert.ok(d <= 1e-12, `${name} ${form} ${method}: ${r.latency} vs v1 ${want[i][0]}`);
        if (method === 'optimal') assert.ok(rel(r.lowerBound, want[i][1]) <= 1e-12, `${name} ${form}: lower bound ${r.lowerBound} vs v1 ${want[i][1]}`);
      });
    }
  }
  console.log(`  ${solver.backend}: worst relative difference from v1 ${worst.toExponential(2)}`);
});

test.run();
