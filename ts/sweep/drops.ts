/**
 * A sweep's drops from a user's file of client lists instead of the generator: real
 * placements and devices, with the generator's fading on top. The file is JSON: an array
 * of drops, each an array of clients
 *
 *   { "distanceM": 120, "shadowDb": 2.5, "samples": 800, "throughput": 2e12 }
 *
 * (distance to the base station, m, >= 1; shadowing, dB, default 0; local samples, > 0;
 * compute throughput, FLOP/s, > 0): the quantities the generator draws for a drop
 * (MODEL.md section 7). Instead of a throughput a client may name a device of the
 * catalog, `"device": "orin-nano-8gb"` (docs/DEVICES.md): its throughput is then the
 * device's peak times the grid point's utilization, its compute power the device's, its
 * least pruning what the device's memory forces (MODEL.md section 12), and it is left out
 * when that exceeds rmax; a file names a device for every client or for none. Everything else (power, noise, bandwidth, model, budget, ...)
 * comes from the scenario and the grid; realization r of drop d takes the generator's
 * Rayleigh fading of (seed, d, r). The file's SHA-256 (its content, not its path) joins
 * the sweep's identity. Every drop is checked at every grid point before the first unit
 * runs (checkDrops), so that no drop is found invalid mid-sweep.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { DEVICES, deviceIndex, memoryMinPruning } from '../core/devices.js';
import { JcpbaError } from '../core/error.js';
import { type MethodId, hasPoint } from '../core/methods.js';
import type { MethodSummary, UnitSpec } from '../core/montecarlo.js';
import type { Problem } from '../core/problem.js';
import { type DropDraws, type ScenarioOptions, type ScenarioParams, drawFading, problemFromDraws } from '../core/scenario.js';
import type { Solver } from '../solvers.js';
import { type UnitMethod, placeError, runUnitWith } from './custom.js';

/** Largest drops file read: 256 MiB (the most `solve` reads of a problem). */
export const MAX_DROPS_FILE_BYTES = 256 * 1024 * 1024;
const CHUNK = 1024 * 1024;

/** Most clients in one drop (the generator's limit). */
const MAX_CLIENTS = 1_000_000;

export interface DropsFile {
  drops: DropDraws[];
  sha256: string;
}

function bad(message: string, client?: number): JcpbaError {
  return new JcpbaError('invalid-input', message, 'dropsFile', client);
}

/**
 * The drops file's bytes, read once (it may be a pipe), failing as soon as they pass
 * MAX_DROPS_FILE_BYTES (an endless device such as /dev/zero included) or when the first
 * byte that is not white space cannot start a JSON array.
 */
function readDropsFile(path: string): Buffer {
  const chunks: Buffer[] = [];
  let size = 0;
  let checked = false;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      size += n;
      if (size > MAX_DROPS_FILE_BYTES) throw bad(`the drops file ${path} is larger than ${MAX_DROPS_FILE_BYTES / 1024 / 1024} MiB, the most a sweep reads`);
      const part = buf.subarray(0, n);
      if (!checked) {
        const at = part.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
        if (at >= 0) {
          checked = true;
          if (part[at] !== 0x5b) {
            throw new JcpbaError('parse-error', `the drops file ${path} is not valid JSON for drops: it must hold a JSON array ([...]), but its first character is byte 0x${part[at].toString(16).padStart(2, '0')}`, 'dropsFile');
          }
        }
      }
      chunks.push(part);
    }
  } catch (e) {
    if (e instanceof JcpbaError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw bad(`cannot read the drops file ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? String(e)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return Buffer.concat(chunks, size);
}

/**
 * A column on shared memory: a sweep's worker threads read the drops without a copy
 * each (the problems built from them are fresh arrays, never shared).
 */
function shared(K: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * K));
}

/** Reads and checks a drops file; errors name the file, the drop and the client. */
export function loadDrops(path: string): DropsFile {
  const bytes = readDropsFile(path);
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new JcpbaError('parse-error', `the drops file ${path} is not valid JSON: ${(e as Error).message}`, 'dropsFile');
  }
  if (!Array.isArray(value) || value.length === 0) throw bad(`the drops file ${path} must hold a non-empty JSON array of drops (each an array of clients)`);
  // Whether the file's clients name devices: set by its first client, kept by every other.
  let byDevice: boolean | undefined;
  const drops = value.map((drop: unknown, d): DropDraws => {
    if (!Array.isArray(drop) || drop.length === 0 || drop.length > MAX_CLIENTS) {
      throw bad(`${path}: drop ${d} must be a non-empty array of at most ${MAX_CLIENTS} clients`);
    }
    const K = drop.length;
    const out: DropDraws = { distanceM: shared(K), shadowDb: shared(K), samples: shared(K), throughput: shared(K) };
    drop.forEach((c: unknown, k) => {
      const where = `${path}: drop ${d}, client ${k}`;
      if (typeof c !== 'object' || c === null || Array.isArray(c)) throw bad(`${where} must be an object { distanceM, shadowDb, samples, throughput }`, k);
      const o = c as Record<string, unknown>;
      for (const key of Object.keys(o)) {
        if (!['distanceM', 'shadowDb', 'samples', 'throughput', 'device'].includes(key)) {
          throw bad(`${where} has an unknown field ${JSON.stringify(key)}; expected distanceM, shadowDb, samples, and throughput or device`, k);
        }
      }
      const named = o.device !== undefined;
      if (named && o.throughput !== undefined) throw bad(`${where}: give throughput or device, not both`, k);
      byDevice ??= named;
      if (named !== byDevice) {
        throw bad(`${where}: ${named ? 'names a device' : 'gives a throughput'} but the file's first client ${byDevice ? 'names a device' : 'gives a throughput'}; a file names a device for every client or for none`, k);
      }
      const num = (key: string, ok: (x: number) => boolean, what: string, fallback?: number): number => {
        const x = o[key] ?? fallback;
        if (typeof x !== 'number' || !Number.isFinite(x) || !ok(x)) throw bad(`${where}: ${key} must be ${what} (got ${JSON.stringify(o[key])})`, k);
        return x;
      };
      out.distanceM[k] = num('distanceM', (x) => x >= 1, 'a finite number of meters >= 1');
      out.shadowDb[k] = num('shadowDb', (x) => Math.abs(x) <= 100, 'a finite number of dB in [-100, 100]', 0);
      out.samples[k] = num('samples', (x) => x > 0, 'a positive finite number');
      if (named) {
        const i = typeof o.device === 'string' ? deviceIndex(o.device) : -1;
        if (i < 0) throw bad(`${where}: device must be one of ${DEVICES.map((x) => x.name).join(', ')} (got ${JSON.stringify(o.device)})`, k);
        out.device ??= new Int32Array(new SharedArrayBuffer(4 * K));
        out.device[k] = i;
        // Set per grid point from the device (peak x utilization): problemFromDraws.
        out.throughput[k] = NaN;
      } else {
        out.throughput[k] = num('throughput', (x) => x > 0, 'a positive finite number of FLOP/s');
      }
    });
    return out;
  });
  return { drops, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * The extremes of a realization's fading power gain |h|^2 = -ln u, u uniform in
 * [2^-53, 1 - 2^-53] (rng.ts): every realization of every drop draws gains between these.
 */
export const FADING_GAIN_MIN = -Math.log(1 - 2 ** -53);
export const FADING_GAIN_MAX = -Math.log(2 ** -53);

/**
 * Checks every drop of a file at every grid point before a sweep runs its first unit,
 * so that no drop is found invalid mid-sweep (with units already written). Each drop's
 * problem is built at the weakest and at the strongest fading gain a realization can
 * draw: the fading scales the channel gain only, and every check of the channel gain is
 * a range, so a drop valid at both extremes is valid at every realization. The error
 * names the file, the drop, the client (its index in the file), its entry and the grid point.
 */
export function checkDrops(file: DropsFile, path: string, params: ScenarioParams[], points: Partial<ScenarioOptions>[]): void {
  file.drops.forEach((draws, d) => {
    const K = draws.distanceM.length;
    params.forEach((o, g) => {
      const p = { ...o, clients: K, drop: d };
      const build = (gain: number) => problemFromDraws(p, draws, new Float64Array(K).fill(gain));
      for (const gain of [FADING_GAIN_MIN, FADING_GAIN_MAX]) {
        try {
          build(gain);
        } catch (e) {
          if (!(e instanceof JcpbaError)) throw e;
          // Named when the drop is valid at the mean fading gain (1) and only an extreme fails.
          let extreme = '';
          try {
            build(1);
            extreme = ` with the ${gain === FADING_GAIN_MIN ? 'weakest' : 'strongest'} fading a realization can draw (|h|^2 = ${gain.toPrecision(3)})`;
          } catch {
            // invalid at any fading
          }
          const at = `at grid point ${g} ${JSON.stringify(points[g])}${extreme}`;
          if (e.client === undefined) throw bad(`${path}: drop ${d} gives a problem outside the valid range ${at}: ${e.message}`);
          const k = fileClient(o, draws, e.client);
          const why = e.message.replace(new RegExp(`^clients\\[${e.client}\\](: |\\.)`), '');
          throw bad(`${path}: drop ${d}, client ${k} ${entry(draws, k)} gives a problem outside the valid range ${at}: ${why}`, k);
        }
      }
    });
  });
}

/** The index in the file of the problem's client `j` (clients whose device cannot hold the fine-tuning are left out of the problem). */
function fileClient(o: ScenarioParams, draws: DropDraws, j: number): number {
  const device = draws.device;
  if (!device) return j;
  for (let k = 0, kept = 0; k < device.length; k++) {
    if (memoryMinPruning(o.modelMemoryBytes, DEVICES[device[k]].memoryBytes, o.memoryPrunableFraction) > o.maxPruning) continue;
    if (kept++ === j) return k;
  }
  return j;
}

/** A client's entry as the file gives it, for errors. */
function entry(draws: DropDraws, k: number): string {
  const e: Record<string, number | string> = { distanceM: draws.distanceM[k], shadowDb: draws.shadowDb[k], samples: draws.samples[k] };
  if (draws.device) e.device = DEVICES[draws.device[k]].name;
  else e.throughput = draws.throughput[k];
  return JSON.stringify(e);
}

/** A built-in method on a backend, one problem at a time (drops from a file). */
export function solverUnitMethod(solver: Solver, id: string, tolerance: number, maxIterations: number): UnitMethod {
  return {
    id,
    run(problem, _inst, at) {
      let r;
      try {
        r = solver.solve(problem, { method: id as MethodId, tolerance, maxIterations });
      } catch (e) {
        throw placeError(at, e instanceof Error ? e.message : String(e));
      }
      // No point (energy caps, minimum pruning): counted in infeasibleShare.
      if (!hasPoint(r)) return null;
      return { latency: r.latency, pruning: r.pruning, iterations: r.iterations, limited: r.status === 'iteration-limit', energyTotal: r.energyTotal, energyMax: r.energyMax };
    },
  };
}

/**
 * One unit of a drops file's sweep: drop `spec.drop`'s clients at grid point `o`, each
 * realization with the generator's fading of (seed, drop, realization), solved by `methods`.
 */
export function runDropsUnit(
  o: ScenarioParams,
  point: Partial<ScenarioOptions>,
  draws: DropDraws,
  spec: UnitSpec,
  trials: number,
  rounds: number,
  methods: UnitMethod[],
  custom?: ReadonlySet<string>,
): MethodSummary[] {
  const p = { ...o, clients: draws.distanceM.length, drop: spec.drop };
  const problemAt = (realization: number): Problem => problemFromDraws(p, draws, drawFading({ ...p, realization }));
  return runUnitWith(problemAt, point, spec, trials, rounds, methods, custom);
}
