// Writes test/data/v1-results.json: every method's round latency (and optimal's lower
// bound) on fixed problems, from every backend, as computed by round model v1 (before
// fixedSeconds and the prunable fractions existed; generated at commit a1d4bda). The v2
// code must reproduce these within 1e-12 relative when the new fields take their
// defaults (test/v2-defaults.test.mjs). Regenerating it after v2 landed would make that
// test vacuous: check out a1d4bda, build, and run `node scripts/v1-snapshot.mjs` there.
import { writeFileSync } from 'node:fs';
import { METHODS, createSolver, generate } from '../dist/ts/index.js';
import { Random } from '../dist/ts/core/rng.js';

const rng = new Random(20260, 99, 0, 0);
const u = () => rng.uniform();
const logUniform = (lo, hi) => Math.exp(Math.log(lo) + u() * (Math.log(hi) - Math.log(lo)));

function randomProblem(K) {
  const p = {
    bandwidthHz: logUniform(1e5, 1e9),
    noisePsdWPerHz: 10 ** ((-174 - 30) / 10),
    payloadBits: logUniform(1e5, 1e10),
    pruningBudget: u() < 0.1 ? 0 : u() * 0.9,
    clients: [],
  };
  for (let k = 0; k < K; k++) {
    p.clients.push({
      computeSeconds: logUniform(1e-2, 1e3),
      txPowerW: logUniform(1e-3, 1),
      channelGain: logUniform(1e-15, 1e-8),
      dataWeight: logUniform(1, 1e4),
      maxPruning: u() < 0.1 ? 0 : u() * 0.95,
    });
  }
  return p;
}

const problems = [];
for (let i = 0; i < 120; i++) problems.push({ name: `random-${i}`, problem: randomProblem(1 + Math.floor(u() ** 2 * 25)) });
for (const [clients, seed] of [[10, 1], [40, 2]]) {
  const p = generate({ clients, seed });
  const problem = {
    bandwidthHz: p.bandwidthHz,
    noisePsdWPerHz: p.noisePsdWPerHz,
    payloadBits: p.payloadBits,
    pruningBudget: p.pruningBudget,
    clients: Array.from({ length: clients }, (_, k) => ({
      computeSeconds: p.computeSeconds[k],
      txPowerW: p.txPowerW[k],
      channelGain: p.channelGain[k],
      dataWeight: p.dataWeight[k],
      maxPruning: p.maxPruning[k],
    })),
  };
  problems.push({ name: `generated-${clients}-${seed}`, problem });
}

const out = { generatedAt: 'a1d4bda', methods: [...METHODS], problems: [] };
const solvers = {};
for (const backend of ['ts', 'native', 'wasm']) solvers[backend] = await createSolver({ backend });
for (const { name, problem } of problems) {
  const results = {};
  for (const [backend, solver] of Object.entries(solvers)) {
    results[backend] = METHODS.map((method) => {
      const r = solver.solve(problem, { method });
      return method === 'optimal' ? [r.latency, r.lowerBound] : [r.latency];
    });
  }
  out.problems.push({ name, problem, results });
}
writeFileSync(new URL('../test/data/v1-results.json', import.meta.url), `${JSON.stringify(out)}\n`);
console.log(`wrote ${out.problems.length} problems`);
