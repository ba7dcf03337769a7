// The anchors' Markdown: Ipopt beside optimal and bcd, and bcd's gap to the optimum.
import { duration, ratio, table } from '../format.mjs';

const percent = (x) => `${(100 * x).toFixed(1)} %`;
const level = (q) => (q === 0 ? 'min' : q === 1 ? 'max' : q === 0.5 ? 'median' : `${Math.round(100 * q)} %`);
const versionName = { v1: 'v1', v2: 'v2 (5 s fixed, 80 % compute prunable)' };

/** The Ipopt table (or why it was skipped), for the README and latest.md. */
export function ipoptTable(a) {
  if (a.ipopt.skipped) return `Ipopt: not measured (${a.ipopt.skipped}).`;
  const rows = a.ipopt.rows.map((r) => [
    r.clients.toLocaleString('en-US'),
    r.version,
    duration(r.ipoptCpuMs),
    r.ipoptIterations.toFixed(0),
    duration(r.optimalCpuMs),
    duration(r.bcdCpuMs),
    ratio(r.ipoptOverOptimalCpu),
    Math.max(...r.ipoptOverOptimal.map(Math.abs)).toExponential(1),
    r.bcdOverOptimal.map(percent).join(', '),
  ]);
  const statuses = [...new Set(a.ipopt.rows.flatMap((r) => r.ipoptStatuses))];
  return [
    `Ipopt (interior point, exact first and second derivatives, MUMPS; \`bench/anchors/ipopt-model.cpp\`, asked for a relative gap of ${a.ipoptGap}) beside jcpba's \`optimal\` and \`bcd\` (${a.backend}) on the same generated problems (seeds ${a.ipoptSeeds.join(', ')} per row; CPU time per solve, mean over the seeds; Ipopt's statuses: ${statuses.join(', ')}). "Ipopt vs optimum": the largest |T_Ipopt / T* - 1| of the row, T_Ipopt recomputed from its point made feasible:`,
    '',
    table(
      ['K', 'model', 'Ipopt CPU', 'Ipopt iterations', 'optimal CPU', 'bcd CPU', 'Ipopt / optimal', 'Ipopt vs optimum', 'bcd above optimum'],
      rows,
      ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
  ].join('\n');
}

/** bcd's gap to the certified optimum, as quantiles, per K and model and over all. */
export function gapTable(a) {
  const g = a.gap;
  const cells = (x) => [x.problems, ...x.quantiles.map(percent), `${x.atLeast10}`, `${x.atLeast30}`];
  const rows = g.rows.map((r) => [r.clients.toLocaleString('en-US'), r.version, ...cells(r)]);
  rows.push(['all', 'both', ...cells(g.all)]);
  return [
    `The gap of \`bcd\` to the certified optimum, T_bcd / T* - 1, over the generator's problems (seeds 1 to ${a.gapSeeds} at each K, round models ${Object.keys(a.versions).map((v) => versionName[v] ?? v).join(' and ')}): quantiles, and how many problems are at least 10 % and 30 % above the optimum:`,
    '',
    table(['K', 'model', 'problems', ...g.quantileLevels.map(level), '>= 10 %', '>= 30 %'], rows, ['r', 'l', 'r', ...g.quantileLevels.map(() => 'r'), 'r', 'r']),
  ].join('\n');
}

export function anchorsSection(a, heading = '## Anchors: Ipopt, and bcd against the optimum') {
  return [heading, '', ipoptTable(a), '', gapTable(a)].join('\n');
}
