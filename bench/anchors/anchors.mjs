// Anchors: what users would otherwise run, on the same problems. Ipopt (interior point,
// exact first and second derivatives: ipopt-model.cpp, our own model of problem P) beside
// jcpba's `optimal` and `bcd`, objective and CPU time, at K = 10 to 10,000; and the gap of
// `bcd` (the paper's method) to the certified optimum over the generator's problems, as a
// distribution. Ipopt is built here when Debian's coinor-libipopt-dev is installed, and
// skipped with a message otherwise; the gap distribution needs no Ipopt.
//
// Also runs alone: node bench/anchors/anchors.mjs [--quick] [--sizes 10,100]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../../dist/ts/index.js';
import { cpuPerSolve } from '../per-solve.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'ipopt-model.cpp');
const BINARY = join(HERE, 'build', 'ipopt-model');

export const ANCHOR_SIZES = [10, 100, 1000, 10000];
export const QUICK_ANCHOR_SIZES = [10, 100];

/**
 * The generator's two round models: v1 (MODEL.md sections 2-7) and v2 (section 8) as in
 * the README's deadline example, 5 s of fixed time per round and 80 % of the compute prunable.
 */
export const VERSIONS = {
  v1: {},
  v2: { fixedSeconds: 5, prunableComputeFraction: 0.8 },
};

/** Seeds of the Ipopt comparison (each K and version), and of the bcd gap distribution. */
const IPOPT_SEEDS = [1, 2, 3];
const GAP_SEEDS = 24;
const QUICK = { ipoptSeeds: [1], gapSeeds: 4 };

/**
 * The relative gap asked of Ipopt (ipopt-model.cpp sets its tolerances to this / K):
 * tighter than jcpba's default tolerance (1e-9), so Ipopt's time is for an optimum at
 * least as accurate as `optimal`'s.
 */
const IPOPT_GAP = 1e-10;
/** Each Ipopt solve is repeated until this much CPU time, for a stable time per solve. */
const IPOPT_MIN_SECONDS = 0.2;
/** CPU time budget per (K, method) of jcpba's solves. */
const JCPBA_BUDGET_MS = 150;

const QUANTILES = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1];

/** The include folder of Ipopt's headers (pkg-config's, else Debian's), or undefined. */
function ipoptIncludes() {
  let flags = [];
  try {
    flags = execFileSync('pkg-config', ['--cflags', 'ipopt'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(/\s+/).filter(Boolean);
  } catch {
    flags = ['-I/usr/include/coin', '-I/usr/include/coin-or'];
  }
  const dirs = flags.filter((f) => f.startsWith('-I')).map((f) => f.slice(2));
  return dirs.some((d) => existsSync(join(d, 'IpTNLP.hpp'))) ? flags : undefined;
}

/**
 * The Ipopt model's executable, compiled when missing or older than its source.
 * @returns `{ binary }` or `{ skipped: reason }`
 */
export function buildIpoptModel(log) {
  const flags = ipoptIncludes();
  if (!flags) return { skipped: "Ipopt's headers are not installed (Debian: apt-get install coinor-libipopt-dev)" };
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return { binary: BINARY };
  mkdirSync(dirname(BINARY), { recursive: true });
  // libipopt.so carries its own dependencies (MUMPS, LAPACK): only it is linked here, so
  // that pkg-config's -llapack -lblas (development links Debian does not install) are not needed.
  const args = ['-O2', '-std=c++11', ...flags, SOURCE, '-lipopt', '-o', BINARY];
  log?.(`anchors: compiling the Ipopt model (c++ ${args.join(' ')})`);
  const r = spawnSync('c++', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { skipped: `the Ipopt model did not compile: ${(r.error?.message ?? r.stderr).trim().split('\n').slice(0, 3).join(' ')}` };
  return { binary: BINARY };
}

/** A problem in ipopt-model.cpp's input format, every double written exactly. */
function problemText(p) {
  const f = (x) => x.toPrecision(17);
  const K = p.computeSeconds.length;
  const lines = [`problem ${K} ${f(p.bandwidthHz)} ${f(p.noisePsdWPerHz)} ${f(p.payloadBits)} ${f(p.pruningBudget)} ${f(p.prunableComputeFraction ?? 1)} ${f(p.prunablePayloadFraction ?? 1)}`];
  for (let k = 0; k < K; k++) {
    lines.push(`${f(p.computeSeconds[k])} ${f(p.txPowerW[k])} ${f(p.channelGain[k])} ${f(p.dataWeight[k])} ${f(p.maxPruning[k])} ${f(p.fixedSeconds?.[k] ?? 0)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Ipopt on each problem: status, iterations, recomputed latency, CPU and wall seconds per solve. */
function runIpopt(binary, problems) {
  const r = spawnSync(binary, ['--gap', String(IPOPT_GAP), '--min-seconds', String(IPOPT_MIN_SECONDS)], {
    input: problems.map(problemText).join(''),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.error || r.status !== 0) throw new Error(`ipopt-model failed: ${(r.error?.message ?? r.stderr).trim()}`);
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line));
}

export function quantiles(values, qs = QUANTILES) {
  const sorted = [...values].sort((a, b) => a - b);
  return qs.map((q) => {
    const i = q * (sorted.length - 1);
    const lo = Math.floor(i);
    const hi = Math.ceil(i);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
  });
}

/**
 * @param solver a compiled backend's solver (native preferred): jcpba's side of the table
 * @returns `{ ipopt: { skipped } | { rows }, gap: { rows, all } }`
 */
export function runAnchors({ solver, quick, sizes, log }) {
  sizes ??= quick ? QUICK_ANCHOR_SIZES : ANCHOR_SIZES;
  const plan = quick ? QUICK : { ipoptSeeds: IPOPT_SEEDS, gapSeeds: GAP_SEEDS };
  const out = { backend: solver.backend, ipoptGap: IPOPT_GAP, sizes, versions: VERSIONS, ipoptSeeds: plan.ipoptSeeds, gapSeeds: plan.gapSeeds };

  // The gap of bcd to the certified optimum, (T_bcd - T*) / T*, over every problem.
  const gaps = [];
  const gapRows = [];
  for (const K of sizes) {
    for (const [version, fields] of Object.entries(VERSIONS)) {
      const at = [];
      for (let seed = 1; seed <= plan.gapSeeds; seed++) {
        const p = generate({ clients: K, seed, ...fields });
        const best = solver.solve(p, { method: 'optimal' });
        const bcd = solver.solve(p, { method: 'bcd' });
        at.push(bcd.latency / best.latency - 1);
      }
      gaps.push(...at);
      gapRows.push({ clients: K, version, problems: at.length, quantiles: quantiles(at), atLeast10: at.filter((g) => g >= 0.1).length, atLeast30: at.filter((g) => g >= 0.3).length });
    }
  }
  out.gap = {
    quantileLevels: QUANTILES,
    rows: gapRows,
    all: { problems: gaps.length, quantiles: quantiles(gaps), atLeast10: gaps.filter((g) => g >= 0.1).length, atLeast30: gaps.filter((g) => g >= 0.3).length },
  };
  log?.(`anchors: bcd's gap to the optimum over ${gaps.length} generated problems: median ${(100 * out.gap.all.quantiles[3]).toFixed(1)} %, max ${(100 * out.gap.all.quantiles[6]).toFixed(1)} %`);

  const built = buildIpoptModel(log);
  if (built.skipped) {
    log?.(`anchors: Ipopt skipped: ${built.skipped}`);
    out.ipopt = { skipped: built.skipped };
    return out;
  }
  const rows = [];
  for (const K of sizes) {
    for (const [version, fields] of Object.entries(VERSIONS)) {
      const problems = plan.ipoptSeeds.map((seed) => generate({ clients: K, seed, ...fields }));
      const ipopt = runIpopt(built.binary, problems);
      const optimal = problems.map((p) => solver.solve(p, { method: 'optimal' }));
      const bcd = problems.map((p) => solver.solve(p, { method: 'bcd' }));
      const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
      const row = {
        clients: K,
        version,
        problems: problems.length,
        ipoptStatuses: ipopt.map((x) => x.status),
        ipoptIterations: mean(ipopt.map((x) => x.iterations)),
        ipoptCpuMs: mean(ipopt.map((x) => x.cpuSeconds * 1000)),
        ipoptWallMs: mean(ipopt.map((x) => x.wallSeconds * 1000)),
        optimalCpuMs: cpuPerSolve(solver, problems, 'optimal', JCPBA_BUDGET_MS),
        bcdCpuMs: cpuPerSolve(solver, problems, 'bcd', JCPBA_BUDGET_MS),
        // Ipopt's feasible latency against the certified optimum: how close.
        ipoptOverOptimal: ipopt.map((x, i) => x.latency / optimal[i].latency - 1),
        bcdOverOptimal: bcd.map((x, i) => x.latency / optimal[i].latency - 1),
        optimalLatency: optimal.map((x) => x.latency),
        // optimal's certificate: no feasible point, Ipopt's included, is below it.
        ipoptOverLowerBound: ipopt.map((x, i) => x.latency / optimal[i].lowerBound - 1),
      };
      row.ipoptOverOptimalCpu = row.ipoptCpuMs / row.optimalCpuMs;
      rows.push(row);
      log?.(`anchors: K ${K} ${version}: Ipopt ${row.ipoptCpuMs.toFixed(1)} ms CPU (${row.ipoptIterations.toFixed(0)} iterations, ${row.ipoptStatuses.join('/')}), optimal ${row.optimalCpuMs.toFixed(3)} ms, bcd ${row.bcdCpuMs.toFixed(3)} ms; Ipopt - optimal: ${row.ipoptOverOptimal.map((x) => x.toExponential(1)).join(', ')}`);
    }
  }
  out.ipopt = { rows };
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { createSolver } = await import('../../dist/ts/index.js');
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--sizes');
  const sizes = i >= 0 ? argv[i + 1].split(',').map(Number) : undefined;
  const solver = await createSolver();
  const result = runAnchors({ solver, quick, sizes, log: (line) => process.stderr.write(`${line}\n`) });
  const { anchorsSection } = await import('./report.mjs');
  process.stdout.write(`${anchorsSection(result)}\n`);
}
