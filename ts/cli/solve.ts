/**
 * `jcpba solve`: a problem file (or stdin) solved by one or more methods, or in deadline mode
 * (`--deadline`: the least weighted pruning that meets a round deadline); JSON for tools,
 * a table for people.
 */
import { METHODS, type SolveResult, hasPoint } from '../core/methods.js';
import type { MinPruningResult } from '../core/deadline.js';
import { createSolver } from '../facade.js';
import { type Problem, type ProblemInput, toProblem } from '../core/problem.js';
import { type CheckedPlanOptions, checkPlanOptions, roundsNeeded } from '../core/plan.js';
import { type FlagSpec, formatHelp, parseArgs, parseNumber, usageError } from './args.js';
import type { Io } from './io.js';
import { writeJson } from './json-writer.js';
import { backendNotes } from './notes.js';
import { solveNdjson } from './ndjson.js';
import { EXPONENT_FLAG, backendOption, exponentOption, parseMethods, parseProblemJson, pruningLimitOption, readProblemText } from './options.js';

const SOLVE_FLAGS: Record<string, FlagSpec> = {
  method: { value: 'ID[,ID...]|all', help: `methods to run, in order: ${METHODS.join(', ')}`, default: 'optimal' },
  deadline: {
    value: 'SECONDS',
    help: 'deadline mode instead of --method: the least weighted pruning sum_k w_k rho_k that meets this round deadline, s (pruningBudget may be absent)',
  },
  format: { value: 'json|table', help: 'json for tools, table for people', default: 'json' },
  tolerance: { value: 'X', help: 'relative tolerance of bcd and optimal; with --deadline, the width of the certificate on the weighted pruning', default: '1e-10' },
  'max-iterations': { value: 'N', help: 'iteration cap of bcd and optimal', default: '500' },
  backend: { value: 'auto|native|wasm|ts', help: 'solver backend (also JCPBA_BACKEND)', default: 'auto' },
  rounds0: { value: 'R0', help: 'with --pruning-limit: rounds to the target loss without pruning; adds roundsToTarget and timeToTarget' },
  'pruning-limit': { value: 'PMAX|inf', help: 'with --rounds0: mean pruning at which the target becomes unreachable (MODEL.md section 10)' },
  'convergence-exponent': { ...EXPONENT_FLAG, help: `with --rounds0: ${EXPONENT_FLAG.help}` },
  ndjson: { boolean: true, help: 'FILE holds one problem per line: one result line each ({"line", "backend", "results"} or {"line", "error"}), as read; a bad line does not stop the others' },
  verbose: { boolean: true, help: 'print the note on a skipped backend every time (default: once per machine)' },
  help: { boolean: true, help: 'show this help' },
};

/** solve's JSON indentation, as JSON.stringify(value, null, 2). */
const JSON_INDENT = '  ';

/** `--rounds0` with `--pruning-limit`: the rounds to the target and their time (null for an infeasible result). */
type Target = { roundsToTarget: number; timeToTarget: number } | { roundsToTarget: null; timeToTarget: null };

/** The rounds to the target at a result's weighted pruning (at most the budget: rounding may exceed it by 1e-12), and that many rounds' time. */
function toTarget(problem: Problem, r: SolveResult, target: CheckedPlanOptions): Target {
  // No point, no rounds: the method cannot run this round at all.
  if (!hasPoint(r)) return { roundsToTarget: null, timeToTarget: null };
  let wsum = 0;
  let used = 0;
  for (const w of problem.dataWeight) wsum += w;
  problem.dataWeight.forEach((w, k) => (used += (w / wsum) * r.pruning[k]));
  const roundsToTarget = roundsNeeded(target.rounds0, target.pruningLimit, Math.min(used, problem.pruningBudget), target.convergenceExponent);
  return { roundsToTarget, timeToTarget: roundsToTarget * r.latency };
}

/** A result as plain JSON (typed arrays become arrays; deadline mode's nulls stay null). */
export function resultJson(r: SolveResult | MinPruningResult): Record<string, unknown> {
  const array = (x: Float64Array | null) => (x === null ? null : Array.from(x));
  const out: Record<string, unknown> = {
    ...r,
    pruning: array(r.pruning),
    bandwidth: array(r.bandwidth),
    clientLatency: array(r.clientLatency),
  };
  if ('energy' in r) out.energy = array(r.energy);
  return out;
}

/** `--deadline`: a positive finite number of seconds. */
function deadlineOption(text: string): number {
  const v = text.trim() === '' ? NaN : Number(text);
  if (!(Number.isFinite(v) && v > 0)) throw usageError(`--deadline must be a positive finite number of seconds (got ${JSON.stringify(text)})`, 'deadline');
  return v;
}

export async function solveCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, SOLVE_FLAGS);
  if (flags.has('help')) {
    io.out(
      formatHelp(
        'Usage: jcpba solve FILE|- [options]\n       jcpba solve FILE|- --deadline SECONDS [options]\n       jcpba solve --ndjson FILE|- [options]',
        'Solves a problem (JSON, SI units; see README) with each method asked for, in order; or, with\n--deadline, finds the least weighted pruning that meets that round deadline (an infeasible\ndeadline is not an error: status "infeasible" and the least feasible deadline, minDeadline).',
        SOLVE_FLAGS,
      ),
    );
    return 0;
  }
  if (positionals.length !== 1) throw usageError('solve needs exactly one problem file (or - for stdin)', 'file');
  if (flags.has('deadline') && flags.has('method')) throw usageError('--deadline and --method exclude each other: deadline mode is its own method', 'deadline');
  if (flags.has('deadline') && (flags.has('rounds0') || flags.has('pruning-limit') || flags.has('convergence-exponent'))) {
    throw usageError('--deadline and --rounds0/--pruning-limit exclude each other: deadline mode has no budget to plan rounds with', 'deadline');
  }
  const deadline = flags.has('deadline') ? deadlineOption(flags.get('deadline')!) : undefined;
  const methods = parseMethods(flags.get('method') ?? 'optimal');
  const format = flags.get('format') ?? 'json';
  if (format !== 'json' && format !== 'table') throw usageError(`--format must be json or table (got ${JSON.stringify(format)})`, 'format');
  const tolerance = flags.has('tolerance') ? parseNumber(flags.get('tolerance')!, '--tolerance') : undefined;
  const maxIterations = flags.has('max-iterations') ? parseNumber(flags.get('max-iterations')!, '--max-iterations') : undefined;
  const source = positionals[0] === '-' ? 'stdin' : positionals[0];
  const ndjson = flags.has('ndjson');
  if (ndjson && format !== 'json') throw usageError('--ndjson writes JSON lines; --format table is for one problem', 'format');
  if (flags.has('rounds0') !== flags.has('pruning-limit')) {
    throw usageError('--rounds0 and --pruning-limit go together', flags.has('rounds0') ? 'pruning-limit' : 'rounds0');
  }
  if (flags.has('convergence-exponent') && !flags.has('rounds0')) {
    throw usageError('--convergence-exponent needs --rounds0 and --pruning-limit', 'convergence-exponent');
  }
  const target = flags.has('rounds0')
    ? checkPlanOptions({
        rounds0: parseNumber(flags.get('rounds0')!, '--rounds0'),
        pruningLimit: pruningLimitOption(flags.get('pruning-limit')!),
        convergenceExponent: flags.has('convergence-exponent') ? exponentOption(flags.get('convergence-exponent')!) : 1,
      })
    : undefined;
  // Parsed JSON, checked by the solver (every field, with the client's index).
  const problem = (ndjson ? undefined : parseProblemJson(await readProblemText(positionals[0], io), source)) as ProblemInput;
  const solver = await createSolver({ backend: backendOption(flags.get('backend')) });
  backendNotes(solver.skipped, io, flags.has('verbose'));
  if (deadline !== undefined) {
    const one = (p: unknown) => ({ backend: solver.backend, results: [resultJson(solver.minPruning(p as ProblemInput, { deadline, tolerance, maxIterations }))] });
    if (ndjson) return solveNdjson(positionals[0], io, one);
    const r = solver.minPruning(problem, { deadline, tolerance, maxIterations });
    if (format === 'json') await writeJson(io, { backend: solver.backend, results: [resultJson(r)] }, JSON_INDENT);
    else io.out(minPruningTable(r, solver.backend));
    return 0;
  }
  if (ndjson) {
    return solveNdjson(positionals[0], io, (p) => {
      const results = methods.map((method) => solver.solve(p as ProblemInput, { method, tolerance, maxIterations }));
      const targets = target ? results.map((r) => toTarget(toProblem(p), r, target)) : undefined;
      return { backend: solver.backend, results: results.map((r, i) => ({ ...resultJson(r), ...(targets ? targets[i] : {}) })) };
    });
  }
  const results = methods.map((method) => solver.solve(problem, { method, tolerance, maxIterations }));
  const targets = target ? results.map((r) => toTarget(toProblem(problem), r, target)) : undefined;
  if (format === 'json') {
    const json = results.map((r, i) => ({ ...resultJson(r), ...(targets ? targets[i] : {}) }));
    // In chunks: a million clients' results are longer than V8's longest string.
    await writeJson(io, { backend: solver.backend, results: json }, JSON_INDENT);
  } else {
    const equal = results.find((r) => r.method === 'equal') ?? solver.solve(problem, { method: 'equal' });
    io.out(resultTable(results, equal.latency, solver.backend, targets));
  }
  return 0;
}

/** Deadline mode for people: one line per quantity, with its unit. */
export function minPruningTable(r: MinPruningResult, backend: string): string {
  const num = (x: number) => String(Number(x.toPrecision(10)));
  const rows: [string, string][] = [
    ['deadline', `${r.deadline} s`],
    ['status', r.status],
  ];
  if (r.status === 'infeasible') {
    rows.push(['least feasible deadline', `${num(r.minDeadline!)} s (every client at its maxPruning, the best split of the band)`]);
  } else {
    rows.push(
      ['weighted pruning', `${num(r.weightedPruning!)} (sum_k w_k rho_k of the point)`],
      ['certified bracket', `[${num(r.lowerBound!)}, ${num(r.upperBound!)}] (no point meeting the deadline prunes less)`],
      ['round latency', `${num(r.latency!)} s`],
      ['clients pruned', `${Array.from(r.pruning!).filter((x) => x > 0).length} of ${r.pruning!.length}`],
    );
  }
  rows.push(['iterations', String(r.iterations)]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n(backend: ${backend}; deadline mode: the least weighted pruning that meets the deadline)\n`;
}

export function resultTable(results: SolveResult[], equalLatency: number | null, backend: string, targets?: Target[]): string {
  const header = [
    'method',
    'latency (s)',
    'vs equal',
    'energy (J)',
    'max E_k (J)',
    'upload (Mbit)',
    'compute (s)',
    'iterations',
    'status',
    ...(targets ? ['rounds to target', 'time to target (h)'] : []),
  ];
  const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toPrecision(digits) : String(x));
  const rows = results.map((r, i) => {
    const t = targets?.[i];
    const target = t === undefined ? [] : t.roundsToTarget === null ? ['-', '-'] : [String(t.roundsToTarget), Number.isFinite(t.timeToTarget) ? (t.timeToTarget / 3600).toFixed(3) : 'unreachable'];
    if (!hasPoint(r)) return [r.method, '-', '-', '-', '-', '-', '-', String(r.iterations), r.status, ...target];
    return [
      r.method,
      r.latency.toPrecision(8),
      equalLatency === null ? '-' : `${(-(1 - r.latency / equalLatency) * 100).toFixed(2)}%`,
      fixed(r.energyTotal, 6),
      fixed(r.energyMax, 6),
      fixed(r.uploadBits / 1e6, 6),
      fixed(r.computeSeconds, 6),
      String(r.iterations),
      r.status,
      ...target,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const notes = results
    .filter((r) => !hasPoint(r))
    .map((r) => {
      const clients = (r as { infeasibleClients: number[] }).infeasibleClients;
      const why = clients.length > 0 ? `clients ${clients.join(', ')} cannot meet their constraints alone` : 'the clients cannot meet their constraints together (band, budget or minimum pruning)';
      return `${r.method}: infeasible: ${why}\n`;
    })
    .join('');
  return `${[line(header), rule, ...rows.map(line)].join('\n')}\n${notes}(backend: ${backend}; round latency T = max_k tau_k; energy per round, summed and the largest client's)\n`;
}
