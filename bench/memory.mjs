#!/usr/bin/env node
// Issue 22's memory rows: what one solve at K = 1,000,000 (default scenario, seed 1)
// costs in memory per client, per method (optimal, bcd, deadline mode) and backend.
//
// - native: the growth of the process's peak resident set (VmHWM in /proc/self/status)
//   across the first solve, in a fresh process per method (the problem is generated and
//   a K = 100 solve has loaded everything before the first reading);
// - wasm: the module's linear memory (memory.buffer.byteLength) after the solve, and its
//   growth across it. The linear memory holds the copied input columns as well as the
//   solver's, and it never shrinks: a long-lived page keeps what its largest solve took.
//
// Each (backend, method) runs in a child process of its own so that no earlier solve
// sets the peak. Usage: node bench/memory.mjs [--clients K] [--methods optimal,bcd,min-pruning]
//   [--backends native,wasm] [--json]; `npm run bench` runs it as its `memory` part.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const MEMORY = { clients: 1_000_000, methods: ['optimal', 'bcd', 'min-pruning'], backends: ['native', 'wasm'] };

function kib(field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** One measurement, in this process (the child's side). */
async function measureHere(backend, method, clients) {
  let memory;
  if (backend === 'wasm') {
    // The binding keeps its instance private; note the memory of the one it creates.
    const instantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = async (...args) => {
      const r = await instantiate(...args);
      memory = (r.instance ?? r).exports.memory;
      return r;
    };
  }
  const { createSolver, generate } = await import('../dist/ts/index.js');
  const solver = await createSolver({ backend });
  const run = (p) => {
    if (method !== 'min-pruning') return solver.solve(p, { method });
    const deadline = 1.05 * solver.solve(p, { method: 'optimal' }).latency;
    return solver.minPruning(p, { deadline });
  };
  run(generate({ clients: 100, seed: 1 }));
  const problem = generate({ clients, seed: 1 });
  // Deadline mode's deadline comes from an optimal solve: it is part of the measured call
  // on both backends (its peak is optimal's, then deadline mode's, whichever is higher).
  const before = { hwm: kib('VmHWM'), rss: kib('VmRSS'), linear: memory?.buffer.byteLength };
  const result = run(problem);
  const after = { hwm: kib('VmHWM'), rss: kib('VmRSS'), linear: memory?.buffer.byteLength };
  if (!(result.pruning?.length === clients)) throw new Error(`memory: ${backend} ${method} returned no point`);
  const row = { backend, method, clients, peakRssGrowth: after.hwm - before.hwm, peakRssGrowthPerClient: (after.hwm - before.hwm) / clients };
  if (memory) {
    row.linearMemory = after.linear;
    row.linearMemoryPerClient = after.linear / clients;
    row.linearGrowthPerClient = (after.linear - before.linear) / clients;
  }
  return row;
}

/** All rows, each from a child process of its own. */
export function runMemoryBench({ backends, methods = MEMORY.methods, clients = MEMORY.clients, log }) {
  const script = new URL(import.meta.url).pathname;
  const rows = [];
  for (const backend of MEMORY.backends.filter((b) => backends.includes(b))) {
    for (const method of methods) {
      const out = execFileSync(process.execPath, [script, '--child', backend, method, String(clients)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      const row = JSON.parse(out);
      rows.push(row);
      const wasm = row.linearMemory === undefined ? '' : `; linear memory ${(row.linearMemory / 2 ** 20).toFixed(0)} MiB = ${row.linearMemoryPerClient.toFixed(0)} bytes per client`;
      log?.(`memory ${backend} ${method} at K = ${clients}: peak RSS +${row.peakRssGrowthPerClient.toFixed(0)} bytes per client${wasm}`);
    }
  }
  return { config: { clients, seed: 1 }, rows };
}

const argv = process.argv.slice(2);
if (import.meta.url === `file://${process.argv[1]}`) {
  if (argv[0] === '--child') {
    process.stdout.write(JSON.stringify(await measureHere(argv[1], argv[2], Number(argv[3]))));
  } else {
    const o = { clients: MEMORY.clients, methods: MEMORY.methods, backends: MEMORY.backends, json: false };
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === '--json') o.json = true;
      else if (argv[i] === '--clients') o.clients = Number(argv[++i]);
      else if (argv[i] === '--methods') o.methods = argv[++i].split(',');
      else if (argv[i] === '--backends') o.backends = argv[++i].split(',');
      else throw new Error(`memory: unknown option ${argv[i]}`);
    }
    const r = runMemoryBench({ ...o, log: (l) => process.stderr.write(`${l}\n`) });
    if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  }
}
