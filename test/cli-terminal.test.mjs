// The command line as people meet it (issue 21): help that fits 80 columns, `jcpba help
// CMD`, a short usage for bare `jcpba`, no escape codes where stderr cannot take them,
// `$schema` in problem files, `generate --ndjson` and `--realizations`, and the note on a
// skipped backend once per machine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { progressStyle, redraw } from '../dist/ts/cli/io.js';
import { wrap } from '../dist/ts/cli/args.js';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const backend = process.env.JCPBA_BACKEND ?? 'ts';
const run = (args, input = '', env = {}) => spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: { ...process.env, JCPBA_BACKEND: backend, ...env } });
// Every command the main help lists (a command added later is covered too).
const COMMANDS = [...run(['--help']).stdout.split('Commands:')[1].matchAll(/^  ([a-z]+) /gm)].map((m) => m[1]);

test('every help fits 80 columns, and jcpba help CMD is jcpba CMD --help', () => {
  for (const args of [['--help'], ...COMMANDS.map((c) => [c, '--help'])]) {
    const r = run(args);
    assert.is(r.status, 0, r.stderr);
    for (const line of r.stdout.split('\n')) assert.ok(line.length <= 80, `jcpba ${args.join(' ')}: ${line.length} columns: ${line}`);
  }
  for (const c of COMMANDS) assert.is(run(['help', c]).stdout, run([c, '--help']).stdout, `jcpba help ${c}`);
  const bad = run(['help', 'swep']);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /^jcpba: no help on "swep"; did you mean sweep\?/);
});

test('wrap keeps every word and breaks only between words', () => {
  const text = 'the fixed time per round that neither pruning nor bandwidth changes, s (download, aggregation, unpruned layers)';
  const lines = wrap(text, 30, '  ').split('\n');
  assert.ok(lines.every((l) => l.length <= 30));
  assert.is(lines.map((l) => l.trim()).join(' '), text);
});

test('bare jcpba: a short usage on stderr, nothing on stdout, exit 2', () => {
  const r = run([]);
  assert.is(r.status, 2);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^Usage: jcpba <command>/);
  assert.ok(r.stderr.trim().split('\n').length <= 3, r.stderr);
});

test('progress: a live line only on a capable terminal, escape codes only without NO_COLOR', () => {
  assert.is(progressStyle(undefined, {}), 'lines', 'not a terminal: a pipe or a log');
  assert.is(progressStyle(false, { TERM: 'xterm' }), 'lines');
  assert.is(progressStyle(true, { TERM: 'dumb' }), 'lines', 'a dumb terminal cannot redraw');
  assert.is(progressStyle(true, { TERM: 'xterm-256color', NO_COLOR: '1' }), 'plain');
  assert.is(progressStyle(true, { TERM: 'xterm-256color', NO_COLOR: '' }), 'live', 'an empty NO_COLOR is unset (no-color.org)');
  assert.is(progressStyle(true, { TERM: 'xterm-256color' }), 'live');
  assert.is(redraw('sweep: 1/2', 'plain', 14), '\rsweep: 1/2    ');
  assert.not.match(redraw('abc', 'plain', 0), /\x1b/);
});

// The same through a real pseudo-terminal, where util-linux's `script` is installed.
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
test('a sweep on a pseudo-terminal: escape codes with TERM=xterm, none with TERM=dumb or NO_COLOR', () => {
  if (!hasScript) {
    console.log('SKIPPED the pseudo-terminal check: no util-linux script here (progressStyle is checked above)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-tty-'));
  try {
    const sweep = (name, env) => {
      const cmd = `"${process.execPath}" "${BIN}" sweep --clients 4 --drops 2 --realizations 2 --methods equal --out "${join(dir, name)}" > /dev/null`;
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, JCPBA_BACKEND: backend, NO_COLOR: '', ...env } });
      assert.is(r.status, 0, r.stdout + r.stderr);
      return r.stdout;
    };
    assert.match(sweep('a', { TERM: 'xterm' }), /\x1b\[K/);
    const dumb = sweep('b', { TERM: 'dumb' });
    assert.not.match(dumb, /\x1b/);
    assert.match(dumb, /jcpba: sweep \d\/2 units/, 'a dumb terminal gets the plain lines of a log');
    const noColor = sweep('c', { TERM: 'xterm', NO_COLOR: '1' });
    assert.not.match(noColor, /\x1b/);
    assert.match(noColor, /\rsweep: 2\/2 units/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a problem file may name its schema ($schema); anything else there is still an error', () => {
  const problem = JSON.parse(run(['generate', '--clients', '3']).stdout);
  const plain = run(['solve', '-', '--method', 'bcd'], JSON.stringify(problem));
  const withSchema = run(['solve', '-', '--method', 'bcd'], JSON.stringify({ $schema: './node_modules/jcpba/schemas/problem.schema.json', ...problem }));
  assert.is(withSchema.status, 0, withSchema.stderr);
  assert.is(withSchema.stdout, plain.stdout);
  const bad = run(['solve', '-'], JSON.stringify({ $schema: 7, ...problem }));
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /^jcpba: \$schema must be a string/);
  assert.match(run(['solve', '-'], JSON.stringify({ schema: 'x', ...problem })).stderr, /unknown field "schema"/);
});

test('generate --ndjson prints one compact line; --realizations N prints realizations R..R+N-1', () => {
  const one = run(['generate', '--clients', '3', '--seed', '4', '--ndjson']);
  assert.is(one.stdout.split('\n').length, 2, 'one line and its newline');
  assert.equal(JSON.parse(one.stdout), JSON.parse(run(['generate', '--clients', '3', '--seed', '4']).stdout));
  const lines = run(['generate', '--clients', '3', '--seed', '4', '--realization', '5', '--realizations', '3', '--ndjson']).stdout.trim().split('\n');
  assert.is(lines.length, 3);
  lines.forEach((line, i) => assert.equal(JSON.parse(line), JSON.parse(run(['generate', '--clients', '3', '--seed', '4', '--realization', String(5 + i)]).stdout)));
  const array = JSON.parse(run(['generate', '--clients', '3', '--seed', '4', '--realization', '5', '--realizations', '3', '--columnar']).stdout);
  assert.is(array.length, 3);
  assert.equal(array[2], JSON.parse(run(['generate', '--clients', '3', '--seed', '4', '--realization', '7', '--columnar']).stdout));
  const solved = run(['solve', '--ndjson', '-', '--method', 'equal'], lines.join('\n'));
  assert.is(solved.status, 0, solved.stderr);
  assert.is(solved.stdout.trim().split('\n').length, 3);
  const bad = run(['generate', '--realizations', '0']);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--realizations must be a positive integer/);
});

test('the note on a skipped backend: once per machine (a marker in the cache folder), every time with --verbose', () => {
  const cache = mkdtempSync(join(tmpdir(), 'jcpba-cache-'));
  try {
    const problem = run(['generate', '--clients', '2']).stdout;
    // auto skips a native addon that is not where JCPBA_NATIVE_PATH says.
    const env = { JCPBA_BACKEND: 'auto', JCPBA_NATIVE_PATH: join(cache, 'missing.node'), JCPBA_CACHE_DIR: cache };
    const note = /^jcpba: note: skipped the native backend/m;
    const first = run(['solve', '-', '--method', 'equal'], problem, env);
    assert.is(first.status, 0, first.stderr);
    assert.match(first.stderr, note);
    assert.match(first.stderr, /shown once on this machine/);
    assert.is(readdirSync(cache).filter((f) => f.startsWith('noted-')).length, 1, 'the marker');
    const second = run(['solve', '-', '--method', 'equal'], problem, env);
    assert.not.match(second.stderr, note);
    assert.is(second.stdout, first.stdout);
    assert.match(run(['solve', '-', '--method', 'equal', '--verbose'], problem, env).stderr, note);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test.run();
