import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closest, editDistance } from '../dist/ts/cli/suggest.js';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const run = (args, input = '') => spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: { ...process.env, JCPBA_BACKEND: process.env.JCPBA_BACKEND ?? 'ts' } });

/** A usage error: exit 2, one line on stderr, matching `pattern`. */
function usage(args, pattern, input = '') {
  const r = run(args, input);
  assert.is(r.status, 2, `exit status of jcpba ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

test('edit distance: hand-counted cases, and the suggestion threshold', () => {
  assert.is(editDistance('', 'abc'), 3);
  assert.is(editDistance('kitten', 'sitting'), 3);
  assert.is(editDistance('metod', 'method'), 1);
  assert.is(editDistance('budgte', 'budget'), 1, 'a swap of neighbours is one edit');
  assert.is(editDistance('abc', 'abc'), 0);
  assert.is(closest('optimall', ['equal', 'optimal']), 'optimal');
  assert.is(closest('zzzzzz', ['equal', 'optimal']), undefined, 'nothing close: no suggestion');
  assert.is(closest('gsm', ['gsm8k', 'yahoo-answers']), 'gsm8k', 'a unique prefix');
});

test('-h and -V: help and version, exit 0, at the top and -h after every command', () => {
  const v = run(['-V']);
  assert.is(v.status, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  assert.is(v.stdout, run(['--version']).stdout);
  const h = run(['-h']);
  assert.is(h.status, 0);
  assert.is(h.stdout, run(['--help']).stdout);
  for (const command of ['generate', 'solve', 'plan', 'sweep', 'merge']) {
    const r = run([command, '-h']);
    assert.is(r.status, 0, `${command} -h: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: jcpba ${command}`));
    assert.is(r.stdout, run([command, '--help']).stdout);
  }
});

test('--method and --methods are the same flag in solve, plan and sweep', () => {
  const problem = run(['generate', '--clients', '4', '--seed', '2']).stdout;
  const a = run(['solve', '-', '--method', 'equal,optimal'], problem);
  const b = run(['solve', '-', '--methods', 'equal,optimal'], problem);
  assert.is(a.status, 0, a.stderr);
  assert.is(b.stdout, a.stdout);
  const planArgs = ['--rounds0', '100', '--pruning-limit', 'inf', '--clients', '4', '--realizations', '2'];
  const p1 = run(['plan', ...planArgs, '--methods', 'equal']);
  const p2 = run(['plan', ...planArgs, '--method', 'equal']);
  assert.is(p1.status, 0, p1.stderr);
  assert.is(p2.stdout, p1.stdout);
  assert.equal(JSON.parse(p2.stdout).plans.map((p) => p.method), ['equal']);
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-alias-'));
  try {
    const s = run(['sweep', '--clients', '3', '--drops', '1', '--realizations', '1', '--method', 'equal', '--out', dir, '--threads', '1']);
    assert.is(s.status, 0, s.stderr);
    assert.match(s.stdout, /equal/);
    assert.not.match(s.stdout, /optimal/, 'only the method asked for');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('did you mean: an unknown command, flag, method or preset suggests the closest name; exit 2', () => {
  usage(['slove'], /unknown command "slove"; did you mean solve\?/);
  usage(['solve', '-', '--metod', 'equal'], /unknown option --metod; did you mean --method\?/);
  usage(['sweep', '--budgte', '0.1'], /unknown option --budgte; did you mean --budget\?/);
  usage(['plan', '--rounds0', '1', '--pruning-limit', 'inf', '--realisations', '2'], /did you mean --realizations\?/);
  usage(['solve', '-', '--method', 'optimall'], /unknown method "optimall"; did you mean optimal\?/, '{}');
  usage(['sweep', '--methods', 'bdc'], /unknown method "bdc"; did you mean bcd\?/);
  usage(['plan', '--rounds0', '1', '--pruning-limit', 'inf', '--methods', 'equl'], /did you mean equal\?/);
  usage(['generate', '--dataset', 'gsm8'], /unknown dataset preset "gsm8"; did you mean gsm8k\?/);
  usage(['sweep', '--model', 'gpt2-ful'], /unknown model preset "gpt2-ful"; did you mean gpt2-full\?/);
  usage(['generate', '--zzzzzz', '1'], /^jcpba: unknown option --zzzzzz \(see --help\)$/);
});

test('usage errors exit 2 in every command; bad input exits 1', () => {
  usage(['generate', '-x'], /unknown option -x/);
  usage(['generate', 'extra'], /positional/);
  usage(['solve'], /exactly one problem file/);
  usage(['solve', '-', '--format', 'xml'], /--format/, '{}');
  usage(['solve', '-', '--backend', 'gpu'], /unknown backend/, '{}');
  usage(['plan', '--rounds0', 'x', '--pruning-limit', 'inf'], /--rounds0/);
  usage(['sweep', '--drops', '0'], /--drops/);
  usage(['sweep', '--shard', '3/2'], /--shard/);
  usage(['merge'], /--out/);
  usage(['merge', '--nope'], /unknown option --nope/);
  if (existsSync(fileURLToPath(new URL('../bench/run.mjs', import.meta.url)))) assert.is(run(['bench', '--x']).status, 2, 'bench: unknown option');
  const bad = run(['solve', '-'], '{"bandwidthHz": 1}');
  assert.is(bad.status, 1, 'a bad problem is not a usage error');
});

test('no import cycles among the TypeScript modules (commands share options through ts/cli/options.ts)', () => {
  const root = fileURLToPath(new URL('../ts/', import.meta.url));
  const files = [];
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(root);
  const graph = new Map();
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    // Value imports only: `import type` is erased and cannot form a cycle at run time.
    const deps = [...src.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)]
      .filter((m) => !/^import type/.test(m[0]))
      .map((m) => resolve(dirname(f), m[1].replace(/\.js$/, '.ts')));
    graph.set(f, deps.filter((d) => files.includes(d)));
  }
  const state = new Map();
  const stack = [];
  const cycles = [];
  const visit = (f) => {
    state.set(f, 1);
    stack.push(f);
    for (const d of graph.get(f)) {
      if (state.get(d) === 1) cycles.push(stack.slice(stack.indexOf(d)).map((x) => relative(root, x)).join(' -> '));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of files) if (!state.has(f)) visit(f);
  assert.ok(files.length > 20, 'found the sources');
  assert.equal(cycles, []);
});

test.run();
