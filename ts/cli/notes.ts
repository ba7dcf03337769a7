/**
 * The note that `auto` skipped a faster backend (no platform package with the addon, a
 * WASM engine without SIMD): useful once, noise on every command. It is printed once per
 * machine and note text (a marker file under the user's cache folder remembers it), and
 * every time with --verbose. Where the marker cannot be written (a read-only home), the
 * note is printed every time rather than lost.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Solver } from '../solvers.js';
import type { Io } from './io.js';

/** The user's cache folder for jcpba: JCPBA_CACHE_DIR, else the platform's convention. */
export function cacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.JCPBA_CACHE_DIR) return env.JCPBA_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'jcpba');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'jcpba');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'jcpba', 'Cache');
  return join(homedir(), '.cache', 'jcpba');
}

/** Prints the notes on skipped backends: all with `verbose`, else each note text once per machine. */
export function backendNotes(skipped: Solver['skipped'], io: Io, verbose: boolean): void {
  for (const s of skipped) {
    const note = `jcpba: note: skipped the ${s.backend} backend: ${s.reason}`;
    if (verbose) {
      io.err(`${note}\n`);
      continue;
    }
    const marker = join(cacheDir(), `noted-${createHash('sha256').update(note).digest('hex').slice(0, 16)}`);
    if (existsSync(marker)) continue;
    let remembered = true;
    try {
      mkdirSync(cacheDir(), { recursive: true });
      writeFileSync(marker, `${note}\n`);
    } catch {
      remembered = false;
    }
    io.err(`${note}${remembered ? ' (shown once on this machine; --verbose shows it every time)' : ''}\n`);
  }
}
