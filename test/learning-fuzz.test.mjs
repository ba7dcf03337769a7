// Fuzz of the learning-curve domain (MODEL.md section 13), as issue 20 asks of every new
// domain: random loss curves (valid, mutated, extreme), random targets and pruning runs,
// random pilot runs for the calibration. Every call either throws a one-line JcpbaError
// naming its field, or returns finite numbers that satisfy the section's relations,
// checked here independently: the rounds to a target are the first crossing of the
// piecewise-linear curve, a trajectory is L0 at the summed progress, and the calibrated
// fit is at least as good (least squares) as the parameters that generated the runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JcpbaError } from '../dist/ts/index.js';
import { lastRound, lossAt, lossCurve, lossTrajectory, parseLossCurve, roundsToLoss } from '../dist/ts/learning/curve.js';
import { calibrate } from '../dist/ts/learning/calibrate.js';
import { rngFor } from './helpers.mjs';

/** Runs f; a thrown error must be a one-line JcpbaError with a field. Returns undefined then. */
function clean(f, label) {
  try {
    return f();
  } catch (e) {
    assert.ok(e instanceof JcpbaError, `${label}: not a JcpbaError: ${e && e.stack}`);
    assert.type(e.field, 'string', `${label}: no field`);
    assert.ok(e.message.length > 0 && !e.message.includes('\n'), `${label}: message ${e.message}`);
    return undefined;
  }
}

const EXTREMES = [0, -0, 1e-308, 5e-324, 1e-300, 1e300, 1.7976931348623157e308, -1, NaN, Infinity, -Infinity, 1e9, 1e9 + 1];

function randomCurve(rng) {
  const n = 2 + Math.floor(rng.uniform() ** 2 * 60);
  const scale = Math.exp((rng.uniform() - 0.5) * 600); // 1e-130 .. 1e130
  const rounds = [0];
  for (let i = 1; i < n; i++) rounds.push(rounds[i - 1] + (rng.uniform() < 0.5 ? 1 : Math.exp((rng.uniform() - 0.3) * 10)));
  const loss = [];
  let l = scale * (1 + rng.uniform());
  for (let i = 0; i < n; i++) {
    loss.push(l);
    // Mostly decreasing, sometimes noisy, sometimes flat.
    const u = rng.uniform();
    l = u < 0.7 ? l * (0.5 + 0.5 * rng.uniform()) : u < 0.85 ? l : l * (1 + 0.1 * rng.uniform());
  }
  // Mutations: make some curves invalid or extreme.
  const m = rng.uniform();
  if (m < 0.08) loss[Math.floor(rng.uniform() * n)] = EXTREMES[Math.floor(rng.uniform() * EXTREMES.length)];
  else if (m < 0.16) rounds[Math.floor(rng.uniform() * n)] = EXTREMES[Math.floor(rng.uniform() * EXTREMES.length)];
  else if (m < 0.2) rounds.reverse();
  return { rounds, loss };
}

/** Three of the input forms, at random. */
function asInput(rng, c) {
  const u = rng.uniform();
  if (u < 0.4) return c.rounds.map((r, i) => ({ round: r, loss: c.loss[i] }));
  if (u < 0.7) return { rounds: Float64Array.from(c.rounds), loss: Float64Array.from(c.loss) };
  return { loss: c.loss }; // rounds = index
}

test('loss curves: random and mutated inputs in every form give a clean error or a valid curve; CSV the same', () => {
  const rng = rngFor(131);
  let valid = 0;
  for (let i = 0; i < 2000; i++) {
    const c = randomCurve(rng);
    const curve = clean(() => lossCurve(asInput(rng, c)), `#${i}`);
    if (curve === undefined) continue;
    valid++;
    assert.is(curve.rounds[0], 0);
    for (let j = 0; j < curve.rounds.length; j++) {
      assert.ok(Number.isFinite(curve.rounds[j]) && Number.isFinite(curve.loss[j]), `#${i} point ${j}`);
      if (j > 0) assert.ok(curve.rounds[j] > curve.rounds[j - 1]);
    }
    // The CSV form of the same points reads back the same curve.
    const csv = 'round,loss\n' + Array.from(curve.rounds, (r, j) => `${r},${curve.loss[j]}`).join('\n');
    const back = parseLossCurve(csv, 'fuzz.csv');
    assert.equal(Array.from(back.loss), Array.from(curve.loss));
  }
  assert.ok(valid > 1000 && valid < 2000, `${valid} valid curves`);
});

test('rounds to a target: the first crossing of the piecewise-linear curve, or a clean error', () => {
  const rng = rngFor(132);
  let reached = 0;
  for (let i = 0; i < 2000; i++) {
    const c = randomCurve(rng);
    const curve = clean(() => lossCurve({ rounds: Float64Array.from(c.rounds), loss: Float64Array.from(c.loss) }), `#${i}`);
    if (curve === undefined) continue;
    const lo = Math.min(...curve.loss);
    const hi = Math.max(...curve.loss);
    const u = rng.uniform();
    const target = u < 0.1 ? EXTREMES[Math.floor(rng.uniform() * EXTREMES.length)] : lo + (hi - lo) * rng.uniform() * 1.1 - 0.05 * (hi - lo);
    const x = clean(() => roundsToLoss(curve, target), `#${i} target ${target}`);
    if (x === undefined) continue;
    reached++;
    assert.ok(Number.isFinite(x) && x >= 1 && x <= lastRound(curve), `#${i}: x = ${x}`);
    // First crossing: every measured round before x is above the target...
    for (let j = 0; j < curve.rounds.length && curve.rounds[j] < x; j++) assert.ok(curve.loss[j] > target, `#${i}: round ${curve.rounds[j]} already at ${curve.loss[j]} <= ${target}`);
    // ...and the interpolated loss at x is the target, to rounding of the segment's values.
    const scale = Math.max(Math.abs(target), ...Array.from(curve.loss, Math.abs));
    assert.ok(Math.abs(lossAt(curve, x) - target) <= 1e-12 * scale, `#${i}: L0(${x}) = ${lossAt(curve, x)} vs ${target}`);
  }
  assert.ok(reached > 300, `${reached} targets reached`);
});

test('trajectories: L0 at the summed progress, finite, or the clean past-the-end error', () => {
  const rng = rngFor(133);
  let ran = 0;
  for (let i = 0; i < 1500; i++) {
    const c = randomCurve(rng);
    const curve = clean(() => lossCurve({ rounds: Float64Array.from(c.rounds), loss: Float64Array.from(c.loss) }), `#${i}`);
    if (curve === undefined) continue;
    const limit = 0.05 + rng.uniform() * 2;
    const m = Math.exp((rng.uniform() - 0.5) * 6);
    const n = Math.floor(rng.uniform() * lastRound(curve) * 1.3);
    if (n > 2000) continue;
    const pruning = Float64Array.from({ length: n }, () => (rng.uniform() < 0.1 ? limit * (1 + rng.uniform()) : rng.uniform() * Math.min(limit, 0.99)));
    const out = clean(() => lossTrajectory(curve, pruning, limit, m), `#${i}`);
    if (out === undefined) continue;
    ran++;
    let x = 0;
    const lmax = Math.max(...Array.from(curve.loss, Math.abs));
    assert.is(out[0], curve.loss[0]);
    for (let r = 0; r < n; r++) {
      x += pruning[r] < limit ? (1 - pruning[r] / limit) ** m : 0;
      assert.ok(Number.isFinite(out[r + 1]));
      const want = lossAt(curve, Math.min(x, lastRound(curve)));
      assert.ok(Math.abs(out[r + 1] - want) <= 1e-9 * lmax, `#${i} round ${r + 1}: ${out[r + 1]} vs ${want}`);
    }
  }
  assert.ok(ran > 300, `${ran} trajectories`);
});

test('calibration: random pilot runs give a clean error or finite parameters that fit at least as well as the truth', () => {
  const rng = rngFor(134);
  let fitted = 0;
  for (let i = 0; i < 250; i++) {
    const R0 = Math.exp(rng.uniform() * Math.log(1e6));
    const Pmax = 0.3 + rng.uniform() * 3;
    const m = rng.uniform() < 0.3 ? 1 : Math.exp((rng.uniform() - 0.5) * 3);
    const n = 2 + Math.floor(rng.uniform() * 10);
    const noise = rng.uniform() < 0.3 ? 0 : 0.1 * rng.uniform();
    const runs = [];
    for (let j = 0; j < n; j++) {
      const P = rng.uniform() < 0.2 ? 0 : rng.uniform() * Math.min(0.95, 0.9 * Pmax);
      const rounds = (R0 / (1 - P / Pmax) ** m) * Math.exp(noise * (rng.uniform() - 0.5));
      const run = { pruning: P, rounds, name: `run${j}` };
      const u = rng.uniform();
      if (u < 0.03) run.pruning = EXTREMES[Math.floor(rng.uniform() * EXTREMES.length)];
      else if (u < 0.06) run.rounds = EXTREMES[Math.floor(rng.uniform() * EXTREMES.length)];
      runs.push(run);
    }
    const exponent = rng.uniform() < 0.3 ? 1 : 'fit';
    const cal = clean(() => calibrate(runs, { exponent, resamples: 20, seed: i }), `#${i}`);
    if (cal === undefined) continue;
    fitted++;
    assert.ok(Number.isFinite(cal.rounds0) && cal.rounds0 > 0, `#${i}: rounds0 ${cal.rounds0}`);
    assert.ok(cal.pruningLimit === null || (cal.pruningLimit > Math.max(...runs.map((r) => r.pruning)) && Number.isFinite(cal.pruningLimit)), `#${i}: Pmax ${cal.pruningLimit}`);
    assert.ok(Number.isFinite(cal.convergenceExponent) && cal.convergenceExponent >= 1e-3 && cal.convergenceExponent <= 1e3);
    assert.ok(Number.isFinite(cal.rmsResidual));
    for (const [a, b] of [cal.ci95.rounds0, cal.ci95.convergenceExponent]) assert.ok(Number.isFinite(a) && Number.isFinite(b) && a <= b, `#${i}: CI [${a}, ${b}]`);
    cal.runs.forEach((r) => assert.ok(Number.isFinite(r.fitted) && Number.isFinite(r.residual)));
    // Least squares: the fit's sum of squared log residuals is at most the truth's (when the
    // truth is in the fit's family: m fitted with three prunings, or m = 1 true and fixed).
    const levels = new Set(runs.map((r) => r.pruning)).size;
    if ((exponent === 'fit' && levels >= 3) || m === 1) {
      const sse = (r0, pmax, mm) => runs.reduce((s, r) => s + (Math.log(r.rounds) - Math.log(r0 / (1 - r.pruning / pmax) ** mm)) ** 2, 0);
      const got = cal.runs.reduce((s, r) => s + r.residual ** 2, 0);
      assert.ok(got <= sse(R0, Pmax, m) * (1 + 1e-6) + 1e-12, `#${i}: fit SSE ${got} > truth's ${sse(R0, Pmax, m)}`);
    }
  }
  assert.ok(fitted > 100, `${fitted} fits`);
});

test.run();
