// Writes the cross-backend parity vectors of the Rust core from the TypeScript reference:
//   npm run build && node scripts/parity-vectors.mjs
// Output: crates/jcpba-core/tests/data/parity_data.rs (Rust source, included by
// crates/jcpba-core/tests/parity.rs). It holds ~50 problems with the reference's
// latency for every method (round model v2 too), the first uniforms of several random streams as f64 bit
// patterns, and two full `generateFromParams` outputs. Every number is written so that
// Rust reads back exactly the double JavaScript holds (shortest round-trip decimal, or
// hex bits).

import { statSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// tsconfig's rootDir is the repository, so ts/core/x.ts compiles to dist/ts/core/x.js.
const dist = resolve(root, 'dist/ts/core');
const out = resolve(root, 'crates/jcpba-core/tests/data/parity_data.rs');

// The reference must be compiled from the current sources.
const newest = (dir, ext) =>
  Math.max(...readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => statSync(resolve(dir, f)).mtimeMs));
if (newest(dist, '.js') < newest(resolve(root, 'ts/core'), '.ts')) {
  console.error('dist/ is older than ts/: run `npm run build` first');
  process.exit(1);
}
const load = (name) => import(pathToFileURL(resolve(dist, name)).href);
// The TypeScript reference itself, never the facade (which may pick another backend).
const { METHODS, solveInstance } = await load('methods.js');
const { instance, toProblem } = await load('problem.js');
const { Random, STREAM_DROP, STREAM_FADING } = await load('rng.js');
const { resolveScenario, generateFromParams } = await load('scenario.js');

const TOLERANCE = 1e-10;
const MAX_ITERATIONS = 500;

/** A Rust f64 literal holding exactly x. */
function lit(x) {
  if (!Number.isFinite(x)) throw new Error(`not finite: ${x}`);
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
const arr = (xs) => `&[${Array.from(xs, lit).join(', ')}]`;
const bits = (x) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return `0x${view.getBigUint64(0).toString(16).padStart(16, '0')}`;
};

// ---------------------------------------------------------------- problems
const rng = new Random(20241125, 7, 0, 0);
const u = () => rng.uniform();
const logUniform = (lo, hi) => Math.exp(Math.log(lo) + u() * (Math.log(hi) - Math.log(lo)));
const N0 = 10 ** ((-174 - 30) / 10);

function randomProblem(K) {
  // Per-problem scales, then per-client spreads: c, a, S and B each span decades.
  const cScale = logUniform(1e-3, 1e3);
  const gScale = logUniform(1e-15, 1e-9);
  const spread = logUniform(1, 1e3);
  const p = {
    bandwidthHz: logUniform(1e4, 1e9),
    noisePsdWPerHz: N0,
    payloadBits: logUniform(1e4, 1e11),
    pruningBudget: u() < 0.1 ? 0 : u() * 0.95,
    computeSeconds: new Float64Array(K),
    txPowerW: new Float64Array(K),
    channelGain: new Float64Array(K),
    dataWeight: new Float64Array(K),
    maxPruning: new Float64Array(K),
  };
  const rmaxMode = u();
  for (let k = 0; k < K; k++) {
    p.computeSeconds[k] = cScale * logUniform(1 / spread, spread);
    p.txPowerW[k] = logUniform(1e-3, 2);
    p.channelGain[k] = gScale * logUniform(1 / spread, spread);
    p.dataWeight[k] = logUniform(1, 1e4);
    p.maxPruning[k] = rmaxMode < 0.2 ? 0.5 : u() < 0.1 ? 0 : u() * 0.99;
  }
  return p;
}

const problems = [];
const sizes = [1, 1, 2, 2, 3, 5, 8, 13, 20, 30, 50, 75, 100, 150, 200, 300];
for (let i = 0; i < 36; i++) {
  const K = i < sizes.length ? sizes[i] : 1 + Math.floor(u() * 60); // small, to keep the file small
  problems.push({ name: `random-${i}-k${K}`, problem: randomProblem(K) });
}
// Edge cases: no budget, no client may prune, a budget above every cap, identical clients.
{
  const p = randomProblem(40);
  p.pruningBudget = 0;
  problems.push({ name: 'budget-zero', problem: p });
  const q = randomProblem(25);
  q.maxPruning.fill(0);
  problems.push({ name: 'rmax-zero', problem: q });
  const r = randomProblem(30);
  r.pruningBudget = 0.9;
  r.maxPruning.fill(0.4);
  problems.push({ name: 'budget-above-caps', problem: r });
  const s = randomProblem(1);
  const K = 12;
  const same = { ...s };
  for (const f of ['computeSeconds', 'txPowerW', 'channelGain', 'dataWeight', 'maxPruning']) same[f] = new Float64Array(K).fill(s[f][0]);
  problems.push({ name: 'identical-clients', problem: same });
}
// Problems from the scenario generator, as the Monte Carlo runs them.
for (const [i, o] of [
  { clients: 20 },
  { clients: 100, seed: 7, drop: 3, realization: 5 },
  { clients: 50, model: 'gpt2-full', dataset: 'yahoo-answers', shadowingDb: 8 },
  { clients: 300, seed: 11, budget: 0.1, maxPruning: 0.8 },
  { clients: 5, budget: 0.6, maxPruning: 0.9, bandwidthHz: 1e6 },
  { clients: 200, model: 'llama2-13b-lora', throughputMin: 1e12, throughputMax: 1e14 },
  { clients: 1, seed: 3 },
  { clients: 64, seed: 5, drop: 1, realization: 2, bandwidthHz: 100e6, budget: 0 },
].entries()) {
  problems.push({ name: `scenario-${i}-k${o.clients}`, problem: generateFromParams(resolveScenario(o)) });
}

// Round model v2 (MODEL.md section 8): fixed times and prunable fractions, last so the
// problems above keep their random numbers.
function fractionOf() {
  const x = u();
  return x < 0.15 ? 0 : x < 0.3 ? 1 : u();
}
for (let i = 0; i < 12; i++) {
  const K = 1 + Math.floor(u() * 40);
  const p = randomProblem(K);
  p.prunableComputeFraction = fractionOf();
  p.prunablePayloadFraction = fractionOf();
  if (i % 4 !== 3) p.fixedSeconds = Float64Array.from(p.computeSeconds, (c) => (u() < 0.2 ? 0 : 10 * u() * c));
  problems.push({ name: `v2-${i}-k${K}`, problem: p });
}
for (const [i, o] of [
  { clients: 30, fixedSeconds: 12, prunableComputeFraction: 0.4, prunablePayloadFraction: 0.9 },
  { clients: 80, seed: 4, fixedSeconds: 0.5, prunableComputeFraction: 0, prunablePayloadFraction: 0 },
].entries()) {
  problems.push({ name: `scenario-v2-${i}-k${o.clients}`, problem: generateFromParams(resolveScenario(o)) });
}

const problemRows = problems.map(({ name, problem }) => {
  const p = toProblem(problem);
  const inst = instance(p);
  const results = METHODS.map((m) => solveInstance(inst, m, TOLERANCE, MAX_ITERATIONS));
  const opt = results[METHODS.indexOf('optimal')];
  return `    ParityProblem {
        name: ${JSON.stringify(name)},
        bandwidth_hz: ${lit(p.bandwidthHz)},
        noise_psd_w_per_hz: ${lit(p.noisePsdWPerHz)},
        payload_bits: ${lit(p.payloadBits)},
        pruning_budget: ${lit(p.pruningBudget)},
        compute_seconds: ${arr(p.computeSeconds)},
        tx_power_w: ${arr(p.txPowerW)},
        channel_gain: ${arr(p.channelGain)},
        data_weight: ${arr(p.dataWeight)},
        max_pruning: ${arr(p.maxPruning)},
        fixed_seconds: ${arr(p.fixedSeconds ?? [])},
        prunable_compute_fraction: ${lit(p.prunableComputeFraction ?? 1)},
        prunable_payload_fraction: ${lit(p.prunablePayloadFraction ?? 1)},
        // ${METHODS.join(', ')}
        latency: [${results.map((r) => lit(r.latency)).join(', ')}],
        lower_bound: ${lit(opt.lowerBound)},
    },`;
});

// ---------------------------------------------------------------- random streams
const streams = [
  [1, STREAM_DROP, 0, 0],
  [1, STREAM_FADING, 0, 0],
  [1, STREAM_FADING, 0, 1],
  [0, STREAM_DROP, 0, 0],
  [0xffffffff, STREAM_FADING, 0xffffffff, 0xffffffff],
  [20241125, 7, 0, 0],
  [42, STREAM_DROP, 17, 0],
  [42, STREAM_FADING, 17, 999],
  [42, 3, 17, 0],
];
const streamRows = streams.map(([seed, stream, drop, realization]) => {
  const r = new Random(seed, stream, drop, realization);
  const us = Array.from({ length: 8 }, () => bits(r.uniform()));
  return `    RngVector { seed: ${seed}, stream: ${stream}, drop: ${drop}, realization: ${realization}, uniform_bits: [${us.join(', ')}] },`;
});

// ---------------------------------------------------------------- generator
const scenarios = [
  { clients: 10, seed: 3, drop: 2, realization: 4, shadowingDb: 6 },
  { clients: 25, seed: 99, model: 'gpt2-full', dataset: 'yahoo-answers', samplesMin: 1, samplesMax: 1000 },
  { clients: 12, seed: 5, fixedSeconds: 3.5, prunableComputeFraction: 0.25, prunablePayloadFraction: 0.75 },
  // Devices (MODEL.md section 12): a fleet with exclusions (the 13B model does not fit
  // 8 or 12 GiB at rmax 0.5), a power range, and an energy cap.
  { clients: 30, seed: 7, drop: 1, realization: 2, model: 'llama2-13b-lora', devices: 'edge-mix', computePowerW: '20:60', energyCapJ: 5000 },
  { clients: 20, seed: 8, devices: 'orin-nano-8gb:1,rtx-4070:2,rtx-4090:1', utilization: 0.4, memoryPrunableFraction: 0.8 },
  { clients: 9, seed: 9, computePowerW: '0:300' },
];
const field = (o, name, rust) => `            ${rust}: ${typeof o[name] === 'number' && !['clients', 'seed', 'drop', 'realization'].includes(name) ? lit(o[name]) : o[name]},`;
const scenarioRows = scenarios.map((s) => {
  const o = resolveScenario(s);
  const p = generateFromParams(o);
  const fields = [
    ['clients', 'clients'],
    ['seed', 'seed'],
    ['drop', 'drop'],
    ['realization', 'realization'],
    ['cellRadiusM', 'cell_radius_m'],
    ['minDistanceM', 'min_distance_m'],
    ['shadowingDb', 'shadowing_db'],
    ['txPowerW', 'tx_power_w'],
    ['noisePsdWPerHz', 'noise_psd_w_per_hz'],
    ['bandwidthHz', 'bandwidth_hz'],
    ['payloadBits', 'payload_bits'],
    ['flopsPerSample', 'flops_per_sample'],
    ['samplesMin', 'samples_min'],
    ['samplesMax', 'samples_max'],
    ['throughputMin', 'throughput_min'],
    ['throughputMax', 'throughput_max'],
    ['maxPruning', 'max_pruning'],
    ['budget', 'budget'],
    ['fixedSeconds', 'fixed_seconds'],
    ['prunableComputeFraction', 'prunable_compute_fraction'],
    ['prunablePayloadFraction', 'prunable_payload_fraction'],
    ['computePowerMin', 'compute_power_min'],
    ['computePowerMax', 'compute_power_max'],
    ['utilization', 'utilization'],
    ['modelMemoryBytes', 'model_memory_bytes'],
    ['memoryPrunableFraction', 'memory_prunable_fraction'],
  ];
  return `    GenerateVector {
        params: ScenarioParams {
${fields.map(([js, rust]) => field(o, js, rust)).join('\n')}
            energy_cap_j: ${Number.isFinite(o.energyCapJ) ? lit(o.energyCapJ) : 'f64::INFINITY'},
            device_shares: [${o.deviceShares.map(lit).join(', ')}],
        },
        bandwidth_hz: ${lit(p.bandwidthHz)},
        noise_psd_w_per_hz: ${lit(p.noisePsdWPerHz)},
        payload_bits: ${lit(p.payloadBits)},
        pruning_budget: ${lit(p.pruningBudget)},
        compute_seconds: ${arr(p.computeSeconds)},
        tx_power_w: ${arr(p.txPowerW)},
        channel_gain: ${arr(p.channelGain)},
        data_weight: ${arr(p.dataWeight)},
        max_pruning: ${arr(p.maxPruning)},
        fixed_seconds: ${arr(p.fixedSeconds ?? [])},
        prunable_compute_fraction: ${lit(p.prunableComputeFraction ?? 1)},
        prunable_payload_fraction: ${lit(p.prunablePayloadFraction ?? 1)},
        min_pruning: ${arr(p.minPruning ?? [])},
        compute_power_w: ${arr(p.computePowerW ?? [])},
        energy_cap_j: ${arr(p.energyCapJ ?? [])},
        excluded: ${p.excludedClients ?? 0},
    },`;
});

const source = `// @generated by scripts/parity-vectors.mjs from the TypeScript reference; do not edit.
// Regenerate with: npm run build && node scripts/parity-vectors.mjs
// Tolerance ${TOLERANCE}, maxIterations ${MAX_ITERATIONS}.

pub const METHOD_IDS: [&str; ${METHODS.length}] = [${METHODS.map((m) => JSON.stringify(m)).join(', ')}];

pub const PROBLEMS: &[ParityProblem] = &[
${problemRows.join('\n')}
];

pub const RNG_VECTORS: &[RngVector] = &[
${streamRows.join('\n')}
];

pub fn generate_vectors() -> Vec<GenerateVector> {
    vec![
${scenarioRows.join('\n')}
    ]
}
`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, source);
console.log(`wrote ${out}: ${problems.length} problems, ${streams.length} streams, ${scenarios.length} scenarios`);
