/**
 * Option parsing shared by the commands (solve, plan, sweep, calibrate): methods,
 * backends, problem files, and the convergence model's flags (MODEL.md sections 10 and 13).
 * The commands import from here, never from each other.
 */
import { JcpbaError } from '../core/error.js';
import { METHODS, type MethodId } from '../core/methods.js';
import { checkExponent } from '../core/plan.js';
import { BACKENDS, type BackendName } from '../facade.js';
import { parseNumber, usageError } from './args.js';
import { type Io, readFileText } from './io.js';
import { didYouMean } from './suggest.js';

export function parseMethods(text: string): MethodId[] {
  if (text === 'all') return [...METHODS];
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((s) => s === '')) throw usageError(`--method: empty method name in ${JSON.stringify(text)}`, 'method');
  return ids.map(cliMethodId);
}

/** A method id from the command line: the core's check, with the closest id suggested. */
export function cliMethodId(id: string): MethodId {
  if ((METHODS as readonly string[]).includes(id)) return id as MethodId;
  throw new JcpbaError('unknown-method', `unknown method ${JSON.stringify(id)}${didYouMean(id, [...METHODS, 'all'])}; expected one of ${METHODS.join(', ')} or all`, 'method');
}

export function backendOption(text: string | undefined): BackendName | 'auto' | undefined {
  if (text === undefined) return undefined;
  if (text === 'auto' || (BACKENDS as readonly string[]).includes(text)) return text as BackendName | 'auto';
  throw new JcpbaError('unknown-backend', `unknown backend ${JSON.stringify(text)}; expected one of auto, ${BACKENDS.join(', ')}`, 'backend');
}

/** The problem's text, from a file or stdin, at most MAX_INPUT_BYTES (io.ts). */
export function readProblemText(path: string, io: Io): Promise<string> {
  return path === '-' ? io.readStdin() : readFileText(path);
}

export function parseProblemJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new JcpbaError('parse-error', `${source} is not valid JSON: ${(e as Error).message}`, 'problem');
  }
}

/** `--pruning-limit`: a number, or `inf` (pruning does not slow learning). */
export function pruningLimitOption(text: string): number {
  if (/^\+?(inf|infinity)$/i.test(text.trim())) return Infinity;
  return parseNumber(text, '--pruning-limit');
}

/** `--convergence-exponent`: m in [0.001, 1000], the core's check with the flag's name. */
export function exponentOption(text: string): number {
  const m = parseNumber(text, '--convergence-exponent');
  try {
    checkExponent(m);
  } catch (e) {
    throw usageError(`--convergence-exponent: ${(e as Error).message}`, 'convergence-exponent');
  }
  return m;
}

export const EXPONENT_FLAG = {
  value: 'M',
  help: 'progress per round (1 - P / Pmax)^M (MODEL.md section 13; 1: section 10)',
  default: '1',
};
