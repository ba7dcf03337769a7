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
import { JcpbaError } from './errors.js';
import { type Solver, coreSolver, tsSolver } from './solvers.js';
import { loadWasm } from '../bindings/wasm.js';
import type { CoreBackend } from '../bindings/types.js';

export * from './errors.js';
export * from './problem.js';
export * from './rate.js';
export { pruningBlock, uniformPruning } from './pruning.js';
export { bandwidthBlock, roundLatency, clientLatency, unprunedLatencies } from './bandwidth.js';
export * from './methods.js';
export * from './rng.js';
export * from './scenario.js';
export * from './montecarlo.js';
export { VERSION } from './version.js';
export type { BackendName, Solver } from './solvers.js';

/** The backends a browser can run: the native addon needs Node. */
export const BROWSER_BACKENDS = ['wasm', 'ts'] as const;
export type BrowserBackendName = (typeof BROWSER_BACKENDS)[number];

export interface BrowserSolverOptions {
  /** `auto` (default) runs WASM when it loads, else the TypeScript reference. */
  backend?: BrowserBackendName | 'auto';
  /** Where the WASM module is: a URL, a URL string, its bytes or a fetch Response. */
  wasm?: URL | string | BufferSource | Response;
}

/** bindings/wasm/jcpba.wasm of the package, relative to dist/ts/browser.js. */
export const DEFAULT_WASM_URL = new URL('../../bindings/wasm/jcpba.wasm', import.meta.url);

async function loadCore(options: BrowserSolverOptions): Promise<CoreBackend> {
  if (typeof WebAssembly === 'undefined') {
    throw new JcpbaError('backend-unavailable', 'WebAssembly is not available here', 'backend');
  }
  return loadWasm(options.wasm ?? DEFAULT_WASM_URL);
}

/**
 * A solver for browsers (and any JavaScript runtime without Node built-ins): `auto`
 * tries WASM, then the TypeScript reference, and records in `skipped` why WASM did not
 * run; a forced backend that cannot load is an error, never a fallback.
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
    return tsSolver([{ backend: 'wasm', reason }]);
  }
}
