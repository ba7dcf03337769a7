/**
 * The per-round problem P (MODEL.md section 2): its JSON forms, parsing, validation,
 * and the derived per-client constants every method uses.
 */
import { FRACTION, JcpbaError, POSITIVE, invalidField } from './error.js';

/** One client, as in the row form of the problem JSON (SI units). */
export interface ClientInput {
  /** c_k, s: one local update on the unpruned model. */
  computeSeconds: number;
  /** p_k, W. */
  txPowerW: number;
  /** g_k, linear power gain (path loss x fading). */
  channelGain: number;
  /** w_k > 0, e.g. the sample count; normalized to sum 1 internally. */
  dataWeight: number;
  /** rmax_k in [0, 1). */
  maxPruning: number;
}

export type ClientColumns = { [K in keyof ClientInput]: ArrayLike<number> };

/** The problem JSON: clients as rows or as columns; noise PSD in dBm/Hz or W/Hz. */
export interface ProblemInput {
  bandwidthHz: number;
  noisePsdDbmPerHz?: number;
  noisePsdWPerHz?: number;
  payloadBits: number;
  pruningBudget: number;
  clients: ClientInput[] | ClientColumns;
}

/** The canonical, columnar form every backend takes. */
export interface Problem {
  bandwidthHz: number;
  noisePsdWPerHz: number;
  payloadBits: number;
  pruningBudget: number;
  computeSeconds: Float64Array;
  txPowerW: Float64Array;
  channelGain: Float64Array;
  dataWeight: Float64Array;
  maxPruning: Float64Array;
}

export const CLIENT_FIELDS = ['computeSeconds', 'txPowerW', 'channelGain', 'dataWeight', 'maxPruning'] as const;
export type ClientField = (typeof CLIENT_FIELDS)[number];

export function dbmToWatts(dbm: number): number {
  return 10 ** ((dbm - 30) / 10);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v).slice(0, 40)}` : typeof v;
}

function scalar(obj: Record<string, unknown>, field: string): number {
  const v = obj[field];
  if (v === undefined) throw new JcpbaError('invalid-input', `${field} is missing`, field);
  if (typeof v !== 'number') throw new JcpbaError('invalid-input', `${field} must be a number (got ${describe(v)})`, field);
  return v;
}

function isProblem(x: unknown): x is Problem {
  return typeof x === 'object' && x !== null && (x as Problem).computeSeconds instanceof Float64Array;
}

/**
 * Turns a problem in any accepted form (row or columnar JSON, or an already canonical
 * Problem) into the canonical columnar form, then validates it. Throws JcpbaError.
 */
export function toProblem(input: unknown): Problem {
  const problem = isProblem(input) ? input : parseShape(input);
  validateProblem(problem);
  return problem;
}

/**
 * The canonical form of a problem without the numeric checks: the compiled backends make
 * those themselves (with the same messages), so they are not done twice.
 */
export function toProblemShape(input: unknown): Problem {
  return isProblem(input) ? input : parseShape(input);
}

function parseShape(input: unknown): Problem {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new JcpbaError('invalid-input', `problem must be a JSON object (got ${describe(input)})`, 'problem');
  }
  const obj = input as Record<string, unknown>;
  const bandwidthHz = scalar(obj, 'bandwidthHz');
  let noisePsdWPerHz: number;
  if (obj.noisePsdWPerHz !== undefined && obj.noisePsdDbmPerHz !== undefined) {
    throw new JcpbaError('invalid-input', 'give only one of noisePsdWPerHz and noisePsdDbmPerHz', 'noisePsdWPerHz');
  } else if (obj.noisePsdWPerHz !== undefined) {
    noisePsdWPerHz = scalar(obj, 'noisePsdWPerHz');
  } else if (obj.noisePsdDbmPerHz !== undefined) {
    const dbm = scalar(obj, 'noisePsdDbmPerHz');
    if (!Number.isFinite(dbm)) throw new JcpbaError('invalid-input', 'noisePsdDbmPerHz must be a finite number', 'noisePsdDbmPerHz');
    noisePsdWPerHz = dbmToWatts(dbm);
  } else {
    throw new JcpbaError('invalid-input', 'noisePsdDbmPerHz (or noisePsdWPerHz) is missing', 'noisePsdDbmPerHz');
  }
  const payloadBits = scalar(obj, 'payloadBits');
  const pruningBudget = scalar(obj, 'pruningBudget');
  const clients = obj.clients;
  if (clients === undefined) throw new JcpbaError('invalid-input', 'clients is missing', 'clients');
  const cols = Array.isArray(clients) ? rowsToColumns(clients) : columns(clients);
  return { bandwidthHz, noisePsdWPerHz, payloadBits, pruningBudget, ...cols };
}

function rowsToColumns(rows: unknown[]): Pick<Problem, ClientField> {
  const K = rows.length;
  const out = {} as Pick<Problem, ClientField>;
  for (const f of CLIENT_FIELDS) out[f] = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const row = rows[k];
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new JcpbaError('invalid-input', `clients[${k}] must be an object (got ${describe(row)})`, `clients[${k}]`, k);
    }
    for (const f of CLIENT_FIELDS) {
      const v = (row as Record<string, unknown>)[f];
      const name = `clients[${k}].${f}`;
      if (v === undefined) throw new JcpbaError('invalid-input', `${name} is missing`, name, k);
      if (typeof v !== 'number') throw new JcpbaError('invalid-input', `${name} must be a number (got ${describe(v)})`, name, k);
      out[f][k] = v;
    }
  }
  return out;
}

function columns(clients: unknown): Pick<Problem, ClientField> {
  if (typeof clients !== 'object' || clients === null) {
    throw new JcpbaError('invalid-input', `clients must be an array of clients or an object of columns (got ${describe(clients)})`, 'clients');
  }
  const obj = clients as Record<string, unknown>;
  const out = {} as Pick<Problem, ClientField>;
  for (const f of CLIENT_FIELDS) {
    const col = obj[f];
    const name = `clients.${f}`;
    if (col === undefined) throw new JcpbaError('invalid-input', `${name} is missing`, name);
    if (col instanceof Float64Array) {
      out[f] = col;
      continue;
    }
    if (!Array.isArray(col) && !ArrayBuffer.isView(col)) {
      throw new JcpbaError('invalid-input', `${name} must be an array of numbers (got ${describe(col)})`, name);
    }
    const arr = col as ArrayLike<unknown>;
    const f64 = new Float64Array(arr.length);
    for (let k = 0; k < arr.length; k++) {
      const v = arr[k];
      if (typeof v !== 'number') {
        const at = `clients[${k}].${f}`;
        throw new JcpbaError('invalid-input', `${at} must be a number (got ${describe(v)})`, at, k);
      }
      f64[k] = v;
    }
    out[f] = f64;
  }
  return out;
}

const isPositive = (v: number) => Number.isFinite(v) && v > 0;
const isFraction = (v: number) => Number.isFinite(v) && v >= 0 && v < 1;

/** Numeric validation, in the order and with the messages of docs/CORE_API.md. */
export function validateProblem(p: Problem): void {
  if (!isPositive(p.bandwidthHz)) throw invalidField('bandwidthHz', POSITIVE);
  if (!isPositive(p.noisePsdWPerHz)) throw invalidField('noisePsdWPerHz', POSITIVE);
  if (!isPositive(p.payloadBits)) throw invalidField('payloadBits', POSITIVE);
  if (!isFraction(p.pruningBudget)) throw invalidField('pruningBudget', FRACTION);
  const K = p.computeSeconds.length;
  if (K === 0) throw new JcpbaError('invalid-input', 'clients must hold at least one client (K = 0)', 'clients');
  for (const f of CLIENT_FIELDS) {
    if (p[f].length !== K) {
      throw new JcpbaError('invalid-input', `clients.${f} has ${p[f].length} entries but clients.computeSeconds has ${K}`, `clients.${f}`);
    }
  }
  for (let k = 0; k < K; k++) {
    if (!isPositive(p.computeSeconds[k])) throw invalidField('computeSeconds', POSITIVE, k);
    if (!isPositive(p.txPowerW[k])) throw invalidField('txPowerW', POSITIVE, k);
    if (!isPositive(p.channelGain[k])) throw invalidField('channelGain', POSITIVE, k);
    if (!isPositive(p.dataWeight[k])) throw invalidField('dataWeight', POSITIVE, k);
    if (!isFraction(p.maxPruning[k])) throw invalidField('maxPruning', FRACTION, k);
    // Each input can be valid while the SNR bandwidth a_k = p g / N0 over- or
    // underflows; every method divides by it.
    if (!isPositive((p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz)) {
      const field = `clients[${k}].channelGain`;
      throw new JcpbaError('invalid-input', `clients[${k}]: txPowerW x channelGain / noisePsdWPerHz must be a positive finite number of Hz`, field, k);
    }
  }
  let weightSum = 0;
  for (let k = 0; k < K; k++) weightSum += p.dataWeight[k];
  if (!Number.isFinite(weightSum)) throw new JcpbaError('invalid-input', 'clients.dataWeight must have a finite sum', 'clients.dataWeight');
  checkScales(p, weightSum);
}

/** The representable range (MODEL.md section 2.1): every scale of the problem in [SCALE_MIN, SCALE_MAX]. */
export const SCALE_MIN = 1e-50;
export const SCALE_MAX = 1e50;
const inScale = (x: number) => x >= SCALE_MIN && x <= SCALE_MAX;
const RANGE = 'must be in [1e-50, 1e50] (the representable range, MODEL.md 2.1)';

/**
 * Rejects problems whose scales double precision cannot carry through the methods: the
 * band B, the time S / B, and per client the dimensionless a_k / B, c_k B / S and
 * w_k / sum w. Within [1e-50, 1e50] each, every quantity a method forms (a product of
 * a few of them) stays far inside the normal range of a double.
 */
function checkScales(p: Problem, weightSum: number): void {
  const B = p.bandwidthHz;
  const S = p.payloadBits;
  if (!inScale(B)) throw new JcpbaError('invalid-input', `bandwidthHz ${RANGE}`, 'bandwidthHz');
  if (!inScale(S / B)) throw new JcpbaError('invalid-input', `payloadBits / bandwidthHz ${RANGE}`, 'payloadBits');
  for (let k = 0; k < p.computeSeconds.length; k++) {
    const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
    const checks: [string, number, string][] = [
      ['computeSeconds', (p.computeSeconds[k] * B) / S, 'computeSeconds x bandwidthHz / payloadBits'],
      ['channelGain', a / B, 'txPowerW x channelGain / noisePsdWPerHz / bandwidthHz'],
      // At most 1, so only the lower end can fail.
      ['dataWeight', p.dataWeight[k] / weightSum, 'dataWeight / sum of dataWeight'],
    ];
    for (const [name, value, what] of checks) {
      if (!inScale(value)) throw new JcpbaError('invalid-input', `clients[${k}]: ${what} ${RANGE}`, `clients[${k}].${name}`, k);
    }
    // A client's latency scales with 1 - rho, which a double holds to an absolute 1e-16:
    // near rho = 1 that is a large relative error.
    // (maxPruning passed its own check above, so it is finite.)
    if (1 - p.maxPruning[k] < KEEP_MIN) {
      throw new JcpbaError(
        'invalid-input',
        `clients[${k}]: 1 - maxPruning must be at least 1e-6 (the representable range, MODEL.md 2.1)`,
        `clients[${k}].maxPruning`,
        k,
      );
    }
  }
}

/** The least 1 - rmax_k of the representable range: rho is held to an absolute 1e-16, so 1 - rho (and the latency) to a relative 1e-10 at worst. */
export const KEEP_MIN = 1e-6;

/** The problem in the row JSON form (for printing). */
export function toJson(p: Problem, columnar = false): ProblemInput & { noisePsdWPerHz: number } {
  const K = p.computeSeconds.length;
  const clients = columnar
    ? (Object.fromEntries(CLIENT_FIELDS.map((f) => [f, Array.from(p[f])])) as unknown as ClientColumns)
    : Array.from({ length: K }, (_, k) => Object.fromEntries(CLIENT_FIELDS.map((f) => [f, p[f][k]])) as unknown as ClientInput);
  return {
    bandwidthHz: p.bandwidthHz,
    noisePsdWPerHz: p.noisePsdWPerHz,
    payloadBits: p.payloadBits,
    pruningBudget: p.pruningBudget,
    clients,
  };
}

/**
 * Derived constants of a validated problem: a_k = p_k g_k / N0 (Hz) and the weights
 * normalized to sum 1.
 */
export interface Instance {
  K: number;
  B: number;
  S: number;
  budget: number;
  c: Float64Array;
  a: Float64Array;
  w: Float64Array;
  rmax: Float64Array;
}

export function instance(p: Problem): Instance {
  const K = p.computeSeconds.length;
  const a = new Float64Array(K);
  const w = new Float64Array(K);
  let wsum = 0;
  for (let k = 0; k < K; k++) wsum += p.dataWeight[k];
  for (let k = 0; k < K; k++) {
    a[k] = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
    w[k] = p.dataWeight[k] / wsum;
  }
  return { K, B: p.bandwidthHz, S: p.payloadBits, budget: p.pruningBudget, c: p.computeSeconds, a, w, rmax: p.maxPruning };
}
