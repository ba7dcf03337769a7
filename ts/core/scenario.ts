/**
 * The scenario generator (MODEL.md section 7): one drop places K clients in a cell and
 * draws their data and compute; one realization draws Rayleigh fading for a drop.
 */
import { JcpbaError } from './error.js';
import { KEEP_MIN, type Problem, SCALE_MAX, SCALE_MIN, dbmToWatts, validateProblem } from './problem.js';
import { Random, STREAM_DROP, STREAM_FADING } from './rng.js';

export interface ModelPreset {
  /** Parameters in the model. */
  totalParams: number;
  /** Parameters trained and uploaded (the LoRA adapters, or all of them). */
  trainableParams: number;
  bitsPerParam: number;
  /** Training FLOPs per token: ~6 x total for full fine-tuning, ~4 x total for LoRA. */
  flopsPerToken: number;
  description: string;
}

export const MODEL_PRESETS: Record<string, ModelPreset> = {
  'llama2-7b-lora': {
    totalParams: 6.74e9,
    trainableParams: 4_194_304, // rank 8 on q and v of 32 layers: 32 x 2 x 2 x 4096 x 8
    bitsPerParam: 16,
    flopsPerToken: 4 * 6.74e9,
    description: 'Llama 2 7B, LoRA rank 8 on the query and value projections',
  },
  'llama2-13b-lora': {
    totalParams: 13.0e9,
    trainableParams: 6_553_600, // rank 8 on q and v of 40 layers of width 5120
    bitsPerParam: 16,
    flopsPerToken: 4 * 13.0e9,
    description: 'Llama 2 13B, LoRA rank 8 on the query and value projections',
  },
  'gpt2-full': {
    totalParams: 124e6,
    trainableParams: 124e6,
    bitsPerParam: 16,
    flopsPerToken: 6 * 124e6,
    description: 'GPT-2 small (124M), full fine-tuning',
  },
};

export interface DatasetPreset {
  /** Mean tokens per training sample (prompt and answer). */
  tokensPerSample: number;
  /** Samples per client, uniform integer in [samplesMin, samplesMax]. */
  samplesMin: number;
  samplesMax: number;
  description: string;
}

export const DATASET_PRESETS: Record<string, DatasetPreset> = {
  gsm8k: { tokensPerSample: 256, samplesMin: 50, samplesMax: 150, description: 'GSM8K grade-school math (7,473 training problems)' },
  'yahoo-answers': { tokensPerSample: 128, samplesMin: 100, samplesMax: 400, description: 'Yahoo! Answers topic classification' },
};

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
  model: string;
  dataset: string;
  /** Overrides the dataset preset's range when set. */
  samplesMin?: number;
  samplesMax?: number;
  /** Local epochs per round. */
  epochs: number;
  /** Client compute throughput, FLOP/s, uniform in [min, max]. */
  throughputMin: number;
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
}

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
    if (key === 'model' || key === 'dataset') continue;
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
  return o;
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
  clients: number;
  seed: number;
  drop: number;
  realization: number;
  cellRadiusM: number;
  minDistanceM: number;
  shadowingDb: number;
  txPowerW: number;
  noisePsdWPerHz: number;
  bandwidthHz: number;
  payloadBits: number;
  /** FLOPs of one sample's local training: tokens x FLOPs per token x epochs. */
  flopsPerSample: number;
  samplesMin: number;
  samplesMax: number;
  throughputMin: number;
  throughputMax: number;
  maxPruning: number;
  budget: number;
  fixedSeconds: number;
  prunableComputeFraction: number;
  prunablePayloadFraction: number;
}

export function resolveScenario(partial: Partial<ScenarioOptions> = {}): ScenarioParams {
  const o = scenarioOptions(partial);
  const model = MODEL_PRESETS[o.model];
  const data = DATASET_PRESETS[o.dataset];
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
  };
}

/** The drop-level draws of each client, in stream order; the Rust core draws the same. */
export interface DropDraws {
  distanceM: Float64Array;
  shadowDb: Float64Array;
  samples: Float64Array;
  throughput: Float64Array;
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
  return out;
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
 * The problem of a drop's draws (positions, shadowing, samples, throughputs: from the
 * generator, or a user's file of client lists) and one realization's fading gains.
 */
export function problemFromDraws(o: ScenarioParams, drop: DropDraws, h2: Float64Array): Problem {
  const K = drop.distanceM.length;
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
  for (let k = 0; k < K; k++) {
    const lossDb = pathLossDb(drop.distanceM[k]) + drop.shadowDb[k];
    p.channelGain[k] = 10 ** (-lossDb / 10) * h2[k];
    p.computeSeconds[k] = (drop.samples[k] * o.flopsPerSample) / drop.throughput[k];
    p.dataWeight[k] = drop.samples[k];
  }
  validateProblem(p);
  return p;
}
