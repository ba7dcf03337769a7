// A seeded, bounded fuzz of deadline mode (issue 20) on the backend under test: problems at
// the edges of the representable range (extremeProblem) and deadlines around the least
// feasible one, up to a thousand times it. (Deadlines near the largest double are tested on
// ordinary problems in deadline.test.mjs: on these, a client's need can underflow.) Every result is a status, never NaN or a crash;
// a returned point meets the deadline, the band and the box, and its certificate brackets
// it; `infeasible` is never false (a deadline a little above the least one is met); and on
// one client of the section-2 model, where the least pruning has a closed form, the lower
// bound never passes it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JcpbaError, toProblem } from '../dist/ts/index.js';
import { clientLatencyOf, extremeProblem, rate, rngFor, solver } from './helpers.mjs';

const minPruning = (p, options) => solver.minPruning(p, options);

function check(p, D, r, label) {
  assert.ok(['converged', 'iteration-limit', 'infeasible'].includes(r.status), `${label}: status ${r.status}`);
  if (r.status === 'infeasible') {
    assert.ok(Number.isFinite(r.minDeadline) && r.minDeadline > 0, `${label}: minDeadline ${r.minDeadline}`);
    assert.ok(D <= r.minDeadline * (1 + 1e-12), `${label}: infeasible at D ${D} above its least deadline ${r.minDeadline}`);
    return;
  }
  const K = p.computeSeconds.length;
  let wsum = 0;
  for (let k = 0; k < K; k++) wsum += p.dataWeight[k];
  let band = 0;
  let used = 0;
  for (let k = 0; k < K; k++) {
    const rho = r.pruning[k];
    const b = r.bandwidth[k];
    assert.ok(rho >= 0 && rho <= p.maxPruning[k], `${label}: pruning[${k}] = ${rho}`);
    assert.ok(Number.isFinite(b) && b > 0, `${label}: bandwidth[${k}] = ${b}`);
    const tau = clientLatencyOf(p, k, rho, b);
    assert.ok(tau <= D * (1 + 1e-12), `${label}: client ${k} takes ${tau} s > D = ${D}`);
    band += b;
    used += (p.dataWeight[k] / wsum) * rho;
  }
  assert.ok(band <= p.bandwidthHz * (1 + 1e-12), `${label}: sum b = ${band} > B = ${p.bandwidthHz}`);
  assert.ok(Number.isFinite(r.latency) && r.latency > 0, `${label}: latency ${r.latency}`);
  assert.ok(Math.abs(used - r.weightedPruning) <= 1e-14, `${label}: weighted pruning ${r.weightedPruning} vs ${used}`);
  assert.ok(Number.isFinite(r.lowerBound) && r.lowerBound <= r.upperBound + 1e-15, `${label}: [${r.lowerBound}, ${r.upperBound}]`);
  if (r.status === 'converged') assert.ok(r.upperBound - r.lowerBound <= 1e-10, `${label}: [${r.lowerBound}, ${r.upperBound}]`);
}

test('deadline mode on extreme problems: a status, a point that meets D, a bracket that holds, no false infeasible', () => {
  const rng = rngFor(2020);
  let solved = 0;
  for (let i = 0; i < 120; i++) {
    let p;
    try {
      p = toProblem(extremeProblem(rng, 8), { requireBudget: false });
    } catch (e) {
      if (e instanceof JcpbaError) continue;
      throw e;
    }
    if (i % 5 === 0) p.computeSeconds[0] = (1e-15 * (1 + rng.uniform()) * p.payloadBits) / p.bandwidthHz; // below the rounding of D
    if (i % 7 === 0) p.prunablePayloadFraction = 0;
    const least = minPruning(p, { deadline: Number.MIN_VALUE }).minDeadline;
    assert.ok(Number.isFinite(least) && least > 0, `#${i}: least deadline ${least}`);
    const above = minPruning(p, { deadline: least * (1 + 1e-9) });
    assert.is.not(above.status, 'infeasible', `#${i}: false infeasible just above the least deadline ${least}`);
    for (const D of [least * (1 - 1e-9), least, least * (1 + 1e-6), least * (1.01 + rng.uniform()), least * 1e3]) {
      if (!(D > 0 && Number.isFinite(D))) continue;
      check(p, D, minPruning(p, { deadline: D }), `#${i} D = ${D}`);
      solved++;
    }
  }
  assert.ok(solved > 500, `${solved} solves`);
});

test('one client of the section-2 model: the lower bound never passes the closed-form least pruning', () => {
  const rng = rngFor(2021);
  const logUniform = (lo, hi) => Math.exp(Math.log(lo) + rng.uniform() * (Math.log(hi) - Math.log(lo)));
  for (let i = 0; i < 200; i++) {
    const rmax = rng.uniform() < 0.3 ? 1 - logUniform(1e-6, 1e-2) : rng.uniform() * 0.95;
    const p = {
      bandwidthHz: logUniform(1e3, 1e9),
      noisePsdWPerHz: 4e-21,
      payloadBits: logUniform(1e3, 1e10),
      computeSeconds: Float64Array.of(logUniform(1e-15, 1e3)),
      txPowerW: Float64Array.of(0.2),
      channelGain: Float64Array.of(logUniform(1e-16, 1e-8)),
      dataWeight: Float64Array.of(1),
      maxPruning: Float64Array.of(rmax),
    };
    // tau = (1 - rho) U with U = c + S / r(B): P* = max(0, 1 - D / U), feasible from (1 - rmax) U.
    const U = p.computeSeconds[0] + p.payloadBits / rate((p.txPowerW[0] * p.channelGain[0]) / p.noisePsdWPerHz, p.bandwidthHz);
    const D = (1 - rmax) * U * (1 + logUniform(1e-9, 2));
    const r = minPruning(p, { deadline: D });
    const label = `#${i} rmax ${rmax} D ${D} U ${U}`;
    check(p, D, r, label);
    if (r.status === 'infeasible') continue;
    const least = Math.max(0, 1 - D / U);
    assert.ok(r.lowerBound <= least + 1e-12, `${label}: lower bound ${r.lowerBound} above the least pruning ${least}`);
    assert.ok(r.upperBound >= least - 1e-12, `${label}: upper bound ${r.upperBound} below the least pruning ${least}`);
  }
});

test.run();
