/**
 * `jcpba calibrate FILE`: R0, Pmax and m of the convergence model (MODEL.md section 13.3)
 * fitted to pilot runs, with bootstrap confidence intervals, residuals and a figure of the
 * fit. Its JSON output is what `plan` and `sweep` read with `--convergence FILE`.
 */
import { JcpbaError } from '../core/error.js';
import { type Calibration, type PilotRun, calibrate } from '../learning/calibrate.js';
import { csvCells, csvNumber } from '../learning/curve.js';
import { type Figure, paperFrame, renderFigures, wrapSubtitle } from '../sweep/figures.js';
import { writeCopies } from '../sweep/render.js';
import { writeAtomic } from '../sweep/files.js';
import { type FlagSpec, formatHelp, parseArgs, parseNumber, usageError } from './args.js';
import { type Io, readDataText } from './io.js';

const CALIBRATE_FLAGS: Record<string, FlagSpec> = {
  'target-loss': { value: 'L', help: 'the common target loss, when the runs give loss curves (each run\'s rounds are read off its curve)' },
  exponent: { value: 'fit|1', help: 'fit m, or fix it at 1 (MODEL.md section 10)', default: 'fit' },
  format: { value: 'json|table', help: 'json for tools (and for --convergence), table for people', default: 'json' },
  out: { value: 'FILE', help: 'write the calibration (JSON) to FILE, and the figure of the fit beside it (FILE stem + .svg, .vl.json)' },
  seed: { value: 'N', help: 'seed of the bootstrap', default: '1' },
  resamples: { value: 'N', help: 'bootstrap resamples', default: '2000' },
  help: { boolean: true, help: 'show this help' },
};

const USAGE = 'Usage: jcpba calibrate FILE|- [--target-loss L] [--exponent fit|1] [--format json|table] [--out FILE] [--seed N]';

const SUMMARY = `Fits the convergence model R(P) = R0 / (1 - P / Pmax)^m to pilot runs (MODEL.md section 13):
least squares on ln R_i = ln R0 - m ln(1 - P_i / Pmax), 95% bootstrap intervals (seeded).
FILE: CSV with the header pruning,rounds (one run per line: mean pruning, rounds to the target),
or run,pruning,round,loss (each run's loss curve, with --target-loss); or JSON, an array of runs
{ "pruning", "rounds" } or { "pruning", "loss": { "loss": [...] } }, or { "targetLoss", "runs": [...] }.
Then: jcpba plan --convergence FILE ...`;

/** The runs of a calibration file (CSV or JSON); `source` names it in errors. */
export function parsePilotRuns(text: string, source: string): { runs: PilotRun[]; targetLoss?: number } {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new JcpbaError('parse-error', `${source} is not valid JSON: ${(e as Error).message}`, 'runs');
    }
    if (Array.isArray(json)) return { runs: json as PilotRun[] };
    const o = json as { runs?: unknown; targetLoss?: unknown };
    if (o === null || !Array.isArray(o.runs)) throw new JcpbaError('invalid-input', `${source}: expected an array of runs, or { "targetLoss", "runs": [...] }`, 'runs');
    if (o.targetLoss !== undefined && typeof o.targetLoss !== 'number') throw new JcpbaError('invalid-input', `${source}: targetLoss must be a number`, 'targetLoss');
    return { runs: o.runs as PilotRun[], ...(o.targetLoss !== undefined ? { targetLoss: o.targetLoss as number } : {}) };
  }
  const lines = text.split(/\r?\n/);
  let header: string[] | undefined;
  const runs: PilotRun[] = [];
  // run,pruning,round,loss: each run's curve, its lines together or not.
  const curves = new Map<string, { pruning: number; line: number; points: { round: number; loss: number }[] }>();
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = `${source} line ${i + 1}`;
    const cells = csvCells(line);
    if (header === undefined) {
      header = cells.map((c) => c.toLowerCase());
      const h = header.join(',');
      if (h !== 'pruning,rounds' && h !== 'run,pruning,round,loss') {
        throw new JcpbaError('invalid-input', `${at}: the header must be pruning,rounds or run,pruning,round,loss (got ${JSON.stringify(line)})`, 'runs');
      }
      return;
    }
    if (cells.length !== header.length) throw new JcpbaError('invalid-input', `${at}: expected ${header.length} cells (${header.join(',')}), got ${cells.length}`, 'runs');
    if (header.length === 2) {
      runs.push({ pruning: csvNumber(cells[0], `${at}, pruning`, 'runs'), rounds: csvNumber(cells[1], `${at}, rounds`, 'runs'), name: `line ${i + 1}` });
      return;
    }
    const name = cells[0];
    const pruning = csvNumber(cells[1], `${at}, pruning`, 'runs');
    const point = { round: csvNumber(cells[2], `${at}, round`, 'runs'), loss: csvNumber(cells[3], `${at}, loss`, 'runs') };
    const curve = curves.get(name);
    if (curve === undefined) curves.set(name, { pruning, line: i + 1, points: [point] });
    else {
      if (curve.pruning !== pruning) throw new JcpbaError('invalid-input', `${at}: run ${JSON.stringify(name)} has pruning ${curve.pruning} on line ${curve.line}, ${pruning} here`, 'runs');
      curve.points.push(point);
    }
  });
  if (header === undefined) throw new JcpbaError('invalid-input', `${source}: empty; expected CSV (pruning,rounds or run,pruning,round,loss) or JSON`, 'runs');
  for (const [name, c] of curves) runs.push({ name, pruning: c.pruning, loss: c.points });
  return { runs };
}

const num = (x: number | null) => (x === null ? 'inf' : String(Number(x.toPrecision(6))));

/** People's table: the parameters with their intervals, the runs with their residuals, the notes. */
export function calibrationTable(c: Calibration): string {
  const rows = [
    ['rounds0 (R0)', num(c.rounds0), `[${num(c.ci95.rounds0[0])}, ${num(c.ci95.rounds0[1])}]`],
    ['pruningLimit (Pmax)', num(c.pruningLimit), `[${num(c.ci95.pruningLimit[0])}, ${num(c.ci95.pruningLimit[1])}]`],
    [
      'convergenceExponent (m)',
      num(c.convergenceExponent),
      c.exponent === 'fit' ? `[${num(c.ci95.convergenceExponent[0])}, ${num(c.ci95.convergenceExponent[1])}]` : 'fixed',
    ],
  ];
  const header = ['parameter', 'estimate', '95% CI (bootstrap)'];
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i]))).join('  ');
  const runHeader = ['run', 'pruning', 'rounds', 'fitted', 'residual'];
  const runRows = c.runs.map((r, i) => [r.name ?? String(i), String(r.pruning), num(r.rounds), num(r.fitted), (r.residual >= 0 ? '+' : '') + r.residual.toFixed(4)]);
  const rw = runHeader.map((h, i) => Math.max(h.length, ...runRows.map((r) => r[i].length)));
  const rline = (cells: string[]) => cells.map((x, i) => (i === 0 ? x.padEnd(rw[i]) : x.padStart(rw[i]))).join('  ');
  return `${[
    line(header),
    w.map((x) => '-'.repeat(x)).join('  '),
    ...rows.map(line),
    '',
    rline(runHeader),
    rw.map((x) => '-'.repeat(x)).join('  '),
    ...runRows.map(rline),
    `(${c.runs.length} runs${c.targetLoss !== undefined ? `, target loss ${c.targetLoss}` : ''}; residual = ln rounds - ln fitted, rms ${c.rmsResidual.toFixed(4)};`,
    ` ${c.bootstrap.used} bootstrap resamples, seed ${c.bootstrap.seed})`,
    ...c.notes.map((n) => `note: ${n}`),
  ].join('\n')}\n`;
}

/** The figure of the fit: the runs' rounds against their pruning, and the fitted curve R0 / pi(P). */
export function calibrationSpec(c: Calibration): Omit<Figure, 'svg'> {
  const maxP = Math.max(...c.runs.map((r) => r.pruning));
  const top = c.pruningLimit === null ? maxP * 1.1 : Math.min(c.pruningLimit * 0.98, maxP * 1.1 + 1e-9);
  const curve = Array.from({ length: 101 }, (_, i) => {
    const P = (top * i) / 100;
    const pi = c.pruningLimit === null ? 1 : (1 - P / c.pruningLimit) ** c.convergenceExponent;
    return { pruning: P, rounds: c.rounds0 / pi };
  });
  const limit = c.pruningLimit === null ? 'inf' : num(c.pruningLimit);
  // The paper style of the sweep's figures (one column, 8-point text): the fit a black line, the runs orange circles.
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Rounds to target: runs and fit',
      subtitle: wrapSubtitle([
        `points: ${c.runs.length} pilot runs; no bars;`,
        'line: the fit R0/(1-P/Pmax)^m,',
        `R0 = ${num(c.rounds0)}, Pmax = ${limit}, m = ${num(c.convergenceExponent)}${c.exponent === 'fit' ? '' : ' (fixed)'};`,
        `rms residual ${c.rmsResidual.toFixed(3)} in ln rounds`,
      ]),
    },
    ...paperFrame(),
    layer: [
      {
        data: { values: curve },
        mark: { type: 'line', color: '#000000' },
        encoding: {
          x: { field: 'pruning', type: 'quantitative', title: 'mean pruning P' },
          y: { field: 'rounds', type: 'quantitative', title: 'rounds to the target', scale: { zero: false } },
        },
      },
      {
        data: { values: c.runs.map((r) => ({ pruning: r.pruning, rounds: r.rounds })) },
        mark: { type: 'point', shape: 'circle', filled: true, color: '#E69F00', stroke: '#000000', strokeWidth: 0.5, size: 30 },
        encoding: { x: { field: 'pruning', type: 'quantitative' }, y: { field: 'rounds', type: 'quantitative' } },
      },
    ],
  };
  return { name: 'calibration', spec };
}

export async function calibrateCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, CALIBRATE_FLAGS);
  if (flags.has('help')) {
    io.out(formatHelp(USAGE, SUMMARY, CALIBRATE_FLAGS));
    return 0;
  }
  if (positionals.length !== 1) throw usageError('calibrate needs exactly one file of pilot runs (or - for stdin)', 'file');
  const format = flags.get('format') ?? 'json';
  if (format !== 'json' && format !== 'table') throw usageError(`--format must be json or table (got ${JSON.stringify(format)})`, 'format');
  const exponentText = flags.get('exponent') ?? 'fit';
  if (exponentText !== 'fit' && exponentText !== '1') throw usageError(`--exponent must be fit or 1 (got ${JSON.stringify(exponentText)})`, 'exponent');
  const seed = flags.has('seed') ? parseNumber(flags.get('seed')!, '--seed') : 1;
  const resamples = flags.has('resamples') ? parseNumber(flags.get('resamples')!, '--resamples') : undefined;
  const source = positionals[0] === '-' ? 'stdin' : positionals[0];
  const input = parsePilotRuns(await readDataText(positionals[0], io), source);
  const flagTarget = flags.has('target-loss') ? parseNumber(flags.get('target-loss')!, '--target-loss') : undefined;
  if (flagTarget !== undefined && input.targetLoss !== undefined && flagTarget !== input.targetLoss) {
    throw usageError(`--target-loss ${flagTarget} differs from the file's targetLoss ${input.targetLoss}`, 'target-loss');
  }
  const targetLoss = flagTarget ?? input.targetLoss;
  const cal = calibrate(input.runs, { targetLoss, exponent: exponentText === 'fit' ? 'fit' : 1, seed, resamples });
  const json = `${JSON.stringify(cal, null, 2)}\n`;
  if (flags.has('out')) {
    const out = flags.get('out')!;
    writeAtomic(out, json);
    const stem = out.replace(/\.json$/i, '');
    const { figures, note } = await renderFigures([calibrationSpec(cal)]);
    let copiesNote: string | undefined;
    for (const f of figures) {
      writeAtomic(`${stem}.vl.json`, `${JSON.stringify(f.spec, null, 2)}\n`);
      if (f.svg !== undefined) {
        writeAtomic(`${stem}.svg`, f.svg);
        copiesNote = (await writeCopies(stem, f.svg)).note;
      }
    }
    if (note) io.err(`jcpba: note: ${note}\n`);
    if (copiesNote) io.err(`jcpba: note: ${copiesNote}\n`);
  }
  io.out(format === 'table' ? calibrationTable(cal) : json);
  return 0;
}
