#!/usr/bin/env node
// `npm run bench`: per-solve timings, backend suites, sweep throughput and evaluation
// counts; prints the speed-ups and writes latest.json and latest.md. See bench/options.mjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSolver } from '../dist/ts/index.js';
import { COUNT_METHODS } from './count-evaluations.mjs';
import { busyWarning, duration, ratio, table } from './format.mjs';
import { machine, otherWork } from './machine.mjs';
import { USAGE, parseOptions, solveMethods } from './options.mjs';
import { ratios, runPerSolve } from './per-solve.mjs';
import { markdown } from './report.mjs';
import { runSuites } from './suites.mjs';
import { runSweepThroughput } from './sweep-throughput.mjs';
import { runPlanBench } from './plan.mjs';
import { runCapsBench } from './caps.mjs';
import { runScaleBench } from './scale.mjs';
import { MEMORY, runMemoryBench } from './memory.mjs';
import { runAccuracy } from './accuracy.mjs';
import { findBaseline } from './baseline.mjs';
import { judge } from './targets.mjs';
import { runAnchors } from './anchors/anchors.mjs';

const log = (line) => process.stderr.write(`bench: ${line}\n`);

let o;
try {
  o = parseOptions(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench: ${e.message}\n`);
  process.exit(2);
}
if (o.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const started = performance.now();
const others = otherWork();
const solvers = {};
for (const backend of o.backends) solvers[backend] = await createSolver({ backend });
const m = machine(solvers.native?.core?.version() ?? solvers.wasm?.core?.version());
// The instruction set of each compiled backend's kernels (solver.kernels).
m.kernels = Object.fromEntries(Object.entries(solvers).filter(([, s]) => s.kernels).map(([b, s]) => [b, s.kernels]));
if (m.staleBuilds.length) log(`warning: older than their sources: ${m.staleBuilds.join('; ')}`);
log(`${m.cpu}, ${m.availableParallelism} threads, Node ${m.node}; backends ${o.backends.join(', ')}; K ${o.sizes.join(', ')}${o.quick ? '; quick' : ''}`);

const result = { kind: 'jcpba-bench', quick: o.quick, options: { methods: o.methods, backends: o.backends, sizes: o.sizes, parts: o.parts }, machine: m };
mkdirSync(o.out, { recursive: true });

if (o.parts.includes('solve')) {
  result.perSolve = runPerSolve({ solvers, methods: o.methods, sizes: o.sizes, quick: o.quick, log });
  result.ratios = ratios(result.perSolve.rows);
}
if (o.parts.includes('suites')) result.suites = await runSuites({ solvers, methods: solveMethods(o.methods), quick: o.quick, folder: o.out, log });
if (o.parts.includes('accuracy')) result.accuracy = runAccuracy({ solvers, log });
if (o.parts.includes('sweep')) {
  const baseline = solvers.native ? findBaseline(o.baseline) : undefined;
  if (solvers.native && !baseline) log('no baseline build of the native addon (bash bench/baseline.sh): the sweep target against it is not measured');
  result.sweep = await runSweepThroughput({ solvers, methods: solveMethods(o.methods), quick: o.quick, log, baseline });
}
if (o.parts.includes('plan') && o.methods.includes('optimal')) result.plan = runPlanBench({ solvers, quick: o.quick, log });
if (o.parts.includes('caps') && o.methods.includes('optimal')) result.caps = runCapsBench({ solvers, quick: o.quick, log });
if (o.parts.includes('scale')) result.scale = runScaleBench({ solvers, quick: o.quick, log });
if (o.parts.includes('memory')) result.memory = runMemoryBench({ backends: o.backends, clients: o.quick ? MEMORY.clients / 10 : MEMORY.clients, log });
const countMethods = COUNT_METHODS.filter((x) => o.methods.includes(x));
if (o.parts.includes('counts') && countMethods.length) {
  // A process of its own: V8's call counting slows the code it counts.
  const script = new URL('./count-evaluations.mjs', import.meta.url).pathname;
  const args = [script, '--json', '--sizes', o.sizes.join(','), '--methods', countMethods.join(',')];
  result.counts = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  log(`counts: ${result.counts.rows.length} rows (${result.counts.coreHooks.length ? 'core counted' : 'core pending'})`);
}
if (o.parts.includes('anchors')) {
  const solver = solvers.native ?? solvers.wasm ?? solvers.ts;
  result.anchors = runAnchors({ solver, quick: o.quick, sizes: o.sizes, log });
}
result.seconds = (performance.now() - started) / 1000;
m.otherCoresBusy = others();
if (busyWarning(m)) log(`warning: ${busyWarning(m)}`);

writeFileSync(join(o.out, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(o.out, 'latest.md'), markdown(result));

if (result.ratios?.length) {
  const rows = result.ratios.map((r) => [r.clients.toLocaleString('en-US'), r.method, ratio(r.nativeOverTs), ratio(r.wasmOverTs)]);
  process.stdout.write(`\nSpeed-up over TypeScript (TS mean / backend mean, this run):\n\n${table(['K', 'method', 'native / TS', 'WASM / TS'], rows, ['r', 'l', 'r', 'r'])}\n`);
}
if (result.perSolve) {
  const headline = result.perSolve.rows.filter((r) => ['bcd', 'optimal'].includes(r.method) && r.clients === Math.max(...o.sizes.filter((k) => k <= 1000)));
  if (headline.length) {
    process.stdout.write(`\nMean per solve at K = ${headline[0].clients}:\n\n${table(['backend', 'method', 'mean', 'p99'], headline.map((r) => [r.backend, r.method, duration(r.meanMs), duration(r.p99Ms)]), ['l', 'l', 'r', 'r'])}\n`);
  }
}
process.stdout.write(`\nTargets:\n\n${table(['target', 'measured', 'status'], judge(result).map((j) => [j.target, j.measured, j.status]), ['l', 'r', 'l'])}\n`);
process.stdout.write(`\nWrote ${join(o.out, 'latest.json')} and ${join(o.out, 'latest.md')} in ${result.seconds.toFixed(0)} s.\n`);
