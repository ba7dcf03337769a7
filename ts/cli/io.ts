/**
 * Where the CLI writes and reads: stdout, stderr and stdin, replaceable in tests; input
 * read with a size limit; stdout failures (a closed pipe, a full disk) end the process
 * quietly or with one line, never with a stack trace.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { JcpbaError } from '../core/error.js';
import { systemReason } from '../sweep/files.js';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** All of stdin (at most MAX_INPUT_BYTES). */
  readStdin: () => Promise<string>;
  /** stdin as a stream (for line-by-line input); default process.stdin. */
  stdin?: () => Readable;
  /** Writes to stdout and resolves when the text may be buffered without growing memory (backpressure). */
  write?: (text: string) => Promise<void>;
  /** The size of the chunks JSON output is written in, characters (default JSON_CHUNK_CHARS; tests make it small). */
  chunkChars?: number;
}

/**
 * A message as one safe line of a terminal: control characters (C0, DEL, C1), which a bad
 * input may carry into a message, written as JSON escapes (\u001b), as the NDJSON lines
 * on stdout have them, so no input can move the cursor, retitle or clear the terminal.
 */
export function terminalSafe(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Largest problem file (or stdin) `solve` reads: 256 MiB, about a million clients as JSON. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * Reads a whole stream as UTF-8 text, failing as soon as it passes `limit` bytes (an
 * endless device such as /dev/zero included) or, for a problem (`problem` true), when its
 * first byte that is not white space cannot start a problem (a JSON object) or a list of
 * them (an array). Data files that may be CSV (loss curves, pilot runs) pass false.
 */
export async function readText(stream: Readable, source: string, limit = MAX_INPUT_BYTES, problem = true): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  let checked = !problem;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > limit) {
        throw new JcpbaError('invalid-input', `${source} is larger than ${limit / 1024 / 1024} MiB, the most solve reads`, 'file');
      }
      if (!checked) {
        const at = buf.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
        if (at >= 0) {
          checked = true;
          if (buf[at] !== 0x7b && buf[at] !== 0x5b) {
            const char = JSON.stringify(String.fromCharCode(buf[at]));
            throw new JcpbaError(
              'parse-error',
              `${source} is not valid JSON for a problem: a problem is a JSON object ({...}), realizations an array of them ([...]), but the first character is ${char} (byte 0x${buf[at].toString(16).padStart(2, '0')})`,
              'problem',
            );
          }
        }
      }
      chunks.push(buf);
    }
  } catch (e) {
    if (e instanceof JcpbaError) throw e;
    throw new JcpbaError('invalid-input', `cannot read ${source}: ${systemReason(e)}`, 'file');
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** A file's text, read as readText does (a FIFO or device too). */
export function readFileText(path: string, limit = MAX_INPUT_BYTES, problem = true): Promise<string> {
  return readText(createReadStream(path), path, limit, problem);
}

/** A data file's text (CSV or JSON: no first-byte check), from a path or `-` (stdin). */
export function readDataText(path: string, io: Io): Promise<string> {
  if (path !== '-') return readFileText(path, MAX_INPUT_BYTES, false);
  return io.stdin ? readText(io.stdin(), 'stdin', MAX_INPUT_BYTES, false) : io.readStdin();
}

let guarded = false;

/**
 * stdout may fail after main has returned (writes to a pipe are asynchronous): a reader
 * that went away (EPIPE, `jcpba generate | head`) ends the process quietly; any other
 * failure (a full disk) prints one line and exits 1. Errors on stderr are ignored:
 * there is nowhere left to report them.
 */
export function guardStdio(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode === undefined ? 0 : Number(process.exitCode));
    try {
      process.stderr.write(`jcpba: cannot write to stdout: ${systemReason(e)}\n`);
    } finally {
      process.exit(1);
    }
  });
  process.stderr.on('error', () => {});
}

export const nodeIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  readStdin: () => readText(process.stdin, 'stdin'),
  stdin: () => process.stdin,
  write: (t) => (process.stdout.write(t) ? Promise.resolve() : new Promise((resolve) => process.stdout.once('drain', resolve))),
};

/**
 * How progress may be drawn on stderr: `live` (one line redrawn with `\r` and the erase-line
 * escape code), `plain` (redrawn with `\r` and spaces, no escape code: NO_COLOR set), or
 * `lines` (a plain line now and then: stderr is not a terminal, a log or a pipe, or the
 * terminal is TERM=dumb and cannot redraw).
 */
export type ProgressStyle = 'live' | 'plain' | 'lines';

export function progressStyle(isTTY: boolean | undefined, env: Record<string, string | undefined>): ProgressStyle {
  if (isTTY !== true || env.TERM === 'dumb') return 'lines';
  // no-color.org: the presence of a non-empty NO_COLOR asks for no ANSI styling.
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? 'plain' : 'live';
}

/** A redrawn progress line: `\r`, the text, then the end of the previous one erased (by escape code, or by spaces in `plain`). */
export function redraw(text: string, style: 'live' | 'plain', previousLength: number): string {
  return style === 'live' ? `\r\x1b[K${text}` : `\r${text}${' '.repeat(Math.max(0, previousLength - text.length))}`;
}
