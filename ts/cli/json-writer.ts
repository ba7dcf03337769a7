/**
 * JSON written in pieces: the text of `JSON.stringify(value, null, indent)`, character for
 * character, cut into chunks of about `chunkChars` characters, so no output is ever one
 * string. V8's longest string is 2^29 - 24 characters (about 512 MiB): a solve of a million
 * clients with every method prints more than that (seven results, four per-client arrays of
 * 1.2e6 numbers each, one number per pretty-printed line), and `JSON.stringify` of it threw
 * "Invalid string length" after the solve (issue 20, audit2 14).
 */
import type { Io } from './io.js';

/** Characters per chunk by default: 1 Mi, far below V8's string limit, few writes. */
export const JSON_CHUNK_CHARS = 1 << 20;

/** What JSON.stringify writes for a value (toJSON and boxed primitives applied), or undefined where it writes nothing. */
function prepare(key: string, raw: unknown): unknown {
  let value = raw;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();
  if (typeof value === 'bigint') throw new TypeError('Do not know how to serialize a BigInt');
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  return value;
}

/** A prepared primitive's text. */
function primitive(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/**
 * The chunks of `JSON.stringify(value, null, indent) + end` (indent '': compact). Each is
 * at least `chunkChars` characters except the last, and passes it by at most one array
 * entry or object key with the brackets that close before it. A value JSON.stringify writes nothing for
 * (undefined, a function) gives `end` alone. Cycles throw a TypeError, as JSON.stringify.
 */
export function* jsonChunks(value: unknown, indent = '', end = '', chunkChars = JSON_CHUNK_CHARS): Generator<string, void> {
  let buf = '';
  const open = new Set<object>();
  const colon = indent === '' ? ':' : ': ';
  function* walk(v: unknown, pad: string): Generator<string, void> {
    if (v === null || typeof v !== 'object') {
      buf += primitive(v);
      return;
    }
    if (open.has(v)) throw new TypeError('Converting circular structure to JSON');
    open.add(v);
    const inner = pad + indent;
    const lead = indent === '' ? '' : `\n${inner}`;
    if (Array.isArray(v)) {
      buf += '[';
      for (let i = 0; i < v.length; i++) {
        if (buf.length >= chunkChars) {
          yield buf;
          buf = '';
        }
        if (i > 0) buf += ',';
        buf += lead;
        const raw: unknown = v[i];
        // Numbers first: the per-client arrays are millions of them.
        if (typeof raw === 'number') {
          buf += Number.isFinite(raw) ? String(raw) : 'null';
          continue;
        }
        const item = prepare(String(i), raw);
        if (item === undefined) buf += 'null';
        else if (item === null || typeof item !== 'object') buf += primitive(item);
        else yield* walk(item, inner);
      }
      buf += v.length > 0 && indent !== '' ? `\n${pad}]` : ']';
    } else {
      buf += '{';
      let members = 0;
      for (const key of Object.keys(v)) {
        if (buf.length >= chunkChars) {
          yield buf;
          buf = '';
        }
        const item = prepare(key, (v as Record<string, unknown>)[key]);
        if (item === undefined) continue;
        buf += `${members++ > 0 ? ',' : ''}${lead}${JSON.stringify(key)}${colon}`;
        yield* walk(item, inner);
      }
      buf += members > 0 && indent !== '' ? `\n${pad}}` : '}';
    }
    open.delete(v);
  }
  const top = prepare('', value);
  if (top !== undefined) yield* walk(top, '');
  buf += end;
  if (buf.length > 0) yield buf;
}

/**
 * Writes `JSON.stringify(value, null, indent)` and a newline to stdout in chunks (io.write,
 * with backpressure, when the Io has it), never as one string. A small value is one write
 * of exactly that text, as before. `io.chunkChars` replaces JSON_CHUNK_CHARS (tests).
 */
export async function writeJson(io: Io, value: unknown, indent = ''): Promise<void> {
  for (const chunk of jsonChunks(value, indent, '\n', io.chunkChars ?? JSON_CHUNK_CHARS)) {
    if (io.write) await io.write(chunk);
    else io.out(chunk);
  }
}
