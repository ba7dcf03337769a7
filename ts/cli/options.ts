/**
 * Option parsing shared by the commands (solve, plan, sweep, calibrate): methods,
 * backends, problem files, and the convergence model's flags (MODEL.md sections 10 and 13).
 * The commands import from here, never from each other.
 */
import { JcpbaError } from '../core/error.js';
import { METHODS, type MethodId } from '../core/methods.js';
import { checkExponent } from '../core/plan.js';
import { convergenceOf } from '../learning/calibrate.js';
import { type LossCurve, parseLossCurve, roundsToLoss } from '../learning/curve.js';
import { BACKENDS, type BackendName } from '../facade.js';
import { parseNumber, usageError } from './args.js';
import { type Io, MAX_INPUT_BYTES, readFileText } from './io.js';
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

export const CONVERGENCE_FLAGS = {
  convergence: { value: 'FILE', help: 'R0, Pmax and m from `jcpba calibrate` (instead of --rounds0, --pruning-limit, --convergence-exponent)' },
  'loss-curve': { value: 'FILE', help: 'the unpruned loss curve L0: CSV round,loss (with that header) or JSON (MODEL.md section 13)' },
  'target-loss': { value: 'L', help: 'with --loss-curve: the target loss; R0 is read off the curve (instead of --rounds0)' },
};

/** The convergence model of a command line (MODEL.md sections 10 and 13), as far as it is given. */
export interface ConvergenceModel {
  rounds0?: number;
  /** Infinity: pruning does not slow learning. */
  pruningLimit?: number;
  convergenceExponent: number;
  /** Where R0 came from. */
  rounds0From?: 'rounds0' | 'loss-curve' | 'convergence';
  curve?: LossCurve;
  lossCurveFile?: string;
  lossCurveText?: string;
  targetLoss?: number;
}

/**
 * Reads --convergence, --rounds0, --pruning-limit, --convergence-exponent, --loss-curve and
 * --target-loss: R0 from --rounds0, or off the loss curve at --target-loss, or from the
 * calibration file; Pmax and m from their flags or the calibration file (not both).
 */
export async function convergenceModel(flags: Map<string, string>): Promise<ConvergenceModel> {
  const model: ConvergenceModel = { convergenceExponent: 1 };
  if (flags.has('convergence')) {
    for (const f of ['rounds0', 'pruning-limit', 'convergence-exponent']) {
      if (flags.has(f)) throw usageError(`--${f} and --convergence exclude each other: the calibration file gives R0, Pmax and m`, f);
    }
    const path = flags.get('convergence')!;
    let json: unknown;
    try {
      json = JSON.parse(await readFileText(path));
    } catch (e) {
      if (e instanceof SyntaxError) throw new JcpbaError('parse-error', `${path} is not valid JSON: ${e.message}`, 'convergence');
      throw e;
    }
    const c = convergenceOf(json, path);
    model.rounds0 = c.rounds0;
    model.rounds0From = 'convergence';
    model.pruningLimit = c.pruningLimit ?? Infinity;
    model.convergenceExponent = c.convergenceExponent;
  } else {
    if (flags.has('rounds0')) {
      model.rounds0 = parseNumber(flags.get('rounds0')!, '--rounds0');
      model.rounds0From = 'rounds0';
    }
    if (flags.has('pruning-limit')) model.pruningLimit = pruningLimitOption(flags.get('pruning-limit')!);
    if (flags.has('convergence-exponent')) model.convergenceExponent = exponentOption(flags.get('convergence-exponent')!);
  }
  if (flags.has('target-loss') && !flags.has('loss-curve')) throw usageError('--target-loss needs --loss-curve FILE (R0 is read off the curve)', 'target-loss');
  if (flags.has('loss-curve')) {
    const path = flags.get('loss-curve')!;
    model.lossCurveFile = path;
    model.lossCurveText = await readFileText(path, MAX_INPUT_BYTES, false);
    model.curve = parseLossCurve(model.lossCurveText, path);
  }
  if (flags.has('target-loss')) {
    if (flags.has('rounds0')) throw usageError('--rounds0 and --target-loss both give R0: give one', 'target-loss');
    model.targetLoss = parseNumber(flags.get('target-loss')!, '--target-loss');
    model.rounds0 = roundsToLoss(model.curve!, model.targetLoss, `the loss curve ${model.lossCurveFile}`);
    model.rounds0From = 'loss-curve';
  }
  return model;
}
