/**
 * `jcpba solve --ndjson`: one problem per line in, one result per line out, as each line
 * is read (a trace of any length runs in bounded memory); a bad line gets an error line
 * and the next line is solved.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { JcpbaError } from '../core/error.js';
import { type Io, MAX_INPUT_BYTES, terminalSafe } from './io.js';
import { writeJson } from './json-writer.js';

/**
 * The lines of a stream (`\n` or `\r\n`), each at most `limit` bytes (longer: an Error in
 * its place). A line that passes the limit with no end in sight ends the stream there: its
 * end may never come (an endless device such as /dev/zero), and nothing after it is read.
 */
export async function* lines(stream: Readable, limit = MAX_INPUT_BYTES): AsyncGenerator<string | Error> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  const finish = (): string | Error => {
    const out = tooLong ? new Error(`the line is longer than ${limit} bytes, the most solve reads`) : Buffer.concat(parts, size).toString('utf8').replace(/\r$/, '');
    parts = [];
    size = 0;
    tooLong = false;
    return out;
  };
  try {
    for await (const chunk of stream) {
      let buf = chunk as Buffer;
      for (let at = buf.indexOf(0x0a); at >= 0; at = buf.indexOf(0x0a)) {
        if (!tooLong) {
          if (size + at > limit) tooLong = true;
          else parts.push(buf.subarray(0, at));
          size += at;
        }
        yield finish();
        buf = buf.subarray(at + 1);
      }
      if (buf.length > 0 && !tooLong) {
        if (size + buf.length > limit) {
          tooLong = true;
          parts = [];
          yield finish();
          return;
        } else {
          parts.push(buf);
          size += buf.length;
        }
      }
    }
  } finally {
    stream.destroy();
  }
  if (size > 0 || tooLong) yield finish();
}

/** What one line's problem gives: the JSON object to print. Throws for a bad problem. */
export type Answer = (problem: unknown) => Record<string, unknown>;

/**
 * Solves every line of `path` (- for stdin): prints `{"line": n, ...answer}` or
 * `{"line": n, "error": {code, message, field?, client?}}` per non-blank line, in order,
 * and one `jcpba: line n: ...` on stderr per error. Returns the exit code: 0 when every
 * line was solved, 1 otherwise.
 */
export async function solveNdjson(path: string, io: Io, answer: Answer): Promise<number> {
  const stream = path === '-' ? (io.stdin?.() ?? process.stdin) : createReadStream(path);
  const source = path === '-' ? 'stdin' : path;
  let n = 0;
  let failed = 0;
  let solved = 0;
  try {
    for await (const line of lines(stream)) {
      n++;
      if (typeof line === 'string' && line.trim() === '') continue;
      let out: Record<string, unknown>;
      try {
        if (line instanceof Error) throw new JcpbaError('invalid-input', line.message, 'problem');
        let problem: unknown;
        try {
          problem = JSON.parse(line);
        } catch (e) {
          throw new JcpbaError('parse-error', `not valid JSON: ${(e as Error).message}`, 'problem');
        }
        out = { line: n, ...answer(problem) };
        solved++;
      } catch (e) {
        if (!(e instanceof JcpbaError)) throw e;
        failed++;
        const error: Record<string, unknown> = { code: e.code, message: e.message };
        if (e.field !== undefined) error.field = e.field;
        if (e.client !== undefined) error.client = e.client;
        out = { line: n, error };
        io.err(`jcpba: ${terminalSafe(`${source} line ${n}: ${e.message}`)}\n`);
      }
      // Compact, in chunks: one line of a huge problem's results may pass V8's longest string.
      await writeJson(io, out);
    }
  } catch (e) {
    if (e instanceof JcpbaError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new JcpbaError('invalid-input', `cannot read ${source}: ${code === 'ENOENT' ? 'no such file' : code ?? String(e)}`, 'file');
  }
  io.err(`jcpba: ${solved} problems solved, ${failed} lines with errors\n`);
  return failed > 0 ? 1 : 0;
}
