/**
 * The journal DIR/units.jsonl: a header line, then one finished unit per line, appended
 * per batch in canonical order. An interrupted sweep loses nothing (a torn last line is
 * cut on restart) and `--resume` skips what is done; shards are merged back in canonical
 * order. A damaged journal (a bad line, a unit out of place) is an error naming the line,
 * never a silent loss: the file is left as it is.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { JcpbaError } from '../core/error.js';
import { type UnitSpec, type UnitSummary, compareUnits } from '../core/montecarlo.js';
import { type SweepConfig, blockCount, shardUnitAt, shardUnitCount, unitCount, unitTrials } from './config.js';
import { FileError } from './files.js';

export { appendLines, writeAtomic } from './files.js';

export interface JournalHeader {
  kind: 'jcpba-sweep-journal';
  identity: string;
  config: SweepConfig;
  shard?: { index: number; count: number };
  /** Backends that ran this sweep's units. */
  backends?: string[];
  /** Written by `merge`: the units of several shard folders, in canonical order. */
  merged?: boolean;
}

export const JOURNAL = 'units.jsonl';

/** The lines of a file, read in chunks (a journal may be far larger than memory should hold). */
export function* fileLines(path: string): Generator<{ line: string; end: number; complete: boolean }> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new FileError('read', path, e);
  }
  try {
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let offset = 0; // bytes consumed before carry
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let from = 0;
      for (let nl = buf.indexOf(10, from); nl >= 0; nl = buf.indexOf(10, from)) {
        offset += nl + 1 - from;
        yield { line: buf.toString('utf8', from, nl), end: offset, complete: true };
        from = nl + 1;
      }
      carry = Buffer.from(buf.subarray(from));
    }
    if (carry.length > 0) yield { line: carry.toString('utf8'), end: offset + carry.length, complete: false };
  } finally {
    closeSync(fd);
  }
}

export const unitKey = (u: UnitSpec) => `${u.grid}/${u.drop}/${u.block}`;

/** What a journal holds, as checked by scanJournal. */
export interface JournalScan {
  header: JournalHeader;
  /** Finished units (complete, valid lines after the header). */
  units: number;
  /** Bytes of the header and those lines. */
  goodBytes: number;
  /** Bytes of a torn last line (no newline: a write cut by a kill), 0 if none. */
  tornBytes: number;
}

function damaged(path: string, line: number, what: string, unitsAfter?: number): JcpbaError {
  const after = unitsAfter === undefined ? '' : ` (${unitsAfter} finished units follow it)`;
  return new JcpbaError(
    'invalid-input',
    `${path} line ${line}: ${what}${after}; the journal was left as it is: restore it, or keep only the lines before line ${line} (head -n ${line - 1}) and --resume to recompute the rest`,
    'out',
  );
}

/** The summary keys of the energy statistics (appended to a unit's summaries with them). */
const ENERGY_KEYS = ['infeasible', 'energyMean', 'energyM2', 'energyMaxMean', 'energyMaxM2'];

/** Checks one unit line's shape: the numbers a fold needs, with counts that add up. */
function unitProblem(value: unknown, c: SweepConfig): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a unit (expected a JSON object)';
  const u = value as Partial<UnitSummary>;
  for (const k of ['grid', 'drop', 'block'] as const) {
    if (!(Number.isInteger(u[k]) && (u[k] as number) >= 0)) return `not a unit (${k} is ${u[k] === undefined ? "missing" : JSON.stringify(u[k])})`;
  }
  if (!Array.isArray(u.methods) || u.methods.length !== c.methods.length) {
    return `unit ${unitKey(u as UnitSpec)} does not hold one summary per method (${c.methods.length})`;
  }
  const rounds = unitTrials(c, u as UnitSpec) * c.rounds;
  for (let m = 0; m < u.methods.length; m++) {
    const s = u.methods[m] as unknown as Record<string, unknown>;
    const bad = (why: string) => `unit ${unitKey(u as UnitSpec)}, method ${c.methods[m]}: ${why}`;
    if (typeof s !== 'object' || s === null) return bad('not a summary');
    // Units written before the energy statistics (MODEL.md 11) lack these keys: they
    // cannot be folded with newer ones, and nothing can be recomputed from them.
    for (const k of ENERGY_KEYS) {
      if (!(k in s)) return bad(`${k} is missing: this journal was written by a jcpba without the energy statistics; run the sweep again in a new folder (--out)`);
    }
    if (!(Number.isInteger(s.n) && Number.isInteger(s.infeasible) && (s.n as number) + (s.infeasible as number) === rounds)) {
      return bad(`n is ${JSON.stringify(s.n)} and infeasible ${JSON.stringify(s.infeasible)}, expected ${rounds} rounds in all`);
    }
    for (const k of ['mean', 'm2', 'min', 'max', 'pruningSum', 'iterationSum', 'iterationLimited', 'ftN', 'ftMean', 'ftM2', 'gapN', 'gapSum', 'gapMax', ...ENERGY_KEYS]) {
      // JSON writes a non-finite number as null.
      if (typeof s[k] !== 'number' && s[k] !== null) return bad(`${k} is missing`);
    }
    if (!Array.isArray(s.hist)) return bad('hist is missing');
    let count = 0;
    for (const pair of s.hist as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || !Number.isInteger(pair[0]) || !Number.isInteger(pair[1])) return bad('hist holds a bad bin');
      count += pair[1] as number;
    }
    if (count !== s.n) return bad(`hist counts ${count} rounds, expected ${s.n} (the rounds with a point)`);
  }
  return undefined;
}

/**
 * Reads and checks a journal without holding its units: the header, then every line a
 * finished unit of the right shape in its place. A sweep's (or shard's) journal holds a
 * prefix of its unit list; a merged one any units in strictly increasing canonical
 * order. A torn last line (no newline) is reported in `tornBytes`; any other bad line is
 * an error naming it. Nothing is written.
 */
export function scanJournal(dir: string): JournalScan | undefined {
  const path = join(dir, JOURNAL);
  if (!existsSync(path)) return undefined;
  let header: JournalHeader | undefined;
  let units = 0;
  let goodBytes = 0;
  let tornBytes = 0;
  let last: UnitSpec | undefined;
  let lineNo = 0;
  let total = 0;
  let shardUnits = 0;
  // Count the units after a damaged line, to say what is at stake.
  let failure: { line: number; what: string } | undefined;
  let after = 0;
  for (const { line, end, complete } of fileLines(path)) {
    lineNo++;
    if (failure) {
      if (complete) after++;
      continue;
    }
    if (!complete) {
      tornBytes = end - goodBytes;
      break;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (!header) throw new JcpbaError('invalid-input', `${path} is not a jcpba sweep journal (line 1 is not JSON)`, 'out');
      failure = { line: lineNo, what: 'not valid JSON' };
      continue;
    }
    if (!header) {
      const h = value as JournalHeader;
      if (typeof h !== 'object' || h === null || h.kind !== 'jcpba-sweep-journal' || typeof h.identity !== 'string' || typeof h.config !== 'object') {
        throw new JcpbaError('invalid-input', `${path} is not a jcpba sweep journal`, 'out');
      }
      try {
        total = unitCount(h.config);
        shardUnits = shardUnitCount(h.config, h.shard);
      } catch {
        throw new JcpbaError('invalid-input', `${path} is not a jcpba sweep journal (its header is damaged)`, 'out');
      }
      header = h;
      goodBytes = end;
      continue;
    }
    const c = header.config;
    const problem = unitProblem(value, c);
    if (problem) {
      failure = { line: lineNo, what: problem };
      continue;
    }
    const u = value as UnitSummary;
    if (header.merged) {
      if (last && compareUnits(last, u) >= 0) {
        failure = { line: lineNo, what: `unit ${unitKey(u)} after ${unitKey(last)} (units repeated or out of order)` };
        continue;
      }
      const blocks = blockCount(c);
      if (u.grid >= total / (c.drops * blocks) || u.drop >= c.drops || u.block >= blocks) {
        failure = { line: lineNo, what: `unit ${unitKey(u)} is not a unit of this sweep` };
        continue;
      }
    } else {
      const expected = units < shardUnits ? shardUnitAt(c, header.shard, units) : undefined;
      if (!expected || compareUnits(expected, u) !== 0) {
        const where = expected ? `where ${unitKey(expected)} belongs` : 'after the last unit of this sweep';
        failure = { line: lineNo, what: `unit ${unitKey(u)} ${where} (units repeated, swapped or missing)` };
        continue;
      }
    }
    last = u;
    units++;
    goodBytes = end;
  }
  if (!header) throw new JcpbaError('invalid-input', `${path} is not a jcpba sweep journal (it is empty)`, 'out');
  if (failure) throw damaged(path, failure.line, failure.what, after);
  return { header, units, goodBytes, tornBytes };
}

/** Cuts a torn last line found by scanJournal (call with the folder's lock held). */
export function cutTornLine(dir: string, scan: JournalScan): void {
  if (scan.tornBytes === 0) return;
  const path = join(dir, JOURNAL);
  try {
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, scan.goodBytes);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new FileError('repair', path, e);
  }
  scan.tornBytes = 0;
}

/**
 * The first `limit` finished units of a journal (all by default), in the order written
 * (canonical order). Units appended after a scan are not read when `limit` is its count.
 */
export function* journalUnits(dir: string, limit = Infinity): Generator<UnitSummary> {
  let first = true;
  let n = 0;
  for (const { line, complete } of fileLines(join(dir, JOURNAL))) {
    if (!complete || n >= limit) return;
    if (first) {
      first = false;
      continue;
    }
    n++;
    yield JSON.parse(line) as UnitSummary;
  }
}

/**
 * Merges streams that are each in canonical order into one stream in canonical order.
 * A unit in two streams is an error naming both (`names[i]` describes stream i).
 */
export function* mergeOrdered(streams: Iterator<UnitSummary>[], names?: string[]): Generator<UnitSummary> {
  const heads = streams.map((s) => s.next());
  let last: { u: UnitSummary; from: number } | undefined;
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      if (heads[i].done) continue;
      if (best < 0 || compareUnits(heads[i].value as UnitSummary, heads[best].value as UnitSummary) < 0) best = i;
    }
    if (best < 0) return;
    const u = heads[best].value as UnitSummary;
    if (last && compareUnits(last.u, u) === 0) {
      const a = names?.[last.from] ?? `stream ${last.from}`;
      const b = names?.[best] ?? `stream ${best}`;
      throw new JcpbaError('invalid-input', `unit ${unitKey(u)} appears twice (in ${a} and ${b})`, 'dirs');
    }
    last = { u, from: best };
    yield u;
    heads[best] = streams[best].next();
  }
}
