/**
 * `optimal`: the certified global optimum of P (MODEL.md sections 5 and 8).
 *
 * For a fixed round latency T, F(T) = min_rho sum_k b_k(rho_k; T) over the box and the
 * budget is a separable convex problem. We solve it through its Lagrangian: with a
 * price lambda >= 0 on weighted pruning each client minimizes b + lambda w_k rho alone,
 * and lambda is set so the budget binds. Rather than b as a function of rho (which needs
 * the inverse rate inside every step), each client is parametrized by its bandwidth b,
 * with rho(b) = (U(b) - T) / V(b), U(b) = t0 + c + S / r(b), V(b) = phi_c c + phi_s S / r(b)
 * (in the model of section 2, 1 - T / U(b) with U(b) = c + S / r(b)): the inverse of a
 * convex decreasing bijection is convex decreasing, so the per-client problem
 * min_b b + mu rho(b) is convex too, and its stationarity condition
 * mu K S r'(b) = (phi_c c r(b) + phi_s S)^2 with K = phi_c c + phi_s (T - t0 - c) is
 * explicit (K = T and mu T S r'(b) = (c r(b) + S)^2 in the model of section 2). K > 0 at
 * every T the client can meet. A client whose pruning changes nothing (phi_c = phi_s = 0,
 * or rmax = 0) keeps its unpruned bandwidth and prunes nothing.
 *
 * T is feasible iff F(T) <= B. The outer search keeps a certified bracket:
 * - lower bound: a T proven infeasible, because some client cannot meet it even with
 *   infinite bandwidth at full pruning, or the minimum weighted pruning at infinite
 *   bandwidth exceeds the budget, or the Lagrangian dual value exceeds B (weak duality);
 * - upper bound: the round latency of a feasible point actually built (budget met,
 *   bandwidth rescaled onto the band), which is the point returned.
 * Newton's method on ln F(T) = ln B in the coordinate ln(T - pole) (dF/dT by the envelope
 * theorem) drives T, bisection safeguards it, and near the root it aims a quarter
 * tolerance left of it, so that one evaluation certifies the lower bound and builds the
 * point that closes the bracket.
 *
 * Per T, every client's box (two rate inverses) and G at both box ends are computed once;
 * each price then settles the clients a box end decides without evaluating anything, and
 * runs Newton's method in ln b only for the interior ones. crates/jcpba-core/src/optimal.rs
 * runs the same algorithm over whole client columns with vector kernels.
 */
import { type Instance, capAt, hasCaps, latencyAt, payloadAt, prunableAt, rminAt, unprunedAt, uploadWindow } from './problem.js';
import { LN2, lnGap, lnGapFrom, rateInverse } from './rate.js';
import { roundLatency } from './bandwidth.js';
import { weighted } from './pruning.js';
import { bandwidthFloors, capBandwidth, capCoefficients, capPruning, capStationarity, ontoBand, total } from './energy.js';

export interface OptimalResult {
  latency: number;
  pruning: Float64Array;
  bandwidth: Float64Array;
  lowerBound: number;
  upperBound: number;
  iterations: number;
  converged: boolean;
}

/** Stop the price search when the weighted pruning is this close to the budget, relative. */
const BUDGET_TOL = 1e-14;
const PRICE_STEPS = 200;
const CLIENT_STEPS = 100;
/** Relative Newton step in ln b after which one more step would be below rounding. */
const CLIENT_STOP = 1e-9;
/** Relative rounding noise allowed per well-conditioned bandwidth term (about 45 ulps). */
const DUAL_NOISE = 1e-14;
/** Absolute rounding noise of a weighted pruning sum (weights sum to 1). */
export const RHO_NOISE = 1e-15;
/** Steps of the search that raises the price until the pruning meets the budget exactly, and its largest step in ln(price). */
const NUDGES = 16;
const MAX_NUDGE = 1;
/**
 * Evaluations in a row that move neither end of the bracket after which `optimal` stops
 * (iteration-limit, the bracket reached): the bracket is then pinned by rounding (a
 * tolerance below what doubles certify), and the probes of one side have halved it 32
 * times. Converging runs move an end at least every other evaluation.
 */
const STAGNATION = 32;
/**
 * The least relative width the search steers by: its probes and aims are fractions of the
 * tolerance, and below a few ulps they round onto the ends of the bracket and stall it far
 * from its rounding-limited width. A smaller tolerance still decides convergence.
 */
const STEER = 1e-15;
/** 2^-51: a relative step that always moves a double by at least one ulp. */
const NUDGE = 4.440892098500626e-16;

/** Scratch arrays reused across every T and every price. */
export class Workspace {
  readonly bLo: Float64Array;
  readonly bHi: Float64Array;
  /** ln bLo and ln bHi (Infinity when bHi is): the box of each client's search, per T. */
  readonly boxLo: Float64Array;
  readonly boxHi: Float64Array;
  /**
   * G and dG/ds at the box ends, per T (G = -Infinity, dG/ds = NaN where bHi = Infinity):
   * every price decides clipped clients from these, with no evaluation.
   */
  readonly gLo: Float64Array;
  readonly dLo: Float64Array;
  readonly gHi: Float64Array;
  readonly dHi: Float64Array;
  /** K of the stationarity condition, per T. */
  readonly kk: Float64Array;
  readonly s: Float64Array; // ln b, the warm start of each client's search
  readonly gs: Float64Array; // dG/ds at the client's solution, 0 at a bound
  readonly rho: Float64Array;
  readonly b: Float64Array;
  /**
   * U(b) / V(b) at an interior client's solution, where T / V(b) = ratio - rho: the price
   * predictor's and the rounding noise's data (exactly 1 in the model of section 2).
   */
  readonly ratio: Float64Array;
  /** ln w_k. */
  readonly logW: Float64Array;
  /**
   * Energy caps (MODEL.md 11.2): which constraint binds on each side of the box (TIME or
   * ENERGY; `pieceLo` at full pruning, on [bLo, bX], `pieceHi` at the least, on [bX, bHi]),
   * each piece's `cc` and `kk` for `stationarity`, and the kink where they cross: bX, ln bX
   * (NaN: no kink in the box) and G on either side of it. Per T.
   */
  readonly pieceLo: Uint8Array;
  readonly pieceHi: Uint8Array;
  readonly ccLo: Float64Array;
  readonly kkLo: Float64Array;
  readonly ccHi: Float64Array;
  readonly kkHi: Float64Array;
  readonly bX: Float64Array;
  readonly boxX: Float64Array;
  readonly gXl: Float64Array;
  readonly dXl: Float64Array;
  readonly gXh: Float64Array;
  readonly dXh: Float64Array;
  /** At each client's solution: the piece that binds (TIME at a kink), and whether it is at the kink. */
  readonly piece: Uint8Array;
  readonly kink: Uint8Array;
  /**
   * What a capped client's cap needs whatever T, computed on the first T (NaN before): its
   * floors at full and at the least pruning, its least pruning with infinite bandwidth, and
   * its piece's `cc` and `kk` (energy.ts).
   */
  readonly capLo: Float64Array;
  readonly capHi: Float64Array;
  readonly capNeed: Float64Array;
  readonly capCc: Float64Array;
  readonly capKk: Float64Array;
  logPrice = NaN;
  /** The T of the last price search, and d ln(lambda) / dT there: the predictor's data. */
  lastT = NaN;
  priceSlope = NaN;
  constructor(K: number, w: Float64Array) {
    this.bLo = new Float64Array(K);
    this.bHi = new Float64Array(K);
    this.boxLo = new Float64Array(K);
    this.boxHi = new Float64Array(K);
    this.gLo = new Float64Array(K);
    this.dLo = new Float64Array(K);
    this.gHi = new Float64Array(K);
    this.dHi = new Float64Array(K);
    this.kk = new Float64Array(K);
    this.s = new Float64Array(K).fill(NaN);
    this.gs = new Float64Array(K);
    this.rho = new Float64Array(K);
    this.b = new Float64Array(K);
    this.ratio = new Float64Array(K).fill(1);
    this.logW = w.map(Math.log);
    this.pieceLo = new Uint8Array(K);
    this.pieceHi = new Uint8Array(K);
    this.ccLo = new Float64Array(K);
    this.kkLo = new Float64Array(K);
    this.ccHi = new Float64Array(K);
    this.kkHi = new Float64Array(K);
    this.bX = new Float64Array(K);
    this.boxX = new Float64Array(K).fill(NaN);
    this.gXl = new Float64Array(K);
    this.dXl = new Float64Array(K);
    this.gXh = new Float64Array(K);
    this.dXh = new Float64Array(K);
    this.piece = new Uint8Array(K);
    this.kink = new Uint8Array(K);
    this.capLo = new Float64Array(K).fill(NaN);
    this.capHi = new Float64Array(K);
    this.capNeed = new Float64Array(K);
    this.capCc = new Float64Array(K);
    this.capKk = new Float64Array(K);
  }
}

/** The constraint that binds a client's bandwidth need: its latency (section 5) or its energy cap (11.2). */
export const TIME = 0;
export const ENERGY = 1;

/**
 * G(b) = ln(K S r'(b)) - 2 ln(cc r(b) + ss) and dG/d(ln b), with cc = phi_c c,
 * ss = phi_s S and K = phi_c c + phi_s (T - t0 - c) (T, c and S in the model of
 * section 2). The client's stationarity condition is G(b) = -ln mu; G decreases in b.
 * One log1p (shared by r and r') and one ln.
 */
export function stationarity(a: number, cc: number, S: number, ss: number, kk: number, b: number): [number, number] {
  const x = a / b;
  const l1p = Math.log1p(x); // shared by r and r'
  const gap = lnGapFrom(x, l1p);
  const r = (b * l1p) / LN2;
  const rp = gap / LN2;
  const denom = cc * r + ss;
  const g = Math.log((kk * S * rp) / denom / denom);
  const onePlus = 1 + x;
  const gs = -(x * x) / (onePlus * onePlus * gap) - (2 * cc * b * rp) / denom;
  return [g, gs];
}

/**
 * K = phi_s (T - t0) + (phi_c - phi_s) c, the phi_c c + phi_s (T - t0 - c) of the
 * stationarity condition, arranged to be exactly T in the model of section 2.
 */
export function stationarityScale(inst: Instance, k: number, T: number): number {
  return inst.phiS * (T - inst.t0[k]) + (inst.phiC - inst.phiS) * inst.c[k];
}

/**
 * rho(b) = clip(U(b) / V(b) - T / V(b), 0, rmax) and U(b) / V(b): the least pruning with
 * which client k meets T with b Hz (0 when pruning removes nothing, V = 0).
 */
export function pruningFor(inst: Instance, k: number, T: number, b: number): [number, number] {
  const r = (b * Math.log1p(inst.a[k] / b)) / LN2;
  const upload = inst.S / r;
  const v = prunableAt(inst, k, upload);
  const lo = rminAt(inst, k);
  if (!(v > 0)) return [lo, 1];
  let ratio = unprunedAt(inst, k, upload) / v;
  let rho = ratio - T / v;
  if (capAt(inst, k) < Infinity) {
    // With a cap, the least pruning that meets both T and the cap (MODEL.md 11.2).
    const e = capPruning(inst, k, upload);
    if (e > rho) {
      const [ue, ve] = capCoefficients(inst, k, upload);
      rho = e;
      ratio = ue / ve;
    }
  }
  const rmax = inst.rmax[k];
  return [rho < lo ? lo : rho > rmax ? rmax : rho, ratio];
}

/**
 * Client k's best bandwidth at price mu (Hz per unit pruning), written to ws. A client
 * whose G at a box end already settles the sign of G + ln mu stays at that end (no
 * evaluation: G at the ends was computed once for this T, in clientBox). The others run
 * Newton's method on G(s) = -ln mu in s = ln b inside the box [ln bLo, ln bHi], from the
 * warm start ws.s[k] (projected onto the box); at a box end G is the cached value.
 * Newton converges quadratically, so once a step falls below CLIENT_STOP the step is
 * applied and the search ends: the next one would be below rounding. logMu = -Infinity:
 * full pruning, warm start kept.
 */
export function solveClient(inst: Instance, ws: Workspace, k: number, T: number, logMu: number): void {
  const bLo = ws.bLo[k];
  const bHi = ws.bHi[k];
  ws.gs[k] = 0;
  ws.kink[k] = 0;
  if (!(bLo < bHi)) {
    // Pruning saves this client no bandwidth (rmax = rmin, or phi_c = phi_s = 0).
    ws.b[k] = bHi;
    ws.rho[k] = rminAt(inst, k);
    ws.piece[k] = ws.pieceHi[k];
    return;
  }
  const boxLo = ws.boxLo[k];
  const boxHi = ws.boxHi[k];
  if (logMu === -Infinity || ws.gLo[k] + logMu <= 0) {
    // Even full pruning's marginal saving is below the price: full pruning.
    if (logMu !== -Infinity) ws.s[k] = boxLo;
    ws.b[k] = bLo;
    ws.rho[k] = inst.rmax[k];
    ws.piece[k] = ws.pieceLo[k];
    return;
  }
  if (ws.gHi[k] + logMu >= 0) {
    // The first bit of pruning is not worth its price: the least pruning.
    ws.s[k] = boxHi;
    ws.b[k] = bHi;
    ws.rho[k] = rminAt(inst, k);
    ws.piece[k] = ws.pieceHi[k];
    return;
  }
  // The segment of the box to search, its piece, and G at its ends (MODEL.md 11.2: with a
  // kink, the side of it where the minimizer lies, or the kink itself).
  let segLo = boxLo;
  let segHi = boxHi;
  let gA = ws.gLo[k];
  let dA = ws.dLo[k];
  let gB = ws.gHi[k];
  let dB = ws.dHi[k];
  let cc = ws.ccLo[k];
  let kk = ws.kkLo[k];
  let piece = ws.pieceLo[k];
  const boxX = ws.boxX[k];
  if (boxX === boxX) {
    if (ws.gXl[k] + logMu <= 0) {
      segHi = boxX;
      gB = ws.gXl[k];
      dB = ws.dXl[k];
    } else if (ws.gXh[k] + logMu >= 0) {
      segLo = boxX;
      gA = ws.gXh[k];
      dA = ws.dXh[k];
      cc = ws.ccHi[k];
      kk = ws.kkHi[k];
      piece = ws.pieceHi[k];
    } else {
      // The kink: the marginal saving jumps across the price there.
      ws.s[k] = boxX;
      ws.b[k] = ws.bX[k];
      [ws.rho[k], ws.ratio[k]] = pruningFor(inst, k, T, ws.bX[k]);
      ws.kink[k] = 1;
      ws.piece[k] = TIME;
      return;
    }
  }
  const a = inst.a[k];
  const S = inst.S;
  const ss = inst.phiS * S;
  let lo = segLo;
  let hi = segHi;
  let s = ws.s[k];
  if (s !== s) s = segHi < Infinity ? 0.5 * (segLo + segHi) : segLo + 1;
  else if (s <= segLo) s = segLo;
  else if (s >= segHi) s = segHi;
  let gs = 0;
  for (let i = 0; i < CLIENT_STEPS; i++) {
    // At a segment end G is known; there the client is not clipped (above), so G + ln mu > 0
    // at the lower end and < 0 at the upper one.
    let g: number;
    let d: number;
    if (s === segLo) [g, d] = [gA, dA];
    else if (s === segHi) [g, d] = [gB, dB];
    else [g, d] = stationarity(a, cc, S, ss, kk, Math.exp(s));
    const phi = g + logMu;
    gs = d;
    if (phi > 0) lo = s;
    else hi = s;
    const step = phi / d;
    let next = s - step;
    if (phi === 0 || Math.abs(step) <= CLIENT_STOP * Math.max(1, Math.abs(s))) {
      if (!(next >= lo && next <= hi)) next = s;
      s = next;
      break;
    }
    if (!(next > lo && next < hi)) {
      // Leaving through a segment end not yet visited: try that end; else bisect.
      if (next <= lo && lo === segLo && s !== segLo) next = segLo;
      else if (next >= hi && hi === segHi && segHi < Infinity && s !== segHi) next = segHi;
      else next = hi < Infinity ? 0.5 * (lo + hi) : s + 2;
    }
    s = next;
  }
  ws.s[k] = s;
  ws.gs[k] = gs;
  ws.piece[k] = piece;
  const b = Math.exp(s);
  ws.b[k] = b;
  [ws.rho[k], ws.ratio[k]] = pruningFor(inst, k, T, b);
}

/** Weighted pruning sum_k w_k rho_k(lambda) and its derivative in ln lambda. */
export function priceResponse(inst: Instance, ws: Workspace, T: number, logPrice: number): [number, number] {
  let used = 0;
  let slope = 0;
  const price = Math.exp(logPrice);
  for (let k = 0; k < inst.K; k++) {
    solveClient(inst, ws, k, T, logPrice + ws.logW[k]);
    used += inst.w[k] * ws.rho[k];
    // Interior clients: d rho / d ln lambda = b / (mu dG/ds), so w d rho = b / (lambda dG/ds).
    if (ws.gs[k] !== 0) slope += ws.b[k] / (price * ws.gs[k]);
  }
  return [used, slope];
}

interface Evaluation {
  /** Certified: T < T*. */
  infeasible: boolean;
  /** sum_k b_k at the budget-meeting price: F(T) up to the budget tolerance. */
  demand: number;
  /** dF/dT at that point (negative). */
  slope: number;
}

/**
 * d b_k / dT at fixed rho: (dq/dT) / r'(b) with q = S m_s / (T - t0 - c m_c),
 * dq/dT = -q^2 / (S m_s), m_s = 1 - phi_s rho, m_c = 1 - phi_c rho.
 */
function demandSlope(inst: Instance, k: number, T: number, rho: number, b: number): number {
  const payload = payloadAt(inst, rho);
  const q = payload / uploadWindow(inst, k, rho, T);
  return -(q * q) / payload / (lnGap(inst.a[k] / b) / LN2);
}

/**
 * Bounds the rounding error of a weighted pruning sum, in units of RHO_NOISE: an interior
 * client's rho = U / V - T / V carries a few ulps of U / V + T / V; U / V = T / V + rho,
 * and T / V = ratio - rho. 1 in the model of section 2, where T <= U = V.
 */
export function rhoNoiseScale(inst: Instance, ws: Workspace): number {
  let scale = 1;
  for (let k = 0; k < inst.K; k++) if (ws.gs[k] !== 0 || ws.kink[k] !== 0) scale = Math.max(scale, ws.ratio[k] - ws.rho[k]);
  return scale;
}

/**
 * Client k's bandwidth box at T (MODEL.md sections 8, 11.2 and 12): `bLo`, the bandwidth it
 * needs at full pruning, and `bHi`, the bandwidth it needs at its least pruning rmin_k
 * (Infinity when no bandwidth suffices), each the larger of what T and its energy cap
 * need, with their logarithms, G at both ends, K, and with a cap the kink where the two
 * needs cross, into ws; returns the pruning it needs with infinite bandwidth, or undefined
 * when it cannot meet T even with infinite bandwidth at full pruning (or, T = Infinity
 * aside, its cap at all).
 */
export function clientBox(inst: Instance, ws: Workspace, k: number, T: number): number | undefined {
  const a = inst.a[k];
  const rmax = inst.rmax[k];
  const rmin = rminAt(inst, k);
  const upload = (inst.S * LN2) / a; // the upload time with infinite bandwidth
  if (!(T > latencyAt(inst, k, rmax, upload))) return undefined;
  const full = unprunedAt(inst, k, upload); // U_k with infinite bandwidth
  const least = rmin > 0 ? latencyAt(inst, k, rmin, upload) : full; // at the least pruning
  let bLo = rateInverse(a, payloadAt(inst, rmax) / uploadWindow(inst, k, rmax, T));
  let bHi = T > least ? rateInverse(a, payloadAt(inst, rmin) / uploadWindow(inst, k, rmin, T)) : Infinity;
  const kk = stationarityScale(inst, k, T);
  const cc = inst.phiC * inst.c[k];
  const ss = inst.phiS * inst.S;
  const v = prunableAt(inst, k, upload);
  let need = T < full && v > 0 ? full / v - T / v : 0;
  if (need < rmin) need = rmin;
  ws.kk[k] = kk;
  ws.pieceLo[k] = TIME;
  ws.pieceHi[k] = TIME;
  ws.ccLo[k] = cc;
  ws.kkLo[k] = kk;
  ws.ccHi[k] = cc;
  ws.kkHi[k] = kk;
  ws.boxX[k] = NaN;
  if (capAt(inst, k) < Infinity) {
    if (ws.capLo[k] !== ws.capLo[k]) {
      ws.capLo[k] = capBandwidth(inst, k, rmax);
      ws.capHi[k] = capBandwidth(inst, k, rmin);
      ws.capNeed[k] = capPruning(inst, k, upload);
      [ws.capCc[k], ws.capKk[k]] = capStationarity(inst, k);
    }
    const eLo = ws.capLo[k];
    if (!(eLo < Infinity)) return undefined;
    const eHi = ws.capHi[k];
    const eNeed = ws.capNeed[k];
    const timeNeed = need;
    if (eNeed > need) need = eNeed;
    const ccE = ws.capCc[k];
    const kkE = ws.capKk[k];
    // The constraint with the larger need binds; both infinite at the least pruning: the
    // one that needs more pruning with infinite bandwidth.
    const lowEnergy = eLo > bLo;
    const highEnergy = eHi > bHi || (eHi === Infinity && bHi === Infinity && eNeed > timeNeed);
    bLo = Math.max(bLo, eLo);
    bHi = Math.max(bHi, eHi);
    let pieceLo = lowEnergy ? ENERGY : TIME;
    let pieceHi = highEnergy ? ENERGY : TIME;
    if (pieceLo !== pieceHi && bLo < bHi) {
      // One crossing: the time window T - t0 - c (1 - phi_c rho) and the energy window
      // A(rho) (energy.ts) are both affine in rho.
      const windowT0 = uploadWindow(inst, k, 0, T);
      const [ue0] = capCoefficients(inst, k, 0);
      const windowE0 = (capAt(inst, k) - ue0) / inst.p[k];
      const slopeT = cc;
      const slopeE = ccE;
      const rhoX = (windowE0 - windowT0) / (slopeT - slopeE);
      let bX = NaN;
      if (rhoX > rmin && rhoX < rmax) {
        const window = uploadWindow(inst, k, rhoX, T);
        const bT = window > 0 ? rateInverse(a, payloadAt(inst, rhoX) / window) : Infinity;
        bX = Math.max(bT, capBandwidth(inst, k, rhoX));
      }
      if (bX > bLo && bX < bHi) {
        ws.bX[k] = bX;
        ws.boxX[k] = Math.log(bX);
      } else if (bX >= bHi || rhoX <= rmin) {
        pieceHi = pieceLo; // rounding put the crossing at the box's least pruning
      } else {
        pieceLo = pieceHi;
      }
    }
    if (pieceLo === ENERGY) [ws.ccLo[k], ws.kkLo[k]] = [ccE, kkE];
    if (pieceHi === ENERGY) [ws.ccHi[k], ws.kkHi[k]] = [ccE, kkE];
    ws.pieceLo[k] = pieceLo;
    ws.pieceHi[k] = pieceHi;
    const boxX = ws.boxX[k];
    if (boxX === boxX) {
      [ws.gXl[k], ws.dXl[k]] = stationarity(a, ws.ccLo[k], inst.S, ss, ws.kkLo[k], ws.bX[k]);
      [ws.gXh[k], ws.dXh[k]] = stationarity(a, ws.ccHi[k], inst.S, ss, ws.kkHi[k], ws.bX[k]);
    }
  }
  ws.bLo[k] = bLo;
  ws.bHi[k] = bHi;
  ws.boxLo[k] = Math.log(bLo);
  if (bLo > 0) [ws.gLo[k], ws.dLo[k]] = stationarity(a, ws.ccLo[k], inst.S, ss, ws.kkLo[k], bLo);
  if (bHi < Infinity) {
    ws.boxHi[k] = Math.log(bHi);
    if (bHi > 0) [ws.gHi[k], ws.dHi[k]] = stationarity(a, ws.ccHi[k], inst.S, ss, ws.kkHi[k], bHi);
  } else {
    ws.boxHi[k] = Infinity;
    ws.gHi[k] = -Infinity;
    ws.dHi[k] = NaN;
  }
  return need;
}

/**
 * The rounding noise in the dual value sum_k (b_k + lambda w_k rho_k). A client at a box
 * end (gs = 0) has b_k = r^{-1}(q_k), which carries a relative error of a few ulps times
 * its condition number, about 1 + 2 b_k / a_k (large for a weak client given much more
 * bandwidth than its SNR bandwidth a_k), and that error enters the value to first order.
 * An interior client's b_k minimizes its own term, so an error in b_k enters only to
 * second order: a few ulps of b_k for the sum cover it.
 */
function demandNoise(inst: Instance, b: Float64Array, gs: Float64Array): number {
  let noise = 0;
  for (let k = 0; k < inst.K; k++) noise += gs[k] === 0 ? b[k] * (1 + (2 * b[k]) / inst.a[k]) : b[k];
  return DUAL_NOISE * noise;
}

/** Decides F(T) <= B and leaves the budget-feasible primal point in ws.rho, ws.b. */
export function evaluate(inst: Instance, ws: Workspace, T: number): Evaluation {
  const { K, w, budget, B } = inst;
  let minUsed = 0; // weighted pruning needed with infinite bandwidth
  for (let k = 0; k < K; k++) {
    const rho = clientBox(inst, ws, k, T);
    if (rho === undefined) return { infeasible: true, demand: Infinity, slope: NaN };
    minUsed += w[k] * rho;
  }
  if (minUsed > budget) return { infeasible: true, demand: Infinity, slope: NaN };

  if (budget === 0) {
    // Nobody may prune: F(T) is the unpruned demand, exactly; no price is involved.
    let demand = 0;
    let slope = 0;
    for (let k = 0; k < K; k++) {
      ws.rho[k] = rminAt(inst, k);
      ws.b[k] = ws.bHi[k];
      ws.gs[k] = 0;
      ws.kink[k] = 0;
      ws.piece[k] = ws.pieceHi[k];
      demand += ws.bHi[k];
      if (ws.pieceHi[k] === TIME) slope += demandSlope(inst, k, T, ws.rho[k], ws.bHi[k]);
    }
    return { infeasible: demand - demandNoise(inst, ws.b, ws.gs) > B, demand, slope };
  }
  // Predict the price and each interior client's ln b at this T to first order from the
  // last search (at fixed b, dG/dT = phi_s / K, 1 / T in the model of section 2): Newton
  // then starts a few digits closer.
  const dT = T - ws.lastT;
  const dy = ws.priceSlope * dT;
  if (Number.isFinite(dy) && Number.isFinite(ws.logPrice)) {
    ws.logPrice += dy;
    for (let k = 0; k < K; k++) {
      if (ws.gs[k] !== 0) {
        // A client held by its cap: T does not move its G.
        const relative = ws.piece[k] === TIME ? inst.phiS * (dT / stationarityScale(inst, k, ws.lastT)) : 0;
        ws.s[k] -= (relative + dy) / ws.gs[k];
      }
    }
  }
  let used: number;
  let price = -Infinity; // ln lambda
  [used] = priceResponse(inst, ws, T, price);
  if (used > budget) {
    // The budget binds: search ln lambda, Newton safeguarded by a bracket.
    let lo = -Infinity; // used > budget here
    let hi = Infinity; // used <= budget here
    price = Number.isFinite(ws.logPrice) ? ws.logPrice : Math.log(B);
    let slope = NaN;
    let expand = 4;
    // Aim just inside the budget, so that the point found usually meets it exactly.
    const target = budget * (1 - 0.5 * BUDGET_TOL);
    for (let i = 0; i < PRICE_STEPS; i++) {
      const [u, du] = priceResponse(inst, ws, T, price);
      used = u;
      slope = du;
      if (u > budget) lo = price;
      else hi = price;
      if (Math.abs(u - target) <= 0.5 * BUDGET_TOL * budget) break;
      if (hi - lo <= 1e-15 * Math.max(1, Math.abs(price))) break;
      let next = du < 0 ? price - (u - target) / du : NaN;
      if (!(next > lo && next < hi)) {
        // Outside the bracket: expand it geometrically while it is open (a warm start
        // can be far off), else bisect.
        if (lo === -Infinity) next = price - expand;
        else if (hi === Infinity) next = price + expand;
        else next = 0.5 * (lo + hi);
        if (lo === -Infinity || hi === Infinity) expand *= 2;
      }
      price = next;
    }
    // The primal point must meet the budget exactly, not up to the tolerance: a tiny
    // budget's tolerance can be worth a lot of latency to a client of tiny weight.
    // Raise the price by the excess over the slope (at least 2 ulps, doubling) until
    // it does: past the bracket's upper end if need be, since rounding can put the
    // re-evaluated sum a few ulps above the budget there.
    let step = 0;
    for (let i = 0; used > budget && i < NUDGES; i++) {
      step = Math.max(2 * step, slope < 0 ? (budget - used) / slope : 0, NUDGE * Math.max(Math.abs(price), 1));
      // Not a rounding excess: the budget cannot be met at this T with a finite
      // bandwidth, and no point is taken from it.
      if (step > MAX_NUDGE) break;
      price += step;
      const [u, du] = priceResponse(inst, ws, T, price);
      used = u;
      if (du < 0) slope = du;
    }
    ws.logPrice = price;
    // d ln(lambda)/dT = -U_T / U_y with U_y = slope and, over the interior clients,
    // U_T = -sum w / V + sum (b / (lambda dG/ds)) phi_s / K: d rho/dT at fixed lambda is
    // -1 / V directly, plus the move of b (dG/dT = phi_s / K at fixed b). With
    // T / V = ratio - rho and cross = sum (b / (lambda dG/ds)) (phi_s T / K - 1), which
    // is exactly 0 in the model of section 2 (where T / V = 1 - rho), T U_T = slope +
    // cross - interior.
    const lambda = Math.exp(price);
    let interior = 0;
    let cross = 0;
    for (let k = 0; k < K; k++) {
      if (ws.gs[k] !== 0) {
        if (ws.piece[k] === TIME) {
          interior += w[k] * (ws.ratio[k] - ws.rho[k]);
          const scale = (inst.phiS * T) / stationarityScale(inst, k, T);
          cross += (ws.b[k] / (lambda * ws.gs[k])) * (scale - 1);
        } else {
          // Held by its cap, the client's pruning does not depend on T.
          cross -= ws.b[k] / (lambda * ws.gs[k]);
        }
      }
    }
    ws.lastT = T;
    ws.priceSlope = (interior / slope - 1 - cross / slope) / T;
  }
  let demand = 0;
  let slope = 0;
  // Weight of the clients whose rho is computed (U / V - T / V, a few ulps off); at a
  // bound rho is exactly 0 or rmax.
  let loose = 0;
  for (let k = 0; k < K; k++) {
    demand += ws.b[k];
    // A client held by its cap needs the same bandwidth whatever T.
    if (ws.piece[k] === TIME) slope += demandSlope(inst, k, T, ws.rho[k], ws.b[k]);
    if (ws.gs[k] !== 0 || ws.kink[k] !== 0) loose += w[k];
  }
  // Weak duality: sum_k min_rho (b_k + lambda w_k rho_k) - lambda budget <= F(T).
  const lambda = Math.exp(price);
  const dual = demand + (lambda > 0 ? lambda * (used - budget) : 0);
  // Each computed rho carries a rounding error of a few ulps, and so does the sum
  // used - budget; the price magnifies both. Only a dual value clear of that noise
  // certifies infeasibility. (A huge price comes from a client of tiny weight, so the
  // noise is weighted: lambda times the whole weight would swamp the certificate.)
  const noise = demandNoise(inst, ws.b, ws.gs) + (lambda > 0 ? RHO_NOISE * rhoNoiseScale(inst, ws) * lambda * (loose + used + budget) : 0);
  return { infeasible: dual - noise > B, demand, slope };
}

/**
 * The caps-only problem (MODEL.md 11.2): F_E(inf) = min sum_k r^-1(q_E,k(rho_k)) over the box
 * and the budget, each capped client's need for its cap alone, solved by `evaluate` at
 * T = Infinity (the time piece needs nothing there; an uncapped client is fixed at rmin with
 * no bandwidth). Returns the minimizing pruning, or undefined when no point meets every
 * cap: F_E(inf) > B certified by the dual value, the caps' least pruning with unlimited band
 * over the budget, or floors at the minimizer that use the whole band (no split of B gives
 * every client a positive share). The caller has checked every client's cap condition
 * (energy.ts `unreachableCaps`) and the least pruning against the budget.
 */
export function capFeasibility(inst: Instance): Float64Array | undefined {
  if (!hasCaps(inst)) return inst.rmin.length === 0 ? new Float64Array(inst.K) : Float64Array.from(inst.rmin);
  const ws = new Workspace(inst.K, inst.w);
  const ev = evaluate(inst, ws, Infinity);
  if (ev.infeasible || !(weighted(inst.w, ws.rho) <= inst.budget)) return undefined;
  const floor = new Float64Array(inst.K);
  if (bandwidthFloors(inst, ws.rho, floor).length > 0 || !(total(floor) <= inst.B)) return undefined;
  return Float64Array.from(ws.rho);
}

/**
 * Minimizes the round latency exactly. `start` is a feasible point (pruning, bandwidth)
 * whose latency opens the bracket; `tolerance` is the relative bracket width to reach.
 */
export function optimal(
  inst: Instance,
  start: { pruning: Float64Array; bandwidth: Float64Array; latency: number },
  tolerance: number,
  maxIterations: number,
): OptimalResult {
  const { K, a, S, rmax, B } = inst;
  const ws = new Workspace(K, inst.w);
  const pruning = Float64Array.from(start.pruning);
  const bandwidth = Float64Array.from(start.bandwidth);
  let hi = start.latency;
  // Infinite bandwidth and full pruning still leave client k its latency at rmax_k with
  // the upload time S ln2 / a_k ((1 - rmax_k) U_k(inf) in the model of section 2).
  let lo = 0;
  for (let k = 0; k < K; k++) lo = Math.max(lo, latencyAt(inst, k, rmax[k], (S * LN2) / a[k]));
  // Where F(T) has its pole: the outer Newton's coordinate is ln(T - pole).
  const pole = lo;

  const scratch = new Float64Array(K);
  const capped = hasCaps(inst);
  const floor = new Float64Array(capped ? K : 0);
  let T = hi;
  let iterations = 0;
  const steer = Math.max(tolerance, STEER);
  let converged = hi - lo <= tolerance * hi;
  let stalled = 0;
  while (!converged && iterations < maxIterations) {
    iterations++;
    const ev = evaluate(inst, ws, T);
    const loBefore = lo;
    const hiBefore = hi;
    if (ev.infeasible) lo = Math.max(lo, T);
    if (Number.isFinite(ev.demand) && weighted(inst.w, ws.rho) <= inst.budget) {
      // A feasible point from this T: its bandwidth rescaled onto the band (down when T
      // is infeasible, which lengthens the round a little; up when it is feasible).
      let moved = true;
      if (capped && ev.demand > B) {
        // With caps a point over the band is moved down onto it keeping every client's cap
        // floor at its pruning (an interior client on its cap's piece has b within ulps of
        // its floor); scaling up keeps them anyway.
        bandwidthFloors(inst, ws.rho, floor);
        for (let k = 0; k < K; k++) scratch[k] = ws.b[k] > floor[k] ? ws.b[k] : floor[k];
        moved = ontoBand(inst, floor, scratch);
      } else {
        const scale = B / ev.demand;
        for (let k = 0; k < K; k++) scratch[k] = ws.b[k] * scale;
      }
      const T1 = moved ? roundLatency(inst, ws.rho, scratch) : Infinity;
      if (T1 < hi) {
        hi = T1;
        pruning.set(ws.rho);
        bandwidth.set(scratch);
      }
    }
    converged = hi - lo <= tolerance * hi;
    stalled = lo === loBefore && hi === hiBefore ? stalled + 1 : 0;
    if (converged || stalled >= STAGNATION) break;
    // Newton's method on ln F = ln B in y = ln(T - pole): F grows like 1 / (T - pole) near
    // the pole and falls like a power of T far from it, straight lines in (y, ln F), so the
    // step lands within a few digits from the start and then converges quadratically.
    let next = NaN;
    if (Number.isFinite(ev.demand) && ev.slope < 0) {
      next = pole + (T - pole) * Math.exp(-Math.log(ev.demand / B) / (((T - pole) * ev.slope) / ev.demand));
      // Once a feasible T's step is below sqrt(tolerance), the new estimate is within about
      // tolerance^2 of the root: aim a quarter tolerance left of it, where the dual
      // certifies the lower bound and the rescaled point closes the bracket in the same
      // evaluation.
      if (!ev.infeasible && Math.abs((next - T) / T) <= Math.sqrt(steer)) next -= 0.25 * steer * next;
    }
    // When this T moved neither end and Newton's step is below the tolerance, halve
    // the side of T where the root seems to lie (F very convex, a client whose rate is
    // saturated: the tangent's step rounds back onto T, and T's infeasibility is
    // within rounding noise of the dual, so it cannot be certified; at T = hi the
    // demand's own noise can put it above B). Bisect when Newton leaves the bracket.
    if (lo === loBefore && hi === hiBefore && Math.abs(next - T) <= 0.5 * steer * T) {
      const right = 0.5 * (T + hi);
      const left = 0.5 * (lo + T);
      next = ev.demand > B && right > T && right < hi ? right : left > lo && left < T ? left : 0.5 * (lo + hi);
    } else if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    // Near the optimum Newton's steps shrink below the tolerance while the bracket stays
    // open on one side: probe just inside the far end so the bracket closes.
    const probe = 0.5 * steer * hi;
    if (next - lo < probe) next = Math.min(lo + probe, 0.5 * (lo + hi));
    else if (hi - next < probe) next = Math.max(hi - probe, 0.5 * (lo + hi));
    // A T whose evaluation moved neither end (its demand within rounding noise of B, its
    // rescaled point no better) would be evaluated again to the same effect, forever:
    // bisect instead.
    if (next === T && lo === loBefore && hi === hiBefore) next = 0.5 * (lo + hi);
    T = next;
  }
  return { latency: hi, pruning, bandwidth, lowerBound: lo, upperBound: hi, iterations, converged };
}
