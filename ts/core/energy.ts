/**
 * Energy caps and minimum pruning (MODEL.md sections 11.2 and 12): each client's energy
 * in a round, its cap condition, and the floors the caps put under the two blocks.
 * crates/jcpba-core/src/energy.rs mirrors this module name for name.
 *
 * Client k spends E_k(rho, b) = E0_k + e_k c_k (1 - phi_c rho) + p_k S (1 - phi_s rho) / r_k(b)
 * joules in a round. Dividing by p_k puts the cap in the form of a deadline: the upload
 * S (1 - phi_s rho) / r_k(b) may take at most
 *
 *     A_k(rho) = (Ebar_k - E0_k - e_k c_k (1 - phi_c rho)) / p_k   seconds,
 *
 * which is section 8's time window T - t0_k - c_k (1 - phi_c rho) with T, t0_k, c_k
 * replaced by Ebar_k / p_k, E0_k / p_k, e_k c_k / p_k. So every formula of the latency
 * constraint has an energy twin: block A's floor rho_E,k(b) (the least pruning that meets
 * the cap with b Hz), block B's floor r^-1(q_E(rho)) (the least bandwidth that meets it at
 * pruning rho), and `optimal`'s second piece.
 *
 * A point meets client k's cap when its energy, as `energyAt` computes it, is at most
 * Ebar_k (1 + CAP_SLACK) (the accuracy contract's 1e-12, MODEL.md section 6). The floors
 * are built to meet the cap without the slack where rounding allows.
 */
import { type Instance, capAt, payloadAt, rminAt } from './problem.js';
import { LN2, rate, rateInverse } from './rate.js';

/** Relative slack of the cap check: a returned point meets every cap to 1e-12 relative. */
export const CAP_SLACK = 1e-12;
/** Steps of the searches that move a floor by ulps until the cap is met as computed. */
const NUDGES = 8;
/** 2^-51: a relative step that always moves a double by at least one ulp. */
const NUDGE = 4.440892098500626e-16;

/**
 * E_k = E0_k + e_k c_k (1 - phi_c rho) + p_k upload (1 - phi_s rho), J, when the upload of
 * the unpruned update takes `upload` = S / r_k(b) seconds.
 */
export function energyAt(inst: Instance, k: number, rho: number, upload: number): number {
  const e0 = inst.e0.length === 0 ? 0 : inst.e0[k];
  const e = inst.e.length === 0 ? 0 : inst.e[k];
  return e0 + e * inst.c[k] * (1 - inst.phiC * rho) + inst.p[k] * upload * (1 - inst.phiS * rho);
}

/** E_k at pruning rho and b Hz, J. */
export function clientEnergy(inst: Instance, k: number, rho: number, b: number): number {
  return energyAt(inst, k, rho, inst.S / rate(inst.a[k], b));
}

/** Whether `energy` meets client k's cap, to CAP_SLACK relative (always, uncapped). */
export function meetsCap(inst: Instance, k: number, energy: number): boolean {
  const cap = capAt(inst, k);
  return cap === Infinity || energy <= cap + CAP_SLACK * cap;
}

/** The clients (ascending) whose cap the point (rho, b) breaks. */
export function brokenCaps(inst: Instance, rho: Float64Array, b: Float64Array): number[] {
  const out: number[] = [];
  if (inst.cap.length === 0) return out;
  for (let k = 0; k < inst.K; k++) if (!meetsCap(inst, k, clientEnergy(inst, k, rho[k], b[k]))) out.push(k);
  return out;
}

/**
 * Client k's cap condition (MODEL.md 11.2): it can meet its cap at all, i.e. at full
 * pruning with unlimited band, E0 + e c (1 - phi_c rmax) + p S (1 - phi_s rmax) ln 2 / a
 * < Ebar (strict: the rate only tends to a / ln 2).
 */
export function capReachable(inst: Instance, k: number): boolean {
  const cap = capAt(inst, k);
  return cap === Infinity || energyAt(inst, k, inst.rmax[k], (inst.S * LN2) / inst.a[k]) < cap;
}

/** The clients (ascending) that fail their cap condition: no point of any method meets their cap. */
export function unreachableCaps(inst: Instance): number[] {
  const out: number[] = [];
  if (inst.cap.length === 0) return out;
  for (let k = 0; k < inst.K; k++) if (!capReachable(inst, k)) out.push(k);
  return out;
}

/** sum_k w_k rmin_k in client order (the order of every budget check): above the budget, no point exists. */
export function minimumPruning(inst: Instance): number {
  if (inst.rmin.length === 0) return 0;
  let sum = 0;
  for (let k = 0; k < inst.K; k++) sum += inst.w[k] * inst.rmin[k];
  return sum;
}

/**
 * A_k(rho) = (Ebar_k - E0_k - e_k c_k (1 - phi_c rho)) / p_k: the longest upload of the
 * unpruned update's share S (1 - phi_s rho) the cap allows, s (Infinity uncapped; <= 0:
 * the cap is spent before the upload starts).
 */
export function uploadAllowance(inst: Instance, k: number, rho: number): number {
  const cap = capAt(inst, k);
  if (cap === Infinity) return Infinity;
  const e0 = inst.e0.length === 0 ? 0 : inst.e0[k];
  const e = inst.e.length === 0 ? 0 : inst.e[k];
  return (cap - e0 - e * inst.c[k] * (1 - inst.phiC * rho)) / inst.p[k];
}

/**
 * Block B's floor (MODEL.md 11.2): r_k^-1(q_E(rho)), q_E = S (1 - phi_s rho) / A_k(rho), the
 * least bandwidth with which client k meets its cap at pruning rho, Hz; 0 uncapped,
 * Infinity when no bandwidth suffices (E_k(rho, inf) >= Ebar_k, as energyAt computes it). Moved up by ulps until the energy as computed meets
 * the cap (the rate inverse is a few ulps off, times its condition number 1 + 2 b / a).
 */
export function capBandwidth(inst: Instance, k: number, rho: number): number {
  const allowance = uploadAllowance(inst, k, rho);
  if (allowance === Infinity) return 0;
  // The cap condition at rho (capReachable's at rmax), decided as it decides it, so that a
  // cap at its threshold is out of reach here too whatever the rate inverse rounds to.
  if (!(allowance > 0) || !(energyAt(inst, k, rho, (inst.S * LN2) / inst.a[k]) < capAt(inst, k))) return Infinity;
  let b = rateInverse(inst.a[k], payloadAt(inst, rho) / allowance);
  if (!(b < Infinity)) return Infinity;
  const cap = capAt(inst, k);
  let step = 0;
  for (let i = 0; i < NUDGES && clientEnergy(inst, k, rho, b) > cap; i++) {
    step = Math.max(2 * step, NUDGE * b);
    b += step;
  }
  return b;
}

/**
 * UE = E0 + e c + p upload, client k's energy unpruned, and VE = phi_c e c + phi_s p upload,
 * what a whole unit of pruning saves (E = UE - VE rho), J, when its unpruned upload takes
 * `upload` s: the energy twins of block A's U_k and V_k.
 */
export function capCoefficients(inst: Instance, k: number, upload: number): [number, number] {
  const e0 = inst.e0.length === 0 ? 0 : inst.e0[k];
  const ec = (inst.e.length === 0 ? 0 : inst.e[k]) * inst.c[k];
  const pu = inst.p[k] * upload;
  return [e0 + ec + pu, inst.phiC * ec + inst.phiS * pu];
}

/**
 * The cap as a round model of section 8 (module comment): `optimal`'s second piece is the
 * latency piece of a client with c' = e c / p and t0' = E0 / p meeting T' = Ebar / p.
 * Returns [phi_c c', K'] with K' = phi_s (T' - t0') + (phi_c - phi_s) c', the `cc` and `kk`
 * of optimal.ts `stationarity` (K' > 0 when the cap condition holds).
 */
export function capStationarity(inst: Instance, k: number): [number, number] {
  const p = inst.p[k];
  const e0 = inst.e0.length === 0 ? 0 : inst.e0[k];
  const ec = ((inst.e.length === 0 ? 0 : inst.e[k]) * inst.c[k]) / p;
  return [inst.phiC * ec, inst.phiS * ((capAt(inst, k) - e0) / p) + (inst.phiC - inst.phiS) * ec];
}

/**
 * Block A's floor (MODEL.md 11.2): the least pruning with which client k meets its cap when
 * its unpruned upload takes `upload` s, rho_E = (UE - Ebar) / VE with UE = E0 + e c + p upload
 * (the energy unpruned) and VE = phi_c e c + phi_s p upload (what a whole unit of pruning
 * saves); -Infinity when uncapped or when the cap holds unpruned with nothing to prune,
 * Infinity when nothing prunable meets it. Moved up by ulps until the energy as computed
 * meets the cap; it may exceed rmax_k (the cap cannot be met at this bandwidth).
 */
export function capPruning(inst: Instance, k: number, upload: number): number {
  const cap = capAt(inst, k);
  if (cap === Infinity) return -Infinity;
  const [ue, ve] = capCoefficients(inst, k, upload);
  if (!(ve > 0)) return ue <= cap ? -Infinity : Infinity;
  let rho = ue / ve - cap / ve;
  if (!(rho < 1)) return rho;
  let step = 0;
  for (let i = 0; i < NUDGES && energyAt(inst, k, rho, upload) > cap; i++) {
    step = Math.max(2 * step, NUDGE * Math.max(Math.abs(rho), NUDGE));
    rho += step;
  }
  return rho;
}

/**
 * Block A's floors at bandwidth b: max(rmin_k, rho_E,k(b_k)) to `floors`; returns the clients
 * (ascending) whose floor exceeds rmax_k (their cap cannot be met at b within the box).
 */
export function pruningFloors(inst: Instance, b: Float64Array, floors: Float64Array): number[] {
  const out: number[] = [];
  for (let k = 0; k < inst.K; k++) {
    const lo = rminAt(inst, k);
    const e = capAt(inst, k) === Infinity ? -Infinity : capPruning(inst, k, inst.S / rate(inst.a[k], b[k]));
    floors[k] = e > lo ? e : lo;
    if (floors[k] > inst.rmax[k]) out.push(k);
  }
  return out;
}

/**
 * Block B's floors at pruning rho: r^-1(q_E(rho_k)) to `floors` (0 uncapped); returns the
 * clients (ascending) whose cap no bandwidth meets at that pruning.
 */
export function bandwidthFloors(inst: Instance, rho: Float64Array, floors: Float64Array): number[] {
  const out: number[] = [];
  for (let k = 0; k < inst.K; k++) {
    floors[k] = capBandwidth(inst, k, rho[k]);
    if (floors[k] === Infinity) out.push(k);
  }
  return out;
}

/** The sum of a column in client order. */
export function total(x: Float64Array): number {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k];
  return s;
}

/**
 * Moves a split `b` onto the band: up by plain scaling (which keeps every floor), down (a
 * split over the band) by shrinking only the bandwidth above the floors, so that every cap
 * stays met (`floor` undefined: plain scaling both ways). Returns false, b untouched, when
 * the floors alone use more than the band. A split over the band by less than the rounding
 * of `sum - F` gives a factor of exactly 1: it is on the band to rounding and is kept as it
 * is (refusing it threw away block B's optimum for its start: energy.rs onto_band).
 */
export function ontoBand(inst: Instance, floor: Float64Array | undefined, b: Float64Array): boolean {
  const B = inst.B;
  const sum = total(b);
  if (floor === undefined || !(sum > B)) {
    const scale = B / sum;
    for (let k = 0; k < inst.K; k++) b[k] *= scale;
    return true;
  }
  const F = total(floor);
  const scale = (B - F) / (sum - F);
  if (!(scale >= 0 && scale <= 1)) return false;
  for (let k = 0; k < inst.K; k++) b[k] = floor[k] + (b[k] - floor[k]) * scale;
  return true;
}

/**
 * The floors and an equal share of the band they leave, to `out` (a start that meets every
 * cap; the caller makes sure the floors fit in the band).
 */
export function spreadOver(inst: Instance, floors: Float64Array, out: Float64Array): void {
  const F = total(floors);
  const share = Math.max(inst.B - F, 0) / inst.K;
  for (let k = 0; k < inst.K; k++) out[k] = floors[k] + share;
}
