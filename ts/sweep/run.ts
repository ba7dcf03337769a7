/**
 * Running a sweep: units on a backend, the journal, progress, interruption, results.
 */
import { existsSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { JcpbaError } from '../core/error.js';
import { checkSolverOptions } from '../core/methods.js';
import { type UnitSpec, type UnitSummary, runUnit } from '../core/montecarlo.js';
import { type BackendName, createSolver } from '../facade.js';
import { isFigureFile, sweepFigures } from './figures.js';
import { type SweepConfig, flattenParams, gridPoints, identity, monteCarloOptions, scenarioOf, units } from './config.js';
import { JOURNAL, type JournalHeader, appendLines, ensureDir, journalUnits, mergeOrdered, readJournal, unitKey, writeAtomic } from './journal.js';
import { type ResultRow, aggregate, resultsCsv, resultsJson } from './results.js';
import type { CoreBackend } from '../../bindings/types.js';

export interface Shard {
  index: number;
  count: number;
}

export interface RunOptions {
  out: string;
  backend?: BackendName | 'auto';
  /** Threads (native) or workers (WASM, TypeScript); default: every core. */
  threads?: number;
  shard?: Shard;
  resume?: boolean;
  /** Called after every batch of units. */
  onProgress?: (done: number, total: number) => void;
  /** Polled between batches: true stops the sweep, keeping what is done. */
  shouldStop?: () => boolean;
}

export interface SweepOutcome {
  backend: BackendName;
  /** Faster backends that `auto` could not load, and why. */
  skipped: { backend: BackendName; reason: string }[];
  threads: number;
  complete: boolean;
  rows: ResultRow[];
  unitsDone: number;
  unitsTotal: number;
  files: string[];
  /** What the caller should tell the user (e.g. how to draw figures without vega). */
  notes: string[];
}

/** Target duration of one batch of units, s. */
const BATCH_SECONDS = 1;
const MAX_BATCH_PER_THREAD = 256;

interface Runner {
  run(specs: UnitSpec[]): Promise<UnitSummary[]>;
  close(): Promise<void>;
}

function nativeRunner(core: CoreBackend, c: SweepConfig, threads: number): Runner {
  const params = flattenParams(gridPoints(c).map((p) => scenarioOf(c, p)));
  const o = monteCarloOptions(c);
  return {
    run: async (specs) => {
      const packed = Uint32Array.from(specs.flatMap((s) => [s.grid, s.drop, s.block]));
      return JSON.parse(core.runUnits(params, packed, o.methods.join(','), o.trials, o.rounds, o.tolerance, o.maxIterations, threads)) as UnitSummary[];
    },
    close: async () => {},
  };
}

/** A pool of worker threads, each running whole units; results come back in input order. */
function workerRunner(backend: 'ts' | 'wasm', c: SweepConfig, threads: number): Runner {
  const params = gridPoints(c).map((p) => scenarioOf(c, p));
  const options = monteCarloOptions(c);
  const url = new URL('./worker.js', import.meta.url);
  const workers = Array.from({ length: threads }, () => new Worker(url, { workerData: { backend, params, options } }));
  let nextId = 0;
  const call = (w: Worker, spec: UnitSpec) =>
    new Promise<UnitSummary>((resolve, reject) => {
      const id = nextId++;
      const onMessage = (msg: { id?: number; summaries?: UnitSummary[]; error?: { message: string; code?: string; field?: string; client?: number } }) => {
        if (msg.id !== id) return;
        w.off('message', onMessage);
        w.off('error', reject);
        if (msg.error) reject(new JcpbaError((msg.error.code as never) ?? 'internal', msg.error.message, msg.error.field, msg.error.client));
        else resolve(msg.summaries![0]);
      };
      w.on('message', onMessage);
      w.once('error', reject);
      w.postMessage({ id, units: [spec] });
    });
  return {
    run: async (specs) => {
      const out: UnitSummary[] = new Array(specs.length);
      let next = 0;
      await Promise.all(
        workers.map(async (w) => {
          while (next < specs.length) {
            const i = next++;
            out[i] = await call(w, specs[i]);
          }
        }),
      );
      return out;
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** In-process TypeScript, for one thread (no worker start-up cost). */
function inlineRunner(c: SweepConfig): Runner {
  const params = gridPoints(c).map((p) => scenarioOf(c, p));
  const o = monteCarloOptions(c);
  return { run: async (specs) => specs.map((s) => runUnit(params[s.grid], s, o)), close: async () => {} };
}


function sameShard(a?: Shard, b?: Shard): boolean {
  return (a?.index ?? 0) === (b?.index ?? 0) && (a?.count ?? 1) === (b?.count ?? 1);
}

/** Opens or starts the journal; returns the keys of the units already done. */
function openJournal(c: SweepConfig, o: RunOptions, backend: BackendName): { done: Set<string>; backends: string[] } {
  const path = join(o.out, JOURNAL);
  const existing = readJournal(o.out);
  if (existing) {
    if (!o.resume) {
      throw new JcpbaError('invalid-option', `${o.out} already holds a sweep (${JOURNAL}); pass --resume to continue it, or choose another --out`, 'out');
    }
    if (existing.header.identity !== identity(c) || !sameShard(existing.header.shard, o.shard)) {
      throw new JcpbaError('invalid-option', `${o.out} holds a different sweep (other grid, methods, counts or shard); --resume needs the same arguments`, 'resume');
    }
    const backends = [...new Set([...(existing.header.backends ?? []), backend])];
    return { done: existing.keys, backends };
  }
  const header: JournalHeader = { kind: 'jcpba-sweep-journal', identity: identity(c), config: c, backends: [backend] };
  if (o.shard) header.shard = o.shard;
  writeAtomic(path, `${JSON.stringify(header)}\n`);
  return { done: new Set(), backends: [backend] };
}

export async function writeResults(
  dir: string,
  c: SweepConfig,
  summaries: Iterable<UnitSummary>,
  backends: string[],
  threads?: number,
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
  for (const f of readdirSync(dir)) if (isFigureFile(f)) unlinkSync(join(dir, f));
  const { figures, note } = await sweepFigures(c, rows);
  for (const fig of figures) {
    put(`${fig.name}.vl.json`, `${JSON.stringify(fig.spec, null, 2)}\n`);
    if (fig.svg !== undefined) put(`${fig.name}.svg`, fig.svg);
  }
  return { rows, complete, files, notes: note ? [note] : [] };
}

export async function runSweep(c: SweepConfig, o: RunOptions): Promise<SweepOutcome> {
  if (o.shard && !(Number.isInteger(o.shard.count) && o.shard.count >= 1 && Number.isInteger(o.shard.index) && o.shard.index >= 0 && o.shard.index < o.shard.count)) {
    throw new JcpbaError('invalid-option', '--shard must be i/n with 0 <= i < n', 'shard');
  }
  const threads = o.threads ?? availableParallelism();
  if (!(Number.isInteger(threads) && threads >= 1)) throw new JcpbaError('invalid-option', '--threads must be a positive integer', 'threads');
  // The solver options and every grid point must check out (presets, ranges) before
  // anything is written.
  checkSolverOptions(c.tolerance, c.maxIterations);
  gridPoints(c).forEach((p) => scenarioOf(c, p));
  ensureDir(o.out);
  const solver = await createSolver({ backend: o.backend });
  const { done, backends } = openJournal(c, o, solver.backend);
  const mine = units(c, o.shard);
  // The journal is a prefix of this list (units run and are written in canonical
  // order), so the remaining units keep the journal in canonical order.
  const todo = mine.filter((u) => !done.has(unitKey(u)));
  const runner: Runner =
    solver.backend === 'native' && solver.core
      ? nativeRunner(solver.core, c, threads)
      : threads === 1 && solver.backend === 'ts'
        ? inlineRunner(c)
        : workerRunner(solver.backend as 'ts' | 'wasm', c, threads);
  const journal = join(o.out, JOURNAL);
  // Batches sized to take about BATCH_SECONDS: long enough that the threads rarely idle
  // at a batch's end or while JavaScript writes the journal, short enough that progress
  // and an interruption wait at most about that long. Whole multiples of the thread count.
  let batch = threads * 2;
  try {
    o.onProgress?.(mine.length - todo.length, mine.length);
    for (let i = 0; i < todo.length; ) {
      if (o.shouldStop?.()) break;
      const specs = todo.slice(i, i + batch);
      const started = performance.now();
      const results = await runner.run(specs);
      const seconds = (performance.now() - started) / 1000;
      appendLines(journal, results.map((r) => JSON.stringify(r)));
      i += specs.length;
      o.onProgress?.(mine.length - todo.length + i, mine.length);
      const perUnit = seconds / specs.length;
      const fit = perUnit > 0 ? Math.floor((BATCH_SECONDS / perUnit) / threads) * threads : batch * 2;
      batch = Math.min(MAX_BATCH_PER_THREAD * threads, Math.max(threads * 2, fit));
    }
  } finally {
    await runner.close();
  }
  const written = await writeResults(o.out, c, journalUnits(o.out), backends, threads);
  return {
    backend: solver.backend,
    skipped: solver.skipped,
    threads,
    complete: written.complete && !o.shard,
    rows: written.rows,
    unitsDone: readJournal(o.out)!.keys.size,
    unitsTotal: mine.length,
    files: written.files,
    notes: written.notes,
  };
}

/** Combines shard folders into `out`: exactly the numbers one run would have produced. */
export async function mergeShards(
  out: string,
  dirs: string[],
): Promise<{ config: SweepConfig; rows: ResultRow[]; complete: boolean; files: string[]; notes: string[] }> {
  if (dirs.length === 0) throw new JcpbaError('invalid-option', 'merge needs at least one shard folder', 'dirs');
  let header: JournalHeader | undefined;
  const backends = new Set<string>();
  const seen = new Set<string>();
  for (const dir of dirs) {
    if (!existsSync(join(dir, JOURNAL))) throw new JcpbaError('invalid-input', `${dir} holds no sweep (${JOURNAL} is missing)`, 'dirs');
    const j = readJournal(dir)!;
    if (!header) header = j.header;
    else if (j.header.identity !== header.identity) throw new JcpbaError('invalid-input', `${dir} holds a different sweep from ${dirs[0]}`, 'dirs');
    for (const b of j.header.backends ?? []) backends.add(b);
    for (const k of j.keys) {
      if (seen.has(k)) throw new JcpbaError('invalid-input', `unit ${k} appears twice (in ${dir} and an earlier folder)`, 'dirs');
      seen.add(k);
    }
  }
  const c = header!.config;
  const missing = units(c).filter((u) => !seen.has(unitKey(u))).length;
  ensureDir(out);
  // The merged journal, in canonical order, streamed from the shards' journals.
  const merged: JournalHeader = { kind: 'jcpba-sweep-journal', identity: header!.identity, config: c, backends: [...backends] };
  const path = join(out, JOURNAL);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(merged)}\n`);
  let batch: string[] = [];
  for (const u of mergeOrdered(dirs.map((d) => journalUnits(d)))) {
    batch.push(JSON.stringify(u));
    if (batch.length >= 256) {
      appendLines(tmp, batch);
      batch = [];
    }
  }
  appendLines(tmp, batch);
  renameSync(tmp, path);
  const written = await writeResults(out, c, journalUnits(out), [...backends]);
  if (missing > 0) process.stderr.write(`jcpba: merge: ${missing} units are missing; results cover complete grid points only\n`);
  return { config: c, ...written, complete: written.complete && missing === 0 };
}
