// The API reference: every export of the package entries (ts/index.ts, ts/browser.ts) and
// every public field of the types they export has a doc comment, checked two ways:
// TypeDoc's own validation (typedoc.json: validation.notDocumented, treatWarningsAsErrors;
// what `npm run docs` builds from), and test/types/undocumented.mjs, which reads the
// compiled declarations (dist/ts/*.d.ts) with the TypeScript compiler, so a comment that
// tsc drops from the declarations is caught too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { undocumented } from '../types/undocumented.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TYPEDOC = fileURLToPath(new URL('../../node_modules/typedoc/bin/typedoc', import.meta.url));

test('TypeDoc builds the API reference without a warning (no undocumented export or field, no broken link)', () => {
  // --emit none: the same conversion and validation as `npm run docs`, without writing docs/api.
  const r = spawnSync(process.execPath, [TYPEDOC, '--emit', 'none', '--logLevel', 'Warn'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  const output = `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '').trim();
  assert.is(output, '', 'TypeDoc reported:\n' + output);
  assert.is(r.status, 0, output);
});

test('the compiled declarations carry a doc comment on every export and public member', () => {
  assert.equal(undocumented(), []);
});

test.run();
