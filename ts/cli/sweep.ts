/**
 * `jcpba sweep`: the grid flags, the configuration they make, progress on stderr (a live
 * line on a terminal, a line every few seconds in a log), and interruption by signal.
 */
import { constants } from 'node:os';
import { SCENARIO_DEFAULTS } from '../core/scenario.js';
import { GRID_PARAMS, type SweepConfig, checkTarget, methodsOption } from '../sweep/config.js';
import { resultsTable } from '../sweep/results.js';
import { type Progress, runSweep } from '../sweep/run.js';
import { type FlagSpec, formatHelp, parseArgs, parseNumber, usageError } from './args.js';
import { type Io, progressStyle, redraw } from './io.js';
import { backendNotes } from './notes.js';
import { SCENARIO_FLAGS, scenarioFlagSpecs, scenarioValue } from './scenario-flags.js';
import { CONVERGENCE_FLAGS, EXPONENT_FLAG, backendOption, convergenceModel, exponentOption, pruningLimitOption } from './options.js';
import { type Learning, type LearningModel, checkLearning, learningCsv, learningCurves, learningSpecs, targetTable } from '../sweep/learning.js';
import { renderFigures } from '../sweep/figures.js';
import { writeCopies } from '../sweep/render.js';
import { writeAtomic } from '../sweep/files.js';
import { createSolver } from '../facade.js';
import { join } from 'node:path';

const GRID_FLAG_NAMES = new Set(GRID_PARAMS.map((p) => p.flag));

const SWEEP_FLAGS: Record<string, FlagSpec> = {
  ...Object.fromEntries(
    Object.entries(scenarioFlagSpecs()).filter(([flag]) => !['seed', 'drop', 'realization'].includes(flag)).map(([flag, spec]) => [
      flag,
      GRID_FLAG_NAMES.has(flag)
        ? flag === 'devices'
          ? { ...spec, value: `${spec.value}[;${spec.value}...]`, help: `${spec.help}; a ';' list of fleets sweeps it` }
          : { ...spec, value: `${spec.value}[,${spec.value}...]`, help: `${spec.help}; a comma list sweeps it` }
        : spec,
    ]),
  ),
  drops: { value: 'N', help: 'drops (client placements) per grid point', default: '4' },
  'drops-file': { value: 'FILE', help: 'drops from a JSON file of client lists (one array of { distanceM, shadowDb, samples, throughput or device } per drop) instead of the generator; sets --drops' },
  realizations: { value: 'N', help: 'fading realizations (trials) per drop', default: '32' },
  rounds: { value: 'R', help: 'rounds per trial, each its own realization (fine-tuning latency = their sum)', default: '1' },
  rounds0: { value: 'R0', help: 'with --pruning-limit: rounds to the target loss without pruning; adds roundsToTarget and timeToTarget' },
  'pruning-limit': { value: 'PMAX|inf', help: 'with --rounds0: mean pruning at which the target becomes unreachable (MODEL.md section 10)' },
  'convergence-exponent': { ...EXPONENT_FLAG, help: `with --rounds0: ${EXPONENT_FLAG.help}` },
  ...CONVERGENCE_FLAGS,
  'loss-curve': {
    value: 'FILE',
    help: 'the unpruned loss curve (CSV round,loss or JSON): with --pruning-limit (or --convergence), learning.csv and loss-against-time figures, per method (MODEL.md section 13)',
  },
  methods: { value: 'ID[,ID...]|all', help: 'methods to compare', default: 'all' },
  seed: { value: 'S', help: 'random seed, integer in [0, 2^32)', default: '1' },
  tolerance: { value: 'X', help: 'relative tolerance of bcd and optimal', default: '1e-10' },
  'max-iterations': { value: 'N', help: 'iteration cap of bcd and optimal', default: '500' },
  threads: { value: 'N', help: 'threads (native) or workers (wasm, ts), at most the processors available', default: 'all processors' },
  backend: { value: 'auto|native|wasm|ts', help: 'solver backend (also JCPBA_BACKEND)', default: 'auto' },
  out: { value: 'DIR', help: 'output folder: results.csv, results.json, SVG figures, units.jsonl', default: 'results' },
  shard: { value: 'i/n', help: 'run only slice i of n (0-based); combine slices with jcpba merge' },
  resume: { boolean: true, help: 'continue the sweep already in --out' },
  quiet: { boolean: true, help: 'no progress on stderr' },
  'progress-every': { value: 'S', help: 'seconds between progress lines on stderr when it is not a terminal (a log)', default: '5' },
  statistic: { value: 'mean|median', help: 'what the latency figures draw: the mean with its 95% CI (Student t), or the median with its 95% bootstrap CI; energy is drawn as its mean', default: 'mean' },
  verbose: { boolean: true, help: 'print the note on a skipped backend every time (default: once per machine)' },
  help: { boolean: true, help: 'show this help' },
};

function positiveInteger(text: string, flag: string): number {
  const v = parseNumber(text, `--${flag}`);
  if (!Number.isInteger(v) || v < 1) throw usageError(`--${flag} must be a positive integer (got ${text})`, flag);
  return v;
}

/** A comma list of grid values (fleets, which hold commas themselves, are separated by ';'); empty items are errors. */
function gridValues(flag: string, text: string): (number | string | null)[] {
  const items = text.split(flag === 'devices' ? ';' : ',').map((x) => x.trim());
  if (items.length === 0 || items.some((x) => x === '')) throw usageError(`--${flag}: empty value in ${JSON.stringify(text)}`, flag);
  return items.map((x) => scenarioValue(flag, x));
}

export function sweepConfig(flags: Map<string, string>): SweepConfig {
  const grid: SweepConfig['grid'] = [];
  const base: Record<string, number | string | null> = {};
  for (const p of GRID_PARAMS) {
    if (flags.has(p.flag)) grid.push({ key: p.key, values: gridValues(p.flag, flags.get(p.flag)!) });
  }
  for (const [flag, value] of flags) {
    if (Object.hasOwn(SCENARIO_FLAGS, flag) && !GRID_FLAG_NAMES.has(flag)) base[SCENARIO_FLAGS[flag]] = scenarioValue(flag, value);
  }
  if (grid.length === 0) grid.push({ key: 'clients', values: [SCENARIO_DEFAULTS.clients] });
  const seed = parseNumber(flags.get('seed') ?? '1', '--seed');
  return {
    grid,
    base,
    seed,
    drops: positiveInteger(flags.get('drops') ?? '4', 'drops'),
    realizations: positiveInteger(flags.get('realizations') ?? '32', 'realizations'),
    rounds: positiveInteger(flags.get('rounds') ?? '1', 'rounds'),
    methods: methodsOption(flags.get('methods') ?? 'all'),
    tolerance: flags.has('tolerance') ? parseNumber(flags.get('tolerance')!, '--tolerance') : 1e-10,
    maxIterations: flags.has('max-iterations') ? positiveInteger(flags.get('max-iterations')!, 'max-iterations') : 500,
    ...targetOptions(flags),
  };
}

/**
 * --rounds0 and --pruning-limit, both or neither, and --convergence-exponent with them;
 * Pmax = inf is null in the configuration, and m is there only when given (so a sweep
 * without it keeps its identity).
 */
function targetOptions(flags: Map<string, string>): Pick<SweepConfig, 'rounds0' | 'pruningLimit' | 'convergenceExponent'> {
  // R0 from the loss curve or a calibration file, or a curve without a target: the
  // learning model (convergenceModel) fills the target in.
  if (flags.has('convergence') || flags.has('target-loss') || (flags.has('loss-curve') && !flags.has('rounds0'))) return {};
  if (flags.has('convergence-exponent') && !flags.has('rounds0')) {
    throw usageError('--convergence-exponent needs --rounds0 and --pruning-limit', 'convergence-exponent');
  }
  if (!flags.has('rounds0') && !flags.has('pruning-limit')) return {};
  if (!flags.has('rounds0') || !flags.has('pruning-limit')) throw usageError('--rounds0 and --pruning-limit go together', flags.has('rounds0') ? 'pruning-limit' : 'rounds0');
  const rounds0 = parseNumber(flags.get('rounds0')!, '--rounds0');
  const limit = pruningLimitOption(flags.get('pruning-limit')!);
  const pruningLimit = Number.isFinite(limit) ? limit : null;
  const exponent = flags.has('convergence-exponent') ? { convergenceExponent: exponentOption(flags.get('convergence-exponent')!) } : {};
  checkTarget({ rounds0, pruningLimit, ...exponent } as SweepConfig);
  return { rounds0, pruningLimit, ...exponent };
}

function parseShard(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw usageError(`--shard must be i/n with 0 <= i < n (got ${JSON.stringify(text)})`, 'shard');
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** The CLI's progress line for logs: units, throughput and an ETA from the work left. */
export function progressLine(p: Progress): string {
  const rate = p.seconds > 0 ? p.clientSolvesDone / p.seconds : 0;
  const eta = rate > 0 ? p.clientSolvesLeft / rate : Infinity;
  const percent = ((100 * p.unitsDone) / Math.max(1, p.unitsTotal)).toFixed(1);
  const speed = rate > 0 ? `${Math.round(rate).toLocaleString('en-US')} client-solves/s` : '-- client-solves/s';
  return `jcpba: sweep ${p.unitsDone}/${p.unitsTotal} units (${percent}%), ${clock(p.seconds)} elapsed, ${speed}, ETA ${clock(eta)}\n`;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export async function sweepCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, SWEEP_FLAGS);
  if (flags.has('help')) {
    io.out(
      formatHelp(
        'Usage: jcpba sweep [grid flags] [--drops N] [--realizations N] [--methods a,b|all] [--seed S] [--rounds R]\n                   [--rounds0 R0 --pruning-limit PMAX [--convergence-exponent M]] [--threads N] [--backend B] [--out DIR] [--shard i/n] [--resume] [--quiet]',
        'Monte Carlo over a grid: every combination of the comma lists, times drops, times realizations,\ntimes methods. Example: jcpba sweep --clients 10,20,50,100 --budget 0.1,0.3 --out results',
        SWEEP_FLAGS,
      ),
    );
    return 0;
  }
  if (positionals.length > 0) throw usageError(`sweep takes no positional arguments (got ${JSON.stringify(positionals[0])})`);
  const config = sweepConfig(flags);
  const learning = await learningModel(flags, config);
  const dropsFile = flags.get('drops-file');
  if (dropsFile !== undefined) {
    // Without --drops, runSweep takes the file's count when it reads the file (once: it may be a pipe).
    if (!flags.has('drops')) delete (config as { drops?: number }).drops;
    // The clients come from the file: without a grid flag, the one axis is the budget.
    if (!GRID_PARAMS.some((p) => flags.has(p.flag))) config.grid = [{ key: 'budget', values: [SCENARIO_DEFAULTS.budget as number] }];
  }
  const out = flags.get('out') ?? 'results';
  const quiet = flags.has('quiet');
  const style = progressStyle(process.stderr.isTTY, process.env);
  const tty = !quiet && style !== 'lines';
  let drawn = 0;
  const every = flags.has('progress-every') ? parseNumber(flags.get('progress-every')!, '--progress-every') : 5;
  if (!(every > 0)) throw usageError(`--progress-every must be a positive number of seconds (got ${flags.get('progress-every')})`, 'progress-every');
  const backend = backendOption(flags.get('backend'));
  const threads = flags.has('threads') ? positiveInteger(flags.get('threads')!, 'threads') : undefined;
  const shard = parseShard(flags.get('shard'));
  // SIGINT (Ctrl-C) or SIGTERM (a scheduler's cancel): stop after the current batch,
  // write results, exit 128 + the signal's number; a second signal leaves at once (the
  // journal is consistent between batches, and --resume continues either way).
  // The first signal removes the listeners, so that a second one takes the signal's
  // default action and ends the process there and then (status 128 + its number to a
  // shell): a listener runs only when the main thread is back in JavaScript, and
  // process.exit waits for the worker threads, both of which wait for a native batch to
  // end (2.3-2.7 s with 100,000 clients and every method).
  let stopSignal: NodeJS.Signals | undefined;
  const exitCode = (signal: NodeJS.Signals) => 128 + constants.signals[signal];
  const onSignal = (signal: NodeJS.Signals) => {
    stopSignal = signal;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.err(`${tty ? '\n' : ''}jcpba: ${signal}: stopping after the current batch (again to stop at once); --resume continues\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  let first: { done: number; at: number } | undefined;
  let lastLine = -Infinity;
  // The learning pass runs inside runSweep, after the results and under the folder's
  // lock, so learning.csv and its figures are written as the results are (sweep/learning.ts).
  let curves: Learning | undefined;
  let learningStopped = false;
  const afterResults = async (dir: string, backend: string): Promise<void> => {
    const solver = await createSolver({ backend: backend as 'native' | 'wasm' | 'ts' });
    curves = await learningCurves(config, solver, learning!, { shouldStop: () => stopSignal !== undefined });
    if (!curves) {
      learningStopped = true;
      return;
    }
    writeAtomic(join(dir, 'learning.csv'), learningCsv(config, curves.rows));
    const { figures, note } = await renderFigures(learningSpecs(config, curves, learning!.targetLoss));
    let copiesNote: string | undefined;
    for (const f of figures) {
      writeAtomic(join(dir, `${f.name}.vl.json`), `${JSON.stringify(f.spec, null, 2)}\n`);
      if (f.svg !== undefined) {
        writeAtomic(join(dir, `${f.name}.svg`), f.svg);
        copiesNote ??= (await writeCopies(join(dir, f.name), f.svg)).note;
      }
    }
    io.err(`jcpba: wrote ${dir}/learning.csv and ${plural(figures.filter((f) => f.svg !== undefined).length, 'loss-against-time figure')}\n`);
    const outage = curves.rows.filter((r) => r.outageShare > 0);
    if (outage.length > 0) {
      const methods = [...new Set(outage.map((r) => r.method))];
      io.err(`jcpba: note: loss curves cover the trials with a point in every round; ${methods.join(', ')} had an outage in some trials (learning.csv: outageShare)\n`);
    }
    for (const n of [note, copiesNote]) if (n !== undefined) learningNotes.push(n);
  };
  const learningNotes: string[] = [];
  const outcome = await runSweep(dropsFile === undefined ? config : { ...config, dropsFile }, {
    ...(learning && shard === undefined ? { afterResults } : {}),
    out,
    backend,
    threads,
    shard,
    resume: flags.has('resume'),
    statistic: statisticOption(flags.get('statistic')),
    shouldStop: () => stopSignal !== undefined,
    onProgress: (done, total, progress) => {
      if (quiet) return;
      if (!tty) {
        // A log (a scheduler's output file, a pipe): a plain line every few seconds.
        const now = Date.now();
        if (now - lastLine >= every * 1000) {
          lastLine = now;
          io.err(progressLine(progress));
        }
        return;
      }
      const now = Date.now();
      if (!first) first = { done, at: now };
      const rate = (done - first.done) / Math.max(1e-3, (now - first.at) / 1000);
      const eta = rate > 0 ? (total - done) / rate : Infinity;
      const text = `sweep: ${done}/${total} units (${((100 * done) / Math.max(1, total)).toFixed(0)}%)  ${rate.toFixed(1)} units/s  ETA ${clock(eta)}`;
      io.err(redraw(text, style as 'live' | 'plain', drawn));
      drawn = text.length;
    },
  }).finally(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  if (tty) io.err('\n');
  backendNotes(outcome.skipped, io, flags.has('verbose'));
  const seconds = (Date.now() - started) / 1000;
  if (!quiet) io.out(resultsTable(config, outcome.rows));
  io.err(
    `jcpba: ${outcome.unitsDone}/${outcome.unitsTotal} units on ${outcome.backend} (${outcome.threads} threads) in ${seconds.toFixed(1)} s; wrote ${out}/results.csv, results.json and ${plural(outcome.files.filter((f) => f.endsWith('.svg')).length, 'figure')}\n`,
  );
  for (const note of outcome.notes) io.err(`jcpba: note: ${note}\n`);
  if (outcome.unitsDone < outcome.unitsTotal) {
    io.err(`jcpba: interrupted; results cover complete grid points only; continue with the same command and --resume\n`);
    return exitCode(stopSignal ?? 'SIGINT');
  }
  if (learningStopped) {
    io.err(`jcpba: interrupted in the learning pass; learning.csv not written; the same command with --resume writes it (nothing else is recomputed)\n`);
    return exitCode(stopSignal ?? 'SIGINT');
  }
  if (curves) {
    if (!quiet && learning!.targetLoss !== undefined) io.out(`\n${targetTable(config, curves.targets, learning!.targetLoss)}`);
    // The sweep's notes already say how to get SVGs or their copies.
    for (const note of learningNotes) if (!outcome.notes.includes(note)) io.err(`jcpba: note: ${note}\n`);
  } else if (learning) {
    io.err('jcpba: note: learning.csv is written by an unsharded sweep only (MODEL.md 13.2)\n');
  }
  return 0;
}

/**
 * --loss-curve (and --target-loss, --convergence): the learning pass's model, checked
 * before any work; R0 from the curve or the calibration goes into the configuration's
 * target (roundsToTarget, timeToTarget). Undefined without a loss curve.
 */
async function learningModel(flags: Map<string, string>, config: SweepConfig): Promise<LearningModel | undefined> {
  if (!flags.has('loss-curve') && !flags.has('convergence')) {
    if (flags.has('target-loss')) throw usageError('--target-loss needs --loss-curve FILE (R0 is read off the curve)', 'target-loss');
    return undefined;
  }
  const model = await convergenceModel(flags);
  if (model.rounds0From === 'loss-curve' || model.rounds0From === 'convergence') {
    config.rounds0 = model.rounds0;
    config.pruningLimit = model.pruningLimit === undefined || !Number.isFinite(model.pruningLimit) ? null : model.pruningLimit;
    if (model.pruningLimit === undefined) throw usageError('--target-loss needs --pruning-limit PMAX|inf (or --convergence FILE)', 'pruning-limit');
    if (model.convergenceExponent !== 1 || flags.has('convergence')) config.convergenceExponent = model.convergenceExponent;
  }
  if (!model.curve) return undefined;
  if (flags.has('drops-file')) throw usageError("--loss-curve replays the generator's drops; it cannot be used with --drops-file yet", 'loss-curve');
  if (model.pruningLimit === undefined) throw usageError('--loss-curve needs --pruning-limit PMAX|inf (or --convergence FILE): the progress per round of a pruned round', 'loss-curve');
  const learning: LearningModel = {
    curve: model.curve,
    pruningLimit: model.pruningLimit,
    convergenceExponent: model.convergenceExponent,
    ...(model.targetLoss !== undefined ? { targetLoss: model.targetLoss } : {}),
  };
  checkLearning(config, learning);
  return learning;
}

/** `1 figure`, `2 figures`. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** --statistic: mean or median (a usage error otherwise). */
export function statisticOption(text: string | undefined): 'mean' | 'median' {
  if (text === undefined || text === 'mean' || text === 'median') return text ?? 'mean';
  throw usageError(`--statistic must be mean or median (got ${JSON.stringify(text)})`, 'statistic');
}
