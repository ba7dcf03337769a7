/**
 * `jcpba plan`: the budget that minimizes the fine-tuning time to a target loss (MODEL.md
 * section 10), over the fading realizations of one drop, read from a file (a JSON array
 * of problems) or drawn from the scenario generator. JSON for tools, a table for people.
 */
import type { ProblemInput } from '../core/problem.js';
import { JcpbaError } from '../core/error.js';
import { METHODS, type MethodId } from '../core/methods.js';
import { type PlanResult, type Policy, policyId } from '../core/plan.js';
import { type ScenarioOptions, generate } from '../core/scenario.js';
import { createSolver } from '../facade.js';
import { type FlagSpec, formatHelp, parseArgs, parseNumber, usageError } from './args.js';
import { backendNotes } from './notes.js';
import type { Io } from './io.js';
import { SCENARIO_FLAGS, scenarioFlagSpecs, scenarioValue } from './scenario-flags.js';
import { CONVERGENCE_FLAGS, EXPONENT_FLAG, backendOption, convergenceModel, parseMethods, parseProblemJson, readProblemText } from './options.js';

const PLAN_FLAGS: Record<string, FlagSpec> = {
  rounds0: { value: 'R0', help: 'rounds to the target loss without pruning (required; from a pilot run)' },
  'pruning-limit': {
    value: 'PMAX|inf',
    help: 'mean pruning at which the target becomes unreachable (required; inf: pruning does not slow learning)',
  },
  'convergence-exponent': EXPONENT_FLAG,
  ...CONVERGENCE_FLAGS,
  policy: { value: 'static|adaptive|both', help: "for optimal: one budget for every round, one per round, or both (other methods: static)", default: 'static' },
  methods: { value: 'ID[,ID...]|all', help: `methods to plan, in order: ${METHODS.join(', ')}`, default: 'all' },
  format: { value: 'json|table', help: 'json for tools, table for people', default: 'json' },
  realizations: { value: 'N', help: 'without FILE: fading realizations 0..N-1 of the drop', default: '32' },
  ...Object.fromEntries(Object.entries(scenarioFlagSpecs()).filter(([flag]) => flag !== 'realization' && flag !== 'budget')),
  tolerance: { value: 'X', help: 'relative tolerance of the solves and of the search', default: '1e-10' },
  'max-iterations': { value: 'N', help: 'iteration cap of each solve, and of the search', default: '500' },
  backend: { value: 'auto|native|wasm|ts', help: 'solver backend (also JCPBA_BACKEND)', default: 'auto' },
  verbose: { boolean: true, help: 'print the note on a skipped backend every time (default: once per machine)' },
  help: { boolean: true, help: 'show this help' },
};

const USAGE = `Usage: jcpba plan FILE|- --rounds0 R0 --pruning-limit PMAX|inf [--convergence-exponent M] [--policy static|adaptive|both]
                  [--methods ID,...|all] [--format json|table] [--backend B]
       jcpba plan FILE|- --loss-curve FILE --target-loss L --pruning-limit PMAX|inf ...
       jcpba plan FILE|- --convergence FILE [--loss-curve FILE --target-loss L] ...
       jcpba plan --rounds0 R0 --pruning-limit PMAX|inf [scenario flags] [--seed S] [--drop D] [--realizations N] ...`;

const SUMMARY = `The pruning budget that minimizes the fine-tuning time to a target loss: R(P) = ceil(R0 / (1 - P / Pmax)^m)
rounds at mean pruning P, times the mean round latency over the fading realizations of one drop
(MODEL.md sections 10 and 13). FILE is a JSON array of problems (the realizations; same clients, different
channel gains); without FILE the scenario generator draws realizations 0..N-1 of --drop.`;

/** What `--format json` prints: the plans as plain JSON (budgets as arrays; Pmax = inf as null). */
export function planJson(
  backend: string,
  rounds0: number,
  pruningLimit: number,
  convergenceExponent: number,
  realizations: number,
  plans: PlanResult[],
  targetLoss?: number,
): string {
  const out = {
    backend,
    rounds0,
    pruningLimit: Number.isFinite(pruningLimit) ? pruningLimit : null,
    convergenceExponent,
    ...(targetLoss !== undefined ? { targetLoss } : {}),
    realizations,
    plans: plans.map((p) => (p.policy === 'adaptive' ? { ...p, budgets: Array.from(p.budgets) } : p)),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** People's table: each plan's budget, rounds, fine-tuning time in hours and energy in MJ (MODEL.md 11.1), and the saving against equal. */
export function planTable(
  plans: PlanResult[],
  equalSeconds: number,
  info: { backend: string; rounds0: number; pruningLimit: number; convergenceExponent: number; realizations: number; rounds0Note?: string },
): string {
  const header = ['method', 'policy', 'budget', 'rounds', 'fine-tuning (h)', 'energy (MJ)', 'saving vs equal'];
  const rows = plans.map((p) => [
    p.method,
    p.policy,
    p.policy === 'static' ? p.budget.toFixed(4) : `${p.meanPruning.toFixed(4)} (mean)`,
    p.policy === 'static' ? String(p.rounds) : (p.fineTuningSeconds / p.meanRoundLatency).toFixed(1),
    (p.fineTuningSeconds / 3600).toFixed(3),
    (p.fineTuningJoules / 1e6).toFixed(3),
    `${((1 - p.fineTuningSeconds / equalSeconds) * 100).toFixed(1)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  // Six significant digits: a calibrated or curve-read R0 has many more.
  const short = (x: number) => String(Number(x.toPrecision(6)));
  const limit = Number.isFinite(info.pruningLimit) ? short(info.pruningLimit) : 'inf';
  const m = short(info.convergenceExponent);
  const pi = info.convergenceExponent === 1 ? '(1 - P / Pmax)' : `(1 - P / Pmax)^${m}`;
  const notes = [
    ...(info.rounds0Note ? [`(${info.rounds0Note})`] : []),
    `(backend: ${info.backend}; ${info.realizations} realizations; R0 = ${short(info.rounds0)}, Pmax = ${limit}${info.convergenceExponent === 1 ? '' : `, m = ${m}`};`,
    info.convergenceExponent === 1
      ? ` rounds = ceil(R0 / (1 - budget / Pmax)); adaptive: one budget per round, rounds = R0 / mean(1 - P_r / Pmax), not rounded)`
      : ` rounds = ceil(R0 / pi(budget)), pi(P) = ${pi}; adaptive: one budget per round, rounds = R0 / mean pi(P_r), not rounded)`,
  ];
  return `${[line(header), rule, ...rows.map(line), ...notes].join('\n')}\n`;
}

/** Most generated realizations of one plan, and most clients over all of them (each realization is a problem in memory, about 50 bytes a client). */
const MAX_REALIZATIONS = 100_000;
const MAX_CLIENT_REALIZATIONS = 4_000_000;

/** The realizations: the file's JSON array, or realizations 0..N-1 of a generated drop. */
async function realizationsOf(positionals: string[], flags: Map<string, string>, io: Io): Promise<unknown[]> {
  if (positionals.length > 1) throw usageError('plan takes at most one problem file (or - for stdin)', 'file');
  const scenarioFlags = [...flags.keys()].filter((f) => Object.hasOwn(SCENARIO_FLAGS, f) || f === 'realizations');
  if (positionals.length === 1) {
    if (scenarioFlags.length > 0) throw usageError(`--${scenarioFlags[0]} draws realizations; it cannot be used with a problem file`, scenarioFlags[0]);
    const source = positionals[0] === '-' ? 'stdin' : positionals[0];
    const problems = parseProblemJson(await readProblemText(positionals[0], io), source);
    if (!Array.isArray(problems)) {
      throw new JcpbaError('invalid-input', `${source} must hold a JSON array of problems (the fading realizations of one drop)`, 'problems');
    }
    return problems;
  }
  const n = parseNumber(flags.get('realizations') ?? '32', '--realizations');
  if (!Number.isInteger(n) || n < 1 || n > MAX_REALIZATIONS) {
    throw usageError(`--realizations must be a positive integer, at most ${MAX_REALIZATIONS} (got ${flags.get('realizations')})`, 'realizations');
  }
  const options: Record<string, number | string | null> = {};
  for (const [flag, value] of flags) if (Object.hasOwn(SCENARIO_FLAGS, flag)) options[SCENARIO_FLAGS[flag]] = scenarioValue(flag, value);
  const first = generate({ ...(options as Partial<ScenarioOptions>), realization: 0 });
  const clients = first.computeSeconds.length;
  if (n * clients > MAX_CLIENT_REALIZATIONS) {
    throw usageError(
      `--realizations ${n} of ${clients} clients are ${n * clients} client realizations, more than the ${MAX_CLIENT_REALIZATIONS} plan holds in memory; use at most ${Math.max(1, Math.floor(MAX_CLIENT_REALIZATIONS / clients))} realizations`,
      'realizations',
    );
  }
  return Array.from({ length: n }, (_, realization) => (realization === 0 ? first : generate({ ...(options as Partial<ScenarioOptions>), realization })));
}

export async function planCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, PLAN_FLAGS);
  if (flags.has('help')) {
    io.out(formatHelp(USAGE, SUMMARY, PLAN_FLAGS));
    return 0;
  }
  if (flags.has('loss-curve') && !flags.has('target-loss')) throw usageError('plan --loss-curve needs --target-loss L (R0 is read off the curve)', 'loss-curve');
  const model = await convergenceModel(flags);
  if (model.rounds0 === undefined) {
    throw usageError('plan needs --rounds0 R0 (rounds to the target without pruning), or --loss-curve FILE --target-loss L, or --convergence FILE', 'rounds0');
  }
  if (model.pruningLimit === undefined) throw usageError('plan needs --pruning-limit PMAX (or inf), or --convergence FILE', 'pruning-limit');
  const { rounds0, pruningLimit, convergenceExponent, targetLoss } = model;
  const policy: Policy = policyId(flags.get('policy') ?? 'static');
  const methods: MethodId[] = parseMethods(flags.get('methods') ?? 'all');
  const format = flags.get('format') ?? 'json';
  if (format !== 'json' && format !== 'table') throw usageError(`--format must be json or table (got ${JSON.stringify(format)})`, 'format');
  const tolerance = flags.has('tolerance') ? parseNumber(flags.get('tolerance')!, '--tolerance') : undefined;
  const maxIterations = flags.has('max-iterations') ? parseNumber(flags.get('max-iterations')!, '--max-iterations') : undefined;
  // Parsed JSON or generated problems, checked by the solver.
  const problems = (await realizationsOf(positionals, flags, io)) as ProblemInput[];
  const solver = await createSolver({ backend: backendOption(flags.get('backend')) });
  backendNotes(solver.skipped, io, flags.has('verbose'));
  const plans: PlanResult[] = [];
  for (const method of methods) {
    // The adaptive policy is optimal's; every other method is planned static.
    const own: Policy = method === 'optimal' ? policy : 'static';
    plans.push(...solver.plan(problems, { rounds0, pruningLimit, convergenceExponent, policy: own, method, tolerance, maxIterations }));
  }
  if (format === 'json') {
    io.out(planJson(solver.backend, rounds0, pruningLimit, convergenceExponent, problems.length, plans, targetLoss));
  } else {
    const equal =
      plans.find((p) => p.method === 'equal') ?? solver.plan(problems, { rounds0, pruningLimit, convergenceExponent, method: 'equal', tolerance, maxIterations })[0];
    io.out(planTable(plans, equal.fineTuningSeconds, {
        backend: solver.backend,
        rounds0,
        pruningLimit,
        convergenceExponent,
        realizations: problems.length,
        rounds0Note:
          model.rounds0From === 'loss-curve'
            ? `R0 = ${Number(rounds0.toPrecision(6))} rounds: where the loss curve ${model.lossCurveFile} first reaches the target loss ${targetLoss}`
            : model.rounds0From === 'convergence'
              ? `R0, Pmax and m from ${flags.get('convergence')}`
              : undefined,
      }));
  }
  return 0;
}
