/**
 * The scenario generator (MODEL.md section 7): one drop places K clients in a cell and
 * draws their data and compute; one realization draws Rayleigh fading for a drop.
 */
import { DEFAULT_COMPUTE_POWER_W, DEFAULT_UTILIZATION, DEVICES, FLEET_PRESETS, fineTuningMemoryBytes, memoryMinPruning, parseFleet, pickDevice } from './devices.js';
import { JcpbaError } from './error.js';
import { KEEP_MIN, type Problem, SCALE_MAX, SCALE_MIN, dbmToWatts, validateProblem } from './problem.js';
import { Random, STREAM_DEVICE, STREAM_DROP, STREAM_FADING } from './rng.js';

/** A model preset of the generator: what one client's fine-tuning uploads and computes. */
export interface ModelPreset {
  /** Parameters in the model. */
  totalParams: number;
  /** Parameters trained and uploaded (the LoRA adapters, or all of them). */
  trainableParams: number;
  /** Bits per uploaded parameter (16: bf16). */
  bitsPerParam: number;
  /** Training FLOPs per token: ~6 x total for full fine-tuning, ~4 x total for LoRA. */
  flopsPerToken: number;
  /** Transformer layers L and hidden size h: the activations of the fine-tuning's memory (devices.ts `fineTuningMemoryBytes`). */
  layers: number;
  /** The hidden size h (the model width). */
  hiddenSize: number;
  /** phi_m: the share of the fine-tuning's memory that pruning removes (absent: phi_c, MODEL.md section 12). */
  memoryPrunableFraction?: number;
  /** One line for `jcpba generate --help` and the docs. */
  description: string;
}

/** The model presets by name (`--model`): Llama 2 7B and 13B with LoRA, GPT-2 small fully fine-tuned. */
export const MODEL_PRESETS: Record<string, ModelPreset> = {
  'llama2-7b-lora': {
    totalParams: 6.74e9,
    trainableParams: 4_194_304, // rank 8 on q and v of 32 layers: 32 x 2 x 2 x 4096 x 8
    bitsPerParam: 16,
    flopsPerToken: 4 * 6.74e9,
    layers: 32,
    hiddenSize: 4096,
    description: 'Llama 2 7B, LoRA rank 8 on the query and value projections',
  },
  'llama2-13b-lora': {
    totalParams: 13.0e9,
    trainableParams: 6_553_600, // rank 8 on q and v of 40 layers of width 5120
    bitsPerParam: 16,
    flopsPerToken: 4 * 13.0e9,
    layers: 40,
    hiddenSize: 5120,
    description: 'Llama 2 13B, LoRA rank 8 on the query and value projections',
  },
  'gpt2-full': {
    totalParams: 124e6,
    trainableParams: 124e6,
    bitsPerParam: 16,
    flopsPerToken: 6 * 124e6,
    layers: 12,
    hiddenSize: 768,
    description: 'GPT-2 small (124M), full fine-tuning',
  },
};

/** A dataset preset of the generator: the tokens per sample and each client's sample count. */
export interface DatasetPreset {
  /** Mean tokens per training sample (prompt and answer). */
  tokensPerSample: number;
  /** Samples per client, uniform integer in [samplesMin, samplesMax]. */
  samplesMin: number;
  /** The upper end of that range. */
  samplesMax: number;
  /** One line for `jcpba generate --help` and the docs. */
  description: string;
}

/** The dataset presets by name (`--dataset`): GSM8K and Yahoo! Answers. */
export const DATASET_PRESETS: Record<string, DatasetPreset> = {
  gsm8k: { tokensPerSample: 256, samplesMin: 50, samplesMax: 150, description: 'GSM8K grade-school math (7,473 training problems)' },
  'yahoo-answers': { tokensPerSample: 128, samplesMin: 100, samplesMax: 400, description: 'Yahoo! Answers topic classification' },
};

/**
 * The generator's options (`jcpba generate` flags, MODEL.md section 7), in the units
 * users think in (dBm, presets by name); SCENARIO_HELP says what each means.
 */
export interface ScenarioOptions {
  /** K, number of clients. */
  clients: number;
  /** Random seed (unsigned 32-bit integer). */
  seed: number;
  /** Drop index: client placement, data sizes and compute speeds. */
  drop: number;
  /** Realization index: the small-scale fading of the drop. */
  realization: number;
  /** m. */
  cellRadiusM: number;
  /** m. */
  minDistanceM: number;
  /** Log-normal shadowing standard deviation, dB (0: none). */
  shadowingDb: number;
  /** dBm. */
  txPowerDbm: number;
  /** dBm/Hz. */
  noisePsdDbmPerHz: number;
  /** Hz. */
  bandwidthHz: number;
  /** A MODEL_PRESETS name, e.g. `llama2-7b-lora`. */
  model: string;
  /** A DATASET_PRESETS name, e.g. `gsm8k`. */
  dataset: string;
  /** Fewest samples per client; overrides the dataset preset's range when set. */
  samplesMin?: number;
  /** Most samples per client; overrides the dataset preset's range when set. */
  samplesMax?: number;
  /** Local epochs per round. */
  epochs: number;
  /** Client compute throughput, FLOP/s, uniform in [min, max]. */
  throughputMin: number;
  /** The upper end of that range, FLOP/s. */
  throughputMax: number;
  /** rmax for every client. */
  maxPruning: number;
  /** The pruning budget (data-weighted average pruning cap). */
  budget: number;
  /** t0, s per round for every client that neither pruning nor bandwidth changes (MODEL.md section 8). */
  fixedSeconds: number;
  /** phi_c in [0, 1]: the share of the compute that pruning removes. */
  prunableComputeFraction: number;
  /** phi_s in [0, 1]: the share of the payload (the update) that pruning removes. */
  prunablePayloadFraction: number;
  /**
   * The fleet (MODEL.md section 12): `NAME:SHARE,...` over the device catalog
   * (devices.ts), a preset (`edge-mix`, ...), or 'none': throughputs uniform in
   * [throughputMin, throughputMax] as without devices.
   */
  devices: string;
  /** Model FLOPs utilization of LoRA fine-tuning: a device's achieved throughput is its peak times this, in (0, 1]. */
  utilization: number;
  /** phi_m in (0, 1]: the share of the fine-tuning's memory that pruning removes (default: the model preset's, else phi_c). */
  memoryPrunableFraction?: number;
  /** e_k, W, while training: one value, or 'lo:hi' drawn uniformly per client; a client's device sets its own. */
  computePowerW: number | string;
  /** Ebar, J per round for every client, or null: no cap (MODEL.md section 11). */
  energyCapJ: number | null;
}

/** The generator's defaults: 20 clients in a 500 m cell, 23 dBm, -174 dBm/Hz, 20 MHz, Llama 2 7B LoRA on GSM8K. */
export const SCENARIO_DEFAULTS: ScenarioOptions = {
  clients: 20,
  seed: 1,
  drop: 0,
  realization: 0,
  cellRadiusM: 500,
  minDistanceM: 10,
  shadowingDb: 0,
  txPowerDbm: 23,
  noisePsdDbmPerHz: -174,
  bandwidthHz: 20e6,
  model: 'llama2-7b-lora',
  dataset: 'gsm8k',
  epochs: 1,
  throughputMin: 1e13,
  throughputMax: 5e13,
  maxPruning: 0.5,
  budget: 0.3,
  fixedSeconds: 0,
  prunableComputeFraction: 1,
  prunablePayloadFraction: 1,
  devices: 'none',
  utilization: DEFAULT_UTILIZATION,
  computePowerW: DEFAULT_COMPUTE_POWER_W,
  energyCapJ: null,
};

/** What each option means, with its unit: the CLI's help and the docs come from here. */
export const SCENARIO_HELP: Record<keyof ScenarioOptions, string> = {
  clients: 'number of clients K (at most 1000000)',
  seed: 'random seed, integer in [0, 2^32)',
  drop: 'drop index (client placement, data, compute), integer >= 0',
  realization: 'fading realization index of the drop, integer >= 0',
  cellRadiusM: 'cell radius, m',
  minDistanceM: 'minimum client distance from the base station, m',
  shadowingDb: 'log-normal shadowing standard deviation, dB',
  txPowerDbm: 'client transmit power, dBm',
  noisePsdDbmPerHz: 'noise power spectral density, dBm/Hz',
  bandwidthHz: 'total uplink bandwidth B, Hz',
  model: `model preset: ${Object.keys(MODEL_PRESETS).join(', ')}`,
  dataset: `dataset preset: ${Object.keys(DATASET_PRESETS).join(', ')}`,
  samplesMin: 'fewest samples per client (default: the dataset preset)',
  samplesMax: 'most samples per client (default: the dataset preset)',
  epochs: 'local epochs per round',
  throughputMin: 'slowest client compute throughput, FLOP/s',
  throughputMax: 'fastest client compute throughput, FLOP/s',
  maxPruning: 'most any client may prune, rmax in [0, 1)',
  budget: 'pruning budget: cap on the data-weighted mean pruning rate, in [0, 1)',
  fixedSeconds: 'fixed time per round of every client (download, aggregation, unpruned layers), s, >= 0',
  prunableComputeFraction: 'share of the compute that pruning removes, phi_c in [0, 1]',
  prunablePayloadFraction: 'share of the payload (the update) that pruning removes, phi_s in [0, 1]',
  devices: `fleet NAME:SHARE,... over the device catalog (${DEVICES.map((d) => d.name).join(', ')}), a preset (${Object.keys(FLEET_PRESETS).join(', ')}), or none (throughputs uniform in the range)`,
  utilization: 'model FLOPs utilization of fine-tuning: achieved / peak throughput of a device, in (0, 1]',
  memoryPrunableFraction: 'share of the fine-tuning memory that pruning removes, phi_m in (0, 1] (default: phi_c)',
  computePowerW: 'client compute power while training, W: one value or lo:hi drawn per client (a device sets its own)',
  energyCapJ: 'energy cap per round of every client, J, or none',
};

/**
 * Most clients of one generated problem (MODEL.md section 7): a unit of a sweep holds
 * a few arrays of K numbers per thread, so this bounds a sweep's memory (the Rust core
 * checks the same limit, docs/CORE_API.md).
 */
export const MAX_CLIENTS = 1_000_000;

function bad(field: string, rule: string): JcpbaError {
  return new JcpbaError('invalid-option', `${field} ${rule}`, field);
}

function isUint32(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

/** Fills in defaults and checks every option; throws JcpbaError naming the option. */
export function scenarioOptions(partial: Partial<ScenarioOptions> = {}): ScenarioOptions {
  const o = { ...SCENARIO_DEFAULTS, ...partial } as ScenarioOptions;
  for (const [key, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (key === 'model' || key === 'dataset' || key === 'devices' || key === 'computePowerW' || key === 'energyCapJ') continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(key, 'must be a finite number');
  }
  if (!Number.isInteger(o.clients) || o.clients < 1 || o.clients > MAX_CLIENTS) throw bad('clients', `must be a positive integer, at most ${MAX_CLIENTS}`);
  for (const k of ['seed', 'drop', 'realization'] as const) if (!isUint32(o[k])) throw bad(k, 'must be an integer in [0, 2^32)');
  for (const k of ['cellRadiusM', 'bandwidthHz', 'throughputMin', 'throughputMax', 'epochs'] as const) {
    if (!(o[k] > 0)) throw bad(k, 'must be positive');
  }
  // The problem's representable range (MODEL.md 2.1) on the scalars known here; the
  // per-client scales are checked on each generated problem.
  if (!(o.bandwidthHz >= SCALE_MIN && o.bandwidthHz <= SCALE_MAX)) throw bad('bandwidthHz', 'must be in [1e-50, 1e50] (the representable range, MODEL.md 2.1)');
  if (!(o.minDistanceM > 0 && o.minDistanceM < o.cellRadiusM)) throw bad('minDistanceM', 'must be positive and below cellRadiusM');
  if (!(o.shadowingDb >= 0)) throw bad('shadowingDb', 'must be >= 0');
  if (o.throughputMax < o.throughputMin) throw bad('throughputMax', 'must be >= throughputMin');
  if (!(o.maxPruning >= 0 && o.maxPruning < 1)) throw bad('maxPruning', 'must be in [0, 1)');
  if (!(1 - o.maxPruning >= KEEP_MIN)) throw bad('maxPruning', 'must be at most 1 - 1e-6 (the representable range, MODEL.md 2.1)');
  if (!(o.budget >= 0 && o.budget < 1)) throw bad('budget', 'must be in [0, 1)');
  if (!(o.fixedSeconds >= 0)) throw bad('fixedSeconds', 'must be >= 0');
  for (const k of ['prunableComputeFraction', 'prunablePayloadFraction'] as const) {
    if (!(o[k] >= 0 && o[k] <= 1)) throw bad(k, 'must be in [0, 1]');
  }
  // Own keys only: `__proto__` or `toString` is no preset.
  if (typeof o.model !== 'string' || !Object.hasOwn(MODEL_PRESETS, o.model)) {
    throw new JcpbaError('unknown-preset', `unknown model preset "${o.model}"; expected one of ${Object.keys(MODEL_PRESETS).join(', ')}`, 'model');
  }
  const data = typeof o.dataset === 'string' && Object.hasOwn(DATASET_PRESETS, o.dataset) ? DATASET_PRESETS[o.dataset] : undefined;
  if (!data) {
    throw new JcpbaError('unknown-preset', `unknown dataset preset "${o.dataset}"; expected one of ${Object.keys(DATASET_PRESETS).join(', ')}`, 'dataset');
  }
  const lo = o.samplesMin ?? data.samplesMin;
  const hi = o.samplesMax ?? data.samplesMax;
  if (!(Number.isInteger(lo) && lo >= 1)) throw bad('samplesMin', 'must be a positive integer');
  if (!(Number.isInteger(hi) && hi >= lo)) throw bad('samplesMax', 'must be an integer >= samplesMin');
  if (typeof o.devices !== 'string') throw bad('devices', 'must be a fleet NAME:SHARE,..., a preset name or none');
  if (!(o.utilization > 0 && o.utilization <= 1)) throw bad('utilization', 'must be in (0, 1]');
  computePowerRange(o.computePowerW);
  if (o.energyCapJ !== null && !(typeof o.energyCapJ === 'number' && o.energyCapJ > 0 && Number.isFinite(o.energyCapJ))) {
    throw bad('energyCapJ', 'must be a positive finite number of J, or null (none)');
  }
  const shares = parseFleet(o.devices);
  const phiM = o.memoryPrunableFraction ?? MODEL_PRESETS[o.model].memoryPrunableFraction ?? o.prunableComputeFraction;
  if (shares.some((x) => x > 0) && !(phiM > 0 && phiM <= 1)) {
    throw bad('memoryPrunableFraction', `must be in (0, 1] when clients draw devices (got ${phiM}${o.memoryPrunableFraction === undefined ? ', from prunableComputeFraction' : ''})`);
  }
  if (!(phiM >= 0 && phiM <= 1)) throw bad('memoryPrunableFraction', 'must be in (0, 1]');
  return o;
}

/** `computePowerW` as [lo, hi]: one number (lo = hi), or the text 'X' or 'lo:hi'. */
export function computePowerRange(v: number | string): [number, number] {
  const fail = () => bad('computePowerW', `must be a number of W >= 0 or a range lo:hi with 0 <= lo <= hi (got ${JSON.stringify(v)})`);
  let lo: number;
  let hi: number;
  if (typeof v === 'number') {
    lo = v;
    hi = v;
  } else if (typeof v === 'string') {
    const parts = v.split(':');
    if (parts.length > 2 || parts.some((x) => x.trim() === '')) throw fail();
    lo = Number(parts[0]);
    hi = parts.length === 2 ? Number(parts[1]) : lo;
  } else {
    throw fail();
  }
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo >= 0 && hi >= lo)) throw fail();
  return [lo, hi];
}

/** The memory the model preset's unpruned fine-tuning needs on the dataset preset, bytes (devices.ts `fineTuningMemoryBytes`). */
export function modelMemoryBytes(model: string, dataset: string): number {
  return fineTuningMemoryBytes(MODEL_PRESETS[model], DATASET_PRESETS[dataset].tokensPerSample);
}

/** Path loss of MODEL.md section 7, dB, at distance d metres. */
export function pathLossDb(dM: number): number {
  return 128.1 + 37.6 * Math.log10(dM / 1000);
}

/**
 * A scenario with its presets resolved to numbers: what the backends' generators take
 * (the Rust core has no preset tables; the facade resolves them here).
 */
export interface ScenarioParams {
  /** K, number of clients. */
  clients: number;
  /** Random seed (unsigned 32-bit integer). */
  seed: number;
  /** Drop index. */
  drop: number;
  /** Realization index. */
  realization: number;
  /** Cell radius, m. */
  cellRadiusM: number;
  /** Least distance of a client from the base station, m. */
  minDistanceM: number;
  /** Log-normal shadowing standard deviation, dB. */
  shadowingDb: number;
  /** p_k of every client, W. */
  txPowerW: number;
  /** N0, W/Hz. */
  noisePsdWPerHz: number;
  /** B, Hz. */
  bandwidthHz: number;
  /** S, bits: trainable parameters x bits per parameter. */
  payloadBits: number;
  /** FLOPs of one sample's local training: tokens x FLOPs per token x epochs. */
  flopsPerSample: number;
  /** Fewest samples per client. */
  samplesMin: number;
  /** Most samples per client. */
  samplesMax: number;
  /** Least client compute throughput, FLOP/s. */
  throughputMin: number;
  /** Greatest client compute throughput, FLOP/s. */
  throughputMax: number;
  /** rmax of every client, a fraction in [0, 1). */
  maxPruning: number;
  /** The pruning budget, a fraction in [0, 1). */
  budget: number;
  /** t0, s per round for every client. */
  fixedSeconds: number;
  /** phi_c in [0, 1]. */
  prunableComputeFraction: number;
  /** phi_s in [0, 1]. */
  prunablePayloadFraction: number;
  /** e_k, W, uniform in [min, max] per client (one value when equal); a device sets its own. */
  computePowerMin: number;
  /** The upper end of that range, W. */
  computePowerMax: number;
  /** Ebar, J per round for every client; Infinity: no cap. */
  energyCapJ: number;
  /** Model FLOPs utilization: a device client's throughput is its peak times this. */
  utilization: number;
  /** M_model, bytes. */
  modelMemoryBytes: number;
  /** phi_m. */
  memoryPrunableFraction: number;
  /** One share per catalog entry (devices.ts DEVICES order), summing to 1; all 0: no fleet. */
  deviceShares: number[];
}

/**
 * The generator's options with the defaults filled in and the presets resolved to numbers
 * (dBm to W, the model and dataset to bits and FLOPs). Throws JcpbaError on a bad option.
 */
export function resolveScenario(partial: Partial<ScenarioOptions> = {}): ScenarioParams {
  const o = scenarioOptions(partial);
  const model = MODEL_PRESETS[o.model];
  const data = DATASET_PRESETS[o.dataset];
  const power = computePowerRange(o.computePowerW);
  return {
    clients: o.clients,
    seed: o.seed,
    drop: o.drop,
    realization: o.realization,
    cellRadiusM: o.cellRadiusM,
    minDistanceM: o.minDistanceM,
    shadowingDb: o.shadowingDb,
    txPowerW: dbmToWatts(o.txPowerDbm),
    noisePsdWPerHz: dbmToWatts(o.noisePsdDbmPerHz),
    bandwidthHz: o.bandwidthHz,
    payloadBits: model.trainableParams * model.bitsPerParam,
    flopsPerSample: data.tokensPerSample * model.flopsPerToken * o.epochs,
    samplesMin: o.samplesMin ?? data.samplesMin,
    samplesMax: o.samplesMax ?? data.samplesMax,
    throughputMin: o.throughputMin,
    throughputMax: o.throughputMax,
    maxPruning: o.maxPruning,
    budget: o.budget,
    fixedSeconds: o.fixedSeconds,
    prunableComputeFraction: o.prunableComputeFraction,
    prunablePayloadFraction: o.prunablePayloadFraction,
    computePowerMin: power[0],
    computePowerMax: power[1],
    energyCapJ: o.energyCapJ ?? Infinity,
    utilization: o.utilization,
    modelMemoryBytes: modelMemoryBytes(o.model, o.dataset),
    memoryPrunableFraction: o.memoryPrunableFraction ?? model.memoryPrunableFraction ?? o.prunableComputeFraction,
    deviceShares: parseFleet(o.devices),
  };
}

/** The drop-level draws of each client, in stream order; the Rust core draws the same. */
export interface DropDraws {
  distanceM: Float64Array;
  shadowDb: Float64Array;
  samples: Float64Array;
  throughput: Float64Array;
  /** Each client's catalog index (devices.ts), absent: no fleet. */
  device?: Int32Array;
  /** Each client's compute power, W; absent: computePowerMin for every client. */
  computePowerW?: Float64Array;
}

export function drawDrop(o: ScenarioParams): DropDraws {
  const K = o.clients;
  const rng = new Random(o.seed, STREAM_DROP, o.drop, 0);
  const out: DropDraws = {
    distanceM: new Float64Array(K),
    shadowDb: new Float64Array(K),
    samples: new Float64Array(K),
    throughput: new Float64Array(K),
  };
  const r0 = o.minDistanceM * o.minDistanceM;
  const r1 = o.cellRadiusM * o.cellRadiusM;
  for (let k = 0; k < K; k++) {
    // Uniform in the annulus area: d^2 uniform in [dmin^2, R^2].
    out.distanceM[k] = Math.sqrt(r0 + rng.uniform() * (r1 - r0));
    // Box-Muller; both uniforms are always drawn so the stream does not depend on sigma.
    const u1 = rng.uniform();
    const u2 = rng.uniform();
    out.shadowDb[k] = o.shadowingDb * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    out.samples[k] = o.samplesMin + Math.floor(rng.uniform() * (o.samplesMax - o.samplesMin + 1));
    out.throughput[k] = o.throughputMin + rng.uniform() * (o.throughputMax - o.throughputMin);
  }
  drawDevices(o, out);
  return out;
}

/** True when the scenario's clients draw devices. */
export function hasFleet(o: ScenarioParams): boolean {
  return o.deviceShares.some((s) => s > 0);
}

/**
 * The device stream (MODEL.md section 12): two uniforms per client, its device and its
 * compute power, drawn only when there is a fleet or a power range. A stream of its own,
 * so the drop stream (and every problem without a fleet) is what it always was.
 */
function drawDevices(o: ScenarioParams, out: DropDraws): void {
  const fleet = hasFleet(o);
  const range = o.computePowerMax > o.computePowerMin;
  if (!fleet && !range) return;
  const K = o.clients;
  const rng = new Random(o.seed, STREAM_DEVICE, o.drop, 0);
  const power = new Float64Array(K);
  const device = fleet ? new Int32Array(K) : undefined;
  for (let k = 0; k < K; k++) {
    const uDevice = rng.uniform();
    const uPower = rng.uniform();
    power[k] = o.computePowerMin + uPower * (o.computePowerMax - o.computePowerMin);
    if (device) {
      const i = pickDevice(o.deviceShares, uDevice);
      device[k] = i;
      out.throughput[k] = DEVICES[i].peakFlops * o.utilization;
      power[k] = DEVICES[i].powerW;
    }
  }
  out.computePowerW = power;
  if (device) out.device = device;
}

/** Rayleigh fading power gains |h|^2 ~ Exp(1) of one realization. */
export function drawFading(o: ScenarioParams): Float64Array {
  const rng = new Random(o.seed, STREAM_FADING, o.drop, o.realization);
  const h2 = new Float64Array(o.clients);
  for (let k = 0; k < o.clients; k++) h2[k] = -Math.log(rng.uniform());
  return h2;
}

/** One problem: drop `drop`, realization `realization` of the scenario. */
export function generate(partial: Partial<ScenarioOptions> = {}): Problem {
  return generateFromParams(resolveScenario(partial));
}

export function generateFromParams(o: ScenarioParams): Problem {
  return problemFromDraws(o, drawDrop(o), drawFading(o));
}

/**
 * The problem of a drop's draws (positions, shadowing, samples, throughputs, devices:
 * from the generator, or a user's file of client lists) and one realization's fading
 * gains (one per drawn client). A client whose device cannot hold the fine-tuning even
 * at rmax (its least pruning exceeds rmax, MODEL.md section 12) is left out and counted in
 * `excludedClients`; the others keep their order, each with its own fading gain.
 */
export function problemFromDraws(o: ScenarioParams, drop: DropDraws, h2: Float64Array): Problem {
  const drawn = drop.distanceM.length;
  const device = drop.device;
  const kept: number[] = [];
  const rmin: number[] = [];
  for (let k = 0; k < drawn; k++) {
    if (device) {
      const r = memoryMinPruning(o.modelMemoryBytes, DEVICES[device[k]].memoryBytes, o.memoryPrunableFraction);
      if (r > o.maxPruning) continue;
      rmin.push(r);
    }
    kept.push(k);
  }
  if (kept.length === 0) throw everyClientExcluded(o, drop);
  const K = kept.length;
  const p: Problem = {
    bandwidthHz: o.bandwidthHz,
    noisePsdWPerHz: o.noisePsdWPerHz,
    payloadBits: o.payloadBits,
    pruningBudget: o.budget,
    computeSeconds: new Float64Array(K),
    txPowerW: new Float64Array(K).fill(o.txPowerW),
    channelGain: new Float64Array(K),
    dataWeight: new Float64Array(K),
    maxPruning: new Float64Array(K).fill(o.maxPruning),
    prunableComputeFraction: o.prunableComputeFraction,
    prunablePayloadFraction: o.prunablePayloadFraction,
  };
  // No column when there is no fixed time, so a generated problem of the model of
  // MODEL.md section 2 prints as it always did.
  if (o.fixedSeconds !== 0) p.fixedSeconds = new Float64Array(K).fill(o.fixedSeconds);
  if (device) p.minPruning = Float64Array.from(rmin);
  if (drop.computePowerW) p.computePowerW = Float64Array.from(kept, (k) => drop.computePowerW![k]);
  else if (device) p.computePowerW = Float64Array.from(kept, (k) => DEVICES[device[k]].powerW);
  else if (o.computePowerMin !== 0) p.computePowerW = new Float64Array(K).fill(o.computePowerMin);
  if (Number.isFinite(o.energyCapJ)) p.energyCapJ = new Float64Array(K).fill(o.energyCapJ);
  for (let j = 0; j < K; j++) {
    const k = kept[j];
    const lossDb = pathLossDb(drop.distanceM[k]) + drop.shadowDb[k];
    p.channelGain[j] = 10 ** (-lossDb / 10) * h2[k];
    // A drops file's client that names a device has no throughput of its own (NaN): its
    // device's peak times this grid point's utilization, as drawDevices sets it.
    const throughput = device && Number.isNaN(drop.throughput[k]) ? DEVICES[device[k]].peakFlops * o.utilization : drop.throughput[k];
    p.computeSeconds[j] = (drop.samples[k] * o.flopsPerSample) / throughput;
    p.dataWeight[j] = drop.samples[k];
  }
  validateProblem(p);
  if (device) {
    p.device = kept.map((k) => DEVICES[device[k]].name);
    p.excludedClients = drawn - K;
  }
  return p;
}

/** The error of a drop whose every client was excluded: names the devices drawn, in catalog order (the Rust core's words). */
function everyClientExcluded(o: ScenarioParams, drop: DropDraws): JcpbaError {
  const drawnDevices = new Set(drop.device ?? []);
  const names = DEVICES.filter((_, i) => drawnDevices.has(i)).map((d) => d.name);
  return new JcpbaError(
    'invalid-option',
    `devices: every client of drop ${o.drop} was excluded: ${names.join(', ')} cannot hold the fine-tuning even at maxPruning (its least pruning exceeds rmax)`,
    'devices',
  );
}
