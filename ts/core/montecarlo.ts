/**
 * The Monte Carlo loop of a sweep (MODEL.md section 7), in units of work that do not
 * depend on threads, shards or backends.
 *
 * A unit is (grid point, drop, block): BLOCK_TRIALS consecutive trials of one drop.
 * A trial is one fine-tuning run of R rounds; round r of trial t uses realization
 * t R + r. Each unit returns a summary per method: Welford moments, min and max of the
 * round latency, a sparse log-histogram for percentiles, and sums for the other
 * statistics. Summaries are folded in the canonical order (grid, drop, block), so a
 * sweep's numbers are the same whatever ran the units and in what order they finished.
 */
import { type MethodId, type SolveResult, checkSolverOptions, hasPoint, solveInstance } from './methods.js';
import { instance } from './problem.js';
import { type ScenarioParams, generateFromParams } from './scenario.js';
import { weighted } from './pruning.js';

/** Trials per unit of work: fixed, so results never depend on how work is split. */
export const BLOCK_TRIALS = 16;
/** Histogram bins per unit of ln T: bin width is a factor e^0.001, so a percentile read
 * from the bin centre is within 0.05% of an exact order statistic of the sample. */
export const BINS_PER_LN = 1000;

export interface MethodSummary {
  /** Rounds seen, and the Welford mean and sum of squared deviations of their latency, s. */
  n: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
  /** Sparse histogram of the round latency: [bin, count] sorted by bin, bin = floor(ln T x 1000). */
  hist: [number, number][];
  /** Sum over rounds of the weighted pruning used, sum_k w_k rho_k. */
  pruningSum: number;
  /** Sum of iterations, and rounds that stopped at the iteration limit. */
  iterationSum: number;
  iterationLimited: number;
  /** Fine-tuning latency (sum of a trial's R rounds): trials, Welford mean and m2, s. */
  ftN: number;
  ftMean: number;
  ftM2: number;
  /** For `bcd` when `optimal` runs too: relative gap T_bcd / T_opt - 1, summed and max. */
  gapN: number;
  gapSum: number;
  gapMax: number;
  /** Rounds where the method returned no point (status infeasible, MODEL.md 11.2 and 12);
   * every statistic above covers the other `n` rounds only. */
  infeasible: number;
  /** Welford mean and m2 of the round's total energy sum_k E_k and of its max_k E_k, J,
   * over the same `n` rounds as the latency. */
  energyMean: number;
  energyM2: number;
  energyMaxMean: number;
  energyMaxM2: number;
}

export interface UnitSpec {
  grid: number;
  drop: number;
  block: number;
}

export interface UnitSummary extends UnitSpec {
  methods: MethodSummary[];
}

export interface MonteCarloOptions {
  methods: MethodId[];
  /** Trials per drop (each of `rounds` rounds). */
  trials: number;
  rounds: number;
  tolerance: number;
  maxIterations: number;
}

export function emptySummary(): MethodSummary {
  return {
    n: 0,
    mean: 0,
    m2: 0,
    min: Infinity,
    max: -Infinity,
    hist: [],
    pruningSum: 0,
    iterationSum: 0,
    iterationLimited: 0,
    ftN: 0,
    ftMean: 0,
    ftM2: 0,
    gapN: 0,
    gapSum: 0,
    gapMax: 0,
    infeasible: 0,
    energyMean: 0,
    energyM2: 0,
    energyMaxMean: 0,
    energyMaxM2: 0,
  };
}

/** Welford's update of (n, mean, m2) with one value; returns the new triple. */
export function welford(n: number, mean: number, m2: number, x: number): [number, number, number] {
  const n1 = n + 1;
  const d = x - mean;
  const mean1 = mean + d / n1;
  return [n1, mean1, m2 + d * (x - mean1)];
}

/** Chan et al.'s merge of two (n, mean, m2) triples. */
function chan(na: number, ma: number, m2a: number, nb: number, mb: number, m2b: number): [number, number, number] {
  if (nb === 0) return [na, ma, m2a];
  if (na === 0) return [nb, mb, m2b];
  const n = na + nb;
  const d = mb - ma;
  return [n, ma + (d * nb) / n, m2a + m2b + (d * d * na * nb) / n];
}

export function binOf(T: number): number {
  return Math.floor(Math.log(T) * BINS_PER_LN);
}

/** Folds one round with a point into a method's summary and its histogram: its latency (s), energy total and max (J). */
export function addRound(s: MethodSummary, hist: Map<number, number>, latency: number, weightedPruning: number, iterations: number, limited: boolean, energyTotal: number, energyMax: number): void {
  const n0 = s.n;
  [s.n, s.mean, s.m2] = welford(n0, s.mean, s.m2, latency);
  [, s.energyMean, s.energyM2] = welford(n0, s.energyMean, s.energyM2, energyTotal);
  [, s.energyMaxMean, s.energyMaxM2] = welford(n0, s.energyMaxMean, s.energyMaxM2, energyMax);
  s.min = Math.min(s.min, latency);
  s.max = Math.max(s.max, latency);
  const bin = binOf(latency);
  hist.set(bin, (hist.get(bin) ?? 0) + 1);
  s.pruningSum += weightedPruning;
  s.iterationSum += iterations;
  if (limited) s.iterationLimited++;
}

/** Counts one round where the method returned no point. */
export function addNoPoint(s: MethodSummary): void {
  s.infeasible++;
}

/** Folds one round's bcd-optimal gap, T_bcd / T_optimal - 1, into bcd's summary. */
export function addGap(s: MethodSummary, gap: number): void {
  s.gapN++;
  s.gapSum += gap;
  s.gapMax = Math.max(s.gapMax, gap);
}

/** Runs one unit: trials [block x BLOCK_TRIALS, ...) of one drop of one scenario. */
export function runUnit(params: ScenarioParams, spec: UnitSpec, o: MonteCarloOptions): UnitSummary {
  // The compiled cores check the options at their boundary (run_units_flat); so does this.
  checkSolverOptions(o.tolerance, o.maxIterations);
  const M = o.methods.length;
  const sums = o.methods.map(() => emptySummary());
  const hists = o.methods.map(() => new Map<number, number>());
  const iBcd = o.methods.indexOf('bcd');
  const iOpt = o.methods.indexOf('optimal');
  const first = spec.block * BLOCK_TRIALS;
  const last = Math.min(first + BLOCK_TRIALS, o.trials);
  // This round's latency per method (NaN: no point), and each trial's fine-tuning sum
  // with whether every round of it had a point.
  const T = new Float64Array(M);
  const ft = new Float64Array(M);
  const ftOk = new Array<boolean>(M);
  for (let trial = first; trial < last; trial++) {
    ft.fill(0);
    ftOk.fill(true);
    for (let round = 0; round < o.rounds; round++) {
      const problem = generateFromParams({ ...params, drop: spec.drop, realization: trial * o.rounds + round });
      const inst = instance(problem);
      // This realization's solutions so far: optimal reuses its start points.
      const done: SolveResult[] = [];
      for (let m = 0; m < M; m++) {
        const r = solveInstance(inst, o.methods[m], o.tolerance, o.maxIterations, done);
        done.push(r);
        if (!hasPoint(r)) {
          // No point (MODEL.md 11.2, 12): counted in infeasibleShare; the latency and
          // energy statistics cover the rounds with a point only.
          addNoPoint(sums[m]);
          T[m] = NaN;
          ftOk[m] = false;
          continue;
        }
        T[m] = r.latency;
        ft[m] += r.latency;
        addRound(sums[m], hists[m], r.latency, weighted(inst.w, r.pruning), r.iterations, r.status === 'iteration-limit', r.energyTotal, r.energyMax);
      }
      // Rounds where both have a point.
      if (iBcd >= 0 && iOpt >= 0 && !Number.isNaN(T[iBcd]) && !Number.isNaN(T[iOpt])) addGap(sums[iBcd], T[iBcd] / T[iOpt] - 1);
    }
    for (let m = 0; m < M; m++) {
      // A trial's fine-tuning latency exists when every one of its rounds had a point.
      if (!ftOk[m]) continue;
      const s = sums[m];
      [s.ftN, s.ftMean, s.ftM2] = welford(s.ftN, s.ftMean, s.ftM2, ft[m]);
    }
  }
  for (let m = 0; m < M; m++) sums[m].hist = [...hists[m].entries()].sort((a, b) => a[0] - b[0]);
  return { ...spec, methods: sums };
}

/** Folds b into a (a is modified and returned). Call in canonical unit order. */
export function mergeSummary(a: MethodSummary, b: MethodSummary): MethodSummary {
  // A unit without a point (b.n = 0) has min and max +-Infinity, written null in JSON:
  // it adds its infeasible count only.
  if (b.n > 0) {
    [, a.energyMean, a.energyM2] = chan(a.n, a.energyMean, a.energyM2, b.n, b.energyMean, b.energyM2);
    [, a.energyMaxMean, a.energyMaxM2] = chan(a.n, a.energyMaxMean, a.energyMaxM2, b.n, b.energyMaxMean, b.energyMaxM2);
    a.min = Math.min(a.min, b.min);
    a.max = Math.max(a.max, b.max);
  }
  [a.n, a.mean, a.m2] = chan(a.n, a.mean, a.m2, b.n, b.mean, b.m2);
  a.infeasible += b.infeasible;
  const h = new Map(a.hist);
  for (const [bin, count] of b.hist) h.set(bin, (h.get(bin) ?? 0) + count);
  a.hist = [...h.entries()].sort((x, y) => x[0] - y[0]);
  a.pruningSum += b.pruningSum;
  a.iterationSum += b.iterationSum;
  a.iterationLimited += b.iterationLimited;
  [a.ftN, a.ftMean, a.ftM2] = chan(a.ftN, a.ftMean, a.ftM2, b.ftN, b.ftMean, b.ftM2);
  a.gapN += b.gapN;
  a.gapSum += b.gapSum;
  a.gapMax = Math.max(a.gapMax, b.gapMax);
  return a;
}

/** Units sort in canonical order: grid point, then drop, then block. */
export function compareUnits(a: UnitSpec, b: UnitSpec): number {
  return a.grid - b.grid || a.drop - b.drop || a.block - b.block;
}

/**
 * Student t quantile t_{0.975, df}: a table (3 decimals) to df 30, then the
 * Cornish-Fisher expansion around the normal quantile, within 2e-5 for df > 30.
 */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
export function t975(df: number): number {
  if (df < 1) return NaN;
  if (df <= 30) return T975[df - 1];
  const z = 1.959963984540054;
  const z3 = z * z * z;
  const z5 = z3 * z * z;
  const z7 = z5 * z * z;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df * df * df);
}

/** The p-quantile (p in (0, 1]) from the histogram: the bin holding order statistic ceil(p n). */
export function percentile(s: MethodSummary, p: number): number {
  const rank = Math.max(1, Math.ceil(p * s.n));
  let seen = 0;
  for (const [bin, count] of s.hist) {
    seen += count;
    if (seen >= rank) return Math.min(s.max, Math.max(s.min, Math.exp((bin + 0.5) / BINS_PER_LN)));
  }
  return s.max;
}

/**
 * ln Gamma(x) for x > 0: Lanczos' approximation with g = 7 and the nine coefficients
 * Godfrey published (relative error near 1e-15), through the reflection-free form
 * ln Gamma(x) = ln Gamma(x + 1) - ln x below 0.5.
 */
const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
export function lnGamma(x: number): number {
  if (x < 0.5) return lnGamma(x + 1) - Math.log(x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * The continued fraction of the regularized incomplete beta function I_x(a, b)
 * (Abramowitz and Stegun 26.5.8), evaluated by the modified Lentz method; it converges
 * fast for x < (a + 1) / (a + b + 2).
 */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  const most = 1000 + Math.ceil(20 * Math.sqrt(a + b));
  for (let m = 1; m <= most; m++) {
    const m2 = 2 * m;
    // The even step, then the odd one.
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1]. */
export function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = a * Math.log(x) + b * Math.log1p(-x) - (lnGamma(a) + lnGamma(b) - lnGamma(a + b));
  // I_x(a, b) = 1 - I_{1-x}(b, a): the fraction on the side where it converges.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaFraction(b, a, 1 - x)) / b;
}

/** P(Binomial(n, p) >= m) for 1 <= m <= n: I_p(m, n - m + 1). */
export function binomialAtLeast(n: number, p: number, m: number): number {
  return incompleteBeta(m, n - m + 1, p);
}

/**
 * A 95% confidence interval for the median that assumes nothing about the distribution
 * (round latencies are heavy-tailed): the percentile bootstrap, computed exactly rather
 * than by resampling. The median is the order statistic of rank m = ceil(n/2) (as
 * `percentile` reads it); the median of a resample of n values drawn from the sample is
 * at most x exactly when at least m of the n draws are, so its bootstrap distribution is
 * P(M* <= x) = P(Binomial(n, F_n(x)) >= m), F_n the sample's distribution function
 * (Maritz and Jarrett 1978; Efron 1982, section 10.3). The interval runs from the 2.5%
 * to the 97.5% quantile of that distribution, each the smallest histogram bin where it
 * reaches that level (a binary search over the bins), read as `percentile` reads a bin
 * (within 0.05%). Deterministic: shards, resumes and merges give the same interval. A
 * single value is its own interval.
 */
export function medianInterval(s: MethodSummary): { low: number; high: number } {
  const n = s.n;
  const m = Math.max(1, Math.ceil(n / 2));
  const cum: number[] = [];
  let seen = 0;
  for (const [, count] of s.hist) cum.push((seen += count));
  const valueOf = (j: number) => Math.min(s.max, Math.max(s.min, Math.exp((s.hist[j][0] + 0.5) / BINS_PER_LN)));
  const quantile = (level: number) => {
    // The smallest bin j with P(M* <= bin j) >= level; the last bin has probability 1.
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (binomialAtLeast(n, cum[mid] / n, m) >= level) hi = mid;
      else lo = mid + 1;
    }
    return valueOf(lo);
  };
  return { low: quantile(0.025), high: quantile(0.975) };
}

/**
 * One method's statistics at one grid point. The latency, pruning, iteration, fine-tuning,
 * gap and energy statistics cover the rounds where the method returned a point (`rounds`
 * of them); when it returned none, they are null (never NaN) and `infeasibleShare` is 1.
 */
export interface MethodStats {
  /** Rounds where the method returned a point: the sample of the statistics below. */
  rounds: number;
  /** Mean round latency T, s. */
  mean: number | null;
  /** Sample standard deviation of T, s. */
  std: number | null;
  /** Lower end of the Student t 95% confidence interval of the mean T, s. */
  ci95Low: number | null;
  /** Upper end of that interval, s. */
  ci95High: number | null;
  /** Least round latency, s. */
  min: number | null;
  /** Median round latency, s (from the log-histogram: within 0.05% of the order statistic). */
  median: number | null;
  /** 90th percentile of the round latency, s. */
  p90: number | null;
  /** 99th percentile of the round latency, s. */
  p99: number | null;
  /** Greatest round latency, s. */
  max: number | null;
  /** Mean weighted pruning sum_k w_k rho_k, a fraction. */
  meanPruning: number | null;
  /** Mean iterations per round. */
  meanIterations: number | null;
  /** Rounds that stopped at the iteration limit. */
  iterationLimited: number;
  /** Fine-tuning latency of R rounds: mean over the trials whose every round had a point, s. */
  fineTuningMean: number | null;
  /** The 95% CI half-width of fineTuningMean, s. */
  fineTuningCi95: number | null;
  /** bcd only, when optimal ran: mean relative gap T_bcd / T_opt - 1 (rounds where both had a point). */
  gapMean?: number;
  /** bcd only, when optimal ran: greatest relative gap T_bcd / T_opt - 1. */
  gapMax?: number;
  /** Total energy of a round, sum_k E_k, J: its mean. */
  energyMean: number | null;
  /** Lower end of the Student t 95% CI of energyMean, J. */
  energyCi95Low: number | null;
  /** Upper end of the Student t 95% CI of energyMean, J. */
  energyCi95High: number | null;
  /** The largest client energy of a round, max_k E_k, J: its mean. */
  energyMaxMean: number | null;
  /** Lower end of the Student t 95% CI of energyMaxMean, J. */
  energyMaxCi95Low: number | null;
  /** Upper end of the Student t 95% CI of energyMaxMean, J. */
  energyMaxCi95High: number | null;
  /** Rounds where the method returned no point / all rounds (the outage probability). */
  infeasibleShare: number;
}

/** Student t 95% half-width of the mean of n values with sum of squared deviations m2. */
function halfWidth(n: number, m2: number): number {
  return n > 1 ? (t975(n - 1) * Math.sqrt(m2 / (n - 1))) / Math.sqrt(n) : 0;
}

export function finalize(s: MethodSummary): MethodStats {
  const all = s.n + s.infeasible;
  const infeasibleShare = all > 0 ? s.infeasible / all : 0;
  if (s.n === 0) {
    return {
      rounds: 0,
      mean: null,
      std: null,
      ci95Low: null,
      ci95High: null,
      min: null,
      median: null,
      p90: null,
      p99: null,
      max: null,
      meanPruning: null,
      meanIterations: null,
      iterationLimited: 0,
      fineTuningMean: null,
      fineTuningCi95: null,
      energyMean: null,
      energyCi95Low: null,
      energyCi95High: null,
      energyMaxMean: null,
      energyMaxCi95Low: null,
      energyMaxCi95High: null,
      infeasibleShare,
    };
  }
  const std = s.n > 1 ? Math.sqrt(s.m2 / (s.n - 1)) : 0;
  const half = halfWidth(s.n, s.m2);
  const energyHalf = halfWidth(s.n, s.energyM2);
  const energyMaxHalf = halfWidth(s.n, s.energyMaxM2);
  const base = {
    rounds: s.n,
    mean: s.mean,
    std,
    ci95Low: s.mean - half,
    ci95High: s.mean + half,
    min: s.min,
    median: percentile(s, 0.5),
    p90: percentile(s, 0.9),
    p99: percentile(s, 0.99),
    max: s.max,
    meanPruning: s.pruningSum / s.n,
    meanIterations: s.iterationSum / s.n,
    iterationLimited: s.iterationLimited,
    fineTuningMean: s.ftN > 0 ? s.ftMean : null,
    fineTuningCi95: s.ftN > 0 ? halfWidth(s.ftN, s.ftM2) : null,
  };
  // The gap, then the energy statistics: new keys come last (results.json's key order).
  const gap = s.gapN > 0 ? { gapMean: s.gapSum / s.gapN, gapMax: s.gapMax } : {};
  const stats: MethodStats = {
    ...base,
    ...gap,
    energyMean: s.energyMean,
    energyCi95Low: s.energyMean - energyHalf,
    energyCi95High: s.energyMean + energyHalf,
    energyMaxMean: s.energyMaxMean,
    energyMaxCi95Low: s.energyMaxMean - energyMaxHalf,
    energyMaxCi95High: s.energyMaxMean + energyMaxHalf,
    infeasibleShare,
  };
  return stats;
}
