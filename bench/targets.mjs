// The performance targets of issue 5, judged against a latest.json, and the README's
// performance section built from them.
import { busyWarning, duration, machineLine, ratio, rate, table } from './format.mjs';

const TARGET_K = 1000;
const SWEEP_SPEEDUP = 1.8;
/** The plan of issue 11: a static plan of 64 realizations at K = 100 on the native backend. */
const PLAN_LIMIT_MS = 1000;

const solveRow = (r, backend, method, K = TARGET_K) => r.perSolve?.rows.find((x) => x.backend === backend && x.method === method && x.clients === K);
const speedup = (r, backend, method) => {
  const ts = solveRow(r, 'ts', method);
  const other = solveRow(r, backend, method);
  return ts && other ? ts.meanMs / other.meanMs : undefined;
};

function latencyTarget(method, limitMs) {
  return {
    target: `${method}, K = 1,000, native: mean < ${duration(limitMs)} per solve`,
    value: (r) => solveRow(r, 'native', method)?.meanMs,
    met: (v) => v < limitMs,
    show: duration,
  };
}

function speedupTarget(backend, method, factor) {
  return {
    target: `${method}, K = 1,000: ${backend === 'native' ? 'native' : 'WASM'} >= ${factor}x TypeScript`,
    value: (r) => speedup(r, backend, method),
    met: (v) => v >= factor,
    show: ratio,
  };
}

export const TARGETS = [
  latencyTarget('optimal', 1),
  latencyTarget('bcd', 0.2),
  speedupTarget('native', 'optimal', 3),
  speedupTarget('native', 'bcd', 3),
  speedupTarget('wasm', 'optimal', 1.5),
  speedupTarget('wasm', 'bcd', 1.5),
];

/** Other processes' cores above which an all-threads figure says little about threads. */
const BUSY_CORES = 0.25;

function sweepStatus(s) {
  if (s.threads < 2) return 'not measured (1 thread available)';
  if (s.speedup >= SWEEP_SPEEDUP) return 'met';
  const busy = Math.max(s.otherCoresBusyOneThread ?? 0, s.otherCoresBusyAllThreads ?? 0);
  return busy > BUSY_CORES ? `not met; inconclusive: other processes kept ${busy.toFixed(2)} cores busy` : 'not met';
}

/** Every target with its measured figure and met / not met / not measured. */
export function judge(result) {
  const out = judgeAll(result);
  return result.quick ? out.map((j) => ({ ...j, status: j.status === 'met' || j.status === 'not met' ? `${j.status} (quick run)` : j.status })) : out;
}

function judgeAll(result) {
  const out = TARGETS.map((t) => {
    const v = t.value(result);
    return { target: t.target, measured: v === undefined ? 'not measured' : t.show(v), status: v === undefined ? 'not measured' : t.met(v) ? 'met' : 'not met' };
  });
  for (const s of result.sweep?.rows ?? []) {
    out.push({
      target: `sweep (${s.path}, ${s.backend}): ${s.threads} threads >= ${SWEEP_SPEEDUP}x 1 thread${s.threads === 2 ? '' : ' (target set for 2)'}`,
      measured: `${ratio(s.speedup)} (${rate(s.clientSolvesPerSecondOneThread)} -> ${rate(s.clientSolvesPerSecondAllThreads)} client-solves/s)`,
      status: sweepStatus(s),
    });
  }
  if (!result.sweep) out.push({ target: `sweep: 2 threads >= ${SWEEP_SPEEDUP}x 1 thread`, measured: 'not measured', status: 'not measured' });
  const plan = result.plan?.rows.find((x) => x.backend === 'native' && x.policy === 'static');
  const planTarget = `static plan, N = 64 realizations, K = 100, native: < ${duration(PLAN_LIMIT_MS)}`;
  if (!plan) out.push({ target: planTarget, measured: 'not measured', status: 'not measured' });
  else {
    const busy = plan.otherCoresBusy > BUSY_CORES ? `; other processes kept ${plan.otherCoresBusy} cores busy` : '';
    out.push({
      target: planTarget,
      measured: `${duration(plan.ms)} (CPU ${duration(plan.cpuMs)}; ${plan.solves.toLocaleString('en-US')} solves${busy})`,
      status: plan.ms < PLAN_LIMIT_MS ? 'met' : plan.cpuMs < PLAN_LIMIT_MS && plan.otherCoresBusy > BUSY_CORES ? 'not met on the wall clock; met in CPU time on a busy machine' : 'not met',
    });
  }
  return out;
}

/** The Markdown section for the README: machine, command, targets, headline figures. */
export function performanceSection(result, { heading = '## Performance', intro = true } = {}) {
  const m = result.machine;
  const lines = [heading];
  if (intro) lines.push('', `Measured on ${machineLine(m)}, with \`${m.command}\`${result.quick ? ' (quick mode: few iterations, indicative only)' : ''}.`);
  const cautions = [];
  if (m.staleBuilds?.length) cautions.push(`builds older than their sources: ${m.staleBuilds.join('; ')}`);
  if (busyWarning(m)) cautions.push(busyWarning(m));
  if (intro && cautions.length) lines.push('', `**Caution:** ${cautions.join('; ')}.`);
  lines.push('', table(['target', 'measured', 'status'], judge(result).map((j) => [j.target, j.measured, j.status]), ['l', 'r', 'l']));
  const rows = [];
  for (const method of ['bcd', 'optimal']) {
    const cells = ['native', 'wasm', 'ts'].map((b) => duration(solveRow(result, b, method)?.meanMs));
    if (cells.some((c) => c !== 'n/a')) rows.push([method, ...cells, ratio(speedup(result, 'native', method)), ratio(speedup(result, 'wasm', method))]);
  }
  if (rows.length) {
    lines.push('', `Mean time per solve at K = 1,000 (default scenario, 4 seeds):`, '');
    lines.push(table(['method', 'native', 'WASM', 'TypeScript', 'native / TS', 'WASM / TS'], rows, ['l', 'r', 'r', 'r', 'r', 'r']));
  }
  if (result.sweep) {
    const c = result.sweep.config;
    lines.push('', `Sweep throughput (K = ${c.clients}, ${c.methods.length} methods, ${c.drops} drops x ${c.realizations} realizations; client-solves per second):`, '');
    lines.push(table(
      ['path', 'backend', '1 thread', `${result.sweep.rows[0]?.threads ?? 'all'} threads`, 'speed-up'],
      result.sweep.rows.map((s) => [s.path, s.backend, rate(s.clientSolvesPerSecondOneThread), rate(s.clientSolvesPerSecondAllThreads), ratio(s.speedup)]),
      ['l', 'l', 'r', 'r', 'r'],
    ));
  }
  if (result.plan) {
    const c = result.plan.config;
    lines.push('', `Fine-tuning plan (\`solver.plan\`, optimal, N = ${c.realizations} realizations of drop 0, K = ${c.clients}, R0 = ${c.rounds0}, Pmax = ${c.pruningLimit}; best of ${c.repeats}):`, '');
    lines.push(table(
      ['backend', 'policy', 'wall', 'CPU', 'solves', 'CPU per solve', 'budget', 'fine-tuning'],
      result.plan.rows.map((p) => [p.backend, p.policy, duration(p.ms), duration(p.cpuMs), p.solves.toLocaleString('en-US'), duration(p.msPerSolve), p.budget.toFixed(4), `${(p.fineTuningSeconds / 3600).toFixed(3)} h`]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ));
  }
  if (intro) lines.push('', 'Full figures (every method, K = 10 to 10,000, p99, batching, evaluations per client): `bench/results/latest.md`; regenerate this section with `node bench/readme-table.mjs`.');
  return lines.join('\n');
}
