/**
 * The facade: one solver object over whichever backend runs. The backend is chosen once,
 * here, and reported (`solver.backend`); `JCPBA_BACKEND` or `backend` forces one, and a
 * forced backend that cannot load is an error, never a silent fallback.
 */
import { JcpbaError } from './errors.js';
import { type SolveOptions, type SolveResult, solve as solveTs } from './methods.js';

export const BACKENDS = ['native', 'wasm', 'ts'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface Solver {
  /** The backend that runs. */
  readonly backend: BackendName;
  /** Why `auto` skipped each faster backend (empty when forced or when the first loaded). */
  readonly skipped: { backend: BackendName; reason: string }[];
  solve(problem: unknown, options: SolveOptions): SolveResult;
  solveMany(problems: unknown[], options: SolveOptions): SolveResult[];
}

export interface CreateSolverOptions {
  backend?: BackendName | 'auto';
}

function tsSolver(skipped: Solver['skipped']): Solver {
  return {
    backend: 'ts',
    skipped,
    solve: (problem, options) => solveTs(problem, options),
    solveMany: (problems, options) =>
      problems.map((p, i) => {
        try {
          return solveTs(p, options);
        } catch (e) {
          if (e instanceof JcpbaError) throw new JcpbaError(e.code, `problems[${i}]: ${e.message}`, e.field, e.client);
          throw e;
        }
      }),
  };
}

function envBackend(): string | undefined {
  const env = typeof process !== 'undefined' ? process.env?.JCPBA_BACKEND : undefined;
  return env === '' ? undefined : env;
}

export async function createSolver(options: CreateSolverOptions = {}): Promise<Solver> {
  const wanted = options.backend ?? envBackend() ?? 'auto';
  if (wanted !== 'auto' && !(BACKENDS as readonly string[]).includes(wanted)) {
    throw new JcpbaError('unknown-backend', `unknown backend ${JSON.stringify(wanted)}; expected one of auto, ${BACKENDS.join(', ')}`, 'backend');
  }
  if (wanted === 'ts') return tsSolver([]);
  if (wanted === 'auto') {
    return tsSolver([
      { backend: 'native', reason: 'not built into this version yet' },
      { backend: 'wasm', reason: 'not built into this version yet' },
    ]);
  }
  throw new JcpbaError('backend-unavailable', `backend ${wanted} is not available in this build`, 'backend');
}
