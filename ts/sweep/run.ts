/**
 * Running a sweep: units on a backend, the journal, the folder's lock, progress,
 * interruption, results; and merging the folders of a sharded sweep.
 */
import { existsSync, readdirSync, realpathSync, renameSync, unlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import { JcpbaError } from '../core/error.js';
import { DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE, checkSolverOptions } from '../core/methods.js';
import { type UnitSpec, type UnitSummary, runUnit } from '../core/montecarlo.js';
import { type BackendName, createSolver } from '../facade.js';
import { type Statistic, isFigureFile, sweepFigures } from './figures.js';
import { writeCopies } from './render.js';
import { type CustomMethod, customMethods, customUnitMethod, runCustomUnit } from './custom.js';
import { type DropsFile, checkDrops, loadDrops, runDropsUnit } from './drops.js';
import type { ScenarioOptions } from '../core/scenario.js';
import {
  type SweepConfig,
  builtinMethods,
  checkConfig,
  gridPoints,
  identity,
  monteCarloOptions,
  remainingWork,
  scenarioOf,
  shardUnitCount,
  shardUnits,
  unitCount,
  unitWork,
} from './config.js';
import { FileError, appendLines, foreignEntries, makeDir, removeOwnTemporaries, writeAtomic } from './files.js';
import { JOURNAL, type JournalHeader, type JournalScan, cutTornLine, journalUnits, mergeOrdered, scanJournal } from './journal.js';
import { LOCK, acquireLock, checkNotLocked } from './lock.js';
import { type ResultRow, aggregate, resultsCsv, resultsJson } from './results.js';

/** One shard of a sweep split over machines: shard `index` of `count` runs every count-th unit. */
export interface Shard {
  /** This shard, 0-based, below count. */
  index: number;
  /** How many shards the sweep is split into. */
  count: number;
}

/** Where a sweep stands, after each batch. */
export interface Progress {
  /** Units of work done, by this call and earlier runs (resume). */
  unitsDone: number;
  /** Units of work in the sweep (this shard's, when sharded). */
  unitsTotal: number;
  /** Client-solves (clients x realizations x rounds x methods) run by this call, and left to run. */
  clientSolvesDone: number;
  /** Client-solves left to run. */
  clientSolvesLeft: number;
  /** Seconds since this call started running units. */
  seconds: number;
}

/** Checks the figures' statistic: `mean` (default) or `median`. */
function checkStatistic(statistic: unknown): Statistic {
  if (statistic === undefined) return 'mean';
  if (statistic !== 'mean' && statistic !== 'median') throw new JcpbaError('invalid-option', `statistic must be mean or median (got ${JSON.stringify(statistic)})`, 'statistic');
  return statistic;
}

/** Options of `runSweep`: where the files go and how the sweep runs. */
export interface RunOptions {
  /** The output folder (created; holds the journal, results.csv, results.json and the figures). */
  out: string;
  /**
   * What the figures draw: `mean` (default; bars: the Student t 95% interval of the mean)
   * or `median` (bars: the 95% percentile-bootstrap interval of the median, computed exactly from the histogram, which suits
   * heavy-tailed round latencies). The result files hold both statistics either way.
   */
  statistic?: Statistic;
  /** The backend of the built-in methods; default `auto`, as createSolver. */
  backend?: BackendName | 'auto';
  /** Threads (native) or workers (WASM, TypeScript); default and most: every processor available. */
  threads?: number;
  /** Run one shard of the sweep (merge the shard folders with mergeShards); default: the whole sweep. */
  shard?: Shard;
  /** Continue the journal in `out` (the same sweep) instead of refusing a folder that holds one. */
  resume?: boolean;
  /** Called before the first batch and after every batch of units. */
  onProgress?: (done: number, total: number, progress: Progress) => void;
  /** Polled between batches: true stops the sweep, keeping what is done. */
  shouldStop?: () => boolean;
  /** Aborting stops the sweep after the current batch, as shouldStop does: what is done is kept (resume continues) and the outcome says how far it got. */
  signal?: AbortSignal;
  /**
   * Called when every unit of the sweep is done (not in a shard) and its results are
   * written, with the folder's lock still held: what it writes into `out` (the CLI's
   * learning pass: learning.csv and its figures) is written under the lock, as the
   * results are; `backend` is the one that ran the sweep.
   */
  afterResults?: (out: string, backend: BackendName) => Promise<void>;
}

/**
 * A sweep as `runSweep` takes it: a SweepConfig whose methods may hold custom methods
 * (`{ id, version, solve }`, see custom.ts) next to the built-in ids.
 */
export type SweepInput = Omit<SweepConfig, 'methods' | 'custom' | 'dropsFile' | 'base' | 'tolerance' | 'maxIterations' | 'rounds' | 'drops'> & {
  /** Drops per grid point, a positive integer; with a drops file, default: the number it holds. */
  drops?: number;
  /** Method ids (METHODS) and custom methods, in the order of the results. */
  methods: (string | CustomMethod)[];
  /** Scenario options fixed for the whole sweep (ScenarioOptions keys). Default `{}`: the generator's defaults. */
  base?: Partial<ScenarioOptions>;
  /** Relative tolerance of `bcd` and `optimal`, in (0, 1). Default 1e-10 (DEFAULT_TOLERANCE), as `jcpba sweep`. */
  tolerance?: number;
  /** Iteration cap of `bcd` and `optimal`, a positive integer. Default 500 (DEFAULT_MAX_ITERATIONS), as `jcpba sweep`. */
  maxIterations?: number;
  /** Rounds per trial, each its own fading realization (the fine-tuning latency is their sum). Default 1, as `jcpba sweep`. */
  rounds?: number;
  /**
   * A JSON file of client lists, one per drop (see README "Use it from code"), used
   * instead of the generator's drops; `drops`, when given, must be the number of drops it
   * holds (the file is read once). Its
   * SHA-256 joins the sweep's identity (`{ path, sha256 }` as results.json stores it
   * checks that the file did not change).
   */
  dropsFile?:
    | string
    | {
        /** The drops file. */
        path: string;
        /** Its expected SHA-256, hex: a changed file is an error. */
        sha256?: string;
      };
};

/**
 * The configuration a sweep stores (its journal, its identity: methods as ids, custom
 * methods by id and version) and the custom methods by id.
 */
export function sweepConfigOf(input: SweepInput): { config: SweepConfig; custom: Map<string, CustomMethod>; drops?: DropsFile } {
  if (!Array.isArray(input.methods)) throw new JcpbaError('invalid-option', 'methods must be an array of method ids and custom methods', 'methods');
  const custom = customMethods(input.methods);
  const { custom: _ignored, dropsFile, ...rest } = input as SweepInput & { custom?: unknown };
  // The defaults `jcpba sweep` uses, filled in here so that the stored configuration (the
  // sweep's identity) is the same whether a default was written out or left out.
  const config = {
    ...rest,
    base: rest.base ?? {},
    rounds: rest.rounds ?? 1,
    tolerance: rest.tolerance ?? DEFAULT_TOLERANCE,
    maxIterations: rest.maxIterations ?? DEFAULT_MAX_ITERATIONS,
    methods: input.methods.map((m) => (typeof m === 'string' ? m : m.id)),
  } as SweepConfig;
  if (custom.size > 0) config.custom = [...custom.values()].map((m) => ({ id: m.id, version: m.version }));
  if (dropsFile === undefined) return { config, custom };
  const path = typeof dropsFile === 'string' ? dropsFile : dropsFile?.path;
  if (typeof path !== 'string' || path === '') throw new JcpbaError('invalid-option', 'dropsFile must be a path (or { path, sha256 })', 'dropsFile');
  const drops = loadDrops(path);
  if (typeof dropsFile === 'object' && dropsFile.sha256 !== undefined && dropsFile.sha256 !== drops.sha256) {
    throw new JcpbaError('invalid-input', `the drops file ${path} changed (SHA-256 ${drops.sha256}, expected ${dropsFile.sha256})`, 'dropsFile');
  }
  if (config.drops === undefined) config.drops = drops.drops.length;
  if (config.drops !== drops.drops.length) {
    throw new JcpbaError('invalid-option', `drops is ${config.drops} but the drops file ${path} holds ${drops.drops.length} drops; give drops: ${drops.drops.length}`, 'drops');
  }
  if (config.grid.some((a) => a.key === 'clients') || config.base.clients !== undefined) {
    throw new JcpbaError('invalid-option', 'with a drops file the clients come from the file; do not set or sweep clients', 'clients');
  }
  config.dropsFile = { path, sha256: drops.sha256 };
  return { config, custom, drops };
}

/** What `runSweep` returns (its files are written by then). */
export interface SweepOutcome {
  /** The backend that ran the built-in methods. */
  backend: BackendName;
  /** Faster backends that `auto` could not load, and why. */
  skipped: {
    /** The backend passed over. */
    backend: BackendName;
    /** Why, in one line. */
    reason: string;
  }[];
  /** Threads (native) or workers (WASM, TypeScript) used. */
  threads: number;
  /** Whether every unit is done (false after a stop or an abort: resume continues). */
  complete: boolean;
  /** One row per grid point and method, as in results.json. */
  rows: ResultRow[];
  /** Units of work done. */
  unitsDone: number;
  /** Units of work in the sweep (or the shard). */
  unitsTotal: number;
  /** The files written, with their paths. */
  files: string[];
  /** What the caller should tell the user (a stale lock replaced, how to draw figures without vega). */
  notes: string[];
}

/** Target duration of one batch of units, s. */
const BATCH_SECONDS = 1;
const MAX_BATCH_PER_THREAD = 256;
/** Jobs posted ahead to each worker (the one it runs and the next). */
const DEPTH = 2;

interface Runner {
  run(specs: UnitSpec[]): Promise<UnitSummary[]>;
  close(): Promise<void>;
}

/**
 * Worker threads running units (see worker.ts); results come back in input order. The
 * native backend gets one worker and whole batches (the addon runs them on `threads`
 * threads); WASM and TypeScript get `threads` workers and one unit per message, and so
 * does every backend for the drops of a file (`drops`: each worker solves one problem at
 * a time on its own solver).
 */
function workerRunner(backend: BackendName, c: SweepConfig, threads: number, drops?: DropsFile): Runner {
  const params = gridPoints(c).map((p) => scenarioOf(c, p));
  const options = monteCarloOptions(c);
  const url = new URL('./worker.js', import.meta.url);
  const native = backend === 'native' && !drops;
  // The drops are on shared memory (drops.ts): every worker reads them without a copy.
  const workerData = { backend, params, options, ...(drops ? { drops: { draws: drops.drops, points: gridPoints(c) } } : {}) };
  const workers = Array.from({ length: native ? 1 : threads }, () => new Worker(url, { workerData }));
  // A queue of jobs (a unit, or a whole batch for the native worker) that every worker
  // pulls from, across batches, with up to DEPTH jobs posted to each worker: the next one
  // waits in the worker's own message queue, so a worker never idles while the main
  // thread parses a result, writes the journal or reports progress, nor at a batch's end
  // while another worker finishes the batch's last unit (the next batch is queued ahead).
  interface Job {
    specs: UnitSpec[];
    resolve: (r: UnitSummary[]) => void;
    reject: (e: unknown) => void;
  }
  const queue: Job[] = [];
  const posted = workers.map(() => new Map<number, Job>());
  let nextId = 0;
  let failed: unknown;
  const fail = (e: unknown) => {
    failed ??= e;
    for (const jobs of posted) for (const j of jobs.values()) j.reject(failed);
    for (const j of queue.splice(0)) j.reject(failed);
  };
  const pump = () => {
    workers.forEach((w, k) => {
      while (failed === undefined && posted[k].size < DEPTH && queue.length > 0) {
        const job = queue.shift()!;
        const id = nextId++;
        posted[k].set(id, job);
        w.postMessage({ id, units: job.specs, threads: native ? threads : 1 });
      }
    });
  };
  workers.forEach((w, k) => {
    w.on('message', (msg: { id?: number; json?: string; error?: { message: string; code?: string; field?: string; client?: number } }) => {
      const job = msg.id === undefined ? undefined : posted[k].get(msg.id);
      if (!job) return;
      posted[k].delete(msg.id!);
      if (msg.error) job.reject(new JcpbaError((msg.error.code as never) ?? 'internal', msg.error.message, msg.error.field, msg.error.client));
      else job.resolve(JSON.parse(msg.json!) as UnitSummary[]);
      pump();
    });
    w.on('error', fail);
  });
  const submit = (specs: UnitSpec[]) =>
    new Promise<UnitSummary[]>((resolve, reject) => {
      if (failed !== undefined) return reject(failed);
      queue.push({ specs, resolve, reject });
      pump();
    });
  return {
    run: async (specs) => {
      if (native) return submit(specs);
      return (await Promise.all(specs.map((s) => submit([s])))).map(([u]) => u);
    },
    close: async () => {
      queue.length = 0;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** In-process TypeScript, for one thread (no worker start-up cost; yields between batches). */
function inlineRunner(c: SweepConfig): Runner {
  const params = gridPoints(c).map((p) => scenarioOf(c, p));
  const o = monteCarloOptions(c);
  return { run: async (specs) => specs.map((s) => runUnit(params[s.grid], s, o)), close: async () => {} };
}

function sameShard(a?: Shard, b?: Shard): boolean {
  return (a?.index ?? 0) === (b?.index ?? 0) && (a?.count ?? 1) === (b?.count ?? 1);
}

const isLock = (name: string) => name === LOCK;

/** Refuses an --out that holds files but no sweep: they are someone's, and stay untouched. */
function checkForeign(dir: string, what: string): void {
  const foreign = foreignEntries(dir, isLock);
  if (foreign.length === 0) return;
  const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, ... (${foreign.length} entries)` : '');
  throw new JcpbaError(
    'invalid-option',
    `${dir} is not empty and holds no sweep (${JOURNAL} is missing): it holds ${shown}; ${what} writes only into a new or empty folder, or one of its own, so choose another --out`,
    'out',
  );
}

/** Opens or starts the journal (the lock held); returns the number of units already done. */
function openJournal(c: SweepConfig, o: RunOptions, backend: BackendName): { done: number; backends: string[] } {
  const path = join(o.out, JOURNAL);
  const existing = scanJournal(o.out);
  if (existing) {
    if (!o.resume) {
      throw new JcpbaError('invalid-option', `${o.out} already holds a sweep (${JOURNAL}); pass --resume to continue it, or choose another --out`, 'out');
    }
    if (existing.header.merged) {
      throw new JcpbaError('invalid-option', `${o.out} holds merged shards (jcpba merge); resume each shard in its own folder and merge again`, 'resume');
    }
    if (existing.header.identity !== identity(c) || !sameShard(existing.header.shard, o.shard)) {
      throw new JcpbaError('invalid-option', `${o.out} holds a different sweep (other grid, methods, counts, version or shard); --resume needs the same arguments`, 'resume');
    }
    cutTornLine(o.out, existing);
    const backends = [...new Set([...(existing.header.backends ?? []), backend])];
    return { done: existing.units, backends };
  }
  checkForeign(o.out, 'sweep');
  const header: JournalHeader = { kind: 'jcpba-sweep-journal', identity: identity(c), config: c, backends: [backend] };
  if (o.shard) header.shard = o.shard;
  writeAtomic(path, `${JSON.stringify(header)}\n`);
  return { done: 0, backends: [backend] };
}

/** Yields to the event loop, so that signal handlers and timers run between batches. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function writeResults(
  dir: string,
  c: SweepConfig,
  summaries: Iterable<UnitSummary>,
  backends: string[],
  threads?: number,
  statistic: Statistic = 'mean',
): Promise<{ rows: ResultRow[]; complete: boolean; files: string[]; notes: string[] }> {
  const { rows, complete } = aggregate(c, summaries);
  const files: string[] = [];
  const put = (name: string, text: string) => {
    writeAtomic(join(dir, name), text);
    files.push(join(dir, name));
  };
  put('results.csv', resultsCsv(c, rows));
  put('results.json', resultsJson(c, rows, complete, { backends, threads }));
  // Figures of an earlier, smaller state would mislead: replace them all. The spec is
  // written beside every SVG, and alone when vega and vega-lite are not installed.
  for (const f of readdirSync(dir)) {
    if (!isFigureFile(f)) continue;
    try {
      unlinkSync(join(dir, f));
    } catch (e) {
      throw new FileError('remove', join(dir, f), e);
    }
  }
  const { figures, note } = await sweepFigures(c, rows, statistic);
  let copiesNote: string | undefined;
  for (const fig of figures) {
    put(`${fig.name}.vl.json`, `${JSON.stringify(fig.spec, null, 2)}\n`);
    if (fig.svg === undefined) continue;
    put(`${fig.name}.svg`, fig.svg);
    const copies = await writeCopies(join(dir, fig.name), fig.svg);
    files.push(...copies.files);
    copiesNote ??= copies.note;
  }
  return { rows, complete, files, notes: [note, copiesNote].filter((n): n is string => n !== undefined) };
}

/** The most threads (native) or workers (WASM, TypeScript) a sweep may use: the processors available. */
export function maxThreads(): number {
  return availableParallelism();
}

/**
 * Runs a sweep (what `jcpba sweep` does): units on the backend, custom methods inline,
 * the journal in `o.out`, then results.csv, results.json and the figures.
 */
export async function runSweep(input: SweepInput, o: RunOptions): Promise<SweepOutcome> {
  const { config: c, custom, drops } = sweepConfigOf(input);
  if (o.shard && !(Number.isInteger(o.shard.count) && o.shard.count >= 1 && Number.isInteger(o.shard.index) && o.shard.index >= 0 && o.shard.index < o.shard.count)) {
    throw new JcpbaError('invalid-option', '--shard must be i/n with 0 <= i < n', 'shard');
  }
  const most = maxThreads();
  const threads = o.threads ?? most;
  if (!(Number.isInteger(threads) && threads >= 1)) throw new JcpbaError('invalid-option', '--threads must be a positive integer', 'threads');
  if (threads > most) {
    throw new JcpbaError('invalid-option', `--threads ${threads} is more than the ${most} processors available to this process; use at most ${most}`, 'threads');
  }
  // The solver options, every limit and every grid point (presets, ranges) are checked
  // before anything is written.
  checkSolverOptions(c.tolerance, c.maxIterations);
  checkStatistic(o.statistic);
  checkConfig(c);
  const params = gridPoints(c).map((p) => scenarioOf(c, p));
  // Every drop of a file, at every grid point, before anything is written.
  if (drops) checkDrops(drops, c.dropsFile!.path, params, gridPoints(c));
  const solver = await createSolver({ backend: o.backend });
  makeDir(o.out);
  const lock = acquireLock(o.out, 'sweep');
  try {
    removeOwnTemporaries(o.out);
    const { done, backends } = openJournal(c, o, solver.backend);
    const total = shardUnitCount(c, o.shard);
    const clients = params.map((p) => p.clients);
    // With a drops file, each drop's own clients (the generator's K is not used).
    const dropClients = drops?.drops.map((d) => d.distanceM.length);
    const builtins = builtinMethods(c);
    const points = gridPoints(c);
    const customs = c.methods.filter((id) => custom.has(id)).map((id) => custom.get(id)!);
    // Built-in methods in worker threads (drops from a file included: the main thread
    // stays free for signals and progress), but TypeScript on one thread inline.
    const inline = threads === 1 && solver.backend === 'ts' && !drops;
    const runner: Runner | undefined = builtins.length === 0 ? undefined : inline ? inlineRunner(c) : workerRunner(solver.backend, c, threads, drops);
    // Built-in methods on the backend (in workers, while the custom methods run here),
    // custom methods inline; their summaries joined in the order of c.methods.
    const customIds = new Set(custom.keys());
    const customUnits = customs.map(customUnitMethod);
    const runCustoms = (s: UnitSpec) =>
      drops
        ? // Drops from the user's file, on the generator's fading of (seed, drop, realization).
          runDropsUnit(params[s.grid], points[s.grid], drops.drops[s.drop], s, c.realizations, c.rounds, customUnits, customIds)
        : runCustomUnit(params[s.grid], points[s.grid], s, c.realizations, c.rounds, customs);
    const runBatch = async (specs: UnitSpec[]): Promise<UnitSummary[]> => {
      const pending = runner ? runner.run(specs) : Promise.resolve(specs.map((s) => ({ ...s, methods: [] })));
      pending.catch(() => {}); // awaited below, after the custom methods (which may throw first)
      const own = customs.length === 0 ? [] : specs.map(runCustoms);
      const done = await pending;
      if (customs.length === 0) return done;
      return done.map((u, i) => {
        let b = 0;
        let m = 0;
        return { grid: u.grid, drop: u.drop, block: u.block, methods: c.methods.map((id) => (custom.has(id) ? own[i][m++] : u.methods[b++])) };
      });
    };
    const journal = join(o.out, JOURNAL);
    // The journal holds a prefix of this shard's unit list (units run and are written in
    // canonical order), so the units left start at position `done`, and are computed one
    // batch at a time: memory does not grow with the number of units.
    const todo = shardUnits(c, o.shard, done);
    let position = done;
    let work = 0;
    const started = performance.now();
    const report = () =>
      o.onProgress?.(position, total, {
        unitsDone: position,
        unitsTotal: total,
        clientSolvesDone: work,
        clientSolvesLeft: remainingWork(c, clients, o.shard, position, dropClients),
        seconds: (performance.now() - started) / 1000,
      });
    // Batches sized to take about BATCH_SECONDS: long enough that the threads rarely idle
    // at a batch's end, short enough that progress and an interruption wait at most about
    // that long. Whole multiples of the thread count.
    let batch = threads * 2;
    /** Starts the next batch, or returns undefined when no unit is left. */
    const start = () => {
      const specs: UnitSpec[] = [];
      while (specs.length < batch) {
        const next = todo.next();
        if (next.done) break;
        specs.push(next.value);
      }
      if (specs.length === 0) return undefined;
      const done = runBatch(specs).then((results) => ({ results, at: performance.now() }));
      done.catch(() => {}); // awaited in turn (or dropped with its batch after a stop)
      return { specs, done };
    };
    const stopping = () => o.shouldStop?.() || o.signal?.aborted;
    // With worker threads two batches are in flight: the runner queues the second's units
    // behind the first's, so the workers go on from one batch to the next without waiting
    // for the main thread, which writes a batch to the journal and reports progress while
    // the next runs (bench/sweep-throughput.mjs measures the main thread's CPU time). A
    // stop still ends the sweep after the batch just written: the batch in flight is
    // dropped unwritten (a resume runs it again).
    const ahead = runner !== undefined && !inline;
    try {
      report();
      const running: NonNullable<ReturnType<typeof start>>[] = [];
      const refill = () => {
        while (running.length < (ahead ? 2 : 1)) {
          const next = start();
          if (!next) break;
          running.push(next);
        }
      };
      // The batch size follows the time between two batches' ends: the rate the units run
      // at, however long a batch waited in the queue behind the one before. The clock
      // starts before the first batch: run inline (one thread, no worker), refill runs it
      // to the end, and a clock started after it took the batch for instant and made the
      // next one MAX_BATCH_PER_THREAD units long, which held off a second SIGINT for
      // tens of seconds (test/limits.test.mjs).
      let last = performance.now();
      if (!stopping()) refill();
      while (running.length > 0) {
        const { specs, done } = running.shift()!;
        const { results, at } = await done;
        const perUnit = (at - last) / 1000 / specs.length;
        last = at;
        const fit = perUnit > 0 ? Math.floor((BATCH_SECONDS / perUnit) / threads) * threads : batch * 2;
        batch = Math.min(MAX_BATCH_PER_THREAD * threads, Math.max(threads * 2, fit));
        if (ahead) refill();
        appendLines(journal, results.map((r) => JSON.stringify(r)));
        position += specs.length;
        for (const u of specs) work += unitWork(c, clients, u, dropClients);
        report();
        await turn();
        if (position >= total || stopping()) break;
        if (!ahead) refill();
      }
    } finally {
      await runner?.close();
    }
    const written = await writeResults(o.out, c, journalUnits(o.out, position), backends, threads, o.statistic);
    if (o.afterResults && written.complete && !o.shard) await o.afterResults(o.out, solver.backend);
    return {
      backend: solver.backend,
      skipped: solver.skipped,
      threads,
      complete: written.complete && !o.shard,
      rows: written.rows,
      unitsDone: position,
      unitsTotal: total,
      files: written.files,
      notes: [...(lock.replaced ? [`replaced a stale lock: ${lock.replaced}`] : []), ...written.notes],
    };
  } finally {
    lock.release();
  }
}

/** `dir` is `parent` or inside it (paths resolved, symbolic links followed where they exist). */
function within(dir: string, parent: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const a = real(dir);
  const b = real(parent);
  return a === b || a.startsWith(b.endsWith(sep) ? b : b + sep);
}

/**
 * Combines shard folders into `out`: exactly the numbers one run would have produced.
 * The shard folders are only read (a torn last line is skipped, not cut; a damaged line
 * is an error naming it); `out` must be new, empty, or hold an earlier merge of the same
 * sweep, which is replaced.
 */
export async function mergeShards(
  out: string,
  dirs: string[],
  options: { statistic?: Statistic } = {},
): Promise<{
  /** The merged sweep's configuration. */
  config: SweepConfig;
  /** One row per grid point and method. */
  rows: ResultRow[];
  /** Whether the shards hold every unit. */
  complete: boolean;
  /** The files written, with their paths. */
  files: string[];
  /** Units no shard holds (0 when complete). */
  missing: number;
  /** What the caller should tell the user. */
  notes: string[];
}> {
  if (dirs.length === 0) throw new JcpbaError('invalid-option', 'merge needs at least one shard folder', 'dirs');
  const scans: JournalScan[] = [];
  for (const dir of dirs) {
    if (!existsSync(join(dir, JOURNAL))) throw new JcpbaError('invalid-input', `${dir} holds no sweep (${JOURNAL} is missing)`, 'dirs');
    if (within(out, dir)) throw new JcpbaError('invalid-option', `--out ${out} is ${within(dir, out) ? 'one of' : 'inside one of'} the folders merged (${dir}); merge never writes into them, so choose another --out`, 'out');
    checkNotLocked(dir);
    const scan = scanJournal(dir)!;
    if (scans.length > 0 && scan.header.identity !== scans[0].header.identity) throw new JcpbaError('invalid-input', `${dir} holds a different sweep from ${dirs[0]}`, 'dirs');
    scans.push(scan);
  }
  const first = scans[0].header;
  const c = first.config;
  const backends = [...new Set(scans.flatMap((s) => s.header.backends ?? []))];
  makeDir(out);
  const lock = acquireLock(out, 'merge');
  try {
    removeOwnTemporaries(out);
    const existing = scanJournal(out);
    if (existing && !existing.header.merged) {
      throw new JcpbaError('invalid-option', `${out} holds a sweep of its own (not a merge); merge writes only into a new or empty folder, or over an earlier merge of the same sweep, so choose another --out`, 'out');
    }
    if (existing && existing.header.identity !== first.identity) {
      throw new JcpbaError('invalid-option', `${out} holds the merge of a different sweep (other grid, methods, counts or version); choose another --out`, 'out');
    }
    if (!existing) checkForeign(out, 'merge');
    // The merged journal, in canonical order, streamed from the shards' journals (each
    // read up to the units its scan checked) into a temporary file, then renamed.
    const merged: JournalHeader = { kind: 'jcpba-sweep-journal', identity: first.identity, config: c, backends, merged: true };
    const path = join(out, JOURNAL);
    const tmp = `${path}.tmp-${process.pid}`;
    let count = 0;
    try {
      writeAtomic(tmp, `${JSON.stringify(merged)}\n`);
      let batch: string[] = [];
      for (const u of mergeOrdered(dirs.map((d, i) => journalUnits(d, scans[i].units)), dirs)) {
        batch.push(JSON.stringify(u));
        count++;
        if (batch.length >= 256) {
          appendLines(tmp, batch);
          batch = [];
        }
      }
      appendLines(tmp, batch);
      try {
        renameSync(tmp, path);
      } catch (e) {
        throw new FileError('write', path, e);
      }
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // never written
      }
      throw e;
    }
    const missing = unitCount(c) - count;
    const written = await writeResults(out, c, journalUnits(out, count), backends, undefined, checkStatistic(options.statistic));
    const notes = [...(lock.replaced ? [`replaced a stale lock: ${lock.replaced}`] : []), ...written.notes];
    return { config: c, ...written, complete: written.complete && missing === 0, missing, notes };
  } finally {
    lock.release();
  }
}
