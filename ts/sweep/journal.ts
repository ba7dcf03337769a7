/**
 * The journal DIR/units.jsonl: a header line, then one finished unit per line, appended
 * per batch. An interrupted sweep loses nothing (a torn last line is cut on restart) and
 * `--resume` skips what is done; shards are merged back in canonical order.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JcpbaError } from '../core/error.js';
import { type UnitSpec, type UnitSummary, compareUnits } from '../core/montecarlo.js';
import type { SweepConfig } from './config.js';


export interface JournalHeader {
  kind: 'jcpba-sweep-journal';
  identity: string;
  config: SweepConfig;
  shard?: { index: number; count: number };
  /** Backends that ran this sweep's units. */
  backends?: string[];
}

export const JOURNAL = 'units.jsonl';

/** The lines of a file, read in chunks (a journal may be far larger than memory should hold). */
export function* fileLines(path: string): Generator<{ line: string; end: number; complete: boolean }> {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let offset = 0; // bytes consumed before carry
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      let buf = Buffer.concat([carry, chunk.subarray(0, n)]);
      let from = 0;
      for (let nl = buf.indexOf(10, from); nl >= 0; nl = buf.indexOf(10, from)) {
        offset += nl + 1 - from;
        yield { line: buf.toString('utf8', from, nl), end: offset, complete: true };
        from = nl + 1;
      }
      carry = Buffer.from(buf.subarray(from));
      buf = carry;
    }
    if (carry.length > 0) yield { line: carry.toString('utf8'), end: offset + carry.length, complete: false };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a journal's header and the keys of its finished units, without holding the
 * units. A torn last line (a kill mid-write) is cut from the file.
 */
export function readJournal(dir: string): { header: JournalHeader; keys: Set<string> } | undefined {
  const path = join(dir, JOURNAL);
  if (!existsSync(path)) return undefined;
  let header: JournalHeader | undefined;
  const keys = new Set<string>();
  let good = 0;
  let torn = false;
  for (const { line, end, complete } of fileLines(path)) {
    let value: UnitSummary | JournalHeader;
    try {
      if (!complete) throw new Error('torn');
      value = JSON.parse(line);
    } catch {
      torn = true; // a torn write: everything before it is intact
      break;
    }
    good = end;
    if (!header) header = value as JournalHeader;
    else keys.add(unitKey(value as UnitSummary));
  }
  if (!header || header.kind !== 'jcpba-sweep-journal') {
    throw new JcpbaError('invalid-input', `${path} is not a jcpba sweep journal`, 'out');
  }
  if (torn) {
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, good);
    closeSync(fd);
  }
  return { header, keys };
}

/** The finished units of a journal, in the order written (canonical order, see runSweep). */
export function* journalUnits(dir: string): Generator<UnitSummary> {
  let first = true;
  for (const { line, complete } of fileLines(join(dir, JOURNAL))) {
    if (!complete) return;
    if (first) {
      first = false;
      continue;
    }
    yield JSON.parse(line) as UnitSummary;
  }
}

export const unitKey = (u: UnitSpec) => `${u.grid}/${u.drop}/${u.block}`;

/** Merges streams that are each in canonical order into one stream in canonical order. */
export function* mergeOrdered(streams: Iterator<UnitSummary>[]): Generator<UnitSummary> {
  const heads = streams.map((s) => s.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      if (heads[i].done) continue;
      if (best < 0 || compareUnits(heads[i].value as UnitSummary, heads[best].value as UnitSummary) < 0) best = i;
    }
    if (best < 0) return;
    yield heads[best].value as UnitSummary;
    heads[best] = streams[best].next();
  }
}

export function appendLines(path: string, lines: string[]): void {
  // One write per batch; a kill can tear only the last line, which readJournal cuts.
  appendFileSync(path, lines.map((l) => `${l}\n`).join(''));
}

/** Writes a file atomically: a temporary file in the same folder, fsync, then rename. */
export function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
