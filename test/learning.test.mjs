// Loss curves and calibration (MODEL.md section 13): the loss of a pruned run read off the
// unpruned curve, R0 read off a curve at a target loss, and the fit of R0, Pmax and m to
// pilot runs generated from known parameters (with and without noise), its bootstrap
// intervals covering the truth at the nominal rate, and clear errors naming the run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JcpbaError, calibrate } from '../dist/ts/index.js';
import { lossAt, lossCurve, lossTrajectory, parseLossCurve, roundsToLoss } from '../dist/ts/learning/curve.js';
import { Random } from '../dist/ts/core/rng.js';

const rel = (x, y) => Math.abs(x - y) / Math.abs(y);

function errorOf(fn) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, JcpbaError, `not a JcpbaError: ${e}`);
    return e;
  }
  assert.unreachable('no error');
}

/** A smooth curve L0(x) = 0.5 + 2 exp(-x / 30), sampled at whole rounds 0..n. */
const smooth = (n) => lossCurve({ loss: Array.from({ length: n + 1 }, (_, x) => 0.5 + 2 * Math.exp(-x / 30)) });

test('a constant pruning P gives L0(n pi(P)) after n rounds, for m = 1 and m != 1', () => {
  const curve = smooth(400);
  for (const [P, Pmax, m] of [
    [0, 0.5, 1],
    [0.1, 0.5, 1],
    [0.2, 0.6, 2],
    [0.3, 0.9, 0.5],
  ]) {
    const pi = (1 - P / Pmax) ** m;
    const out = lossTrajectory(curve, new Float64Array(150).fill(P), Pmax, m);
    assert.is(out.length, 151);
    assert.is(out[0], curve.loss[0]);
    for (const n of [1, 7, 50, 150]) {
      const x = n * pi;
      // Linear interpolation between the whole rounds around x, written out.
      const j = Math.floor(x);
      const expected = j === x ? curve.loss[j] : curve.loss[j] + (x - j) * (curve.loss[j + 1] - curve.loss[j]);
      assert.ok(Math.abs(out[n] - expected) <= 1e-12, `P ${P} m ${m} n ${n}: ${out[n]} vs ${expected}`);
    }
  }
  // At or past Pmax a round makes no progress: the loss stays at L0(0).
  assert.ok(lossTrajectory(curve, [0.6, 0.7], 0.5, 1).every((l) => l === curve.loss[0]));
});

test('interpolation between measured rounds, uneven spacing, and the end of the curve is an error', () => {
  const curve = lossCurve([
    { round: 0, loss: 3 },
    { round: 10, loss: 2 },
    { round: 40, loss: 1.4 },
  ]);
  assert.is(lossAt(curve, 0), 3);
  assert.is(lossAt(curve, 5), 2.5);
  assert.ok(Math.abs(lossAt(curve, 25) - 1.7) <= 1e-15);
  assert.is(lossAt(curve, 40), 1.4);
  const e = errorOf(() => lossAt(curve, 40.000001));
  assert.match(e.message, /past the end of the loss curve \(its last round is 40\)/);
  assert.throws(() => lossTrajectory(curve, new Float64Array(41), 0.5, 1), /past the end of the loss curve/);
  // R0 at a target: the first crossing, by interpolation.
  assert.is(roundsToLoss(curve, 2.5), 5);
  assert.ok(Math.abs(roundsToLoss(curve, 1.7) - 25) <= 1e-12);
  assert.match(errorOf(() => roundsToLoss(curve, 1)).message, /never reaches the target loss 1 \(its least loss is 1.4 at round 40/);
  assert.match(errorOf(() => roundsToLoss(curve, 3)).message, /at or below the target loss 3 at round 0/);
  assert.match(errorOf(() => roundsToLoss(curve, 2.95)).message, /within the first round/);
});

test('loss curve files: CSV round,loss and the two JSON forms; errors name the line', () => {
  const csv = '# unpruned run\nround,loss\n0,2.5\n1,2.1\n\n2,1.9\n';
  const c = parseLossCurve(csv, 'curve.csv');
  assert.equal(Array.from(c.rounds), [0, 1, 2]);
  assert.equal(Array.from(c.loss), [2.5, 2.1, 1.9]);
  assert.equal(Array.from(parseLossCurve('{"loss": [2.5, 2.1, 1.9]}', 'c.json').loss), [2.5, 2.1, 1.9]);
  assert.equal(Array.from(parseLossCurve('[{"round": 0, "loss": 2}, {"round": 5, "loss": 1}]', 'c.json').rounds), [0, 5]);
  assert.match(errorOf(() => parseLossCurve('round,loss\n0,2.5\n1,abc\n', 'curve.csv')).message, /^curve\.csv line 3, loss: expected a finite number, got "abc"$/);
  assert.match(errorOf(() => parseLossCurve('round,loss\n0,2.5\n0,2.4\n', 'curve.csv')).message, /^curve\.csv line 3: rounds must increase strictly/);
  assert.match(errorOf(() => parseLossCurve('round,loss\n1,2.5\n2,2.4\n', 'curve.csv')).message, /^curve\.csv line 2: a loss curve starts at round 0/);
  assert.match(errorOf(() => parseLossCurve('step,value\n0,1\n', 'curve.csv')).message, /^curve\.csv line 1: a loss curve's CSV header is round,loss/);
  assert.match(errorOf(() => parseLossCurve('round,loss\n0,2.5,1\n', 'curve.csv')).message, /^curve\.csv line 2: expected 2 cells/);
  assert.match(errorOf(() => parseLossCurve('round,loss\n0,2.5\n', 'curve.csv')).message, /at least two points/);
  assert.match(errorOf(() => parseLossCurve('{"loss": [2, null]}', 'c.json')).message, /^c\.json\.loss\[1\]: loss must be a finite number/);
  assert.match(errorOf(() => parseLossCurve('{"loss": [2, 1', 'c.json')).message, /^c\.json is not valid JSON/);
  assert.match(errorOf(() => parseLossCurve('', 'e.csv')).message, /^e\.csv: empty/);
});

/** Pilot runs from known parameters: R_i = R0 / (1 - P_i / Pmax)^m times exp(noise). */
function pilots(truth, prunings, sigma, rng) {
  return prunings.map((pruning) => {
    let noise = 0;
    if (sigma > 0) {
      // Box-Muller from two uniforms.
      const u1 = 1 - rng.uniform();
      const u2 = rng.uniform();
      noise = sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
    return { pruning, rounds: (truth.R0 / (1 - pruning / truth.Pmax) ** truth.m) * Math.exp(noise) };
  });
}

test('calibration recovers known parameters exactly from noiseless runs (m free, and m = 1)', () => {
  const prunings = [0, 0.1, 0.2, 0.3, 0.4];
  for (const truth of [
    { R0: 100, Pmax: 0.6, m: 1.5 },
    { R0: 40, Pmax: 0.8, m: 0.7 },
    { R0: 250, Pmax: 0.5, m: 1 },
  ]) {
    const c = calibrate(pilots(truth, prunings, 0), { resamples: 50 });
    assert.is(c.exponent, 'fit');
    assert.ok(rel(c.rounds0, truth.R0) <= 1e-6, `R0 ${c.rounds0} vs ${truth.R0}`);
    assert.ok(rel(c.pruningLimit, truth.Pmax) <= 1e-5, `Pmax ${c.pruningLimit} vs ${truth.Pmax}`);
    assert.ok(rel(c.convergenceExponent, truth.m) <= 1e-5, `m ${c.convergenceExponent} vs ${truth.m}`);
    assert.ok(c.rmsResidual <= 1e-6);
    for (const r of c.runs) assert.ok(Math.abs(r.residual) <= 1e-6 && rel(r.fitted, r.rounds) <= 1e-6);
  }
  // Section 10's one-pilot formula: Pmax = P1 R1 / (R1 - R0) from R0 = 100, R1 = 125 at 0.1.
  const two = calibrate([{ pruning: 0, rounds: 100 }, { pruning: 0.1, rounds: 125 }], { resamples: 50 });
  assert.is(two.exponent, 'fixed');
  assert.is(two.convergenceExponent, 1);
  assert.match(two.notes.join('\n'), /m fixed at 1: with 2 different prunings/);
  assert.ok(rel(two.rounds0, 100) <= 1e-9);
  assert.ok(rel(two.pruningLimit, 0.5) <= 1e-6, `Pmax ${two.pruningLimit}`);
  const fixed = calibrate(pilots({ R0: 80, Pmax: 0.7, m: 1 }, prunings, 0), { exponent: 1, resamples: 50 });
  assert.is(fixed.convergenceExponent, 1);
  assert.ok(rel(fixed.pruningLimit, 0.7) <= 1e-6);
  assert.equal(fixed.ci95.convergenceExponent, [1, 1]);
});

test('no slowdown in the data: pruningLimit null, said so', () => {
  const c = calibrate(
    [0, 0.1, 0.2, 0.3].map((pruning, i) => ({ pruning, rounds: 100 - i })),
    { exponent: 1, resamples: 50 },
  );
  assert.is(c.pruningLimit, null);
  assert.match(c.notes.join('\n'), /pruningLimit is null: the best fit has Pmax at infinity/);
});

test('calibration from loss curves: each run\'s rounds read off its curve at the common target', () => {
  const truth = { R0: 60, Pmax: 0.5, m: 1.3 };
  const runs = [0, 0.1, 0.2, 0.3].map((pruning) => {
    const pi = (1 - pruning / truth.Pmax) ** truth.m;
    // The run's own curve: L(n) = L0(n pi), L0(x) = 0.5 + 2 exp(-x / 30) (exact on whole n).
    const loss = Array.from({ length: 400 }, (_, n) => 0.5 + 2 * Math.exp((-n * pi) / 30));
    return { pruning, loss: { loss } };
  });
  const target = 0.5 + 2 * Math.exp(-truth.R0 / 30);
  const c = calibrate(runs, { targetLoss: target, resamples: 50 });
  assert.is(c.targetLoss, target);
  // Rounds read off by linear interpolation of a convex curve: within a fraction of a round.
  c.runs.forEach((r) => assert.ok(Math.abs(r.rounds - truth.R0 / (1 - r.pruning / truth.Pmax) ** truth.m) <= 0.05, `${r.rounds}`));
  assert.ok(rel(c.rounds0, truth.R0) <= 2e-3);
  assert.ok(rel(c.pruningLimit, truth.Pmax) <= 0.05);
  assert.ok(rel(c.convergenceExponent, truth.m) <= 0.05);
});

test('with noise: 95% bootstrap intervals cover the truth at the nominal rate over 200 seeded repetitions', () => {
  // 27 runs (9 prunings x 3), 5% noise in ln R. Tolerance: coverage in [0.88, 0.99] for
  // each parameter (the binomial standard error at 200 repetitions is 1.5%; the percentile
  // bootstrap undercovers a little with 27 runs).
  const truth = { R0: 100, Pmax: 0.6, m: 1.5 };
  const prunings = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4].flatMap((p) => [p, p, p]);
  const rng = new Random(7, 99, 0, 0);
  const hits = { rounds0: 0, pruningLimit: 0, convergenceExponent: 0 };
  const reps = 200;
  let meanR0 = 0;
  for (let rep = 0; rep < reps; rep++) {
    const c = calibrate(pilots(truth, prunings, 0.05, rng), { seed: rep, resamples: 100 });
    const inside = ([lo, hi], x) => (lo === null || lo <= x) && (hi === null || x <= hi);
    if (inside(c.ci95.rounds0, truth.R0)) hits.rounds0++;
    if (inside(c.ci95.pruningLimit, truth.Pmax)) hits.pruningLimit++;
    if (inside(c.ci95.convergenceExponent, truth.m)) hits.convergenceExponent++;
    meanR0 += c.rounds0 / reps;
  }
  for (const [k, h] of Object.entries(hits)) assert.ok(h / reps >= 0.88 && h / reps <= 0.99, `${k}: coverage ${h / reps}`);
  assert.ok(rel(meanR0, truth.R0) <= 0.01, `mean R0 ${meanR0}`);
});

test('degenerate inputs: clear errors naming the run', () => {
  const msg = (runs, o = {}) => errorOf(() => calibrate(runs, { resamples: 50, ...o })).message;
  assert.match(msg([{ pruning: 0, rounds: 100 }]), /at least two pilot runs .*got 1/);
  assert.match(msg([]), /got 0/);
  assert.match(msg([{ pruning: 0.1, rounds: 100 }, { pruning: 0.1, rounds: 120 }]), /every pilot run has the same mean pruning \(0\.1\)/);
  assert.match(
    msg([
      { pruning: 0, rounds: 100, name: 'base' },
      { pruning: 0.2, rounds: 89, name: 'p20' },
    ]),
    /^runs\[1\] \("p20"\) \(pruning 0\.2\) reached the target in 89 rounds, more than 10% fewer than the unpruned runs\[0\] \("base"\) \(100\)/,
  );
  const never = { pruning: 0.2, loss: { loss: [3, 2.5, 2.2, 2.1] } };
  assert.match(msg([{ pruning: 0, loss: { loss: [3, 2, 1, 0.5] } }, never], { targetLoss: 1 }), /^runs\[1\]'s loss curve never reaches the target loss 1/);
  assert.match(msg([{ pruning: 0, loss: { loss: [3, 2, 1] } }, never]), /^runs\[0\] gives a loss curve: a common targetLoss/);
  assert.match(msg([{ pruning: 1.2, rounds: 100 }, { pruning: 0, rounds: 50 }]), /^runs\[0\]\.pruning must be a finite number in \[0, 1\)/);
  assert.match(msg([{ pruning: 0, rounds: 0.5 }, { pruning: 0.1, rounds: 50 }]), /^runs\[0\]\.rounds must be a finite number in \[1, 1e9\]/);
  assert.match(msg([{ pruning: 0 }, { pruning: 0.1, rounds: 50 }]), /^runs\[0\] needs exactly one of rounds/);
  assert.match(msg([{ pruning: 0, rounds: 100 }, { pruning: 0.1, rounds: 120 }], { exponent: 2 }), /exponent must be "fit" or 1/);
});

test.run();
