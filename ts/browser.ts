/**
 * The browser entry (package.json `exports` condition "browser"): the TypeScript
 * reference API and a `createSolver` that runs the WASM core, loaded by URL with
 * streaming compilation, or the TypeScript reference when WebAssembly is missing or
 * the module fails to load. The backend that runs is reported (`solver.backend`).
 *
 * Nothing reachable from this file imports a Node built-in statically: it shares
 * ts/solvers.ts with the Node facade but not ts/facade.ts, whose native path imports
 * bindings/native.js, which bundlers would follow into `node:fs`.
 */
import { JcpbaError } from './core/error.js';
import { type Solver, coreSolver, tsSolver } from './solvers.js';
import { defaultWasmUrl, loadWasm } from '../bindings/wasm.js';
import type { CoreBackend } from '../bindings/types.js';

// The public API for browsers, listed by name like ts/index.ts (test/api.test.mjs pins
// both lists): the same solver, problem and generator names; no sweep (it needs Node).

// Solver.
export { CLIENT_LIMITS } from './solvers.js';
export type { BackendName, Kernels, Solver } from './solvers.js';
export { METHODS, DEFAULT_TOLERANCE, DEFAULT_MAX_ITERATIONS, hasPoint, solve } from './core/methods.js';
export type { FeasibleResult, InfeasibleResult, MethodId, PointStatus, SolveOptions, SolveResult, Status } from './core/methods.js';
export { minPruning } from './core/deadline.js';
export type { MinPruningFeasible, MinPruningInfeasible, MinPruningOptions, MinPruningResult, MinPruningStatus } from './core/deadline.js';
export { POLICIES, plan } from './core/plan.js';
export type { AdaptivePlan, PlanOptions, PlanResult, Policy, StaticPlan } from './core/plan.js';
export { calibrate } from './learning/calibrate.js';
export type { CalibrateOptions, CalibratedRun, Calibration, PilotRun } from './learning/calibrate.js';
export type { LossCurve, LossCurveInput } from './learning/curve.js';

// Problem and generator.
export { CLIENT_FIELDS, dbmToWatts, toProblem, toJson, validateProblem } from './core/problem.js';
export type { ClientField, ClientInput, ClientColumns, Problem, ProblemInput, ShapeOptions } from './core/problem.js';
export { rate, rateInverse } from './core/rate.js';
export { DATASET_PRESETS, MODEL_PRESETS, SCENARIO_DEFAULTS, SCENARIO_HELP, generate, modelMemoryBytes, resolveScenario } from './core/scenario.js';
export { DEFAULT_COMPUTE_POWER_W, DEFAULT_UTILIZATION, DEVICES, FLEET_PRESETS, fineTuningMemoryBytes, memoryMinPruning, parseFleet } from './core/devices.js';
export type { Device } from './core/devices.js';
export type { DatasetPreset, ModelPreset, ScenarioOptions, ScenarioParams } from './core/scenario.js';

// Errors.
export { JcpbaError } from './core/error.js';
export type { ErrorCode } from './core/error.js';

// Version.
export { VERSION } from './version.js';

/** The backends a browser can run: the native addon needs Node. */
export const BROWSER_BACKENDS = ['wasm', 'ts'] as const;
/** A backend a browser can run: `wasm` or `ts`. */
export type BrowserBackendName = (typeof BROWSER_BACKENDS)[number];

/** Options of the browser entry's `createSolver`; every field is optional. */
export interface BrowserSolverOptions {
  /** `auto` (default) runs WASM when it loads, else the TypeScript reference. */
  backend?: BrowserBackendName | 'auto';
  /**
   * Where the WASM module is: a URL, a URL string, its bytes or a fetch Response.
   * Default: DEFAULT_WASM_URL, which bundlers that understand `new URL(..., import.meta.url)`
   * rewrite to the copy they emit. The package exports the file as `jcpba/jcpba.wasm`.
   */
  wasm?: URL | string | BufferSource | Response;
  /** Where `auto`'s warning goes when the WASM module does not load; default: console.warn. */
  onWarning?: (message: string) => void;
}

/**
 * The package's bindings/wasm/jcpba.wasm (built with WebAssembly SIMD), as this module
 * sees it (undefined in a bundle without `import.meta.url`, such as an iife: pass `wasm`
 * there). Without a `wasm` option the loader takes it where the engine runs SIMD, else
 * its sibling bindings/wasm/jcpba-nosimd.wasm, and says so in `solver.skipped`.
 */
export const DEFAULT_WASM_URL: URL | undefined = defaultWasmUrl();

/** What to do when the module did not load, for the warning. */
const WASM_HINT =
  'serve jcpba.wasm at that URL, or pass its location: createSolver({ wasm: url }), where url comes from ' +
  "the package's 'jcpba/jcpba.wasm' export (see Bundlers in jcpba's README)";

async function loadCore(options: BrowserSolverOptions): Promise<CoreBackend> {
  if (typeof WebAssembly === 'undefined') {
    throw new JcpbaError('backend-unavailable', 'WebAssembly is not available here', 'backend');
  }
  return loadWasm(options.wasm);
}

/**
 * A solver for browsers (and any JavaScript runtime without Node built-ins): `auto`
 * tries WASM, then the TypeScript reference, and records in `skipped` why WASM did not
 * run; when the module fails to load (not when WebAssembly is missing) it also warns,
 * naming the URL. A forced backend that cannot load is an error, never a fallback.
 */
export async function createSolver(options: BrowserSolverOptions = {}): Promise<Solver> {
  const wanted = options.backend ?? 'auto';
  if (wanted !== 'auto' && !(BROWSER_BACKENDS as readonly string[]).includes(wanted)) {
    throw new JcpbaError(
      'unknown-backend',
      `unknown backend ${JSON.stringify(wanted)}; expected one of auto, ${BROWSER_BACKENDS.join(', ')} (the native backend needs Node.js)`,
      'backend',
    );
  }
  if (wanted === 'ts') return tsSolver([]);
  try {
    return coreSolver('wasm', await loadCore(options), []);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    if (wanted === 'wasm') throw new JcpbaError('backend-unavailable', `backend wasm is unavailable: ${reason}`, 'backend');
    if (typeof WebAssembly !== 'undefined') {
      const warn = options.onWarning ?? ((message: string) => console.warn(message));
      warn(`jcpba: ${reason}; running the TypeScript reference instead (same results, slower). To run WASM, ${WASM_HINT}.`);
    }
    return tsSolver([{ backend: 'wasm', reason }]);
  }
}
