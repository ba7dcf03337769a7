/**
 * The facade: one solver object over whichever backend runs. The backend is chosen once,
 * here, and reported (`solver.backend`): `auto` tries native, then WASM, then the
 * TypeScript reference, and records why it skipped one; `JCPBA_BACKEND` or `backend`
 * forces one, and a forced backend that cannot load is an error, never a fallback.
 *
 * `auto` also warns (console.warn, or `onWarning`) when a backend that should have
 * loaded did not: the WASM module (it ships with the package, so failing to load it
 * means a broken installation or bundle), or an addon that `native` or
 * JCPBA_NATIVE_PATH pointed at. A missing platform package (jcpba-<platform>) is the
 * normal case on platforms without one and is only recorded in `skipped`.
 */
import { JcpbaError } from './core/error.js';
import { BACKENDS, type BackendName, type Solver, coreSolver, tsSolver } from './solvers.js';
import type { CoreBackend } from '../bindings/types.js';

export { BACKENDS, asJcpbaError, type BackendName, type Solver } from './solvers.js';

/** Options of `createSolver` (Node); every field is optional. */
export interface CreateSolverOptions {
  /** `auto` (default): native, else WASM, else the TypeScript reference; a named backend that cannot load is an error. */
  backend?: BackendName | 'auto';
  /** Where to load the WASM module from (a URL, path or bytes); default: the package's. */
  wasm?: URL | string | BufferSource | Response;
  /** The native addon file to load; default: JCPBA_NATIVE_PATH, else the one in the platform package `jcpba-<platform>`, else a clone's build. */
  native?: string | URL;
  /** Where `auto`'s warnings go (a backend that should have loaded did not); default: console.warn. */
  onWarning?: (message: string) => void;
}

function env(name: string): string | undefined {
  const value = typeof process !== 'undefined' ? process.env?.[name] : undefined;
  return value === '' ? undefined : value;
}

async function loadBackend(name: 'native' | 'wasm', options: CreateSolverOptions): Promise<CoreBackend> {
  if (name === 'native') {
    if (typeof process === 'undefined' || typeof process.versions?.node !== 'string') {
      throw new JcpbaError('backend-unavailable', 'the native backend needs Node.js', 'backend');
    }
    const { loadNative } = await import('../bindings/native.js');
    return loadNative(options.native);
  }
  if (typeof WebAssembly === 'undefined') throw new JcpbaError('backend-unavailable', 'WebAssembly is not available here', 'backend');
  const { loadWasmNode } = await import('../bindings/wasm-node.js');
  return loadWasmNode(options.wasm);
}

/** Whether `auto` failing to load this backend deserves a warning, not just a `skipped` entry. */
function shouldWarn(name: 'native' | 'wasm', options: CreateSolverOptions): boolean {
  if (name === 'native') return options.native !== undefined || env('JCPBA_NATIVE_PATH') !== undefined;
  return typeof WebAssembly !== 'undefined';
}

/**
 * Loads a backend and returns a Solver. `auto` (the default, or JCPBA_BACKEND) takes the
 * native addon, else the WASM module, else the TypeScript reference, recording in
 * `skipped` why each faster one did not load; a named backend that cannot load throws
 * JcpbaError (`backend-unavailable`), never falls back.
 *
 * ```ts
 * const solver = await createSolver();
 * const r = solver.solve(problem, { method: 'optimal' });
 * if (hasPoint(r)) console.log(r.latency); // s
 * ```
 */
export async function createSolver(options: CreateSolverOptions = {}): Promise<Solver> {
  const wanted = options.backend ?? env('JCPBA_BACKEND') ?? 'auto';
  if (wanted !== 'auto' && !(BACKENDS as readonly string[]).includes(wanted)) {
    throw new JcpbaError('unknown-backend', `unknown backend ${JSON.stringify(wanted)}; expected one of auto, ${BACKENDS.join(', ')}`, 'backend');
  }
  if (wanted === 'ts') return tsSolver([]);
  if (wanted !== 'auto') {
    try {
      return coreSolver(wanted as BackendName, await loadBackend(wanted as 'native' | 'wasm', options), []);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new JcpbaError('backend-unavailable', `backend ${wanted} is unavailable: ${reason}`, 'backend');
    }
  }
  const skipped: Solver['skipped'] = [];
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  for (const name of ['native', 'wasm'] as const) {
    try {
      return coreSolver(name, await loadBackend(name, options), skipped);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      skipped.push({ backend: name, reason });
      if (shouldWarn(name, options)) warn(`jcpba: the ${name} backend did not load, so a slower one runs (same results): ${reason}`);
    }
  }
  return tsSolver(skipped);
}
