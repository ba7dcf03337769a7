// Sweep throughput in client-solves per second (clients x methods x drops x realizations
// x rounds / seconds) at 1 thread and at every thread: the native core's runUnits
// directly, and runSweep (the CLI's path, at its steady state) on each backend into a
// temporary folder. Wall and CPU time from the same runs; for runUnits also each
// thread's CPU time, which on a shared machine shows how the work splits.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { flattenParams, gridPoints, monteCarloOptions, scenarioOf, units } from '../dist/ts/sweep/config.js';
import { runSweep } from '../dist/ts/index.js';
import { loadNative } from '../dist/bindings/native.js';
import { otherWork } from './machine.mjs';

/**
 * Enough units (drops x ceil(realizations / 16)) to keep every thread busy, and seconds
 * of work per run, so that starting the workers is a small part of it.
 */
const FULL = { clients: 100, drops: 8, realizations: 64, repeats: 5 };
const QUICK = { clients: 20, drops: 2, realizations: 16, repeats: 1 };

function sweepConfig(plan, methods) {
  return {
    grid: [{ key: 'clients', values: [plan.clients] }],
    base: {},
    seed: 1,
    drops: plan.drops,
    realizations: plan.realizations,
    rounds: 1,
    methods,
    tolerance: 1e-10,
    maxIterations: 500,
  };
}

const clientSolves = (c) => c.grid[0].values[0] * c.methods.length * c.drops * c.realizations * c.rounds;

/** CPU seconds of this process (every thread, user and system). */
function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * CPU seconds of each live thread of this process (Linux's /proc/self/task/<id>/schedstat,
 * in nanoseconds), keyed by thread id; empty elsewhere. Threads that ended since (the
 * addon's solver threads end with each runUnits) are in the process's total only.
 */
function taskSeconds() {
  const out = new Map();
  let ids;
  try {
    ids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const id of ids) {
    try {
      out.set(id, Number(readFileSync(`/proc/self/task/${id}/schedstat`, 'utf8').split(' ')[0]) / 1e9);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * How a runSweep's steady state (between two progress reports) spent the process's CPU:
 * the main thread (journal, progress, parsing the results), the other threads still alive
 * at the end (the JavaScript worker, V8's helpers), and the threads that ended meanwhile
 * (the addon's solver threads, one set per batch).
 */
function cpuSplit(a, b) {
  const main = (b.tasks.get(String(process.pid)) ?? NaN) - (a.tasks.get(String(process.pid)) ?? NaN);
  let alive = 0;
  for (const [id, x] of b.tasks) if (id !== String(process.pid) && a.tasks.has(id)) alive += x - a.tasks.get(id);
  const total = b.cpu - a.cpu;
  return { total, main, alive, ended: Math.max(0, total - main - alive) };
}

/**
 * The best of `repeats` runs (noise only ever adds time), each figure on its own: wall
 * seconds (with the mean number of cores other processes kept busy meanwhile: a thread
 * speed-up needs idle cores), CPU seconds of the process, and for runUnits the CPU
 * seconds of its busiest thread (`busiest`) and of all its threads (`threadsTotal`).
 */
async function best(repeats, measure) {
  const out = { seconds: Infinity, others: null, cpuSeconds: Infinity, busiest: Infinity, threadsTotal: Infinity, threadSeconds: null, share: null, split: null };
  for (let i = 0; i < repeats; i++) {
    const others = otherWork();
    const cpu0 = cpuSeconds();
    const run = await measure();
    // runSweep: its steady state's CPU time (as its seconds), scaled to the whole sweep.
    const cpu = run.cpuSeconds ?? cpuSeconds() - cpu0;
    const { seconds } = run;
    // The cores this run got: its CPU time over its wall time (1 thread: at most 1).
    if (seconds < out.seconds) Object.assign(out, { seconds, others: others(), startupSeconds: run.startupSeconds, share: cpu / seconds, split: run.split ?? null });
    out.cpuSeconds = Math.min(out.cpuSeconds, cpu);
    if (run.threads?.length && run.threads.every((t) => Number.isFinite(t.cpuSeconds))) {
      const busiest = Math.max(...run.threads.map((t) => t.cpuSeconds));
      if (busiest < out.busiest) Object.assign(out, { busiest, threadSeconds: run.threads.map((t) => t.cpuSeconds), threadUnits: run.threads.map((t) => t.units) });
      out.threadsTotal = Math.min(out.threadsTotal, run.threads.reduce((s, t) => s + t.cpuSeconds, 0));
    }
  }
  for (const k of ['cpuSeconds', 'busiest', 'threadsTotal']) if (!Number.isFinite(out[k])) out[k] = null;
  return out;
}

/** Wall seconds of one runUnits, and its threads' CPU seconds and units (lastRunThreads, when the addon has it). */
function runUnitsSeconds(core, c, threads) {
  const params = flattenParams(gridPoints(c).map((p) => scenarioOf(c, p)));
  const specs = Uint32Array.from(units(c).flatMap((u) => [u.grid, u.drop, u.block]));
  const o = monteCarloOptions(c);
  const t0 = performance.now();
  core.runUnits(params, specs, o.methods.join(','), o.trials, o.rounds, o.tolerance, o.maxIterations, threads);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, threads: core.lastRunThreads ? JSON.parse(core.lastRunThreads()) : undefined };
}

/**
 * runSweep's steady state: the seconds the whole sweep would take at the rate of its
 * batches after the first (client-solves from the second progress report to the last,
 * journal writes between batches included; results and figures written after them not).
 * The first batch also waits for the workers to start and load their backend, a fixed
 * cost per sweep (about 0.1 s of CPU here, twice the solver's work in this small sweep),
 * reported on its own as `startupSeconds`: counted in, it hid how the threads scale.
 */
async function runSweepSeconds(c, backend, threads) {
  const out = mkdtempSync(join(tmpdir(), 'jcpba-bench-'));
  const marks = [];
  try {
    await runSweep(c, {
      out,
      backend,
      threads,
      onProgress: (_position, _total, s) => marks.push({ at: performance.now(), solves: s.clientSolvesDone, cpu: cpuSeconds(), tasks: taskSeconds() }),
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const [start, second, end] = [marks[0], marks[1], marks.at(-1)];
  // One batch only (a small sweep on many threads): all of it, the start-up included.
  if (marks.length < 3 || !(end.solves > second.solves)) return { seconds: (end.at - start.at) / 1000, startupSeconds: null, cpuSeconds: end.cpu - start.cpu, split: null };
  const scale = end.solves / (end.solves - second.solves);
  const rate = (end.solves - second.solves) / ((end.at - second.at) / 1000);
  const split = Object.fromEntries(Object.entries(cpuSplit(second, end)).map(([k, v]) => [k, v * scale]));
  return { seconds: end.solves / rate, startupSeconds: (second.at - start.at) / 1000 - second.solves / rate, cpuSeconds: split.total, split };
}

/**
 * runSweep with the native backend loading `addon` (JCPBA_NATIVE_PATH reaches the
 * worker that loads it), or the package's own addon when undefined.
 */
async function withAddon(addon, run) {
  const saved = process.env.JCPBA_NATIVE_PATH;
  if (addon === undefined) delete process.env.JCPBA_NATIVE_PATH;
  else process.env.JCPBA_NATIVE_PATH = addon;
  try {
    return await run();
  } finally {
    if (saved === undefined) delete process.env.JCPBA_NATIVE_PATH;
    else process.env.JCPBA_NATIVE_PATH = saved;
  }
}

/**
 * @param baseline `{ file, commit }`: an earlier build of the native addon (bench/baseline.sh),
 *   measured on the same sweep in the same run, interleaved with today's build, for issue
 *   12's "at least 2x today's throughput" target
 */
export async function runSweepThroughput({ solvers, methods, quick, log, baseline }) {
  const plan = quick ? QUICK : FULL;
  const c = sweepConfig(plan, methods);
  const all = availableParallelism();
  const solves = clientSolves(c);
  const rows = [];
  const row = (path, backend, one, many) => {
    const r = {
      path,
      backend,
      threads: all,
      secondsOneThread: one.seconds,
      secondsAllThreads: many.seconds,
      clientSolvesPerSecondOneThread: solves / one.seconds,
      clientSolvesPerSecondAllThreads: solves / many.seconds,
      speedup: one.seconds / many.seconds,
      otherCoresBusyOneThread: one.others,
      otherCoresBusyAllThreads: many.others,
      // CPU time of the whole process (user + system, every thread), best of the repeats.
      cpuSecondsOneThread: one.cpuSeconds,
      cpuSecondsAllThreads: many.cpuSeconds,
      // Efficiency: useful CPU over wall time, the cores each run actually got. The wall
      // clock speed-up is shareAllThreads / shareOneThread / (cpuSecondsAllThreads /
      // cpuSecondsOneThread): on a shared machine the share, not the threads, decides it.
      shareOneThread: one.share,
      shareAllThreads: many.share,
      workRatio: many.cpuSeconds / one.cpuSeconds,
    };
    // runSweep: the main thread's, the live workers' and the ended solver threads' CPU.
    if (one.split && many.split) Object.assign(r, { cpuSplitOneThread: one.split, cpuSplitAllThreads: many.split });
    if (one.startupSeconds !== undefined) Object.assign(r, { startupSecondsOneThread: one.startupSeconds, startupSecondsAllThreads: many.startupSeconds });
    if (one.busiest !== null && many.busiest !== null) {
      // With a core per thread a run lasts as long as its busiest thread: the speed-up in
      // CPU time, which other sessions' load does not change. threadsTotal over the one
      // thread's time is the work added by splitting it.
      Object.assign(r, {
        threadSecondsOneThread: one.busiest,
        threadSecondsAllThreads: many.threadSeconds,
        threadUnitsAllThreads: many.threadUnits,
        busiestThreadSecondsAllThreads: many.busiest,
        cpuSpeedup: one.busiest / many.busiest,
        workRatio: many.threadsTotal / one.threadsTotal,
        // The busiest thread's share of the work: 1 / threads when evenly split.
        busiestShare: many.busiest / many.threadsTotal,
        shareOneThread: one.threadsTotal / one.seconds,
        shareAllThreads: many.threadsTotal / many.seconds,
      });
    }
    rows.push(r);
    const cpu = r.cpuSpeedup === undefined ? '' : `; in CPU time x${r.cpuSpeedup.toFixed(2)}: ${(one.busiest * 1e3).toFixed(1)} ms on 1 thread, busiest of ${all} ${(many.busiest * 1e3).toFixed(1)} ms (${many.threadSeconds.map((x) => (x * 1e3).toFixed(1)).join(' + ')} ms, ${many.threadUnits.join(' + ')} units)`;
    const split = r.cpuSplitAllThreads ? `; CPU at ${all} threads: main thread ${(r.cpuSplitAllThreads.main * 1e3).toFixed(1)} ms, workers ${(r.cpuSplitAllThreads.alive * 1e3).toFixed(1)} ms, solver threads ${(r.cpuSplitAllThreads.ended * 1e3).toFixed(1)} ms` : '';
    log(`sweep ${path} ${backend}: ${r.clientSolvesPerSecondOneThread.toFixed(0)} -> ${r.clientSolvesPerSecondAllThreads.toFixed(0)} client-solves/s (x${r.speedup.toFixed(2)} on ${all} threads; cores got ${r.shareOneThread?.toFixed(2)} -> ${r.shareAllThreads?.toFixed(2)}; other processes busy on ${r.otherCoresBusyAllThreads ?? '?'} cores meanwhile)${cpu}${split}`);
    return r;
  };
  const measure = async (path, backend, seconds) => row(path, backend, await best(plan.repeats, () => seconds(1)), await best(plan.repeats, () => seconds(all)));
  /** Today's build and the baseline's, repeat by repeat in turn, so that both see the same load. */
  const pair = async (path, seconds, baselineSeconds) => {
    const out = {};
    for (const threads of [1, all]) {
      const now = { seconds: Infinity, others: null };
      const then = { seconds: Infinity, others: null };
      for (let i = 0; i < plan.repeats; i++) {
        for (const [into, fn] of [[now, seconds], [then, baselineSeconds]]) {
          const t = await best(1, () => fn(threads));
          if (t.seconds < into.seconds) Object.assign(into, t);
        }
      }
      out[threads] = { now, then };
    }
    row(path, 'native', out[1].now, out[all].now);
    const b = row(path, `native (baseline ${baseline.commit})`, out[1].then, out[all].then);
    b.baseline = baseline.commit;
  };
  if (solvers.native?.core) {
    runUnitsSeconds(solvers.native.core, c, 1); // loads pages and caches before timing
    if (baseline) {
      const old = loadNative(baseline.file);
      runUnitsSeconds(old, c, 1);
      await pair('runUnits', (t) => runUnitsSeconds(solvers.native.core, c, t), (t) => runUnitsSeconds(old, c, t));
    } else {
      await measure('runUnits', 'native', (t) => runUnitsSeconds(solvers.native.core, c, t));
    }
  }
  for (const backend of Object.keys(solvers)) {
    if (backend === 'native' && baseline) {
      await pair(
        'runSweep',
        (t) => withAddon(undefined, () => runSweepSeconds(c, backend, t)),
        (t) => withAddon(baseline.file, () => runSweepSeconds(c, backend, t)),
      );
    } else {
      await measure('runSweep', backend, (t) => runSweepSeconds(c, backend, t));
    }
  }
  return {
    config: { clients: plan.clients, drops: plan.drops, realizations: plan.realizations, rounds: 1, methods, repeats: plan.repeats },
    clientSolves: solves,
    baseline: baseline?.commit ?? null,
    rows,
  };
}
