/**
 * The files of a sweep folder: creating the folder, writes that leave no temporary file
 * behind when they fail, and failures reported in one line naming the file and the reason.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { JcpbaError } from '../core/error.js';
import { isFigureFile } from './figures.js';

/**
 * A file operation that failed (a full disk, a permission, a vanished folder): the
 * message names the operation, the file and the system's reason, e.g.
 * `cannot write out/results.json: no space left on device (ENOSPC)`.
 */
export class FileError extends Error {
  override name = 'FileError';
  /** The system's error code (`ENOSPC`, `EACCES`, ...). */
  readonly code: string;
  readonly path: string;

  constructor(action: string, path: string, cause: unknown) {
    super(`cannot ${action} ${path}: ${systemReason(cause)}`);
    this.code = (cause as NodeJS.ErrnoException)?.code ?? 'EIO';
    this.path = path;
  }
}

/** `no space left on device (ENOSPC)` from a Node system error. */
export function systemReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const message = err instanceof Error ? err.message : String(e);
  // Node's form: `ENOSPC: no space left on device, write '/path'`.
  const m = /^[A-Z0-9_]+: (.*?)(?:, [a-z_]+(?: '.*')?)?$/.exec(message);
  const reason = m ? m[1] : message;
  return err?.code && !reason.includes(err.code) ? `${reason} (${err.code})` : reason;
}

/**
 * Creates `dir` and its missing parents, one level at a time. (Node's recursive mkdir
 * spins for ever where mkdir fails with ENOENT under an existing parent, as on /proc.)
 * A bad folder is an `invalid-option` error naming `option`.
 */
export function makeDir(dir: string, option = '--out'): void {
  const fail = (why: string) => new JcpbaError('invalid-option', `${option} ${dir}: cannot create the folder: ${why}`, option.replace(/^--/, ''));
  const make = (d: string): void => {
    let isDir: boolean | undefined;
    try {
      isDir = statSync(d).isDirectory();
    } catch (e) {
      // ENOTDIR: a parent is a file, reported below when the walk reaches it.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fail(`${d}: ${systemReason(e)}`);
    }
    if (isDir === true) return;
    if (isDir === false) throw fail(d === dir ? 'a file of that name exists' : `${d} is a file, not a folder`);
    const parent = dirname(d);
    if (parent !== d) make(parent);
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(d).isDirectory()) return;
      throw fail(d === dir ? systemReason(e) : `${d}: ${systemReason(e)}`);
    }
  };
  make(resolve(dir));
}

/** Writes a file atomically: a temporary file in the same folder, fsync, then rename. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeAll(fd, Buffer.from(data));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone, or never created
    }
    throw new FileError('write', path, e);
  }
}

function writeAll(fd: number, buf: Buffer): void {
  for (let at = 0; at < buf.length; ) at += writeSync(fd, buf, at, buf.length - at);
}

/**
 * Appends lines in one write. If the write fails (a full disk), the file is cut back to
 * its previous length; if the process is killed mid-write, the torn last line is cut
 * on the next start (see journal.ts).
 */
export function appendLines(path: string, lines: string[]): void {
  if (lines.length === 0) return;
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (e) {
    throw new FileError('write', path, e);
  }
  let size = -1;
  try {
    size = fstatSync(fd).size;
    writeAll(fd, Buffer.from(lines.map((l) => `${l}\n`).join('')));
  } catch (e) {
    if (size >= 0) {
      try {
        ftruncateSync(fd, size);
      } catch {
        // the next start cuts the torn line
      }
    }
    throw new FileError('write', path, e);
  } finally {
    closeSync(fd);
  }
}

/** The files jcpba writes in a sweep folder: the journal, the results, learning.csv and every figure (SVG and Vega-Lite spec). */
function isOwnFile(name: string): boolean {
  return name === 'units.jsonl' || name === 'results.csv' || name === 'results.json' || name === 'learning.csv' || isFigureFile(name);
}

/**
 * A temporary file of jcpba's own writes (`results.json.tmp-1234`,
 * `fine-tuning-vs-budget.vl.json.tmp-1234`): writeAtomic's name for one of the folder's
 * own files, left by a killed process.
 */
export function isOwnTemporary(name: string): boolean {
  const m = /^(.+)\.tmp-\d+$/.exec(name);
  return m !== null && isOwnFile(m[1]);
}

/**
 * The entries of a folder that jcpba did not write: the lock and jcpba's own temporary
 * files do not count. An `--out` with any other entry and no journal is someone's folder.
 */
export function foreignEntries(dir: string, own: (name: string) => boolean): string[] {
  return readdirSync(dir).filter((f) => !own(f) && !isOwnTemporary(f));
}

/** Removes jcpba's temporary files left in `dir` by a killed process (call with the lock held). */
export function removeOwnTemporaries(dir: string): void {
  for (const f of readdirSync(dir)) {
    if (!isOwnTemporary(f)) continue;
    try {
      unlinkSync(join(dir, f));
    } catch {
      // gone meanwhile
    }
  }
}
