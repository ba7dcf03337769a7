/**
 * A worker thread of a sweep: runs the units it is sent and posts their summaries back
 * (as the JSON array the compiled cores return). WASM and TypeScript run a pool of these,
 * one unit per message; the native backend runs one, which hands whole batches to the
 * addon's own threads. A sweep of a drops file (`drops`) runs its built-in methods here
 * too, one unit per message, on the worker's own solver. Either way the main thread's
 * event loop stays free while units run, so signals, progress and a second Ctrl-C are
 * handled at once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type MonteCarloOptions, type UnitSpec, runUnit } from '../core/montecarlo.js';
import type { DropDraws, ScenarioOptions, ScenarioParams } from '../core/scenario.js';
import { flattenParams } from './config.js';
import type { UnitMethod } from './custom.js';
import { runDropsUnit, solverUnitMethod } from './drops.js';
import type { CoreBackend } from '../../bindings/types.js';

interface Setup {
  backend: 'native' | 'ts' | 'wasm';
  params: ScenarioParams[];
  options: MonteCarloOptions;
  /** A drops file's sweep: the drops (on shared memory) and the grid points, named in errors. */
  drops?: { draws: DropDraws[]; points: Partial<ScenarioOptions>[] };
}

const setup = workerData as Setup;
let core: CoreBackend | undefined;
let dropsMethods: UnitMethod[] | undefined;
if (setup.drops) {
  const { createSolver } = await import('../facade.js');
  const solver = await createSolver({ backend: setup.backend });
  const o = setup.options;
  dropsMethods = o.methods.map((id) => solverUnitMethod(solver, id, o.tolerance, o.maxIterations));
} else if (setup.backend === 'wasm') {
  const { loadWasmNode } = await import('../../bindings/wasm-node.js');
  core = await loadWasmNode();
} else if (setup.backend === 'native') {
  const { loadNative } = await import('../../bindings/native.js');
  core = loadNative();
}
const flat = flattenParams(setup.params);

function run(specs: UnitSpec[], threads: number): string {
  const o = setup.options;
  const drops = setup.drops;
  if (drops) {
    return JSON.stringify(
      specs.map((s) => ({ ...s, methods: runDropsUnit(setup.params[s.grid], drops.points[s.grid], drops.draws[s.drop], s, o.trials, o.rounds, dropsMethods!) })),
    );
  }
  if (!core) return JSON.stringify(specs.map((s) => runUnit(setup.params[s.grid], s, o)));
  const packed = Uint32Array.from(specs.flatMap((s) => [s.grid, s.drop, s.block]));
  return core.runUnits(flat, packed, o.methods.join(','), o.trials, o.rounds, o.tolerance, o.maxIterations, threads);
}

parentPort!.on('message', (msg: { id: number; units: UnitSpec[]; threads?: number }) => {
  try {
    parentPort!.postMessage({ id: msg.id, json: run(msg.units, msg.threads ?? 1) });
  } catch (e) {
    const err = e as Error & { code?: string; field?: string; client?: number };
    parentPort!.postMessage({ id: msg.id, error: { message: err.message, code: err.code, field: err.field, client: err.client } });
  }
});
parentPort!.postMessage({ ready: true });
