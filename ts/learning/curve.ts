/**
 * Loss curves (MODEL.md section 13.2): `L0(x)`, the loss after x rounds without pruning,
 * from a user's measurements, and the loss of a run that prunes: after n rounds with
 * progress `pi(P_r)` per round it has made progress `x_n = sum_{r <= n} pi(P_r)` and its
 * loss is `L0(x_n)`, linear between the measured rounds. Past the curve's last round is an
 * error, never an extrapolation. Pure TypeScript: not a hot path.
 */
import { JcpbaError } from '../core/error.js';
import { MAX_ROUNDS0, progress } from '../core/plan.js';

/** A measured loss curve: strictly increasing rounds from 0, a finite loss at each. */
export interface LossCurve {
  /** Rounds x at which the loss was measured: 0 first, strictly increasing, finite. */
  rounds: Float64Array;
  /** L0 at each of those rounds. */
  loss: Float64Array;
}

/** What `lossCurve` accepts: `{ loss: [...] }` (round = index), `[{ round, loss }, ...]`, or a LossCurve. */
export type LossCurveInput =
  | {
      /** The loss after round 0, 1, 2, ... (round = index). */
      loss: ArrayLike<number>;
    }
  | {
      /** The round x at which the loss was measured. */
      round: number;
      /** The loss measured there. */
      loss: number;
    }[]
  | LossCurve;

/** Most points of a curve (a curve is read whole into memory). */
export const MAX_CURVE_POINTS = 10_000_000;

const bad = (field: string, message: string) => new JcpbaError('invalid-input', message, field);

/**
 * Checks a curve's points: `where(i)` names point i in the errors (a CSV line, a JSON
 * index). The first round must be 0 (the loss before training), the rounds strictly
 * increasing and finite, every loss finite.
 */
function checkPoints(rounds: number[], loss: number[], where: (i: number) => string, field: string): LossCurve {
  if (rounds.length < 2) throw bad(field, `${field}: a loss curve needs at least two points (round 0 and a later one), got ${rounds.length}`);
  if (rounds.length > MAX_CURVE_POINTS) throw bad(field, `${field}: a loss curve has at most ${MAX_CURVE_POINTS} points, got ${rounds.length}`);
  for (let i = 0; i < rounds.length; i++) {
    const r = rounds[i];
    const l = loss[i];
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0 || r > MAX_ROUNDS0) {
      throw bad(field, `${where(i)}: round must be a finite number in [0, 1e9], got ${JSON.stringify(r)}`);
    }
    if (i === 0 && r !== 0) throw bad(field, `${where(i)}: a loss curve starts at round 0 (the loss before training), got round ${r}`);
    if (i > 0 && !(r > rounds[i - 1])) throw bad(field, `${where(i)}: rounds must increase strictly (round ${r} after round ${rounds[i - 1]})`);
    if (typeof l !== 'number' || !Number.isFinite(l)) throw bad(field, `${where(i)}: loss must be a finite number, got ${JSON.stringify(l)}`);
  }
  return { rounds: Float64Array.from(rounds), loss: Float64Array.from(loss) };
}

/** A loss curve from its JSON forms (`field` names it in errors, e.g. `lossCurve` or `runs[2].loss`). */
export function lossCurve(input: unknown, field = 'lossCurve'): LossCurve {
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const o = input as { rounds?: unknown; loss?: unknown };
    if (o.rounds instanceof Float64Array && o.loss instanceof Float64Array) {
      if (o.rounds.length !== o.loss.length) throw bad(field, `${field}: rounds and loss differ in length`);
      return checkPoints(Array.from(o.rounds), Array.from(o.loss), (i) => `${field} point ${i}`, field);
    }
    const loss = o.loss;
    if (Array.isArray(loss) || ArrayBuffer.isView(loss)) {
      const values = Array.from(loss as ArrayLike<number>);
      return checkPoints(
        values.map((_, i) => i),
        values,
        (i) => `${field}.loss[${i}]`,
        field,
      );
    }
    throw bad(field, `${field} must be { "loss": [L0(0), L0(1), ...] } or [{ "round", "loss" }, ...]`);
  }
  if (Array.isArray(input)) {
    const rounds: number[] = [];
    const loss: number[] = [];
    input.forEach((p, i) => {
      if (p === null || typeof p !== 'object') throw bad(field, `${field}[${i}] must be an object { "round", "loss" }`);
      rounds.push((p as { round: number }).round);
      loss.push((p as { loss: number }).loss);
    });
    return checkPoints(rounds, loss, (i) => `${field}[${i}]`, field);
  }
  throw bad(field, `${field} must be { "loss": [L0(0), L0(1), ...] } or [{ "round", "loss" }, ...]`);
}

/** Splits one CSV line on commas (no quoting: the cells are numbers and plain names). */
export function csvCells(line: string): string[] {
  return line.split(',').map((c) => c.trim());
}

/** A number from a CSV cell; `at` names the line and column in the error. */
export function csvNumber(cell: string | undefined, at: string, field: string): number {
  const v = cell === undefined || cell === '' ? NaN : Number(cell);
  if (!Number.isFinite(v)) throw bad(field, `${at}: expected a finite number, got ${JSON.stringify(cell ?? '')}`);
  return v;
}

/**
 * A loss curve from a file's text: CSV `round,loss` with that header (blank lines and
 * lines starting with # skipped), or JSON in the forms of `lossCurve`. `source` names the
 * file in errors (`curve.csv line 7: ...`).
 */
export function parseLossCurve(text: string, source: string): LossCurve {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new JcpbaError('parse-error', `${source} is not valid JSON: ${(e as Error).message}`, 'lossCurve');
    }
    return lossCurve(json, source);
  }
  const lines = text.split(/\r?\n/);
  let header: string[] | undefined;
  const rounds: number[] = [];
  const loss: number[] = [];
  const lineOf: number[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = `${source} line ${i + 1}`;
    const cells = csvCells(line);
    if (header === undefined) {
      header = cells.map((c) => c.toLowerCase());
      if (header.length !== 2 || header[0] !== 'round' || header[1] !== 'loss') {
        throw bad('lossCurve', `${at}: a loss curve's CSV header is round,loss (got ${JSON.stringify(line)})`);
      }
      return;
    }
    if (cells.length !== 2) throw bad('lossCurve', `${at}: expected 2 cells (round,loss), got ${cells.length}`);
    rounds.push(csvNumber(cells[0], `${at}, round`, 'lossCurve'));
    loss.push(csvNumber(cells[1], `${at}, loss`, 'lossCurve'));
    lineOf.push(i + 1);
  });
  if (header === undefined) throw bad('lossCurve', `${source}: empty; a loss curve is CSV round,loss (with that header) or JSON`);
  return checkPoints(rounds, loss, (i) => `${source} line ${lineOf[i]}`, 'lossCurve');
}

/** The curve's last round: progress beyond it has no loss. */
export function lastRound(curve: LossCurve): number {
  return curve.rounds[curve.rounds.length - 1];
}

/** The index j with rounds[j] <= x < rounds[j + 1] (the last segment holds its right end). */
function segment(curve: LossCurve, x: number): number {
  const r = curve.rounds;
  let lo = 0;
  let hi = r.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (r[mid] <= x) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** L0(x): linear interpolation between measured rounds; an error past the last round. */
export function lossAt(curve: LossCurve, x: number): number {
  const end = lastRound(curve);
  if (!(x >= 0 && x <= end)) {
    throw new JcpbaError(
      'invalid-input',
      `progress x = ${x} rounds is past the end of the loss curve (its last round is ${end}); a longer curve is needed (no extrapolation)`,
      'lossCurve',
    );
  }
  const j = segment(curve, x);
  if (x === curve.rounds[j]) return curve.loss[j];
  const r0 = curve.rounds[j];
  const r1 = curve.rounds[j + 1];
  const t = (x - r0) / (r1 - r0);
  return curve.loss[j] + t * (curve.loss[j + 1] - curve.loss[j]);
}

/**
 * R0 for a target loss: the first x where L0(x) <= target, fractional by interpolation
 * (MODEL.md 13.2). Errors: a target the curve never reaches (naming its least loss), a
 * target reached before round 1 (R0 must be at least 1). `what` names the curve.
 */
export function roundsToLoss(curve: LossCurve, target: number, what = 'the loss curve'): number {
  if (typeof target !== 'number' || !Number.isFinite(target)) {
    throw new JcpbaError('invalid-option', `targetLoss must be a finite number, got ${JSON.stringify(target)}`, 'targetLoss');
  }
  const { rounds, loss } = curve;
  if (loss[0] <= target) {
    throw new JcpbaError('invalid-input', `${what} is at or below the target loss ${target} at round 0 already (L0(0) = ${loss[0]})`, 'targetLoss');
  }
  for (let j = 1; j < loss.length; j++) {
    if (loss[j] <= target) {
      const x = rounds[j - 1] + ((loss[j - 1] - target) / (loss[j - 1] - loss[j])) * (rounds[j] - rounds[j - 1]);
      // Rounding can put x a hair past rounds[j]; the crossing is in this segment.
      const r0 = Math.min(x, rounds[j]);
      if (r0 < 1) {
        throw new JcpbaError('invalid-input', `${what} reaches the target loss ${target} within the first round (at x = ${r0}); R0 must be at least 1`, 'targetLoss');
      }
      return r0;
    }
  }
  let least = 0;
  for (let j = 1; j < loss.length; j++) if (loss[j] < loss[least]) least = j;
  throw new JcpbaError(
    'invalid-input',
    `${what} never reaches the target loss ${target} (its least loss is ${loss[least]} at round ${rounds[least]}, its last round ${lastRound(curve)})`,
    'targetLoss',
  );
}

/**
 * The loss after each of the rounds of a run that prunes `pruning[r]` in round r:
 * `out[n] = L0(x_n)`, `x_n = sum_{r < n} pi(pruning[r])` (out[0] = L0(0); a round at or past
 * Pmax adds no progress). Progress past the curve's end is an error.
 */
export function lossTrajectory(curve: LossCurve, pruning: ArrayLike<number>, pruningLimit: number, exponent: number): Float64Array {
  const out = new Float64Array(pruning.length + 1);
  let x = 0;
  out[0] = curve.loss[0];
  for (let r = 0; r < pruning.length; r++) {
    // At or past Pmax a round makes no progress (R is infinite there, MODEL.md section 10).
    x += pruning[r] < pruningLimit ? progress(pruningLimit, exponent, pruning[r]) : 0;
    out[r + 1] = lossAt(curve, x);
  }
  return out;
}
