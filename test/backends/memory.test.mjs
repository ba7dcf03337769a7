// The native addon's memory at steady state: a loop of single solves takes no new pages
// from the kernel for the solver's columns (crates/jcpba-reuse). Before it, glibc gave
// the freed columns back on every call and the next solve page-faulted them in again:
// about 750 minor faults per `optimal` solve at K = 10,000, the pages of its 3.4 MB of
// columns (336 bytes per client). Counts page faults, never time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSolver, generate } from '../../dist/ts/index.js';

const K = 10_000;
/** Bytes of columns an `optimal` solve has live at once, per client (42 f64 columns). */
const WORKING_SET_BYTES_PER_CLIENT = 336;
const PAGE = 4096;

const minorFaults = () => process.resourceUsage().minorPageFault;

test(`native optimal at K = ${K}: a solve at steady state faults in far fewer pages than its columns`, async () => {
  const solver = await createSolver({ backend: 'native' });
  const problem = generate({ clients: K, seed: 3 });
  for (let i = 0; i < 3; i++) solver.solve(problem, { method: 'optimal' });
  const solves = 12;
  const before = minorFaults();
  let latency = 0;
  for (let i = 0; i < solves; i++) latency += solver.solve(problem, { method: 'optimal' }).latency;
  const perSolve = (minorFaults() - before) / solves;
  assert.ok(Number.isFinite(latency));
  // What remains is Node's side (the result's typed arrays, V8's heap): about 60 pages.
  const columnPages = (K * WORKING_SET_BYTES_PER_CLIENT) / PAGE;
  assert.ok(perSolve < columnPages / 4, `${perSolve.toFixed(0)} minor page faults per solve; the columns are ${columnPages.toFixed(0)} pages`);
});

test.run();
