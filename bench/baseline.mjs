// The baseline build of the native addon that the sweep is measured against (issue 12):
// bench/baseline.sh writes bench/baseline/jcpba-<commit>.node.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const DIR = new URL('./baseline/', import.meta.url).pathname;

/**
 * `option`: a file, `none`, or undefined for the newest bench/baseline/*.node.
 * @returns `{ file, commit }`, or undefined when there is none
 */
export function findBaseline(option) {
  if (option === 'none') return undefined;
  if (option !== undefined) {
    const file = resolve(option);
    if (!existsSync(file)) throw new Error(`--baseline: ${file} does not exist (bash bench/baseline.sh builds one)`);
    return { file, commit: commitOf(file) };
  }
  if (!existsSync(DIR)) return undefined;
  const files = readdirSync(DIR).filter((f) => f.endsWith('.node')).map((f) => join(DIR, f));
  if (!files.length) return undefined;
  const file = files.sort((x, y) => statSync(y).mtimeMs - statSync(x).mtimeMs)[0];
  return { file, commit: commitOf(file) };
}

function commitOf(file) {
  const m = /^jcpba-([0-9a-f]+)\.node$/.exec(basename(file));
  return m ? m[1] : basename(file);
}
