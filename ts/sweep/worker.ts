/**
 * A worker of the sweep pool (WASM and TypeScript backends): runs the units it is sent
 * and posts their summaries back. The native backend uses its own threads instead.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type MonteCarloOptions, type UnitSpec, type UnitSummary, runUnit } from '../core/montecarlo.js';
import type { ScenarioParams } from '../core/scenario.js';
import { flattenParams } from './config.js';
import type { CoreBackend } from '../../bindings/types.js';

interface Setup {
  backend: 'ts' | 'wasm';
  params: ScenarioParams[];
  options: MonteCarloOptions;
}

const setup = workerData as Setup;
let core: CoreBackend | undefined;
if (setup.backend === 'wasm') {
  const { loadWasmNode } = await import('../../bindings/wasm-node.js');
  core = await loadWasmNode();
}
const flat = flattenParams(setup.params);

function run(specs: UnitSpec[]): UnitSummary[] {
  const o = setup.options;
  if (!core) return specs.map((s) => runUnit(setup.params[s.grid], s, o));
  const packed = Uint32Array.from(specs.flatMap((s) => [s.grid, s.drop, s.block]));
  return JSON.parse(core.runUnits(flat, packed, o.methods.join(','), o.trials, o.rounds, o.tolerance, o.maxIterations, 1)) as UnitSummary[];
}

parentPort!.on('message', (msg: { id: number; units: UnitSpec[] }) => {
  try {
    parentPort!.postMessage({ id: msg.id, summaries: run(msg.units) });
  } catch (e) {
    const err = e as Error & { code?: string; field?: string; client?: number };
    parentPort!.postMessage({ id: msg.id, error: { message: err.message, code: err.code, field: err.field, client: err.client } });
  }
});
parentPort!.postMessage({ ready: true });
