/**
 * What a returned point costs (MODEL.md section 11.1): each client's energy per round,
 * and the communication and computation overheads. Computed from the point alone, for
 * every method; mirrors crates/jcpba-core/src/accounting.rs.
 */
import { type Instance, payloadAt } from './problem.js';
import { rate } from './rate.js';

/** E_k(rho, b) = E0_k + e_k c_k (1 - phi_c rho) + p_k S (1 - phi_s rho) / r_k(b), J. */
export function clientEnergy(inst: Instance, k: number, rho: number, b: number): number {
  const upload = inst.S / rate(inst.a[k], b);
  const compute = inst.e.length > 0 ? inst.e[k] * inst.c[k] * (1 - inst.phiC * rho) : 0;
  const fixed = inst.e0.length > 0 ? inst.e0[k] : 0;
  return fixed + compute + inst.p[k] * (upload * (1 - inst.phiS * rho));
}

/** The accounting of one point, in client order. */
export interface Accounting {
  /** E_k per client, J. */
  energy: Float64Array;
  /** sum_k E_k, J. */
  energyTotal: number;
  /** max_k E_k, J. */
  energyMax: number;
  /** sum_k S (1 - phi_s rho_k), bits. */
  uploadBits: number;
  /** sum_k c_k (1 - phi_c rho_k), device-seconds. */
  computeSeconds: number;
}

/** The accounting of the point (rho, b); sums run in client order (the same doubles in every backend). */
export function accounting(inst: Instance, rho: ArrayLike<number>, b: ArrayLike<number>): Accounting {
  const energy = new Float64Array(inst.K);
  let total = 0;
  let max = 0;
  let bits = 0;
  let seconds = 0;
  for (let k = 0; k < inst.K; k++) {
    const e = clientEnergy(inst, k, rho[k], b[k]);
    energy[k] = e;
    total += e;
    if (e > max) max = e;
    bits += payloadAt(inst, rho[k]);
    seconds += inst.c[k] * (1 - inst.phiC * rho[k]);
  }
  return { energy, energyTotal: total, energyMax: max, uploadBits: bits, computeSeconds: seconds };
}
