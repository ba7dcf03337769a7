/**
 * The `jcpba` command line: generate | solve (sweep, merge and bench join as they land).
 * Errors print one line on stderr, `jcpba: <message>`, and exit non-zero; no stack trace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { JcpbaError } from './errors.js';
import { VERSION } from './version.js';
import { type FlagSpec, formatHelp, parseArgs, parseNumber, usageError } from './args.js';
import { METHODS, type MethodId, type SolveResult, methodId } from './methods.js';
import { toJson } from './problem.js';
import { SCENARIO_DEFAULTS, SCENARIO_HELP, type ScenarioOptions, generate } from './scenario.js';
import { BACKENDS, type BackendName, createSolver } from './facade.js';
import { GRID_PARAMS, type SweepConfig, methodsOption, resultsTable } from './sweep.js';
import { mergeShards, runSweep } from './sweep-run.js';

export { VERSION } from './version.js';

/** Scenario options as flags: flag name -> option key, with the unit in the help. */
export const SCENARIO_FLAGS: Record<string, keyof ScenarioOptions> = {
  clients: 'clients',
  seed: 'seed',
  drop: 'drop',
  realization: 'realization',
  'cell-radius': 'cellRadiusM',
  'min-distance': 'minDistanceM',
  shadowing: 'shadowingDb',
  'tx-power': 'txPowerDbm',
  'noise-psd': 'noisePsdDbmPerHz',
  bandwidth: 'bandwidthHz',
  model: 'model',
  dataset: 'dataset',
  'samples-min': 'samplesMin',
  'samples-max': 'samplesMax',
  epochs: 'epochs',
  'throughput-min': 'throughputMin',
  'throughput-max': 'throughputMax',
  'max-pruning': 'maxPruning',
  budget: 'budget',
};

const STRING_OPTIONS = new Set<keyof ScenarioOptions>(['model', 'dataset']);

export function scenarioFlagSpecs(valueName = 'X'): Record<string, FlagSpec> {
  const specs: Record<string, FlagSpec> = {};
  for (const [flag, key] of Object.entries(SCENARIO_FLAGS)) {
    const def = SCENARIO_DEFAULTS[key];
    specs[flag] = {
      value: STRING_OPTIONS.has(key) ? 'PRESET' : valueName,
      help: SCENARIO_HELP[key],
      default: def === undefined ? undefined : String(def),
    };
  }
  return specs;
}

/** Reads one scenario flag's value: a number, or a preset name. */
export function scenarioValue(flag: string, text: string): number | string {
  const key = SCENARIO_FLAGS[flag];
  return STRING_OPTIONS.has(key) ? text : parseNumber(text, `--${flag}`);
}

const GENERATE_FLAGS: Record<string, FlagSpec> = {
  ...scenarioFlagSpecs(),
  columnar: { boolean: true, help: 'print clients as columns (arrays per field) instead of rows' },
  help: { boolean: true, help: 'show this help' },
};

const SOLVE_FLAGS: Record<string, FlagSpec> = {
  method: { value: 'ID[,ID...]|all', help: `methods to run, in order: ${METHODS.join(', ')}`, default: 'optimal' },
  format: { value: 'json|table', help: 'json for tools, table for people', default: 'json' },
  tolerance: { value: 'X', help: 'relative tolerance of bcd and optimal', default: '1e-10' },
  'max-iterations': { value: 'N', help: 'iteration cap of bcd and optimal', default: '500' },
  backend: { value: 'auto|native|wasm|ts', help: 'solver backend (also JCPBA_BACKEND)', default: 'auto' },
  help: { boolean: true, help: 'show this help' },
};

const GRID_FLAG_NAMES = new Set(GRID_PARAMS.map((p) => p.flag));

const SWEEP_FLAGS: Record<string, FlagSpec> = {
  ...Object.fromEntries(
    Object.entries(scenarioFlagSpecs()).filter(([flag]) => !['seed', 'drop', 'realization'].includes(flag)).map(([flag, spec]) => [
      flag,
      GRID_FLAG_NAMES.has(flag) ? { ...spec, value: `${spec.value}[,${spec.value}...]`, help: `${spec.help}; a comma list sweeps it` } : spec,
    ]),
  ),
  drops: { value: 'N', help: 'drops (client placements) per grid point', default: '4' },
  realizations: { value: 'N', help: 'fading realizations (trials) per drop', default: '32' },
  rounds: { value: 'R', help: 'rounds per trial, each its own realization (fine-tuning latency = their sum)', default: '1' },
  methods: { value: 'ID[,ID...]|all', help: 'methods to compare', default: 'all' },
  seed: { value: 'S', help: 'random seed, integer in [0, 2^32)', default: '1' },
  tolerance: { value: 'X', help: 'relative tolerance of bcd and optimal', default: '1e-10' },
  'max-iterations': { value: 'N', help: 'iteration cap of bcd and optimal', default: '500' },
  threads: { value: 'N', help: 'threads (native) or workers (wasm, ts)', default: 'all cores' },
  backend: { value: 'auto|native|wasm|ts', help: 'solver backend (also JCPBA_BACKEND)', default: 'auto' },
  out: { value: 'DIR', help: 'output folder: results.csv, results.json, SVG figures, units.jsonl', default: 'results' },
  shard: { value: 'i/n', help: 'run only slice i of n (0-based); combine slices with jcpba merge' },
  resume: { boolean: true, help: 'continue the sweep already in --out' },
  quiet: { boolean: true, help: 'no progress on stderr' },
  help: { boolean: true, help: 'show this help' },
};

const MERGE_FLAGS: Record<string, FlagSpec> = {
  out: { value: 'DIR', help: 'folder for the merged results (required)' },
  quiet: { boolean: true, help: 'print nothing on stdout' },
  help: { boolean: true, help: 'show this help' },
};

const MAIN_HELP = `jcpba ${VERSION}: joint client-specific pruning and bandwidth allocation (JCPBA)
for federated fine-tuning of LLMs over wireless networks.

Usage: jcpba <command> [options]

Commands:
  generate   print a problem (JSON) drawn from the scenario generator
  solve      solve a problem file (or - for stdin) with one or more methods
  sweep      Monte Carlo over a grid of scenarios: table, CSV, JSON and SVG figures
  merge      combine the folders of a sharded sweep into one result
  bench      benchmark the backends (per solve, suites, sweep throughput; see --help)

Run 'jcpba <command> --help' for a command's options. Units are SI (s, Hz, W, bits)
unless an option says otherwise.
`;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  readStdin: () => string;
}

const nodeIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  readStdin: () => readFileSync(0, 'utf8'),
};

/** Runs the CLI; returns the exit code (0 ok, 1 bad input or failure, 2 usage). */
export async function main(argv: string[], io: Io = nodeIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'generate':
        return generateCommand(rest, io);
      case 'solve':
        return await solveCommand(rest, io);
      case 'sweep':
        return await sweepCommand(rest, io);
      case 'merge':
        return await mergeCommand(rest, io);
      case 'bench':
        return await benchCommand(rest);
      case '--version':
      case 'version':
        io.out(`${VERSION}\n`);
        return 0;
      case undefined:
      case '--help':
      case 'help':
        io.out(MAIN_HELP);
        return command === undefined ? 2 : 0;
      default:
        throw usageError(`unknown command ${JSON.stringify(command)}; expected generate, solve, sweep, merge or bench (see jcpba --help)`, 'command');
    }
  } catch (e) {
    if (e instanceof JcpbaError) {
      io.err(`jcpba: ${e.message}\n`);
      return e.code === 'invalid-option' ? 2 : 1;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.err(`jcpba: internal error: ${message}\n`);
    return 1;
  }
}

function generateCommand(argv: string[], io: Io): number {
  const { flags, positionals } = parseArgs(argv, GENERATE_FLAGS);
  if (flags.has('help')) {
    io.out(formatHelp('Usage: jcpba generate [options]', 'Draws one problem (drop, realization) from the scenario generator and prints it as JSON.', GENERATE_FLAGS));
    return 0;
  }
  if (positionals.length > 0) throw usageError(`generate takes no positional arguments (got ${JSON.stringify(positionals[0])})`);
  const options: Record<string, number | string> = {};
  for (const [flag, value] of flags) {
    if (flag in SCENARIO_FLAGS) options[SCENARIO_FLAGS[flag]] = scenarioValue(flag, value);
  }
  const problem = generate(options as Partial<ScenarioOptions>);
  io.out(`${JSON.stringify(toJson(problem, flags.has('columnar')), null, 2)}\n`);
  return 0;
}

export function parseMethods(text: string): MethodId[] {
  if (text === 'all') return [...METHODS];
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((s) => s === '')) throw usageError(`--method: empty method name in ${JSON.stringify(text)}`, 'method');
  return ids.map(methodId);
}

function readProblemText(path: string, io: Io): string {
  if (path === '-') return io.readStdin();
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new JcpbaError('invalid-input', `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? String(e)}`, 'file');
  }
}

export function parseProblemJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new JcpbaError('parse-error', `${source} is not valid JSON: ${(e as Error).message}`, 'problem');
  }
}

/** A result as plain JSON (typed arrays become arrays). */
export function resultJson(r: SolveResult): Record<string, unknown> {
  return {
    ...r,
    pruning: Array.from(r.pruning),
    bandwidth: Array.from(r.bandwidth),
    clientLatency: Array.from(r.clientLatency),
  };
}

function backendOption(text: string | undefined): BackendName | 'auto' | undefined {
  if (text === undefined) return undefined;
  if (text === 'auto' || (BACKENDS as readonly string[]).includes(text)) return text as BackendName | 'auto';
  throw new JcpbaError('unknown-backend', `unknown backend ${JSON.stringify(text)}; expected one of auto, ${BACKENDS.join(', ')}`, 'backend');
}

async function solveCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, SOLVE_FLAGS);
  if (flags.has('help')) {
    io.out(formatHelp('Usage: jcpba solve FILE|- [options]', 'Solves a problem (JSON, SI units; see README) with each method asked for, in order.', SOLVE_FLAGS));
    return 0;
  }
  if (positionals.length !== 1) throw usageError('solve needs exactly one problem file (or - for stdin)', 'file');
  const methods = parseMethods(flags.get('method') ?? 'optimal');
  const format = flags.get('format') ?? 'json';
  if (format !== 'json' && format !== 'table') throw usageError(`--format must be json or table (got ${JSON.stringify(format)})`, 'format');
  const tolerance = flags.has('tolerance') ? parseNumber(flags.get('tolerance')!, '--tolerance') : undefined;
  const maxIterations = flags.has('max-iterations') ? parseNumber(flags.get('max-iterations')!, '--max-iterations') : undefined;
  const source = positionals[0] === '-' ? 'stdin' : positionals[0];
  const problem = parseProblemJson(readProblemText(positionals[0], io), source);
  const solver = await createSolver({ backend: backendOption(flags.get('backend')) });
  for (const s of solver.skipped) io.err(`jcpba: note: skipped the ${s.backend} backend: ${s.reason}\n`);
  const results = methods.map((method) => solver.solve(problem, { method, tolerance, maxIterations }));
  if (format === 'json') {
    io.out(`${JSON.stringify({ backend: solver.backend, results: results.map(resultJson) }, null, 2)}\n`);
  } else {
    const equal = results.find((r) => r.method === 'equal') ?? solver.solve(problem, { method: 'equal' });
    io.out(resultTable(results, equal.latency, solver.backend));
  }
  return 0;
}

export function resultTable(results: SolveResult[], equalLatency: number, backend: string): string {
  const header = ['method', 'latency (s)', 'vs equal', 'iterations', 'status'];
  const rows = results.map((r) => [
    r.method,
    r.latency.toPrecision(8),
    `${(-(1 - r.latency / equalLatency) * 100).toFixed(2)}%`,
    String(r.iterations),
    r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return `${[line(header), rule, ...rows.map(line)].join('\n')}\n(backend: ${backend}; round latency T = max_k tau_k)\n`;
}

function positiveInteger(text: string, flag: string): number {
  const v = parseNumber(text, `--${flag}`);
  if (!Number.isInteger(v) || v < 1) throw usageError(`--${flag} must be a positive integer (got ${text})`, flag);
  return v;
}

/** A comma list of grid values; empty items are errors. */
function gridValues(flag: string, text: string): (number | string)[] {
  const items = text.split(',').map((x) => x.trim());
  if (items.length === 0 || items.some((x) => x === '')) throw usageError(`--${flag}: empty value in ${JSON.stringify(text)}`, flag);
  return items.map((x) => scenarioValue(flag, x));
}

export function sweepConfig(flags: Map<string, string>): SweepConfig {
  const grid: SweepConfig['grid'] = [];
  const base: Record<string, number | string> = {};
  for (const p of GRID_PARAMS) {
    if (flags.has(p.flag)) grid.push({ key: p.key, values: gridValues(p.flag, flags.get(p.flag)!) });
  }
  for (const [flag, value] of flags) {
    if (flag in SCENARIO_FLAGS && !GRID_FLAG_NAMES.has(flag)) base[SCENARIO_FLAGS[flag]] = scenarioValue(flag, value);
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
  };
}

function parseShard(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw usageError(`--shard must be i/n with 0 <= i < n (got ${JSON.stringify(text)})`, 'shard');
  return { index: Number(m[1]), count: Number(m[2]) };
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

async function sweepCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, SWEEP_FLAGS);
  if (flags.has('help')) {
    io.out(
      formatHelp(
        'Usage: jcpba sweep [grid flags] [--drops N] [--realizations N] [--methods a,b|all] [--seed S] [--rounds R]\n                   [--threads N] [--backend B] [--out DIR] [--shard i/n] [--resume] [--quiet]',
        'Monte Carlo over a grid: every combination of the comma lists, times drops, times realizations,\ntimes methods. Example: jcpba sweep --clients 10,20,50,100 --budget 0.1,0.3 --out results',
        SWEEP_FLAGS,
      ),
    );
    return 0;
  }
  if (positionals.length > 0) throw usageError(`sweep takes no positional arguments (got ${JSON.stringify(positionals[0])})`);
  const config = sweepConfig(flags);
  const out = flags.get('out') ?? 'results';
  const quiet = flags.has('quiet');
  const tty = !quiet && process.stderr.isTTY === true;
  let stop = false;
  const onSignal = () => {
    if (stop) process.exit(130); // second signal: the journal is consistent, leave now
    stop = true;
    io.err('\njcpba: stopping after the current batch (again to stop at once); --resume continues\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  let first: { done: number; at: number } | undefined;
  const outcome = await runSweep(config, {
    out,
    backend: backendOption(flags.get('backend')),
    threads: flags.has('threads') ? positiveInteger(flags.get('threads')!, 'threads') : undefined,
    shard: parseShard(flags.get('shard')),
    resume: flags.has('resume'),
    shouldStop: () => stop,
    onProgress: (done, total) => {
      if (!tty) return;
      const now = Date.now();
      if (!first) first = { done, at: now };
      const rate = (done - first.done) / Math.max(1e-3, (now - first.at) / 1000);
      const eta = rate > 0 ? (total - done) / rate : Infinity;
      io.err(`\r\x1b[Ksweep: ${done}/${total} units (${((100 * done) / Math.max(1, total)).toFixed(0)}%)  ${rate.toFixed(1)} units/s  ETA ${clock(eta)}`);
    },
  }).finally(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  if (tty) io.err('\n');
  for (const s of outcome.skipped) io.err(`jcpba: note: skipped the ${s.backend} backend: ${s.reason}\n`);
  const seconds = (Date.now() - started) / 1000;
  if (!quiet) io.out(resultsTable(config, outcome.rows));
  io.err(
    `jcpba: ${outcome.unitsDone}/${outcome.unitsTotal} units on ${outcome.backend} (${outcome.threads} threads) in ${seconds.toFixed(1)} s; wrote ${out}/results.csv, results.json and ${outcome.files.filter((f) => f.endsWith('.svg')).length} figures\n`,
  );
  if (outcome.unitsDone < outcome.unitsTotal) {
    io.err(`jcpba: interrupted; results cover complete grid points only; continue with the same command and --resume\n`);
    return 130;
  }
  return 0;
}

async function mergeCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, MERGE_FLAGS);
  if (flags.has('help')) {
    io.out(formatHelp('Usage: jcpba merge --out DIR SHARD_DIR...', 'Combines the output folders of a sharded sweep (--shard i/n) into what one run would have produced.', MERGE_FLAGS));
    return 0;
  }
  const out = flags.get('out');
  if (!out) throw usageError('merge needs --out DIR', 'out');
  const merged = await mergeShards(out, positionals);
  if (!flags.has('quiet')) io.out(resultsTable(merged.config, merged.rows));
  io.err(`jcpba: merged ${positionals.length} folders into ${out} (${merged.complete ? 'complete' : 'INCOMPLETE: some units are missing'})\n`);
  return merged.complete ? 0 : 1;
}

/** `jcpba bench`: the benchmark harness of the repository (bench/run.mjs), in a child process. */
async function benchCommand(argv: string[]): Promise<number> {
  const script = fileURLToPath(new URL('../../bench/run.mjs', import.meta.url));
  if (!existsSync(script)) throw new JcpbaError('invalid-input', `the benchmarks are not in this installation (${script}); run them from a clone of the repository`, 'bench');
  const child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}
