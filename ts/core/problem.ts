/**
 * The per-round problem P (MODEL.md sections 2 and 8): its JSON forms, parsing,
 * validation, and the derived per-client constants every method uses.
 */
import { CLOSED_FRACTION, FRACTION, JcpbaError, NON_NEGATIVE, POSITIVE, invalidField } from './error.js';

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
  /** t0_k >= 0, s per round that neither pruning nor bandwidth changes (default 0; MODEL.md section 8). */
  fixedSeconds?: number;
  /** rmin_k in [0, rmax_k]: the least pruning this client must apply (default 0; MODEL.md section 12). */
  minPruning?: number;
  /** e_k >= 0, W drawn while training (default 0; MODEL.md section 11). */
  computePowerW?: number;
  /** E0_k >= 0, J per round that neither pruning nor bandwidth changes (default 0). */
  fixedJoules?: number;
  /** Ebar_k > 0, J per round, or null / absent: no cap (MODEL.md section 11.2). */
  energyCapJ?: number | null;
}

/**
 * The clients as columns: an object of equal-length arrays (or typed arrays), one per
 * field of ClientInput, with the same names and units; entry k of each is client k.
 */
export type ClientColumns = { [K in keyof ClientInput]: ArrayLike<Exclude<ClientInput[K], undefined>> };

/**
 * A problem as the API and `jcpba solve` take it (the JSON of schemas/problem.schema.json):
 * SI units; clients as rows (an array of ClientInput) or as columns (ClientColumns); the
 * noise power spectral density in dBm/Hz or in W/Hz, exactly one of the two. Every entry
 * point checks it at run time and names the field and the client of the first bad value.
 *
 * ```ts
 * const p: ProblemInput = {
 *   bandwidthHz: 20e6, noisePsdDbmPerHz: -174, payloadBits: 2 ** 26, pruningBudget: 0.3,
 *   clients: [{ computeSeconds: 12.5, txPowerW: 0.2, channelGain: 2.8e-11, dataWeight: 300, maxPruning: 0.5 }],
 * };
 * ```
 */
export interface ProblemInput {
  /** B, the uplink band shared by the clients, Hz (> 0; in [1e-50, 1e50]). */
  bandwidthHz: number;
  /** N0, the noise power spectral density, dBm/Hz (e.g. -174); or give noisePsdWPerHz. */
  noisePsdDbmPerHz?: number;
  /** N0, the noise power spectral density, W/Hz (> 0); or give noisePsdDbmPerHz. */
  noisePsdWPerHz?: number;
  /** S, the size of one client's model update, bits (> 0). */
  payloadBits: number;
  /** Cap on the data-weighted mean pruning sum_k w_k rho_k, a fraction in [0, 1). Required by `solve`; `minPruning` (deadline mode) does not use it. */
  pruningBudget?: number;
  /** phi_c in [0, 1]: the share of the compute that pruning removes (default 1; MODEL.md section 8). */
  prunableComputeFraction?: number;
  /** phi_s in [0, 1]: the share of the payload that pruning removes (default 1). */
  prunablePayloadFraction?: number;
  /** The K >= 1 clients: rows (one ClientInput each) or columns (ClientColumns). */
  clients: ClientInput[] | ClientColumns;
  /** Generator metadata (`jcpba generate --devices`), ignored by every method: clients left out because their device cannot hold the model. */
  excludedClients?: number;
  /** A reference to the JSON Schema (for editors), ignored. */
  $schema?: string;
}

/** The canonical, columnar form every backend takes. */
export interface Problem {
  /** B, the uplink band shared by the clients, Hz. */
  bandwidthHz: number;
  /** N0, the noise power spectral density, W/Hz. */
  noisePsdWPerHz: number;
  /** S, the size of one client's unpruned model update, bits. */
  payloadBits: number;
  /** Cap on sum_k w_k rho_k, a fraction in [0, 1) (0 when deadline mode read the problem without one). */
  pruningBudget: number;
  /** c_k, s: one local update on the unpruned model, per client. */
  computeSeconds: Float64Array;
  /** p_k, W, per client. */
  txPowerW: Float64Array;
  /** g_k, linear power gain (path loss x fading), per client. */
  channelGain: Float64Array;
  /** w_k, the data weights as given (not normalized), per client. */
  dataWeight: Float64Array;
  /** rmax_k in [0, 1), the most a client may prune, per client. */
  maxPruning: Float64Array;
  /** t0_k, s; absent or empty: 0 for every client. */
  fixedSeconds?: Float64Array;
  /** phi_c; absent: 1. */
  prunableComputeFraction?: number;
  /** phi_s; absent: 1. */
  prunablePayloadFraction?: number;
  /** rmin_k; absent or empty: 0 for every client (MODEL.md section 12). */
  minPruning?: Float64Array;
  /** e_k, W; absent or empty: 0 for every client (MODEL.md section 11). */
  computePowerW?: Float64Array;
  /** E0_k, J; absent or empty: 0 for every client. */
  fixedJoules?: Float64Array;
  /** Ebar_k, J, Infinity for an uncapped client; absent or empty: no client is capped. */
  energyCapJ?: Float64Array;
  /** Generator metadata, not an input of any method: each client's device (MODEL.md section 12). */
  device?: string[];
  /** Generator metadata: the clients drawn but left out because their device cannot hold the model. */
  excludedClients?: number;
}

/** Keys a problem may carry that no method reads (the generator's labels), accepted and ignored by the parser. */
const IGNORED_PROBLEM_KEYS = ['excludedClients'];
const IGNORED_CLIENT_KEYS = ['device'];

/** The client fields every problem gives (`fixedSeconds` is optional). */
export const CLIENT_FIELDS = ['computeSeconds', 'txPowerW', 'channelGain', 'dataWeight', 'maxPruning'] as const;
/** The name of a required client field (one of CLIENT_FIELDS). */
export type ClientField = (typeof CLIENT_FIELDS)[number];

/** Every key a problem may have, in each form: anything else is reported (a misspelt optional field would otherwise be ignored). */
const PROBLEM_KEYS = [
  'bandwidthHz',
  'noisePsdDbmPerHz',
  'noisePsdWPerHz',
  'payloadBits',
  'pruningBudget',
  'prunableComputeFraction',
  'prunablePayloadFraction',
  'clients',
];
/** The optional client columns, in the binding order after the required ones (docs/CORE_API.md): each absent or empty (the default for every client) or of length K. */
export const OPTIONAL_FIELDS = ['fixedSeconds', 'minPruning', 'computePowerW', 'fixedJoules', 'energyCapJ'] as const;
export type OptionalField = (typeof OPTIONAL_FIELDS)[number];
/** Every client column in the binding order (the Rust core's COLUMN_NAMES). */
export const COLUMN_NAMES = [...CLIENT_FIELDS, ...OPTIONAL_FIELDS] as const;
/** An optional column's value for a client that does not give it: no cap is Infinity (null in JSON), every other default is 0. */
export const OPTIONAL_DEFAULT: Record<OptionalField, number> = {
  fixedSeconds: 0,
  minPruning: 0,
  computePowerW: 0,
  fixedJoules: 0,
  energyCapJ: Infinity,
};
const CLIENT_KEYS: readonly (ClientField | OptionalField)[] = COLUMN_NAMES;
const CANONICAL_KEYS = [
  'bandwidthHz',
  'noisePsdWPerHz',
  'payloadBits',
  'pruningBudget',
  'prunableComputeFraction',
  'prunablePayloadFraction',
  ...CLIENT_KEYS,
];

/** Throws for the first own key of `obj` not in `known`; `where` names the object in the message. */
function checkKeys(obj: object, known: readonly string[], where: string, fieldOf: (key: string) => string, client?: number): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new JcpbaError(
        'invalid-input',
        `${where} has an unknown field ${JSON.stringify(key)}; expected ${known.join(', ')}`,
        fieldOf(key),
        client,
      );
    }
  }
}

/**
 * A power (or a power spectral density) in dBm (dBm/Hz) as W (W/Hz): 10^((dBm - 30) / 10);
 * e.g. -174 dBm/Hz is about 3.98e-21 W/Hz.
 */
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
 * Whether a typed array's buffer is detached (transferred to a worker, or by
 * structuredClone): it then reads as empty, so an optional column would silently
 * become "absent" and a client column "no clients". A detached buffer has byteLength 0
 * and refuses a new view (ArrayBuffer.prototype.detached is not in every runtime).
 */
export function isDetached(a: unknown): boolean {
  if (!ArrayBuffer.isView(a) || a.byteLength !== 0 || a.buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(a.buffer);
    return false;
  } catch {
    return true;
  }
}

/** How a problem is read: deadline mode does not need a pruning budget. */
export interface ShapeOptions {
  /** When false, a missing `pruningBudget` reads as 0 (it is unused). Default true. */
  requireBudget?: boolean;
}

/**
 * Turns a problem in any accepted form (row or columnar JSON, or an already canonical
 * Problem) into the canonical columnar form, then validates it. Throws JcpbaError.
 */
export function toProblem(input: unknown, options: ShapeOptions = {}): Problem {
  const problem = toProblemShape(input, options);
  validateProblem(problem);
  return problem;
}

/**
 * The canonical form of a problem without the numeric checks: the compiled backends make
 * those themselves (with the same messages), so they are not done twice. Unknown keys
 * are reported here, for every backend.
 */
export function toProblemShape(input: unknown, options: ShapeOptions = {}): Problem {
  if (!isProblem(input)) return parseShape(input, options.requireBudget ?? true);
  // The generator's canonical problems may carry the columns of MODEL.md sections 11 and
  // 12 and its labels (devices.ts).
  checkKeys(input, [...CANONICAL_KEYS, ...IGNORED_PROBLEM_KEYS, ...IGNORED_CLIENT_KEYS], 'problem', (key) => key);
  let shared: Partial<Problem> | undefined;
  for (const f of [...CLIENT_FIELDS, ...OPTIONAL_FIELDS]) {
    const col = input[f];
    if (col !== undefined && isDetached(col)) {
      throw new JcpbaError(
        'invalid-input',
        `clients.${f} is a typed array whose buffer is detached (transferred, e.g. by postMessage): it no longer holds the column; pass an attached copy`,
        `clients.${f}`,
      );
    }
    // A column on shared memory may be written by another thread while it is checked and
    // solved (every backend reads it more than once): the solve takes a private snapshot.
    if (col !== undefined && isShared(col)) (shared ??= {})[f] = col.slice();
  }
  const problem = shared === undefined ? input : { ...input, ...shared };
  if (problem.pruningBudget === undefined && options.requireBudget === false) return { ...problem, pruningBudget: 0 };
  return problem;
}

/** Whether a typed array views a SharedArrayBuffer (by tag: it works across realms). */
function isShared(a: unknown): a is Float64Array {
  return ArrayBuffer.isView(a) && Object.prototype.toString.call(a.buffer) === '[object SharedArrayBuffer]';
}

function parseShape(input: unknown, requireBudget: boolean): Problem {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new JcpbaError('invalid-input', `problem must be a JSON object (got ${describe(input)})`, 'problem');
  }
  const obj = input as Record<string, unknown>;
  // `$schema` (a JSON Schema reference, for editors: the package ships schemas/) is
  // allowed and ignored; it is the one key that is not a field of the problem.
  const { $schema, ...fields } = obj;
  if ($schema !== undefined && typeof $schema !== 'string') {
    throw new JcpbaError('invalid-input', `$schema must be a string, a JSON Schema reference (got ${describe($schema)})`, '$schema');
  }
  checkKeys(fields, [...PROBLEM_KEYS, ...IGNORED_PROBLEM_KEYS], 'problem', (key) => key);
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
  const pruningBudget = obj.pruningBudget === undefined && !requireBudget ? 0 : scalar(obj, 'pruningBudget');
  const prunableComputeFraction = obj.prunableComputeFraction === undefined ? 1 : scalar(obj, 'prunableComputeFraction');
  const prunablePayloadFraction = obj.prunablePayloadFraction === undefined ? 1 : scalar(obj, 'prunablePayloadFraction');
  const clients = obj.clients;
  if (clients === undefined) throw new JcpbaError('invalid-input', 'clients is missing', 'clients');
  const cols = Array.isArray(clients) ? rowsToColumns(clients) : columns(clients);
  return { bandwidthHz, noisePsdWPerHz, payloadBits, pruningBudget, prunableComputeFraction, prunablePayloadFraction, ...cols };
}

type ClientColumnsOut = Pick<Problem, ClientField | OptionalField>;

const isOptional = (f: string): f is OptionalField => (OPTIONAL_FIELDS as readonly string[]).includes(f);

/** A JSON entry of a client column: `energyCapJ: null` means no cap (Infinity); anything else must be a number. */
function entry(f: ClientField | OptionalField, v: unknown, name: string, k: number): number {
  if (v === null && f === 'energyCapJ') return Infinity;
  if (typeof v !== 'number') {
    const expected = f === 'energyCapJ' ? 'a number or null' : 'a number';
    throw new JcpbaError('invalid-input', `${name} must be ${expected} (got ${describe(v)})`, name, k);
  }
  return v;
}

function rowsToColumns(rows: unknown[]): ClientColumnsOut {
  const K = rows.length;
  const out = {} as ClientColumnsOut;
  for (const f of CLIENT_FIELDS) out[f] = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const row = rows[k];
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new JcpbaError('invalid-input', `clients[${k}] must be an object (got ${describe(row)})`, `clients[${k}]`, k);
    }
    checkKeys(row, [...CLIENT_KEYS, ...IGNORED_CLIENT_KEYS], `clients[${k}]`, (key) => `clients[${k}].${key}`, k);
    for (const f of CLIENT_KEYS) {
      const v = (row as Record<string, unknown>)[f];
      const name = `clients[${k}].${f}`;
      if (v === undefined) {
        if (isOptional(f)) continue; // its default (the column is filled with it below)
        throw new JcpbaError('invalid-input', `${name} is missing`, name, k);
      }
      const x = entry(f, v, name, k);
      // An optional column exists as soon as one client gives it; the others take its default.
      if (isOptional(f)) out[f] ??= new Float64Array(K).fill(OPTIONAL_DEFAULT[f]);
      out[f]![k] = x;
    }
  }
  return out;
}

function columns(clients: unknown): ClientColumnsOut {
  if (typeof clients !== 'object' || clients === null) {
    throw new JcpbaError('invalid-input', `clients must be an array of clients or an object of columns (got ${describe(clients)})`, 'clients');
  }
  const obj = clients as Record<string, unknown>;
  checkKeys(obj, [...CLIENT_KEYS, ...IGNORED_CLIENT_KEYS], 'clients', (key) => `clients.${key}`);
  const out = {} as ClientColumnsOut;
  for (const f of CLIENT_KEYS) {
    const col = obj[f];
    const name = `clients.${f}`;
    // An optional column may be left out (the default for every client); `energyCapJ:
    // null` is no cap for anyone, as in a row.
    if (col === undefined || (col === null && f === 'energyCapJ')) {
      if (isOptional(f)) continue;
      throw new JcpbaError('invalid-input', `${name} is missing`, name);
    }
    if (col instanceof Float64Array) {
      out[f] = col;
      continue;
    }
    if (!Array.isArray(col) && !ArrayBuffer.isView(col)) {
      throw new JcpbaError('invalid-input', `${name} must be an array of numbers (got ${describe(col)})`, name);
    }
    const arr = col as ArrayLike<unknown>;
    const f64 = new Float64Array(arr.length);
    for (let k = 0; k < arr.length; k++) f64[k] = entry(f, arr[k], `clients[${k}].${f}`, k);
    out[f] = f64;
  }
  return out;
}

const isPositive = (v: number) => Number.isFinite(v) && v > 0;
const isFraction = (v: number) => Number.isFinite(v) && v >= 0 && v < 1;
const isClosedFraction = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;
const isNonNegative = (v: number) => Number.isFinite(v) && v >= 0;
/** An optional column, or undefined when it is absent or empty (the default). */
const given = (col: Float64Array | undefined) => (col !== undefined && col.length > 0 ? col : undefined);

/** Numeric validation, in the order and with the messages of docs/CORE_API.md. */
export function validateProblem(p: Problem): void {
  if (!isPositive(p.bandwidthHz)) throw invalidField('bandwidthHz', POSITIVE);
  if (!isPositive(p.noisePsdWPerHz)) throw invalidField('noisePsdWPerHz', POSITIVE);
  if (!isPositive(p.payloadBits)) throw invalidField('payloadBits', POSITIVE);
  if (!isFraction(p.pruningBudget)) throw invalidField('pruningBudget', FRACTION);
  if (!isClosedFraction(p.prunableComputeFraction ?? 1)) throw invalidField('prunableComputeFraction', CLOSED_FRACTION);
  if (!isClosedFraction(p.prunablePayloadFraction ?? 1)) throw invalidField('prunablePayloadFraction', CLOSED_FRACTION);
  const K = p.computeSeconds.length;
  if (K === 0) throw new JcpbaError('invalid-input', 'clients must hold at least one client (K = 0)', 'clients');
  for (const f of CLIENT_FIELDS) {
    if (p[f].length !== K) {
      throw new JcpbaError('invalid-input', `clients.${f} has ${p[f].length} entries but clients.computeSeconds has ${K}`, `clients.${f}`);
    }
  }
  // The optional columns may be left out altogether (the default for every client).
  for (const f of OPTIONAL_FIELDS) {
    const col = given(p[f]);
    if (col !== undefined && col.length !== K) {
      throw new JcpbaError('invalid-input', `clients.${f} has ${col.length} entries but clients.computeSeconds has ${K}`, `clients.${f}`);
    }
  }
  const t0 = given(p.fixedSeconds);
  const rmin = given(p.minPruning);
  const power = given(p.computePowerW);
  const e0 = given(p.fixedJoules);
  const cap = given(p.energyCapJ);
  for (let k = 0; k < K; k++) {
    if (!isPositive(p.computeSeconds[k])) throw invalidField('computeSeconds', POSITIVE, k);
    if (!isPositive(p.txPowerW[k])) throw invalidField('txPowerW', POSITIVE, k);
    if (!isPositive(p.channelGain[k])) throw invalidField('channelGain', POSITIVE, k);
    if (!isPositive(p.dataWeight[k])) throw invalidField('dataWeight', POSITIVE, k);
    if (!isFraction(p.maxPruning[k])) throw invalidField('maxPruning', FRACTION, k);
    if (t0 !== undefined && !isNonNegative(t0[k])) throw invalidField('fixedSeconds', NON_NEGATIVE, k);
    // rmax passed its check above; rmin = rmax fixes the client's pruning.
    if (rmin !== undefined && !(Number.isFinite(rmin[k]) && rmin[k] >= 0 && rmin[k] <= p.maxPruning[k])) {
      throw invalidField('minPruning', `must be a finite number in [0, clients[${k}].maxPruning]`, k);
    }
    if (power !== undefined && !isNonNegative(power[k])) throw invalidField('computePowerW', NON_NEGATIVE, k);
    if (e0 !== undefined && !isNonNegative(e0[k])) throw invalidField('fixedJoules', NON_NEGATIVE, k);
    // Infinity is the boundary's spelling of "no cap" (null in JSON).
    if (cap !== undefined && !(cap[k] > 0)) throw invalidField('energyCapJ', 'must be a positive number of J, or Infinity (null in JSON) for no cap', k);
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
 * w_k / sum w (and t0_k B / S from above, 1 - rmax_k from below). Within [1e-50, 1e50] each, every quantity a method forms (a product of
 * a few of them) stays far inside the normal range of a double.
 */
function checkScales(p: Problem, weightSum: number): void {
  const B = p.bandwidthHz;
  const S = p.payloadBits;
  const t0 = p.fixedSeconds !== undefined && p.fixedSeconds.length > 0 ? p.fixedSeconds : undefined;
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
    // The fixed time may be 0; only its upper end matters (round model v2).
    if (t0 !== undefined && (t0[k] * B) / S > SCALE_MAX) {
      throw new JcpbaError(
        'invalid-input',
        `clients[${k}]: fixedSeconds x bandwidthHz / payloadBits must be at most 1e50 (the representable range, MODEL.md 2.1)`,
        `clients[${k}].fixedSeconds`,
        k,
      );
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
    // Only problems that give an energy input: without one, energy is reported but
    // constrains nothing, and problems valid before section 11 stay valid.
    if (given(p.computePowerW) !== undefined || given(p.fixedJoules) !== undefined || given(p.energyCapJ) !== undefined) checkEnergyScales(p, k);
  }
}

const AT_MOST = 'must be at most 1e50 (the representable range, MODEL.md 2.1)';
const UNIT = '(txPowerW x payloadBits / bandwidthHz)';

/**
 * The energy rows of the representable range (MODEL.md 2.1, section 11): client k's
 * energy unit u = p_k S / B (J: its transmit power over the time unit S / B), then its
 * compute energy e_k c_k, fixed energy E0_k and cap Ebar_k in units of u. Every energy a
 * method or the accounting forms is u times a product of a few dimensionless scales, so
 * with u and these within 1e50 of 1 none over- or underflows.
 */
function checkEnergyScales(p: Problem, k: number): void {
  const unit = (p.txPowerW[k] * p.payloadBits) / p.bandwidthHz;
  const fail = (field: string, message: string) => new JcpbaError('invalid-input', `clients[${k}]: ${message}`, `clients[${k}].${field}`, k);
  if (!inScale(unit)) throw fail('txPowerW', `txPowerW x payloadBits / bandwidthHz ${RANGE}`);
  // Compute and fixed energy may be 0 (or underflow to it harmlessly: they are added to
  // the upload's energy, which is at least of the order of u): only the upper end.
  const power = given(p.computePowerW);
  if (power !== undefined && (power[k] * p.computeSeconds[k]) / unit > SCALE_MAX) {
    throw fail('computePowerW', `computePowerW x computeSeconds / ${UNIT} ${AT_MOST}`);
  }
  const e0 = given(p.fixedJoules);
  if (e0 !== undefined && e0[k] / unit > SCALE_MAX) throw fail('fixedJoules', `fixedJoules / ${UNIT} ${AT_MOST}`);
  const cap = given(p.energyCapJ);
  if (cap !== undefined && Number.isFinite(cap[k]) && !inScale(cap[k] / unit)) throw fail('energyCapJ', `energyCapJ / ${UNIT} ${RANGE}`);
}

/** The least 1 - rmax_k of the representable range: rho is held to an absolute 1e-16, so 1 - rho (and the latency) to a relative 1e-10 at worst. */
export const KEEP_MIN = 1e-6;

/**
 * The problem in the row (or columnar) JSON form, for printing. The optional fields
 * (round model v2, energy, minimum pruning) are written only when they differ from their
 * defaults, so a problem of the model of MODEL.md section 2 prints as it always did; an
 * uncapped client's `energyCapJ` is written as null.
 */
export function toJson(p: Problem, columnar = false): ProblemInput & {
  /** N0, W/Hz (the canonical form keeps no dBm value). */
  noisePsdWPerHz: number;
} {
  const K = p.computeSeconds.length;
  const optional = OPTIONAL_FIELDS.filter((f) => p[f] !== undefined && p[f]!.some((x) => x !== OPTIONAL_DEFAULT[f]));
  const fields: (ClientField | OptionalField)[] = [...CLIENT_FIELDS, ...optional];
  const value = (f: ClientField | OptionalField, x: number) => (f === 'energyCapJ' && x === Infinity ? null : x);
  const device = p.device !== undefined && p.device.length === K ? p.device : undefined;
  const clients = columnar
    ? (Object.fromEntries([...fields.map((f) => [f, Array.from(p[f]!, (x) => value(f, x))]), ...(device ? [['device', device]] : [])]) as unknown as ClientColumns)
    : Array.from({ length: K }, (_, k) => Object.fromEntries([...fields.map((f) => [f, value(f, p[f]![k])]), ...(device ? [['device', device[k]]] : [])]) as unknown as ClientInput);
  const out: ProblemInput & { noisePsdWPerHz: number } = {
    bandwidthHz: p.bandwidthHz,
    noisePsdWPerHz: p.noisePsdWPerHz,
    payloadBits: p.payloadBits,
    pruningBudget: p.pruningBudget,
  } as ProblemInput & { noisePsdWPerHz: number };
  if ((p.prunableComputeFraction ?? 1) !== 1) out.prunableComputeFraction = p.prunableComputeFraction;
  if ((p.prunablePayloadFraction ?? 1) !== 1) out.prunablePayloadFraction = p.prunablePayloadFraction;
  if (p.excludedClients !== undefined) out.excludedClients = p.excludedClients;
  out.clients = clients;
  return out;
}

/**
 * Derived constants of a validated problem: a_k = p_k g_k / N0 (Hz) and the weights
 * normalized to sum 1, next to the problem's own columns and round model v2's inputs.
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
  /** t0_k, s (zeros when the problem gives none). */
  t0: Float64Array;
  /** phi_c, the prunable share of the compute. */
  phiC: number;
  /** phi_s, the prunable share of the payload. */
  phiS: number;
  /** p_k, W (the upload's energy is p_k times its time, MODEL.md section 11). */
  p: Float64Array;
  /** rmin_k (MODEL.md section 12); empty: 0 for every client (see rminAt). */
  rmin: Float64Array;
  /** e_k, W drawn while training; empty: 0 for every client. */
  e: Float64Array;
  /** E0_k, J per round; empty: 0 for every client. */
  e0: Float64Array;
  /** Ebar_k, J per round (Infinity: uncapped); empty: no client is capped (see capAt). */
  cap: Float64Array;
}

const EMPTY = new Float64Array(0);

/** rmin_k, 0 when the problem gives no minimum pruning. */
export function rminAt(inst: Instance, k: number): number {
  return inst.rmin.length === 0 ? 0 : inst.rmin[k];
}

/** Ebar_k, Infinity when client k (or every client) is uncapped. */
export function capAt(inst: Instance, k: number): number {
  return inst.cap.length === 0 ? Infinity : inst.cap[k];
}

/** Whether any client has a finite energy cap (MODEL.md section 11.2). */
export function hasCaps(inst: Instance): boolean {
  return inst.cap.some((x) => Number.isFinite(x));
}

/** Whether any client has a positive minimum pruning (MODEL.md section 12). */
export function hasMinPruning(inst: Instance): boolean {
  return inst.rmin.some((x) => x > 0);
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
  const t0 = p.fixedSeconds !== undefined && p.fixedSeconds.length > 0 ? p.fixedSeconds : new Float64Array(K);
  return {
    K,
    B: p.bandwidthHz,
    S: p.payloadBits,
    budget: p.pruningBudget,
    c: p.computeSeconds,
    a,
    w,
    rmax: p.maxPruning,
    t0,
    phiC: p.prunableComputeFraction ?? 1,
    phiS: p.prunablePayloadFraction ?? 1,
    p: p.txPowerW,
    rmin: p.minPruning ?? EMPTY,
    e: p.computePowerW ?? EMPTY,
    e0: p.fixedJoules ?? EMPTY,
    cap: p.energyCapJ ?? EMPTY,
  };
}

/**
 * Client k's round latency at pruning rho when its upload of the unpruned update takes
 * `upload` = S / r_k(b) seconds (MODEL.md section 8): t0 + c (1 - phi_c rho) + upload
 * (1 - phi_s rho), evaluated as t0 + (1 - phi rho)(c + upload) when phi_c = phi_s = phi,
 * which with t0 = 0 and phi = 1 is exactly the (1 - rho)(c + upload) of section 2.
 */
export function latencyAt(inst: Instance, k: number, rho: number, upload: number): number {
  const c = inst.c[k];
  // Otherwise the sum of the two positive terms: the one-product form plus a correction,
  // t0 + (1 - phi_s rho)(c + upload) + (phi_s - phi_c) rho c, cancels when the correction
  // is close to the product (phi_s = 0 and rho near 1: an error of 1e-16 / (1 - rho) relative).
  if (inst.phiS === inst.phiC) return inst.t0[k] + (1 - inst.phiS * rho) * (c + upload);
  return inst.t0[k] + c * (1 - inst.phiC * rho) + upload * (1 - inst.phiS * rho);
}

/** U_k = t0 + c + upload: the latency without pruning, s. */
export function unprunedAt(inst: Instance, k: number, upload: number): number {
  return inst.t0[k] + inst.c[k] + upload;
}

/** V_k = phi_c c + phi_s upload: the latency a whole unit of pruning removes, s (tau = U - V rho). */
export function prunableAt(inst: Instance, k: number, upload: number): number {
  return inst.phiC * inst.c[k] + inst.phiS * upload;
}

/** T - t0 - c (1 - phi_c rho): the time left for the upload when the round must end by T. */
export function uploadWindow(inst: Instance, k: number, rho: number, T: number): number {
  return T - inst.t0[k] - (1 - inst.phiC * rho) * inst.c[k];
}

/** S (1 - phi_s rho): the payload left after pruning at rate rho, bits. */
export function payloadAt(inst: Instance, rho: number): number {
  return inst.S * (1 - inst.phiS * rho);
}
