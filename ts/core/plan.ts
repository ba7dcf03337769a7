/**
 * Fine-tuning time to a target loss (MODEL.md section 10); the reference of
 * crates/jcpba-core/src/plan.rs, step for step.
 *
 * Pruning shortens a round but makes more rounds necessary: reaching the target takes
 * `R(P) = ceil(R0 / pi(P))` rounds at mean pruning P, `pi(P) = (1 - P / Pmax)^m` the
 * progress per round (m = 1 by default; MODEL.md section 13). Over N fading
 * realizations of one drop (the same realizations for every budget) the fine-tuning time
 * of a budget P is `J(P) = R(P) * Tbar(P)`, `Tbar` the mean round latency.
 *
 * - static, `optimal`: one budget for every round. `Tbar` is nonincreasing in P and R a
 *   step function, so for each whole number of rounds R the best budget is the largest
 *   that still needs only R rounds, `P_R`, and `J* = min_R R Tbar(P_R)`. The search is a
 *   branch and bound over R: between two evaluated round counts a < b every R in (a, b)
 *   has `J(R) >= (a + 1) Tbar_lo(P_b)` (Tbar_lo: the mean of the certified lower bounds
 *   of `optimal`), and the gap with the least bound is split until every gap's bound is
 *   within the tolerance of the best J found. Beyond the budget cap `sum_k w_k rmax_k`
 *   (or Pmax, whichever is lower) nothing improves, which closes the range from above.
 *   Each budget's solves start from the solutions at the next smaller evaluated budget,
 *   which are feasible there.
 * - static, other methods: a grid of budgets, each moved up to the largest budget with
 *   the same number of rounds.
 * - adaptive (`optimal` only): Dinkelbach's method on the price lambda of progress; each
 *   realization picks `argmin_P T*_r(P) - lambda pi(P)` by a grid, then Brent's method
 *   in the best grid cell.
 */
import { JcpbaError } from './error.js';
import { type Instance, type Problem, type ProblemInput, instance, toProblem } from './problem.js';
import { DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE, type MethodId, type Status, methodId, solveInstance } from './methods.js';
import { roundLatency } from './bandwidth.js';
import { optimal } from './optimal.js';
import { weighted } from './pruning.js';
import { minimumPruning } from './energy.js';
import { accounting } from './accounting.js';

/** Largest accepted `rounds0`: round counts stay exact whole numbers in a double. */
export const MAX_ROUNDS0 = 1e9;
/** Accepted range of the convergence exponent m (MODEL.md section 13). */
export const MIN_EXPONENT = 1e-3;
export const MAX_EXPONENT = 1e3;
/** Cells of the budget grid of the static plan of methods other than `optimal`. */
export const STATIC_GRID = 100;
/** Cells of the budget grid from which the adaptive policy starts each 1-D search. */
export const ADAPTIVE_GRID = 16;

/**
 * The budget policies of `plan`: `static` (one pruning budget for every round),
 * `adaptive` (a budget per fading realization, `optimal` only) and `both` (static, then adaptive).
 */
export const POLICIES = ['static', 'adaptive', 'both'] as const;
/** A budget policy, one of POLICIES. */
export type Policy = (typeof POLICIES)[number];

/** Options of `plan` (fine-tuning time to a target loss, docs/MODEL.md section 10). */
export interface PlanOptions {
  /** R0: rounds to the target without pruning, in [1, 1e9]. */
  rounds0: number;
  /** Pmax > 0: the mean pruning at which the target becomes unreachable; Infinity (or null) when pruning does not slow learning. */
  pruningLimit: number | null;
  /** m in [1e-3, 1e3]: progress per round (1 - P / Pmax)^m (MODEL.md section 13). Default 1 (section 10). */
  convergenceExponent?: number;
  /** Default `static`. */
  policy?: Policy;
  /** Default `optimal`; other methods are planned by the static policy over a grid. */
  method?: MethodId;
  /** Relative tolerance of every solve and of the search. Default 1e-10. */
  tolerance?: number;
  /** Iteration cap of each solve, and of the search's budget evaluations and Dinkelbach steps. Default 500. */
  maxIterations?: number;
}

/** The static policy's plan: one pruning budget for every round. */
export interface StaticPlan {
  /** The method each round runs. */
  method: MethodId;
  /** Always `static`. */
  policy: 'static';
  /** `exact` (optimal: branch and bound over whole numbers of rounds, certified) or `grid`. */
  search: 'exact' | 'grid';
  /** The budget of every round, in [0, min(Pmax, sum_k w_k rmax_k)]. */
  budget: number;
  /** R(budget), whole rounds. */
  rounds: number;
  /** rounds x meanRoundLatency, s. */
  fineTuningSeconds: number;
  /** The fine-tuning energy, rounds x meanRoundEnergy, J (MODEL.md 11.1). */
  fineTuningJoules: number;
  /** Mean over the realizations of the round latency at the budget, s. */
  meanRoundLatency: number;
  /** Mean over the realizations of the round's total energy sum_k E_k at the budget, J. */
  meanRoundEnergy: number;
  /** Mean over the realizations of sum_k w_k rho_k at the budget. */
  meanPruning: number;
  /** `exact` only: a certified bracket on the least fine-tuning time, s. */
  lowerBound?: number;
  /** `exact` only: the upper end of that bracket (the plan's fine-tuning time), s. */
  upperBound?: number;
  /** Budgets evaluated, each one solve per realization. */
  evaluations: number;
  /** How the search ended: `converged` (within the tolerance), `iteration-limit`, or `infeasible` (every budget tried has a realization with no point: energy caps, MODEL.md 11.2). */
  status: Status;
}

/** The adaptive policy's plan: a pruning budget per fading realization (`optimal` only). */
export interface AdaptivePlan {
  /** The method each round runs (`optimal`). */
  method: MethodId;
  /** Always `adaptive`. */
  policy: 'adaptive';
  /** lambda = mean round latency / mean progress per round (1 - P_r / Pmax), s. */
  price: number;
  /** rounds0 x price, s (not rounded up to whole rounds). */
  fineTuningSeconds: number;
  /**
   * The fine-tuning energy, J (MODEL.md 11.1): rounds0 x sum_r E_r / sum_r pi(P_r), E_r the
   * total energy of a round of realization r at its budget (the expected rounds times the
   * mean energy per round, as fineTuningSeconds is for time).
   */
  fineTuningJoules: number;
  /** Mean over the realizations of the round latency at each one's budget, s. */
  meanRoundLatency: number;
  /** Mean over the realizations of the round's total energy at their budgets, J. */
  meanRoundEnergy: number;
  /** Mean of the budgets. */
  meanPruning: number;
  /** The budget of each realization. */
  budgets: Float64Array;
  /** Dinkelbach iterations. */
  iterations: number;
  /** Solves over all realizations. */
  evaluations: number;
  /** How Dinkelbach's method ended: `converged` (within the tolerance), `iteration-limit`, or `infeasible` (a realization has no point: energy caps, MODEL.md 11.2). */
  status: Status;
}

/** One plan of `plan`'s result, discriminated on `policy`. */
export type PlanResult = StaticPlan | AdaptivePlan;

export interface CheckedPlanOptions {
  method: MethodId;
  policy: Policy;
  rounds0: number;
  pruningLimit: number;
  convergenceExponent: number;
  tolerance: number;
  maxIterations: number;
}

/**
 * Progress per round at pruning P, `pi(P) = (1 - P / Pmax)^m` (MODEL.md section 13); at
 * m = 1 exactly section 10's `1 - P / Pmax`.
 */
export function progress(pruningLimit: number, exponent: number, pruning: number): number {
  const linear = 1 - pruning / pruningLimit;
  return exponent === 1 ? linear : Math.pow(linear, exponent);
}

/** `ceil(R0 / pi(P))`, Infinity when P >= Pmax (or pi(P) underflows). */
export function roundsNeeded(rounds0: number, pruningLimit: number, pruning: number, exponent = 1): number {
  if (!(pruning < pruningLimit)) return Infinity;
  return Math.ceil(rounds0 / progress(pruningLimit, exponent, pruning));
}

export function policyId(id: unknown): Policy {
  if (typeof id === 'string' && (POLICIES as readonly string[]).includes(id)) return id as Policy;
  throw new JcpbaError('invalid-option', `unknown policy ${JSON.stringify(String(id))}; expected one of static, adaptive, both`, 'policy');
}

/**
 * The options checked in the contract's order (docs/CORE_API.md, "Plan"): method,
 * policy, rounds0, pruningLimit, tolerance, maxIterations, then whether the policy suits
 * the method. `pruningLimit` null becomes Infinity.
 */
export function checkPlanOptions(options: PlanOptions): CheckedPlanOptions {
  const o = (options ?? {}) as Partial<PlanOptions>;
  const method = methodId(o.method ?? 'optimal');
  const policy = policyId(o.policy ?? 'static');
  const rounds0 = o.rounds0;
  if (typeof rounds0 !== 'number' || !(rounds0 >= 1 && rounds0 <= MAX_ROUNDS0)) {
    throw new JcpbaError('invalid-option', 'rounds0 must be a finite number in [1, 1e9] (the rounds to the target without pruning)', 'rounds0');
  }
  const pruningLimit = o.pruningLimit === null ? Infinity : o.pruningLimit;
  if (typeof pruningLimit !== 'number' || !(pruningLimit > 0)) {
    throw new JcpbaError(
      'invalid-option',
      'pruningLimit must be a positive number, or Infinity (null in JSON) when pruning does not slow learning',
      'pruningLimit',
    );
  }
  const convergenceExponent = o.convergenceExponent === undefined ? 1 : o.convergenceExponent;
  checkExponent(convergenceExponent);
  const tolerance = o.tolerance ?? DEFAULT_TOLERANCE;
  const maxIterations = o.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  if (typeof tolerance !== 'number' || !(tolerance > 0 && tolerance < 1)) {
    throw new JcpbaError('invalid-option', 'tolerance must be a finite number in (0, 1)', 'tolerance');
  }
  if (typeof maxIterations !== 'number' || !Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new JcpbaError('invalid-option', 'maxIterations must be a positive integer', 'maxIterations');
  }
  if (policy !== 'static' && method !== 'optimal') {
    throw new JcpbaError(
      'invalid-option',
      `policy ${policy} needs method optimal (other methods are planned by the static policy over a grid of budgets)`,
      'policy',
    );
  }
  return { method, policy, rounds0, pruningLimit, convergenceExponent, tolerance, maxIterations: Math.min(maxIterations, 4294967295) };
}

/** Throws unless m is a number in [MIN_EXPONENT, MAX_EXPONENT]. */
export function checkExponent(m: unknown): asserts m is number {
  if (typeof m !== 'number' || !(m >= MIN_EXPONENT && m <= MAX_EXPONENT)) {
    throw new JcpbaError(
      'invalid-option',
      'convergenceExponent must be a finite number in [0.001, 1000] (the exponent m of progress per round (1 - P / Pmax)^m; default 1)',
      'convergenceExponent',
    );
  }
}

const bits = new Float64Array(1);
const word = new BigUint64Array(bits.buffer);

/** The next double below a positive finite x. */
function nextBelow(x: number): number {
  bits[0] = x;
  word[0] -= 1n;
  return bits[0];
}

function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  bits[0] = x;
  word[0] += 1n;
  return bits[0];
}

/** One realization's solve at one budget. */
interface Sol {
  latency: number;
  /** sum_k E_k of the point, J (Infinity without one). */
  energy: number;
  lower: number;
  pruning: number;
  converged: boolean;
  rho: Float64Array;
  b: Float64Array;
}

/** Every realization's solve at one budget, and their means (in realization order). */
interface Level {
  budget: number;
  latency: number;
  /** Mean total energy per round, J. */
  energy: number;
  lower: number;
  pruning: number;
  converged: boolean;
  latencies: Float64Array;
  energies: Float64Array;
  /** The points, kept while a larger budget may start from them. */
  points?: Sol[];
}

/** The realizations of one drop, with the plan's constants. */
class Drop {
  solves = 0;
  constructor(
    readonly insts: Instance[],
    readonly method: MethodId,
    readonly rounds0: number,
    readonly pruningLimit: number,
    readonly exponent: number,
    readonly tolerance: number,
    readonly maxIterations: number,
    /** sum_k w_k rmax_k, the largest budget that can bind. */
    readonly cap: number,
    /** sum_k w_k rmin_k, the least budget any point meets (MODEL.md section 12). */
    readonly floor: number = 0,
  ) {}

  rounds(pruning: number): number {
    return roundsNeeded(this.rounds0, this.pruningLimit, pruning, this.exponent);
  }

  progress(pruning: number): number {
    return progress(this.pruningLimit, this.exponent, pruning);
  }

  /**
   * The largest budget (at most the cap) that needs at most `r` rounds (r >= ceil(R0)):
   * Pmax (1 - (R0 / r)^(1/m)), written without cancellation, then moved by ulps (rarely
   * more: by bisection) until it needs r rounds and the next double would not. 0 when
   * r = R0.
   */
  budgetForRounds(r: number): number {
    if (this.rounds(this.cap) <= r) return this.cap;
    let p =
      this.exponent === 1
        ? this.pruningLimit * ((r - this.rounds0) / r)
        : this.pruningLimit * -Math.expm1(Math.log1p(-(r - this.rounds0) / r) / this.exponent);
    if (!(p > this.floor)) return this.floor; // R(floor) <= r: no smaller budget is feasible
    if (!(p < this.cap)) p = this.cap; // needs more than r rounds (checked above)
    // lo needs at most r rounds, hi more.
    let lo: number;
    let hi: number;
    if (this.rounds(p) <= r) {
      lo = p;
      hi = this.cap;
      for (let i = 0; i < 64; i++) {
        const q = nextUp(lo);
        if (!(q < hi && this.rounds(q) <= r)) {
          hi = Math.min(hi, q);
          break;
        }
        lo = q;
      }
    } else {
      lo = this.floor;
      hi = p;
      for (let i = 0; i < 64; i++) {
        const q = nextBelow(hi);
        if (this.rounds(q) <= r) {
          lo = q;
          break;
        }
        hi = q;
      }
    }
    while (nextUp(lo) < hi) {
      const mid = lo + 0.5 * (hi - lo);
      if (!(mid > lo && mid < hi)) break;
      if (this.rounds(mid) <= r) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  solveOne(r: number, budget: number, start?: Sol): Sol {
    this.solves++;
    const inst = this.insts[r];
    inst.budget = budget;
    if (this.method === 'optimal' && start !== undefined && start.latency < Infinity) {
      // A point of a smaller budget is feasible here: it opens the bracket.
      const res = optimal(inst, { pruning: start.rho, bandwidth: start.b, latency: start.latency }, this.tolerance, this.maxIterations);
      const latency = roundLatency(inst, res.pruning, res.bandwidth);
      return {
        latency,
        energy: accounting(inst, res.pruning, res.bandwidth).energyTotal,
        lower: res.lowerBound,
        pruning: weighted(inst.w, res.pruning),
        converged: res.converged,
        rho: res.pruning,
        b: res.bandwidth,
      };
    }
    const s = solveInstance(inst, this.method, this.tolerance, this.maxIterations);
    if (s.status === 'infeasible') {
      // Energy caps no point meets at this budget (MODEL.md 11.2): no round at this budget
      // ends, and no smaller budget does better.
      return { latency: Infinity, energy: Infinity, lower: Infinity, pruning: NaN, converged: true, rho: new Float64Array(0), b: new Float64Array(0) };
    }
    return {
      latency: s.latency,
      energy: s.energyTotal,
      lower: s.lowerBound ?? s.latency,
      pruning: weighted(inst.w, s.pruning),
      converged: s.status === 'converged',
      rho: s.pruning,
      b: s.bandwidth,
    };
  }

  /** Solves every realization at `budget`, from `start` (solutions at a smaller budget). */
  level(budget: number, start: Sol[] | undefined, keep: boolean): Level {
    const n = this.insts.length;
    const points: Sol[] = [];
    for (let r = 0; r < n; r++) points.push(this.solveOne(r, budget, start?.[r]));
    let latency = 0;
    let energy = 0;
    let lower = 0;
    let pruning = 0;
    let converged = true;
    const latencies = new Float64Array(n);
    const energies = new Float64Array(n);
    points.forEach((s, r) => {
      latency += s.latency;
      energy += s.energy;
      lower += s.lower;
      pruning += s.pruning;
      converged = converged && s.converged;
      latencies[r] = s.latency;
      energies[r] = s.energy;
    });
    const level: Level = { budget, latency: latency / n, energy: energy / n, lower: lower / n, pruning: pruning / n, converged, latencies, energies };
    if (keep) level.points = points;
    return level;
  }
}

/** A whole number of rounds and its budget's level; the virtual top node only bounds the mean latency of every budget below it. */
interface Node {
  rounds: number;
  level: Level;
  real: boolean;
}

const statusOf = (ok: boolean): Status => (ok ? 'converged' : 'iteration-limit');
/** A plan whose every budget tried has a realization with no point (energy caps, MODEL.md 11.2) is infeasible. */
const planStatus = (ok: boolean, seconds: number): Status => (seconds < Infinity ? statusOf(ok) : 'infeasible');

/** The exact static search of `optimal` (module docs). */
function staticExact(d: Drop): [StaticPlan, Level] {
  const tol = d.tolerance;
  const rLo = d.floor > 0 ? d.rounds(d.floor) : Math.ceil(d.rounds0);
  const rCap = d.rounds(d.cap); // Infinity when the cap is at or above Pmax
  const first = rCap <= rLo ? d.cap : d.budgetForRounds(rLo);
  const nodes: Node[] = [];
  const loLevel = d.level(first, undefined, rCap > rLo);
  let converged = loLevel.converged;
  nodes.push({ rounds: rLo, level: loLevel, real: true });
  let evaluations = 1;
  let ub = rLo * nodes[0].level.latency;
  if (rCap > rLo) {
    // The floor of every budget's mean latency: at the cap, or at Pmax when the cap is out
    // of reach (no whole number of rounds gets there).
    const floorBudget = rCap < Infinity ? d.cap : d.pruningLimit;
    const top = d.level(floorBudget, nodes[0].level.points, false);
    evaluations++;
    converged = converged && top.converged;
    if (rCap < Infinity) ub = Math.min(ub, rCap * top.latency);
    // With energy caps the least budget can leave a realization without a point; when the
    // cap's budget is out of reach too, no node bounds J yet. Double the rounds until a
    // budget has a point in every realization (feasibility only grows with the budget),
    // so that the search has a finite bound to split under.
    for (let r = 2 * rLo; !(ub < Infinity) && top.lower < Infinity && r < rCap && evaluations < d.maxIterations; r *= 2) {
      const budget = d.budgetForRounds(r);
      if (!(budget < floorBudget)) break;
      const level = d.level(budget, undefined, true);
      evaluations++;
      converged = converged && level.converged;
      nodes.push({ rounds: r, level, real: true });
      ub = Math.min(ub, r * level.latency);
    }
    // Every R above rBound has J(R) >= R Tbar_lo(floor) > ub.
    const rBound = Math.floor(ub / top.lower);
    const last = nodes[nodes.length - 1].rounds;
    if (!(ub < Infinity)) {
      // No budget below the cap has a point in every realization: nothing to search.
    } else if (rCap <= rBound + 1) nodes.push({ rounds: rCap, level: top, real: true });
    else if (rBound + 1 > last) nodes.push({ rounds: Math.max(rBound + 1, last + 1), level: top, real: false });
  }
  const limit = d.maxIterations;
  let limited = false;
  for (;;) {
    const threshold = ub < Infinity ? ub - tol * ub : Infinity;
    // Drop the points no split will start from: the left ends of closed gaps.
    for (let i = 0; i < nodes.length; i++) {
      const open =
        i + 1 < nodes.length && nodes[i + 1].rounds - nodes[i].rounds >= 2 && (nodes[i].rounds + 1) * nodes[i + 1].level.lower < threshold;
      if (!open) delete nodes[i].level.points;
    }
    let pick = -1;
    let least = Infinity;
    for (let i = 0; i + 1 < nodes.length; i++) {
      if (nodes[i + 1].rounds - nodes[i].rounds < 2) continue;
      const bound = (nodes[i].rounds + 1) * nodes[i + 1].level.lower;
      if (bound < threshold && bound < least) {
        least = bound;
        pick = i;
      }
    }
    if (pick < 0) break;
    if (evaluations >= limit) {
      limited = true;
      break;
    }
    const i = pick;
    const mid = Math.floor(0.5 * (nodes[i].rounds + nodes[i + 1].rounds));
    const budget = d.budgetForRounds(mid);
    // The split's points are kept while its right gap is open (the loop's first pass).
    const level = d.level(budget, nodes[i].level.points, true);
    evaluations++;
    converged = converged && level.converged;
    ub = Math.min(ub, mid * level.latency);
    nodes.splice(i + 1, 0, { rounds: mid, level, real: true });
  }
  // The certificate: every real node's certified J, and every gap's bound.
  let lower = Infinity;
  let best = -1;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.real) {
      lower = Math.min(lower, n.rounds * n.level.lower);
      const j = n.rounds * n.level.latency;
      if (best < 0 || j < nodes[best].rounds * nodes[best].level.latency) best = i;
    }
    if (i + 1 < nodes.length && nodes[i + 1].rounds - n.rounds >= 2) {
      lower = Math.min(lower, (n.rounds + 1) * nodes[i + 1].level.lower);
    }
  }
  const node = nodes[Math.max(best, 0)];
  const j = node.rounds * node.level.latency;
  const plan: StaticPlan = {
    method: d.method,
    policy: 'static',
    search: 'exact',
    budget: node.level.budget,
    rounds: node.rounds,
    fineTuningSeconds: j,
    fineTuningJoules: node.rounds * node.level.energy,
    meanRoundLatency: node.level.latency,
    meanRoundEnergy: node.level.energy,
    meanPruning: node.level.pruning,
    lowerBound: Math.min(lower, j),
    upperBound: j,
    evaluations,
    status: planStatus(converged && !limited, j),
  };
  return [plan, node.level];
}

/** The static plan of a method other than `optimal`: the best of a grid of budgets. */
function staticGrid(d: Drop): [StaticPlan, Level] {
  const top = Math.min(d.cap, d.pruningLimit);
  const budgets: number[] = [];
  const usesBudget = d.method !== 'equal' && d.method !== 'bandwidth-only';
  if (usesBudget && top > d.floor) {
    const cells = STATIC_GRID;
    // Pmax itself needs infinitely many rounds.
    const last = d.pruningLimit <= d.cap ? cells - 1 : cells;
    for (let i = 0; i <= last; i++) {
      // From the least budget any point meets (0 without minimum pruning).
      const p = i === cells ? top : d.floor + (top - d.floor) * (i / cells);
      // Up to the largest budget with the same number of rounds.
      const q = Math.max(d.budgetForRounds(d.rounds(p)), p);
      if (budgets.length === 0 || q > budgets[budgets.length - 1]) budgets.push(q);
    }
  } else {
    // equal and bandwidth-only prune rmin_k: planned at that budget (MODEL.md section 12).
    budgets.push(d.floor);
  }
  let best: [number, Level] | undefined;
  let converged = true;
  let evaluations = 0;
  for (const p of budgets) {
    const level = d.level(p, undefined, false);
    evaluations++;
    converged = converged && level.converged;
    const j = d.rounds(p) * level.latency;
    if (best === undefined || j < best[0]) best = [j, level];
  }
  const [j, level] = best!;
  const plan: StaticPlan = {
    method: d.method,
    policy: 'static',
    search: 'grid',
    budget: level.budget,
    rounds: d.rounds(level.budget),
    fineTuningSeconds: j,
    fineTuningJoules: d.rounds(level.budget) * level.energy,
    meanRoundLatency: level.latency,
    meanRoundEnergy: level.energy,
    meanPruning: level.pruning,
    evaluations,
    status: planStatus(converged, j),
  };
  return [plan, level];
}

const GOLD = 0.3819660112501051; // (3 - sqrt 5) / 2

/**
 * Brent's minimization of f on [a, b] from an interior x with known f(x), to an
 * absolute budget tolerance `xtol`; returns the best point seen.
 */
function brent(a0: number, b0: number, x0: number, fx0: number, xtol: number, f: (p: number) => number): [number, number] {
  let a = a0;
  let b = b0;
  let x = x0;
  let w = x0;
  let v = x0;
  let fx = fx0;
  let fw = fx0;
  let fv = fx0;
  let d = 0;
  let e = 0;
  for (let step = 0; step < 200; step++) {
    const m = 0.5 * (a + b);
    const tol1 = xtol;
    const tol2 = 2 * tol1;
    if (Math.abs(x - m) <= tol2 - 0.5 * (b - a)) break;
    let golden = true;
    if (Math.abs(e) > tol1) {
      // Parabola through x, w, v.
      const r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      else q = -q;
      const eOld = e;
      if (Math.abs(p) < Math.abs(0.5 * q * eOld) && p > q * (a - x) && p < q * (b - x)) {
        e = d;
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = m >= x ? tol1 : -tol1;
        golden = false;
      }
    }
    if (golden) {
      e = x >= m ? a - x : b - x;
      d = GOLD * e;
    }
    const u = Math.abs(d) >= tol1 ? x + d : d > 0 ? x + tol1 : x - tol1;
    const fu = f(u);
    if (fu <= fx) {
      if (u >= x) a = x;
      else b = x;
      v = w;
      fv = fw;
      w = x;
      fw = fx;
      x = u;
      fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w;
        fv = fw;
        w = u;
        fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u;
        fv = fu;
      }
    }
  }
  return [x, fx];
}

/** One realization's state in the adaptive policy. */
interface Chooser {
  /** T*_r at the grid budgets. */
  grid: Float64Array;
  /** The total energy per round at the grid budgets, J. */
  gridEnergy: Float64Array;
  /** The current budget, its latency and its total energy per round. */
  budget: number;
  latency: number;
  energy: number;
}

/** Golden-section steps of the refinement, at most. */
const REFINE_STEPS = 200;

/**
 * The penalty of the adaptive policy's 1-D problem at price lambda: each realization
 * minimizes `g(P) = T*_r(P) + pen(P)`, `pen(P) = lambda (1 - pi(P))` nondecreasing (MODEL.md
 * section 13: `argmin T*_r(P) - lambda pi(P)`). At m = 1 it is section 10's `lambda P / Pmax`,
 * written so.
 */
class Price {
  readonly slope: number;
  constructor(
    readonly lambda: number,
    readonly pruningLimit: number,
    readonly exponent: number,
  ) {
    this.slope = lambda / pruningLimit;
  }

  pen(p: number): number {
    if (this.exponent === 1) return this.slope * p;
    return this.lambda * -Math.expm1(this.exponent * Math.log1p(-p / this.pruningLimit));
  }

  /** pen(x) - pen(lo), lo <= x. */
  rise(lo: number, x: number): number {
    return this.exponent === 1 ? this.slope * (x - lo) : this.pen(x) - this.pen(lo);
  }
}

/**
 * One realization's 1-D search of the adaptive policy: every point solved, to start each
 * solve from the nearest smaller budget solved before.
 */
class OneSearch {
  readonly seen: [number, Sol][] = [];
  converged = true;
  constructor(
    readonly d: Drop,
    readonly r: number,
  ) {}

  /** T*_r at budget p. */
  latency(p: number): number {
    let start = -1;
    this.seen.forEach(([q], i) => {
      if (q <= p && (start < 0 || q > this.seen[start][0])) start = i;
    });
    const s = this.d.solveOne(this.r, p, start < 0 ? undefined : this.seen[start][1]);
    this.converged = this.converged && s.converged;
    this.seen.push([p, s]);
    return s.latency;
  }

  /** The latency at a budget already solved. */
  known(p: number): number {
    let found = NaN;
    for (const [q, s] of this.seen) if (q === p) found = s.latency;
    return found;
  }

  /** The total energy per round at a budget already solved (as `known`). */
  energyAt(p: number): number {
    let found = NaN;
    for (const [q, s] of this.seen) if (q === p) found = s.energy;
    return found;
  }

  /**
   * The budget minimizing g(P) = T*_r(P) + pen(P) on [a, b] from the grid's best x, with
   * each end's and x's latency known; returns [budget, latency].
   *
   * Brent's method first, to `xtol`: enough where the minimum is smooth. Then g at `xtol`
   * either side: if g rises there by more than the solves' noise (a kink, where T* stops
   * falling, or an end of the range) or falls (a miss), golden sections shrink a bracket
   * around the best point until monotonicity certifies its value: on [lo, x],
   * g >= T(x) + pen(lo); on [x, hi], g >= T(hi) + pen(x).
   */
  minimize(a: [number, number], b: [number, number], x0: [number, number], price: Price, xtol: number): [number, number] {
    const tol = this.d.tolerance;
    const [bx] = brent(a[0], b[0], x0[0], x0[1] + price.pen(x0[0]), xtol, (p) => this.latency(p) + price.pen(p));
    const bt = bx === x0[0] ? x0[1] : this.known(bx);
    const bg = bt + price.pen(bx);
    const h = 2 * xtol;
    const xl = Math.max(bx - h, a[0]);
    const xr = Math.min(bx + h, b[0]);
    const tl = xl < bx ? this.latency(xl) : bt;
    const tr = xr > bx ? this.latency(xr) : bt;
    const gl = tl + price.pen(xl);
    const gr = tr + price.pen(xr);
    // Each latency is within the tolerance above T*: differences below twice that are noise.
    const flat = 2 * tol * bg;
    if (gl - bg <= flat && gr - bg <= flat && gl >= bg - flat && gr >= bg - flat) return [bx, bt];
    let [lo, hi, tHi, x, tX] =
      gl < bg && gl <= gr ? [a[0], bx, bt, xl, tl] : gr < bg ? [bx, b[0], b[1], xr, tr] : [xl, xr, tr, bx, bt];
    let gX = tX + price.pen(x);
    for (let step = 0; step < REFINE_STEPS; step++) {
      const left = price.rise(lo, x);
      const right = tX - tHi;
      if (Math.max(left, right) <= tol * gX) return [x, tX];
      const u = left >= right ? x - GOLD * (x - lo) : x + GOLD * (hi - x);
      if (!(u > lo && u < hi && u !== x)) return [x, tX]; // the bracket is down to the doubles' resolution
      const tU = this.latency(u);
      const gU = tU + price.pen(u);
      if (gU < gX) {
        if (u < x) {
          hi = x;
          tHi = tX;
        } else {
          lo = x;
        }
        x = u;
        tX = tU;
        gX = gU;
      } else if (u < x) {
        lo = u;
      } else {
        hi = u;
        tHi = tU;
      }
    }
    this.converged = false;
    return [x, tX];
  }
}

/** The adaptive policy of `optimal` (MODEL.md section 10). `seed`: a static level whose budget is tried as the common starting budget too. */
function adaptive(d: Drop, seed?: Level): AdaptivePlan {
  const n = d.insts.length;
  const pmax = d.pruningLimit;
  const top = Math.min(d.cap, pmax);
  const solvesBefore = d.solves;
  const finish = (budgets: Float64Array, latencies: Float64Array, energies: Float64Array, iterations: number, converged: boolean): AdaptivePlan => {
    let latency = 0;
    let energy = 0;
    let pruning = 0;
    let progress = 0;
    for (let r = 0; r < budgets.length; r++) {
      latency += latencies[r];
      energy += energies[r];
      pruning += budgets[r];
      progress += d.progress(budgets[r]);
    }
    const price = latency / progress;
    return {
      method: d.method,
      policy: 'adaptive',
      price,
      fineTuningSeconds: d.rounds0 * price,
      fineTuningJoules: d.rounds0 * (energy / progress),
      meanRoundLatency: latency / n,
      meanRoundEnergy: energy / n,
      meanPruning: pruning / n,
      budgets,
      iterations,
      evaluations: d.solves - solvesBefore,
      status: planStatus(converged, d.rounds0 * price),
    };
  };
  if (!(pmax < Infinity) || !(top > d.floor)) {
    // Nothing to trade: the largest budget is best for every realization.
    const level = d.level(top, undefined, false);
    return finish(new Float64Array(n).fill(top), level.latencies, level.energies, 0, level.converged);
  }
  const cells = ADAPTIVE_GRID;
  const gridBudgets = Array.from({ length: cells + 1 }, (_, j) => (j === cells ? top : d.floor + (top - d.floor) * (j / cells)));
  let converged = true;
  const choosers: Chooser[] = [];
  for (let r = 0; r < n; r++) {
    const grid = new Float64Array(cells + 1);
    const gridEnergy = new Float64Array(cells + 1);
    let prev: Sol | undefined;
    gridBudgets.forEach((p, j) => {
      const s = d.solveOne(r, p, prev);
      converged = converged && s.converged;
      grid[j] = s.latency;
      gridEnergy[j] = s.energy;
      prev = s;
    });
    choosers.push({ grid, gridEnergy, budget: 0, latency: 0, energy: 0 });
  }
  // Start from the best common budget of the grid (and of the static plan).
  let lambda = Infinity;
  for (let j = 0; j <= cells; j++) {
    const progress = d.progress(gridBudgets[j]);
    if (!(progress > 0)) continue;
    let latency = 0;
    for (const c of choosers) latency += c.grid[j];
    const ratio = latency / n / progress;
    if (ratio < lambda) {
      lambda = ratio;
      for (const c of choosers) {
        c.budget = gridBudgets[j];
        c.latency = c.grid[j];
        c.energy = c.gridEnergy[j];
      }
    }
  }
  if (seed !== undefined) {
    const progress = d.progress(seed.budget);
    if (progress > 0 && seed.latency / progress < lambda) {
      lambda = seed.latency / progress;
      choosers.forEach((c, r) => {
        c.budget = seed.budget;
        c.latency = seed.latencies[r];
        c.energy = seed.energies[r];
      });
    }
  }
  if (!(lambda < Infinity)) {
    // No common budget with progress has a point in every realization (energy caps).
    // Feasibility only grows with the budget: a realization without a point at the top
    // budget has none at all, and the plan is infeasible.
    const atTop = Float64Array.from(choosers, (c) => c.grid[cells]);
    const energyAtTop = Float64Array.from(choosers, (c) => c.gridEnergy[cells]);
    if (atTop.some((t) => !(t < Infinity))) return finish(new Float64Array(n).fill(top), atTop, energyAtTop, 0, converged);
    // Else every realization has a point between the grid's last budget and the top one
    // (Pmax, where progress ends): bisect for a common budget with progress.
    let lo = gridBudgets[cells - 1];
    let hi = top;
    for (let i = 0; i < 60 && !(lambda < Infinity); i++) {
      const mid = lo + 0.5 * (hi - lo);
      if (!(mid > lo && mid < hi)) break;
      const level = d.level(mid, undefined, false);
      converged = converged && level.converged;
      const progress = d.progress(mid);
      if (level.latencies.every((t) => t < Infinity) && progress > 0) {
        lambda = level.latency / progress;
        choosers.forEach((c, r) => {
          c.budget = mid;
          c.latency = level.latencies[r];
          c.energy = level.energies[r];
        });
      } else lo = mid;
    }
    if (!(lambda < Infinity)) return finish(new Float64Array(n).fill(top), atTop, energyAtTop, 0, false);
  }
  // The budget to about a tenth of sqrt(tolerance) of its range: g is then within about
  // 1% of the tolerance of its minimum where the minimum is smooth.
  const xtol = 0.1 * Math.sqrt(d.tolerance) * top;
  let iterations = 0;
  let settled = false;
  while (iterations < d.maxIterations) {
    iterations++;
    const price = new Price(lambda, pmax, d.exponent);
    for (let r = 0; r < n; r++) {
      let bestJ = 0;
      let bestG = Infinity;
      for (let j = 0; j <= cells; j++) {
        const g = choosers[r].grid[j] + price.pen(gridBudgets[j]);
        if (g < bestG) {
          bestG = g;
          bestJ = j;
        }
      }
      const a = gridBudgets[bestJ > 0 ? bestJ - 1 : 0];
      const b = gridBudgets[bestJ < cells ? bestJ + 1 : cells];
      const x = gridBudgets[bestJ];
      const search = new OneSearch(d, r);
      const [bx, bt] = search.minimize(
        [a, choosers[r].grid[bestJ > 0 ? bestJ - 1 : 0]],
        [b, choosers[r].grid[bestJ < cells ? bestJ + 1 : cells]],
        [x, choosers[r].grid[bestJ]],
        price,
        xtol,
      );
      converged = converged && search.converged;
      const c = choosers[r];
      // Keep the previous choice when it is at least as good at this price: the price
      // then never rises.
      if (bt + price.pen(bx) < c.latency + price.pen(c.budget)) {
        c.budget = bx;
        c.latency = bt;
        // The grid's point keeps the grid's solve (its latency is the grid's too).
        c.energy = bx === x ? choosers[r].gridEnergy[bestJ] : search.energyAt(bx);
      }
    }
    let latency = 0;
    let progress = 0;
    for (const c of choosers) {
      latency += c.latency;
      progress += d.progress(c.budget);
    }
    const next = latency / progress;
    const done = !(next < lambda - d.tolerance * lambda);
    lambda = Math.min(next, lambda);
    if (done) {
      settled = true;
      break;
    }
  }
  return finish(
    Float64Array.from(choosers, (c) => c.budget),
    Float64Array.from(choosers, (c) => c.latency),
    Float64Array.from(choosers, (c) => c.energy),
    iterations,
    converged && settled,
  );
}

/** Field by field, problems[i] must have the clients of problems[0]; throws naming both. */
export function checkSameClients(
  problems: { computeSeconds: Float64Array; dataWeight: Float64Array; maxPruning: Float64Array; minPruning?: Float64Array }[],
): void {
  const first = problems[0];
  const share = 'the realizations of a plan share their clients (K, dataWeight, maxPruning, minPruning)';
  const rmin = (p: { minPruning?: Float64Array }, k: number) => (p.minPruning === undefined || p.minPruning.length === 0 ? 0 : p.minPruning[k]);
  for (let i = 1; i < problems.length; i++) {
    const p = problems[i];
    const K = p.computeSeconds.length;
    if (K !== first.computeSeconds.length) {
      throw new JcpbaError('invalid-input', `problems[${i}]: clients has ${K} entries but problems[0] has ${first.computeSeconds.length}; ${share}`, 'clients');
    }
    for (let k = 0; k < K; k++) {
      for (const name of ['dataWeight', 'maxPruning'] as const) {
        if (p[name][k] !== first[name][k]) {
          const field = `clients[${k}].${name}`;
          throw new JcpbaError('invalid-input', `problems[${i}]: ${field} differs from problems[0]; ${share}`, field, k);
        }
      }
      if (rmin(p, k) !== rmin(first, k)) {
        const field = `clients[${k}].minPruning`;
        throw new JcpbaError('invalid-input', `problems[${i}]: ${field} differs from problems[0]; ${share}`, field, k);
      }
    }
  }
}

/**
 * Plans the fine-tuning of one drop from its realizations (MODEL.md section 10), on the
 * TypeScript reference. Checks: the options, then that problems is a non-empty array,
 * then each problem (errors prefixed `problems[i]: `), then that every problem has the
 * clients of problems[0].
 */
export function plan(problems: readonly (ProblemInput | Problem)[], options: PlanOptions): PlanResult[] {
  const o = checkPlanOptions(options);
  if (!Array.isArray(problems)) {
    throw new JcpbaError('invalid-input', 'problems must be an array of problems (the fading realizations of one drop)', 'problems');
  }
  if (problems.length === 0) throw new JcpbaError('invalid-input', 'problems must hold at least one realization', 'problems');
  const parsed = problems.map((p, i) => {
    try {
      return toProblem(p);
    } catch (e) {
      if (!(e instanceof JcpbaError)) throw e;
      throw new JcpbaError(e.code, `problems[${i}]: ${e.message}`, e.field, e.client);
    }
  });
  checkSameClients(parsed);
  const insts = parsed.map(instance);
  const cap = weighted(insts[0].w, insts[0].rmax);
  const floor = minimumPruning(insts[0]);
  if (!(floor < o.pruningLimit)) {
    throw new JcpbaError(
      'invalid-option',
      "pruningLimit must be above the least mean pruning the clients' minPruning forces (sum_k w_k rmin_k): the target is unreachable",
      'pruningLimit',
    );
  }
  const d = new Drop(insts, o.method, o.rounds0, o.pruningLimit, o.convergenceExponent, o.tolerance, o.maxIterations, cap, floor);
  const plans: PlanResult[] = [];
  let seed: Level | undefined;
  if (o.policy !== 'adaptive') {
    const [p, level] = o.method === 'optimal' ? staticExact(d) : staticGrid(d);
    plans.push(p);
    seed = level;
  }
  if (o.policy !== 'static') plans.push(adaptive(d, seed));
  return plans;
}
