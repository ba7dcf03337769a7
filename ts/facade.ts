/**
 * The facade: one solver object over whichever backend runs. The backend is chosen once,
 * here, and reported (`solver.backend`): `auto` tries native, then WASM, then the
 * TypeScript reference, and records why it skipped one; `JCPBA_BACKEND` or `backend`
 * forces one, and a forced backend that cannot load is an error, never a fallback.
 */
import { JcpbaError } from './core/error.js';
import { BACKENDS, type BackendName, type Solver, coreSolver, tsSolver } from './solvers.js';
import type { CoreBackend } from '../bindings/types.js';

export { BACKENDS, asJcpbaError, type BackendName, type Solver } from './solvers.js';

export interface CreateSolverOptions {
  backend?: BackendName | 'auto';
  /** Where to load the WASM module from (a URL, path or bytes); default: the package's. */
  wasm?: URL | string | BufferSource | Response;
}

function envBackend(): string | undefined {
  const env = typeof process !== 'undefined' ? process.env?.JCPBA_BACKEND : undefined;
  return env === '' ? undefined : env;
}

async function loadBackend(name: 'native' | 'wasm', options: CreateSolverOptions): Promise<CoreBackend> {
  if (name === 'native') {
    if (typeof process === 'undefined' || typeof process.versions?.node !== 'string') {
      throw new JcpbaError('backend-unavailable', 'the native backend needs Node.js', 'backend');
    }
    const { loadNative } = await import('../bindings/native.js');
    return loadNative();
  }
  if (typeof WebAssembly === 'undefined') throw new JcpbaError('backend-unavailable', 'WebAssembly is not available here', 'backend');
  const { loadWasm } = await import('../bindings/wasm.js');
  return loadWasm(options.wasm);
}

export async function createSolver(options: CreateSolverOptions = {}): Promise<Solver> {
  const wanted = options.backend ?? envBackend() ?? 'auto';
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
  for (const name of ['native', 'wasm'] as const) {
    try {
      return coreSolver(name, await loadBackend(name, options), skipped);
    } catch (e) {
      skipped.push({ backend: name, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return tsSolver(skipped);
}
