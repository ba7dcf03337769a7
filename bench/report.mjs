// bench/results/latest.md: every figure of a run, from its latest.json.
import { evaluationsTable } from './count-evaluations.mjs';
import { busyWarning, duration, machineLine, rate, ratio, table } from './format.mjs';
import { performanceSection } from './targets.mjs';
import { anchorsSection } from './anchors/report.mjs';

function perSolveSection(ps) {
  const lines = ['## Per solve (tinybench)', '', `Mean and p99 latency and ops/s (= 1 / mean) of \`solver.solve\`, cycling through problems of the default scenario (${ps.poolSeeds}).`];
  const backends = [...new Set(ps.rows.map((r) => r.backend))];
  for (const K of [...new Set(ps.rows.map((r) => r.clients))]) {
    const at = ps.rows.filter((r) => r.clients === K);
    const header = ['method', ...backends.flatMap((b) => [`${b} mean`, `${b} p99`, `${b} ops/s`])];
    const rows = [...new Set(at.map((r) => r.method))].map((method) => [
      method,
      ...backends.flatMap((b) => {
        const r = at.find((x) => x.backend === b && x.method === method);
        return r ? [duration(r.meanMs), duration(r.p99Ms), rate(r.opsPerSecond)] : ['n/a', 'n/a', 'n/a'];
      }),
    ]);
    lines.push('', `### K = ${K.toLocaleString('en-US')} (${at[0].samples === undefined ? '' : `at least ${Math.min(...at.map((r) => r.samples))} samples per cell`})`, '', table(header, rows, header.map((_, i) => (i ? 'r' : 'l'))));
  }
  return lines.join('\n');
}

function ratiosSection(ratios) {
  const rows = ratios.map((r) => [r.clients.toLocaleString('en-US'), r.method, ratio(r.nativeOverTs), ratio(r.wasmOverTs)]);
  return ['## Speed-up over the TypeScript reference', '', 'TS mean / backend mean, both measured in this run.', '', table(['K', 'method', 'native / TS', 'WASM / TS'], rows, ['r', 'l', 'r', 'r'])].join('\n');
}

function suitesSection(s) {
  const lines = ['## Backends and batching (benny)', '', `Each operation solves every problem of the suite's pool, one by one or in one \`solveMany\`; problems/s = ops/s x pool size. Benny's own files: ${s.suites.map((x) => `\`${x.file}\``).join(', ')}.`];
  for (const suite of s.suites) {
    lines.push('', `### ${suite.name}`, '');
    lines.push(table(['case', 'problems/s', '±', 'samples', 'slower than fastest'], suite.results.map((r) => [r.case, rate(r.problemsPerSecond), `${r.marginPercent}%`, String(r.samples), `${r.percentSlower}%`]), ['l', 'r', 'r', 'r', 'r']));
  }
  return lines.join('\n');
}

function sweepSection(sw) {
  const c = sw.config;
  const others = (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(2));
  const rows = sw.rows.map((s) => [
    s.path,
    s.backend,
    `${s.secondsOneThread.toFixed(2)} s`,
    rate(s.clientSolvesPerSecondOneThread),
    `${s.secondsAllThreads.toFixed(2)} s`,
    rate(s.clientSolvesPerSecondAllThreads),
    ratio(s.speedup),
    s.cpuSecondsOneThread == null ? 'n/a' : `${s.cpuSecondsOneThread.toFixed(3)} / ${s.cpuSecondsAllThreads.toFixed(3)} s`,
    s.threadSecondsAllThreads ? `${s.threadSecondsAllThreads.map((x) => (1000 * x).toFixed(1)).join(' + ')} ms (${s.threadUnitsAllThreads.join(' + ')} units)` : 'n/a',
    ratio(s.cpuSpeedup),
    s.shareOneThread == null ? 'n/a' : `${s.shareOneThread.toFixed(2)} / ${s.shareAllThreads.toFixed(2)}`,
    s.workRatio == null ? 'n/a' : `x${s.workRatio.toFixed(2)}`,
    s.cpuSplitAllThreads ? ['main', 'alive', 'ended'].map((k) => `${(1000 * s.cpuSplitAllThreads[k]).toFixed(1)}`).join(' / ') + ' ms' : 'n/a',
    s.path !== 'runSweep' ? 'n/a' : s.startupSecondsOneThread == null || s.startupSecondsAllThreads == null ? 'n/a (included)' : `${s.startupSecondsOneThread.toFixed(2)} / ${s.startupSecondsAllThreads.toFixed(2)} s`,
    `${others(s.otherCoresBusyOneThread)} / ${others(s.otherCoresBusyAllThreads)}`,
  ]);
  return [
    '## Sweep throughput',
    '',
    `K = ${c.clients}, methods ${c.methods.join(', ')}; ${c.drops} drops x ${c.realizations} realizations x ${c.rounds} round = ${rate(sw.clientSolves)} client-solves per run; best of ${c.repeats} (each figure on its own). runUnits: the native core's Monte Carlo entry, with each of its threads' CPU time (the speed-up in CPU time is the one thread's over the busiest of all: how long the run takes with a core per thread); runSweep: the CLI's path (workers for WASM and TS) at its steady state, its batches after the first, with the workers' start-up (in the first batch) on its own. Process CPU: every thread, user and system (runSweep: its steady state, scaled to the whole sweep). Cores got: the process's CPU time over the wall time (for runUnits its solver threads'), what the scheduler gave the run; the wall-clock speed-up is the ratio of those shares over the work ratio (CPU time at all threads over 1 thread). runSweep's CPU at all threads: main thread (results, journal, progress) / live workers (the JavaScript worker, V8's helpers) / threads that ended (the addon's solver threads, one set per batch).`,
    '',
    table(['path', 'backend', '1 thread', 'client-solves/s', `${sw.rows[0]?.threads ?? 'all'} threads`, 'client-solves/s', 'speed-up', 'process CPU (1 / all)', 'threads at all', 'speed-up in CPU time', 'cores got (1 / all)', 'work ratio', 'CPU at all: main / workers / ended', 'start-up (1 / all)', 'cores others used (1 / all)'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
  ].join('\n');
}

function planSection(pl) {
  const c = pl.config;
  const rows = pl.rows.map((p) => [
    p.backend,
    p.policy,
    duration(p.ms),
    duration(p.cpuMs),
    p.budgetsEvaluated === undefined ? 'n/a' : String(p.budgetsEvaluated),
    p.solves.toLocaleString('en-US'),
    duration(p.msPerSolve),
    p.otherCoresBusy === null || p.otherCoresBusy === undefined ? 'n/a' : p.otherCoresBusy.toFixed(2),
  ]);
  return [
    '## Fine-tuning plan',
    '',
    `\`solver.plan\` of optimal over realizations 0 to ${c.realizations - 1} of drop 0 (default scenario, K = ${c.clients}), R0 = ${c.rounds0}, Pmax = ${c.pruningLimit}; best of ${c.repeats} runs by wall time, with the CPU time of this process during that run. The static plan solves every realization at each budget its search evaluates (the budgets after the first start from the points of a smaller budget); the adaptive plan solves each realization on a grid, then in a 1-D search per Dinkelbach step.`,
    '',
    table(['backend', 'policy', 'wall', 'CPU', 'budgets', 'solves', 'CPU per solve', 'cores others used'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r']),
  ].join('\n');
}

function countsSection(c) {
  return ['## Rate evaluations per client per solve', '', `${c.how}. Core counts wait for a counter in the core.`, '', evaluationsTable(c)].join('\n');
}

export function markdown(result) {
  const m = result.machine;
  const parts = [
    '# jcpba benchmark',
    '',
    `- Machine: ${machineLine(m)}`,
    `- Command: \`${m.command}\``,
    `- Run time: ${result.seconds.toFixed(0)} s`,
  ];
  if (m.staleBuilds.length) parts.push(`- **Stale builds** (older than their sources): ${m.staleBuilds.join('; ')}`);
  if (busyWarning(m)) parts.push(`- **Busy machine:** ${busyWarning(m)}`);
  parts.push('', performanceSection(result, { heading: '## Targets', intro: false }));
  if (result.perSolve) parts.push('', perSolveSection(result.perSolve));
  if (result.ratios?.length) parts.push('', ratiosSection(result.ratios));
  if (result.suites) parts.push('', suitesSection(result.suites));
  if (result.sweep) parts.push('', sweepSection(result.sweep));
  if (result.plan) parts.push('', planSection(result.plan));
  if (result.counts) parts.push('', countsSection(result.counts));
  if (result.anchors) parts.push('', anchorsSection(result.anchors));
  return `${parts.join('\n')}\n`;
}
