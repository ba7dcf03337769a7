// The public API, pinned: the names the package entries export (values at run time,
// types from the declaration files). A change here is a deliberate change of the API:
// update the lists below in the same commit, and say so in the README.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import * as node from '../dist/ts/index.js';
import * as browser from '../dist/ts/browser.js';

const SHARED_VALUES = [
  'CLIENT_FIELDS', 'CLIENT_LIMITS', 'DATASET_PRESETS', 'DEFAULT_MAX_ITERATIONS', 'DEFAULT_TOLERANCE', 'JcpbaError', 'METHODS', 'calibrate',
  'MODEL_PRESETS', 'POLICIES', 'SCENARIO_DEFAULTS', 'SCENARIO_HELP', 'VERSION', 'createSolver', 'dbmToWatts', 'generate', 'hasPoint',
  'minPruning', 'plan', 'rate', 'rateInverse', 'resolveScenario', 'solve', 'toJson', 'toProblem', 'validateProblem',
  // The device catalog (MODEL.md section 12).
  'DEFAULT_COMPUTE_POWER_W', 'DEFAULT_UTILIZATION', 'DEVICES', 'FLEET_PRESETS', 'fineTuningMemoryBytes', 'memoryMinPruning', 'modelMemoryBytes', 'parseFleet',
];
const NODE_VALUES = [...SHARED_VALUES, 'BACKENDS', 'GRID_PARAMS', 'mergeShards', 'runSweep'];
const BROWSER_VALUES = [...SHARED_VALUES, 'BROWSER_BACKENDS', 'DEFAULT_WASM_URL'];

const SHARED_TYPES = [
  'AdaptivePlan', 'BackendName', 'CalibrateOptions', 'CalibratedRun', 'Calibration', 'PilotRun', 'ClientColumns', 'ClientField', 'ClientInput', 'DatasetPreset', 'ErrorCode', 'FeasibleResult', 'InfeasibleResult', 'MethodId',
  'Kernels', 'MinPruningFeasible', 'MinPruningInfeasible', 'MinPruningOptions', 'MinPruningResult', 'MinPruningStatus', 'ModelPreset', 'PlanOptions', 'PlanResult', 'Policy',
  'Problem', 'ProblemInput', 'StaticPlan', 'ScenarioOptions', 'ScenarioParams', 'SolveOptions', 'SolveResult', 'Solver', 'Status',
  'Device', 'LossCurve', 'LossCurveInput', 'PointStatus', 'ShapeOptions',
];
const NODE_TYPES = [...SHARED_TYPES, 'CreateSolverOptions', 'CustomMethod', 'CustomPoint', 'MethodStats', 'Progress', 'ResultRow', 'RunOptions', 'Shard', 'SweepConfig', 'SweepInput', 'SweepMethod', 'SweepOutcome', 'FleetStats', 'Statistic'];
const BROWSER_TYPES = [...SHARED_TYPES, 'BrowserBackendName', 'BrowserSolverOptions'];

const sorted = (names) => [...new Set(names)].sort();

/** Type-only names exported by a declaration file (`export type { A, B } from ...` and local declarations). */
function typeExports(dts) {
  const text = readFileSync(new URL(dts, import.meta.url), 'utf8');
  const names = [];
  for (const m of text.matchAll(/export type \{([^}]*)\}/g)) names.push(...m[1].split(',').map((s) => s.trim()).filter(Boolean));
  for (const m of text.matchAll(/export (?:interface|type) (\w+)/g)) names.push(m[1]);
  return sorted(names);
}

test('the Node entry exports exactly the chosen values', () => {
  assert.equal(sorted(Object.keys(node)), sorted(NODE_VALUES));
});

test('the browser entry exports exactly the chosen values', () => {
  assert.equal(sorted(Object.keys(browser)), sorted(BROWSER_VALUES));
});

test('the Node entry exports exactly the chosen types', () => {
  assert.equal(typeExports('../dist/ts/index.d.ts'), sorted(NODE_TYPES));
});

test('the browser entry exports exactly the chosen types', () => {
  assert.equal(typeExports('../dist/ts/browser.d.ts'), sorted(BROWSER_TYPES));
});

test('no entry re-exports a whole module', () => {
  for (const f of ['../ts/index.ts', '../ts/browser.ts']) {
    assert.not.match(readFileSync(new URL(f, import.meta.url), 'utf8'), /export \*/, f);
  }
});

test.run();
