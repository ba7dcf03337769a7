/**
 * The column passes of deadline mode (mirrors crates/jcpba-core/src/deadline/kernels.rs,
 * pass for pass and under the same names), for problems without energy caps (the capped
 * ones take the per-client functions of deadline.ts): the compensated box ends at the
 * loosened deadline, the clients' needs at D, the split fitted to the band and each
 * client's least pruning with its bandwidth, and the rounding noise of the box ends. The
 * search that drives them is in deadline.ts; each pass computes, client by client, what
 * the per-client function of the same name computes, in the same order, as each lane of
 * the Rust kernel does.
 */
import type { Instance } from './problem.js';
import { latencyAt } from './problem.js';
import { rate, rateInverse } from './rate.js';
import { type Workspace, stationarity } from './optimal.js';

/** The unit roundoff. */
export const U = Number.EPSILON / 2;
/** Steps of leastPruning's rise onto the deadline: doubling from an ulp, 64 reach any rmax. */
export const ROUNDING_STEPS = 64;
/** The least positive normal double (Rust's f64::MIN_POSITIVE). */
export const MIN_NORMAL = 2.2250738585072014e-308;

/** a + b = s + e exactly (Knuth's TwoSum). */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

/** a = hi + lo with hi the upper half of the significand (Veltkamp's split). */
function split(a: number): [number, number] {
  const c = 134217729 * a;
  const hi = c - (c - a);
  return [hi, a - hi];
}

/** a b = p + e exactly (Dekker's product, no fused multiply-add needed). */
function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

/** T - t0 - c (1 - phi_c rho) in compensated arithmetic (deadline.ts's preciseWindow). */
export function preciseWindow(phiC: number, c: number, t0: number, rho: number, T: number): number {
  const [x, xe] = twoProd(phiC, rho);
  const [m, me1] = twoSum(1, -x);
  const me = me1 - xe; // 1 - phi_c rho = m + me
  const [y, ye1] = twoProd(c, m);
  const ye = ye1 + c * me; // c (1 - phi_c rho) = y + ye
  const [z, ze] = twoSum(T, -t0);
  const [w, we] = twoSum(z, -y);
  return w + (we + ze - ye);
}

/** The columns of one end of the boxes (the workspace's bLo, boxLo, gLo, dLo or their Hi). */
interface EndColumns {
  /** The end's bandwidth. */
  readonly b: Float64Array;
  /** Its logarithm. */
  readonly lnB: Float64Array;
  /** G and G' there. */
  readonly g: Float64Array;
  readonly d: Float64Array;
}

/**
 * One end of client k's box (deadline.ts's preciseBox): the bandwidth with which pruning
 * `rho` meets the deadline, given its compensated (positive) `window`, with its logarithm
 * and G there, into `cols`.
 */
function end(inst: Instance, ws: Workspace, k: number, rho: number, window: number, cols: EndColumns): void {
  const { phiC, phiS, S } = inst;
  const a = inst.a[k];
  const b = rateInverse(a, (S * (1 - phiS * rho)) / window);
  cols.b[k] = b;
  cols.lnB[k] = Math.log(b);
  [cols.g[k], cols.d[k]] = stationarity(a, phiC * inst.c[k], S, phiS * S, ws.kk[k], b);
}

/**
 * deadline.ts's preciseBox for every client (no caps): each end the deadline binds
 * recomputed from the compensated window at `D`, with its logarithm and G there.
 */
export function preciseBoxes(inst: Instance, ws: Workspace, D: number): void {
  const { phiC } = inst;
  const low: EndColumns = { b: ws.bLo, lnB: ws.boxLo, g: ws.gLo, d: ws.dLo };
  const high: EndColumns = { b: ws.bHi, lnB: ws.boxHi, g: ws.gHi, d: ws.dHi };
  for (let k = 0; k < inst.K; k++) {
    const c = inst.c[k];
    const t0 = inst.t0[k];
    const rmax = inst.rmax[k];
    const rmin = inst.rmin.length === 0 ? 0 : inst.rmin[k];
    const lo = preciseWindow(phiC, c, t0, rmax, D);
    if (lo > 0) end(inst, ws, k, rmax, lo, low);
    if (!(ws.bHi[k] < Infinity)) continue;
    const hi = preciseWindow(phiC, c, t0, rmin, D);
    if (hi > 0) end(inst, ws, k, rmin, hi, high);
  }
}

/**
 * deadline.ts's needs for every client (no caps): its bandwidth need at D at full pruning
 * `cap` (its unpruned need where pruning saves it nothing) into `full`, and unpruned into
 * `unpruned` (Infinity where no bandwidth is enough).
 */
export function needs(inst: Instance, ws: Workspace, D: number, cap: Float64Array, full: Float64Array, unpruned: Float64Array): void {
  const { phiC, phiS, S } = inst;
  for (let k = 0; k < inst.K; k++) {
    const a = inst.a[k];
    const c = inst.c[k];
    const t0 = inst.t0[k];
    const rmin = inst.rmin.length === 0 ? 0 : inst.rmin[k];
    const fixed = !(ws.bLo[k] < ws.bHi[k]);
    const lo = preciseWindow(phiC, c, t0, cap[k], D);
    const hi = preciseWindow(phiC, c, t0, rmin, D);
    const needHi = hi > 0 ? rateInverse(a, (S * (1 - phiS * rmin)) / hi) : Infinity;
    unpruned[k] = needHi;
    full[k] = fixed ? needHi : lo > 0 ? rateInverse(a, (S * (1 - phiS * cap[k])) / lo) : Infinity;
  }
}

/** The split `b` raised to each client's need (meetDeadline): into `out`, and its sum. */
export function fit(b: Float64Array, need: Float64Array, out: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < b.length; k++) {
    const x = b[k] < need[k] ? need[k] : b[k];
    out[k] = x;
    sum += x;
  }
  return sum;
}

/**
 * The fitted split scaled up onto the band (by `scale`, or by each client's share of `sum`
 * when undefined: scaleUpOntoBand) and each client's least pruning with its bandwidth
 * (deadline.ts's leastPruning; rmin for a fixed client).
 */
export function leastPruning(
  inst: Instance,
  ws: Workspace,
  T: number,
  scale: number | undefined,
  sum: number,
  bandwidth: Float64Array,
  pruning: Float64Array,
): void {
  const { phiC, phiS, S, B } = inst;
  for (let k = 0; k < inst.K; k++) {
    const b = scale !== undefined ? bandwidth[k] * scale : (bandwidth[k] / sum) * B;
    bandwidth[k] = b;
    const rmax = inst.rmax[k];
    const rmin = inst.rmin.length === 0 ? 0 : inst.rmin[k];
    if (!(ws.bLo[k] < ws.bHi[k])) {
      pruning[k] = rmin;
      continue;
    }
    // pruningFor: the root of tau(rho) = T, clipped to the box.
    const upload = S / rate(inst.a[k], b);
    const v = phiC * inst.c[k] + phiS * upload;
    let rho = (inst.t0[k] + inst.c[k] + upload) / v - T / v;
    rho = rho < rmin ? rmin : rho > rmax ? rmax : rho;
    if (!(v > 0)) {
      pruning[k] = rmin;
      continue;
    }
    // The rise onto the deadline as the latency is computed.
    let rise = 0;
    for (let i = 0; i < ROUNDING_STEPS; i++) {
      const excess = latencyAt(inst, k, rho, upload) - T;
      if (!(excess > 0 && rho < rmax)) break;
      let up = 2 * rise;
      if (up < excess / v) up = excess / v;
      if (up < Number.EPSILON * rho) up = Number.EPSILON * rho;
      if (up < MIN_NORMAL) up = MIN_NORMAL;
      rise = up;
      const next = rho + rise;
      rho = next > rmax ? rmax : next;
    }
    pruning[k] = rho;
  }
}

/**
 * deadline.ts's boxNoise without caps: the rounding noise of sum_k b_k from the clients at
 * an end of their box (every client when `interior` is undefined).
 */
export function boxNoise(inst: Instance, D: number, b: Float64Array, rho: Float64Array, interior?: Float64Array): number {
  const { phiC, phiS } = inst;
  let noise = 0;
  for (let k = 0; k < inst.K; k++) {
    if (interior !== undefined && !(interior[k] === 0)) continue;
    const c = inst.c[k];
    const t0 = inst.t0[k];
    const window = D - t0 - (1 - phiC * rho[k]) * c;
    const kept = 1 - phiS * rho[k];
    const qError = U * (5 + 1 / kept) + (8 * U * U * (D + t0 + c)) / window;
    const condition = 1 + (2 * b[k]) / inst.a[k];
    noise += b[k] * (3e-15 + (1 + condition) * (qError + 2 * U));
  }
  return 2 * noise;
}
