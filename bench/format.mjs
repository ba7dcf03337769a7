// Number formatting shared by the reports.

/** A duration given in ms, in the unit that keeps 3 significant digits readable. */
export function duration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return 'n/a';
  if (ms < 1e-3) return `${(ms * 1e6).toPrecision(3)} ns`;
  if (ms < 1) return `${(ms * 1e3).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}

/** A rate with thousands separators and no false precision. */
export function rate(x) {
  if (x === undefined || x === null || !Number.isFinite(x)) return 'n/a';
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  return x.toPrecision(3);
}

export function ratio(x) {
  if (x === undefined || x === null || !Number.isFinite(x)) return 'n/a';
  return `${x.toFixed(2)}x`;
}

export function table(header, rows, align) {
  const sep = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** One line naming the machine, for every report. */
export function machineLine(m) {
  const rustc = m.rustc ? `, ${m.rustc.split(' (')[0]}` : '';
  return `${m.cpu}, ${m.cores} cores (${m.availableParallelism} available), ${m.memoryGiB} GiB, ${m.platform}; Node ${m.node}${rustc}; jcpba ${m.jcpba} (core ${m.core ?? 'n/a'}) at ${m.commit ?? 'unknown commit'}${m.uncommittedFiles ? ` with ${m.uncommittedFiles} uncommitted files` : ''}; ${m.date.slice(0, 10)}`;
}

/** Other work on the machine during the run, as a warning, or undefined. */
export function busyWarning(m) {
  const others = m.otherCoresBusy ?? m.loadAverage;
  if (!(others > 0.25)) return undefined;
  const what = m.otherCoresBusy !== undefined && m.otherCoresBusy !== null
    ? `other processes kept ${m.otherCoresBusy} of ${m.availableParallelism} cores busy on average during the run`
    : `the load average was ${m.loadAverage} on ${m.availableParallelism} threads at the start`;
  return `${what}: every figure is slower than on an idle machine, and the all-threads sweep figures most of all`;
}
