/**
 * One lock per sweep folder: `DIR/jcpba.lock`, created exclusively by the sweep or merge
 * that writes the folder and removed when it ends. A second process on the same folder
 * fails at once. A lock left by a killed process is detected and replaced: on the same
 * host its process is gone (or its pid now belongs to a younger process); from another
 * host (a shared file system) it has not been refreshed for STALE_SECONDS (the holder
 * refreshes it every REFRESH_SECONDS).
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { JcpbaError } from '../core/error.js';
import { FileError } from './files.js';

export const LOCK = 'jcpba.lock';
export const REFRESH_SECONDS = 15;
export const STALE_SECONDS = 120;

interface LockInfo {
  pid: number;
  host: string;
  /** Start time of the process (clock ticks since boot, Linux), to tell a reused pid. */
  start?: number;
  command: string;
  since: string;
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or undefined. */
function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why the lock's holder is gone, or undefined when it may still run. */
function staleReason(info: LockInfo | undefined, ageSeconds: number): string | undefined {
  if (!info || !Number.isInteger(info.pid)) return ageSeconds > STALE_SECONDS ? 'an unreadable lock, not refreshed' : undefined;
  if (info.host === hostname()) {
    if (!processAlive(info.pid)) return `process ${info.pid} is gone`;
    const start = processStart(info.pid);
    if (info.start !== undefined && start !== undefined && start !== info.start) return `process ${info.pid} is gone (its pid was reused)`;
    return undefined;
  }
  return ageSeconds > STALE_SECONDS ? `not refreshed for ${Math.round(ageSeconds)} s` : undefined;
}

function readLock(path: string): { info?: LockInfo; text: string; ageSeconds: number } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const ageSeconds = (Date.now() - statSync(path).mtimeMs) / 1000;
    let info: LockInfo | undefined;
    try {
      info = JSON.parse(text) as LockInfo;
    } catch {
      info = undefined; // being written, or damaged
    }
    return { info, text, ageSeconds };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FileError('read', path, e);
  }
}

export interface Lock {
  readonly path: string;
  /** A stale lock that was replaced, and why, for a note to the user. */
  readonly replaced?: string;
  release(): void;
}

/**
 * Takes the lock of `dir` for `command` (`sweep`, `merge`) or throws a JcpbaError that
 * names the process holding it. The lock is released by `release()`, and on exit.
 */
export function acquireLock(dir: string, command: string): Lock {
  const path = join(dir, LOCK);
  const mine: LockInfo = { pid: process.pid, host: hostname(), start: processStart(process.pid), command, since: new Date().toISOString() };
  const text = `${JSON.stringify(mine)}\n`;
  let replaced: string | undefined;
  for (let attempt = 0; ; attempt++) {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new FileError('create', path, e);
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, text);
      } catch (e) {
        closeSync(fd);
        unlinkSync(path);
        throw new FileError('write', path, e);
      }
      closeSync(fd);
      break;
    }
    const held = readLock(path);
    if (!held) continue; // released meanwhile: try again
    const why = staleReason(held.info, held.ageSeconds);
    if (!why || attempt >= 3) {
      const who = held.info ? `jcpba ${held.info.command} (pid ${held.info.pid} on ${held.info.host}, since ${held.info.since})` : 'another jcpba process';
      throw new JcpbaError(
        'invalid-input',
        `${dir} is in use by ${who}; wait for it to end, or stop it (${LOCK} of a killed process is replaced on its own)`,
        'out',
      );
    }
    // Move the stale lock aside, then check that it is the one judged stale: another
    // process may have replaced it meanwhile, and its fresh lock must survive.
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new FileError('replace the stale lock', path, e);
    }
    const moved = readFileSync(aside, 'utf8');
    if (moved !== held.text) {
      try {
        linkSync(aside, path); // put the fresh lock back, unless a newer one exists
      } catch {
        // a newer lock exists; ours is only a copy
      }
    } else {
      replaced = `${path} (${why})`;
    }
    unlinkSync(aside);
  }
  const refresh = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // the folder vanished; nothing to keep
    }
  }, REFRESH_SECONDS * 1000);
  refresh.unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(refresh);
    process.off('exit', release);
    try {
      if (readFileSync(path, 'utf8') === text) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return { path, replaced, release };
}

/**
 * Throws when a live process holds the lock of `dir` (merge reads shard folders without
 * writing to them, so it checks their locks without taking them).
 */
export function checkNotLocked(dir: string): void {
  const held = readLock(join(dir, LOCK));
  if (!held || staleReason(held.info, held.ageSeconds)) return;
  const who = held.info ? `jcpba ${held.info.command} (pid ${held.info.pid} on ${held.info.host}, since ${held.info.since})` : 'another jcpba process';
  throw new JcpbaError('invalid-input', `${dir} is in use by ${who}; merge it once that has ended`, 'dirs');
}
