/**
 * Calibration of the convergence model from pilot runs (MODEL.md section 13.3): each run
 * has its mean pruning P_i and its rounds R_i to a common target (given, or read off its
 * own loss curve at the target loss). The fit is least squares on
 *
 *     ln R_i = ln R0 - m ln(1 - P_i / Pmax)
 *
 * over R0, Pmax and m (or m fixed at 1). For a fixed q = 1 / Pmax the model is linear in
 * (ln R0, m), so the fit profiles the sum of squares over q in [0, 1 / max P_i) (q = 0:
 * Pmax infinite) with the inner least squares in closed form: a grid, then golden sections
 * in the best cell. 95 % confidence intervals come from a seeded bootstrap over the runs
 * (percentiles). Pure TypeScript: not a hot path.
 */
import { JcpbaError } from '../core/error.js';
import { MAX_EXPONENT, MAX_ROUNDS0, MIN_EXPONENT } from '../core/plan.js';
import { Random } from '../core/rng.js';
import { type LossCurveInput, lossCurve, roundsToLoss } from './curve.js';

/** One pilot run: its mean pruning, and its rounds to the target or its loss curve. */
export interface PilotRun {
  /** Mean pruning over the run's rounds, in [0, 1). */
  pruning: number;
  /** Rounds to the common target, in [1, 1e9] (fractional allowed). */
  rounds?: number;
  /** The run's loss curve (forms of `lossCurve`); its rounds to `targetLoss` are read off it. */
  loss?: LossCurveInput;
  /** A name for messages and the output (a file, a seed). */
  name?: string;
}

/** Options of `calibrate`; every field is optional. */
export interface CalibrateOptions {
  /** The common target loss, required when a run gives its loss curve. */
  targetLoss?: number;
  /** `fit` (default): R0, Pmax and m free; 1: m fixed at 1 (section 10). */
  exponent?: 'fit' | 1;
  /** Seed of the bootstrap. Default 1. */
  seed?: number;
  /** Bootstrap resamples. Default 2000. */
  resamples?: number;
}

/** One pilot run as the fit saw it. */
export interface CalibratedRun {
  /** The run's name, when it was given one. */
  name?: string;
  /** The run's mean pruning P_i, a fraction in [0, 1). */
  pruning: number;
  /** Rounds to the target (given, or read off the run's loss curve). */
  rounds: number;
  /** R0 / pi(P) of the fit. */
  fitted: number;
  /** ln rounds - ln fitted. */
  residual: number;
}

/** The output of `jcpba calibrate`: what `plan` and `sweep` read with `--convergence FILE`. */
export interface Calibration {
  /** Always `jcpba-convergence`: what the file is. */
  kind: 'jcpba-convergence';
  /** R0, the fitted rounds to the target without pruning. */
  rounds0: number;
  /** null: the best fit has Pmax at infinity (pruning does not slow learning in the data). */
  pruningLimit: number | null;
  /** m, the fitted (or fixed) convergence exponent: progress per round (1 - P / Pmax)^m. */
  convergenceExponent: number;
  /** Whether m was fitted or fixed at 1 (asked for, or only m = 1 identifiable). */
  exponent: 'fit' | 'fixed';
  /** 95 % bootstrap percentile intervals; null bounds of pruningLimit are infinity. */
  ci95: {
    /** Of R0, rounds. */
    rounds0: [number, number];
    /** Of Pmax, a mean pruning fraction (null: infinity). */
    pruningLimit: [number | null, number | null];
    /** Of m. */
    convergenceExponent: [number, number];
  };
  /** The common target loss, when the runs gave loss curves. */
  targetLoss?: number;
  /** The pilot runs, in the order given, with the fit's rounds and residuals. */
  runs: CalibratedRun[];
  /** sqrt(mean residual^2), in ln rounds. */
  rmsResidual: number;
  /** The bootstrap behind ci95. */
  bootstrap: {
    /** Its seed. */
    seed: number;
    /** Resamples drawn. */
    resamples: number;
    /** Resamples with a usable fit (the intervals' sample size). */
    used: number;
  };
  /** Warnings about the data or the fit, one sentence each (empty when none). */
  notes: string[];
}

export const DEFAULT_RESAMPLES = 2000;
/** Most bootstrap resamples (each is a full fit). */
export const MAX_RESAMPLES = 1_000_000;
/** Cells of the grid over s = q / q_max in [0, 1) before golden sections. */
const GRID = 32;
/** Golden-section steps in the best cell. */
const GOLDEN_STEPS = 45;
const GOLD = 0.3819660112501051;
/** How much faster than the fastest unpruned run a pruned run may be (noise), as a share. */
export const NOISE_ALLOWANCE = 0.1;
/** Stream of the bootstrap's random numbers (the generator's streams are 1 and 2). */
const STREAM_BOOTSTRAP = 13;

interface Fit {
  /** q = 1 / Pmax (0: infinite). */
  q: number;
  a: number;
  m: number;
  sse: number;
}

/** z_i of the current fit, reused between calls (the fits run one at a time). */
let scratch = new Float64Array(64);

/** Least squares of y = a + m z (m fixed, or free in its range) at one q. */
function fitAt(P: ArrayLike<number>, y: ArrayLike<number>, q: number, free: boolean): Fit {
  const n = P.length;
  const z = scratch.length >= n ? scratch : (scratch = new Float64Array(n));
  let zbar = 0;
  let ybar = 0;
  for (let i = 0; i < n; i++) {
    z[i] = -Math.log1p(-q * P[i]);
    zbar += z[i];
    ybar += y[i];
  }
  zbar /= n;
  ybar /= n;
  let m = 1;
  if (free) {
    let szz = 0;
    let szy = 0;
    for (let i = 0; i < n; i++) {
      szz += (z[i] - zbar) * (z[i] - zbar);
      szy += (z[i] - zbar) * (y[i] - ybar);
    }
    // szz = 0 only at q = 0, where m z = 0 whatever m: keep 1.
    if (szz > 0) m = Math.min(MAX_EXPONENT, Math.max(MIN_EXPONENT, szy / szz));
  }
  const a = ybar - m * zbar;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const e = y[i] - a - m * z[i];
    sse += e * e;
  }
  return { q, a, m, sse };
}

/** The least-squares fit over q in [0, 1 / max P) (MODEL.md 13.3). */
function fitRuns(P: ArrayLike<number>, y: ArrayLike<number>, free: boolean): Fit {
  let maxP = 0;
  for (let i = 0; i < P.length; i++) maxP = Math.max(maxP, P[i]);
  const qMax = 1 / maxP;
  // s = q / qMax: an even grid, and points ever closer to 1 (Pmax just above the largest pruning).
  const grid: number[] = [];
  for (let j = 0; j < GRID; j++) grid.push(j / GRID);
  for (let k = 2; k <= 12; k++) grid.push(1 - 10 ** -k);
  const at = (s: number) => fitAt(P, y, s * qMax, free);
  let bestJ = 0;
  let best = at(0);
  for (let j = 1; j < grid.length; j++) {
    const f = at(grid[j]);
    if (f.sse < best.sse) {
      best = f;
      bestJ = j;
    }
  }
  // Golden sections in [grid[j-1], grid[j+1]].
  let lo = grid[Math.max(0, bestJ - 1)];
  let hi = bestJ + 1 < grid.length ? grid[bestJ + 1] : 1 - 1e-15;
  let x1 = hi - (1 - GOLD) * (hi - lo);
  let x2 = lo + (1 - GOLD) * (hi - lo);
  let f1 = at(x1);
  let f2 = at(x2);
  for (let step = 0; step < GOLDEN_STEPS; step++) {
    if (f1.sse <= f2.sse) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - (1 - GOLD) * (hi - lo);
      f1 = at(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + (1 - GOLD) * (hi - lo);
      f2 = at(x2);
    }
  }
  for (const f of [f1, f2]) if (f.sse < best.sse) best = f;
  return best;
}

/** The q-th quantile of sorted values (linear between order statistics). */
function quantile(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const i = Math.floor(h);
  const j = Math.min(i + 1, sorted.length - 1);
  const lo = sorted[i];
  const hi = sorted[j];
  if (lo === hi) return lo; // also Infinity
  return lo + (h - i) * (hi - lo);
}

const distinct = (P: ArrayLike<number>) => new Set(Array.from(P)).size;

function who(runs: PilotRun[], i: number): string {
  const name = runs[i]?.name;
  return typeof name === 'string' && name !== '' ? `runs[${i}] (${JSON.stringify(name)})` : `runs[${i}]`;
}

/**
 * Fits R0, Pmax and m (or m = 1) to pilot runs (MODEL.md section 13.3). Errors name the
 * run: fewer than two runs, a bad pruning or round count, a loss curve without the target
 * or that never reaches it, a single pruning level, a pruned run faster than the unpruned
 * one.
 */
export function calibrate(runs: PilotRun[], options: CalibrateOptions = {}): Calibration {
  const o = options ?? {};
  const exponent = o.exponent ?? 'fit';
  if (exponent !== 'fit' && exponent !== 1) {
    throw new JcpbaError('invalid-option', `exponent must be "fit" or 1, got ${JSON.stringify(exponent)}`, 'exponent');
  }
  const seed = o.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 4294967295) {
    throw new JcpbaError('invalid-option', 'seed must be an integer in [0, 2^32 - 1]', 'seed');
  }
  const resamples = o.resamples ?? DEFAULT_RESAMPLES;
  if (typeof resamples !== 'number' || !Number.isInteger(resamples) || resamples < 10 || resamples > MAX_RESAMPLES) {
    throw new JcpbaError('invalid-option', `resamples must be an integer in [10, ${MAX_RESAMPLES}]`, 'resamples');
  }
  const targetLoss = o.targetLoss;
  if (targetLoss !== undefined && (typeof targetLoss !== 'number' || !Number.isFinite(targetLoss))) {
    throw new JcpbaError('invalid-option', 'targetLoss must be a finite number', 'targetLoss');
  }
  if (!Array.isArray(runs)) throw new JcpbaError('invalid-input', 'runs must be an array of pilot runs ({ pruning, rounds } or { pruning, loss })', 'runs');
  if (runs.length < 2) {
    throw new JcpbaError('invalid-input', `calibration needs at least two pilot runs (at two different prunings), got ${runs.length}`, 'runs');
  }
  const n = runs.length;
  const P = new Float64Array(n);
  const R = new Float64Array(n);
  runs.forEach((run, i) => {
    if (run === null || typeof run !== 'object') throw new JcpbaError('invalid-input', `${who(runs, i)} must be an object { pruning, rounds } or { pruning, loss }`, `runs[${i}]`);
    const p = run.pruning;
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
      throw new JcpbaError('invalid-input', `${who(runs, i)}.pruning must be a finite number in [0, 1) (the run's mean pruning), got ${JSON.stringify(p)}`, `runs[${i}].pruning`);
    }
    P[i] = p;
    const hasRounds = run.rounds !== undefined;
    const hasLoss = run.loss !== undefined;
    if (hasRounds === hasLoss) {
      throw new JcpbaError(
        'invalid-input',
        `${who(runs, i)} needs exactly one of rounds (to the common target) and loss (its loss curve, with targetLoss)`,
        `runs[${i}]`,
      );
    }
    if (hasRounds) {
      const r = run.rounds;
      if (typeof r !== 'number' || !(r >= 1 && r <= MAX_ROUNDS0)) {
        throw new JcpbaError('invalid-input', `${who(runs, i)}.rounds must be a finite number in [1, 1e9], got ${JSON.stringify(r)}`, `runs[${i}].rounds`);
      }
      R[i] = r;
    } else {
      if (targetLoss === undefined) {
        throw new JcpbaError('invalid-option', `${who(runs, i)} gives a loss curve: a common targetLoss (--target-loss) is needed to read its rounds`, 'targetLoss');
      }
      R[i] = roundsToLoss(lossCurve(run.loss, `runs[${i}].loss`), targetLoss, `${who(runs, i)}'s loss curve`);
    }
  });
  const levels = distinct(P);
  if (levels < 2) {
    throw new JcpbaError('invalid-input', `every pilot run has the same mean pruning (${P[0]}); calibration needs runs at two or more different prunings`, 'runs');
  }
  // A pruned run faster than the unpruned one contradicts the model (R is nondecreasing in
  // P) by more than run-to-run noise: the runs likely aim at different targets, or a
  // pruning is wrong. Within the noise allowance the fit absorbs it.
  let unpruned = -1;
  for (let i = 0; i < n; i++) if (P[i] === 0 && (unpruned < 0 || R[i] < R[unpruned])) unpruned = i;
  if (unpruned >= 0) {
    for (let i = 0; i < n; i++) {
      if (P[i] > 0 && R[i] < (1 - NOISE_ALLOWANCE) * R[unpruned]) {
        throw new JcpbaError(
          'invalid-input',
          `${who(runs, i)} (pruning ${P[i]}) reached the target in ${R[i]} rounds, more than ${NOISE_ALLOWANCE * 100}% fewer than the unpruned ${who(runs, unpruned)} (${R[unpruned]}): in this model pruning never speeds learning; check the runs' targets and prunings`,
          `runs[${i}]`,
        );
      }
    }
  }
  const notes: string[] = [];
  let free = exponent === 'fit';
  if (free && levels < 3) {
    free = false;
    notes.push(`m fixed at 1: with ${levels} different prunings only R0 and Pmax are identifiable (m needs a third)`);
  }
  const y = Float64Array.from(R, Math.log);
  const best = fitRuns(P, y, free);
  const rounds0 = Math.exp(best.a);
  const pruningLimit = best.q > 0 ? 1 / best.q : null;
  if (pruningLimit === null) notes.push('pruningLimit is null: the best fit has Pmax at infinity (pruning does not slow learning in these runs)');
  if (free && (best.m === MAX_EXPONENT || best.m === MIN_EXPONENT)) {
    notes.push(`m is at the end of its range [${MIN_EXPONENT}, ${MAX_EXPONENT}]: the runs bend less (or more) than the model can follow; consider --exponent 1`);
  }
  if (rounds0 < 1) notes.push(`R0 = ${rounds0} is below 1: plan and sweep need R0 >= 1`);
  // Seeded bootstrap over the runs: resamples with too few prunings to fit are skipped.
  const rng = new Random(seed, STREAM_BOOTSTRAP, 0, 0);
  const draws: { r0: number[]; pmax: number[]; m: number[] } = { r0: [], pmax: [], m: [] };
  const bp = new Float64Array(n);
  const by = new Float64Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) {
      const k = Math.min(n - 1, Math.floor(rng.uniform() * n));
      bp[i] = P[k];
      by[i] = y[k];
    }
    const lv = distinct(bp);
    if (lv < 2 || (free && lv < 3)) continue;
    const f = fitRuns(bp, by, free);
    draws.r0.push(Math.exp(f.a));
    draws.pmax.push(f.q > 0 ? 1 / f.q : Infinity);
    draws.m.push(f.m);
  }
  const used = draws.r0.length;
  if (used < 10) {
    throw new JcpbaError('invalid-input', `only ${used} of ${resamples} bootstrap resamples had enough different prunings to fit: add runs at more prunings`, 'runs');
  }
  const ci = (values: number[]): [number, number] => {
    const s = values.slice().sort((u, v) => u - v);
    return [quantile(s, 0.025), quantile(s, 0.975)];
  };
  const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);
  const [pLo, pHi] = ci(draws.pmax);
  if (used < resamples) notes.push(`${resamples - used} of ${resamples} bootstrap resamples skipped (too few different prunings to fit)`);
  const calibrated: CalibratedRun[] = runs.map((run, i) => {
    const pi = best.q > 0 ? Math.exp(best.m * Math.log1p(-best.q * P[i])) : 1;
    const fitted = rounds0 / pi;
    return {
      ...(typeof run.name === 'string' ? { name: run.name } : {}),
      pruning: P[i],
      rounds: R[i],
      fitted,
      residual: y[i] - Math.log(fitted),
    };
  });
  let ss = 0;
  for (const r of calibrated) ss += r.residual * r.residual;
  return {
    kind: 'jcpba-convergence',
    rounds0,
    pruningLimit,
    convergenceExponent: best.m,
    exponent: free ? 'fit' : 'fixed',
    ci95: {
      rounds0: ci(draws.r0),
      pruningLimit: [finiteOrNull(pLo), finiteOrNull(pHi)],
      convergenceExponent: ci(draws.m),
    },
    ...(targetLoss !== undefined ? { targetLoss } : {}),
    runs: calibrated,
    rmsResidual: Math.sqrt(ss / n),
    bootstrap: { seed, resamples, used },
    notes,
  };
}

/**
 * The convergence model of a calibration file (`--convergence FILE`): R0, Pmax (null:
 * infinite) and m, checked. `source` names the file in errors.
 */
export function convergenceOf(json: unknown, source: string): { rounds0: number; pruningLimit: number | null; convergenceExponent: number } {
  const o = json as Partial<Calibration> | null;
  if (o === null || typeof o !== 'object' || o.kind !== 'jcpba-convergence') {
    throw new JcpbaError('invalid-input', `${source} is not a calibration (kind "jcpba-convergence", the output of jcpba calibrate)`, 'convergence');
  }
  const { rounds0, pruningLimit, convergenceExponent } = o;
  if (typeof rounds0 !== 'number' || !Number.isFinite(rounds0)) throw new JcpbaError('invalid-input', `${source}: rounds0 must be a finite number`, 'convergence');
  if (pruningLimit !== null && typeof pruningLimit !== 'number') throw new JcpbaError('invalid-input', `${source}: pruningLimit must be a number or null`, 'convergence');
  if (typeof convergenceExponent !== 'number') throw new JcpbaError('invalid-input', `${source}: convergenceExponent must be a number`, 'convergence');
  return { rounds0, pruningLimit: pruningLimit ?? null, convergenceExponent };
}
