// Runs the examples of README.md and compares their output with what the README shows,
// so the README cannot drift from the code. It also fails on merge-conflict markers in
// the shipped Markdown.
//
// HOW TO ADD AN EXAMPLE. Every indented code block of README.md is one of:
//
//   - A shell session: its first line starts with `$ `. Each `$ command` (a trailing `\`
//     continues it) runs in bash, stdout and stderr together (`2>&1`), and must print
//     exactly the lines written under it, up to the next `$`. Nothing needs marking.
//   - A block carrying a directive, an HTML comment on the line just before it:
//       <!-- readme-test: setup: SHELL -->  a shell session that needs SHELL run first
//                                           (e.g. to write an input file)
//       <!-- readme-test: run -->           shell commands that must exit 0 (output not
//                                           compared); `run: SHELL` runs SHELL first
//       <!-- readme-test: js -->            an ES module (imports from 'jcpba') that must
//                                           run; `js: CODE` puts CODE (e.g. an import and
//                                           the variables a fragment uses) before it. If
//                                           the next block is marked `output`, stdout
//                                           must equal it
//       <!-- readme-test: output -->        the expected stdout of the `js` block before it
//       <!-- readme-test: json: SHELL -->   JSON the README shows shortened: SHELL prints
//                                           JSON values, and each value of the block must
//                                           be contained in the printed one at the same
//                                           place, or anywhere inside it (objects: the keys
//                                           shown; arrays: the first entries, `...` ends
//                                           them; numbers: to the digits shown)
//       <!-- readme-test: synopsis -->      lines `jcpba CMD ...`: every --flag must be in
//                                           `jcpba CMD --help`
//       <!-- readme-test: skip: REASON -->  not run; REASON is printed with every run of
//                                           this test. Use it only for what cannot run
//                                           here in seconds (a build, a cluster, another
//                                           platform) and say where it is tested instead.
//   - Anything else (a formula, a diagram, a data format) is not run; but a block that
//     starts like a command or a program (`jcpba `, `npx `, `npm `, `node `, `import `)
//     must be a session or carry a directive, or this test fails.
//
// Everything runs in one scratch folder, blocks in README order (a file one session
// writes, e.g. p.json, is there for the next), with `jcpba` on PATH as this checkout's
// bin/jcpba.js and `jcpba` importable as this checkout. The backend is forced to native,
// whose numbers the README shows; without the addon the test is skipped, saying so.
// NORMALIZED: trailing whitespace of each line and blank lines at either end (a program
// that ends a progress line on stderr starts stdout with one), nothing else; the examples shown
// print no timings. (An example that prints a time or a rate would need a pattern in
// NORMALIZE below, with a comment saying what varies.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeBlocks } from './readme-blocks.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Output that legitimately varies from run to run, replaced on both sides before comparing. */
const NORMALIZE = [];

const normalize = (text) => {
  let out = text
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
  for (const [pattern, replacement] of NORMALIZE) out = out.replace(pattern, replacement);
  return out;
};

test('the shipped Markdown holds no merge-conflict markers', () => {
  const files = ['README.md', 'CHANGELOG.md', 'docs/MODEL.md', 'docs/CORE_API.md', 'web/README.md'].filter((f) => existsSync(join(ROOT, f)));
  for (const f of files) {
    const lines = readFileSync(join(ROOT, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      assert.not.match(line, /^(<{7}( |$)|={7}$|>{7}( |$)|\|{7}( |$))/, `${f}:${i + 1} is a merge-conflict marker`);
    });
  }
});

const blocks = readmeBlocks(README);

test('every README block that looks like an example is run or explicitly skipped', () => {
  for (const b of blocks) {
    if (b.directive !== null || b.text.startsWith('$ ')) continue;
    assert.not.match(b.text, /^(jcpba |npx |npm |node |import )/, `README.md:${b.line} starts like an example but is neither a "$ " session nor marked (see the top of test/docs/readme.test.mjs)`);
  }
  const kinds = /^(setup|run|js|output|json|synopsis|skip)(:|$)/;
  for (const b of blocks) {
    if (b.directive !== null) assert.match(b.directive, kinds, `README.md:${b.line}: unknown directive "${b.directive}"`);
    if (b.directive === 'output') {
      const prev = blocks[blocks.indexOf(b) - 1];
      assert.ok(prev && /^js(:|$)/.test(prev.directive ?? ''), `README.md:${b.line}: an output block must follow a js block`);
    }
    if (b.directive?.startsWith('skip')) assert.match(b.directive, /^skip: \S/, `README.md:${b.line}: a skip says why`);
  }
});

// The scratch folder: `jcpba` on PATH, `jcpba` importable, the repository's test data.
const work = mkdtempSync(join(tmpdir(), 'jcpba-readme-'));
const binDir = join(work, '.bin');
mkdirSync(binDir);
writeFileSync(join(binDir, 'jcpba'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/jcpba.js')}" "$@"\n`);
chmodSync(join(binDir, 'jcpba'), 0o755);
mkdirSync(join(work, 'node_modules'));
symlinkSync(ROOT, join(work, 'node_modules', 'jcpba'), 'dir');
mkdirSync(join(work, 'test'));
symlinkSync(join(ROOT, 'test/data'), join(work, 'test/data'), 'dir');
// The sample loss curve and pilot runs the README's learning-curve examples read, as in a clone.
symlinkSync(join(ROOT, 'examples'), join(work, 'examples'), 'dir');
const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}`, JCPBA_BACKEND: 'native', NO_COLOR: '1' };
delete env.JCPBA_SIMD;

const sh = (script, cwd = work) => spawnSync('bash', ['-c', script], { cwd, env, encoding: 'utf8', timeout: 120_000 });

const nativeCheck = sh('jcpba solve test/data/lat0_tiny_a_k1.json --method equal');
const haveNative = nativeCheck.status === 0;
if (!haveNative) console.log(`SKIPPED test/docs/readme.test.mjs examples: the native backend does not load here, and the README shows its output (${nativeCheck.stdout.trim().split('\n').pop()})`);

/** `$ command` lines (with `\` continuations) and the lines each prints. */
function sessionSteps(text) {
  const steps = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('$ ')) {
      let cmd = lines[i].slice(2);
      while (cmd.endsWith('\\') && i + 1 < lines.length) cmd = `${cmd.slice(0, -1)} ${lines[++i].trim()}`;
      steps.push({ cmd, expected: [] });
    } else {
      assert.ok(steps.length > 0, 'a session starts with "$ "');
      steps[steps.length - 1].expected.push(lines[i]);
    }
  }
  return steps;
}

/** JSON text with every number replaced by the string "#num:<its literal>", so digits shown survive parsing. */
function withNumberLiterals(text) {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i));
      out += JSON.stringify(`#num:${m[0]}`);
      i += m[0].length - 1;
    } else out += c;
  }
  return out;
}

/** The JSON values of a text, one after another (objects and arrays at the top level). */
function jsonValues(text, literals) {
  const values = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) {
        let chunk = text.slice(start, i + 1);
        if (literals) chunk = withNumberLiterals(chunk.replace(/,\s*\.\.\.\s*\]/g, ']'));
        values.push(JSON.parse(chunk));
      }
    }
  }
  return values;
}

/** Whether `shown` (README JSON, numbers as "#num:" literals) is contained in `actual`; why not otherwise. */
function contained(shown, actual, path = '') {
  if (typeof shown === 'string' && shown.startsWith('#num:')) {
    const literal = shown.slice(5);
    if (typeof actual !== 'number') return `${path}: expected a number ${literal}, got ${JSON.stringify(actual)}`;
    const [mantissa, exponent = '0'] = literal.toLowerCase().split('e');
    const decimals = mantissa.includes('.') ? mantissa.split('.')[1].length : 0;
    const halfDigit = 0.5 * 10 ** (Number(exponent) - decimals);
    return Math.abs(actual - Number(literal)) <= halfDigit * (1 + 1e-9) ? null : `${path}: README shows ${literal}, the output has ${actual}`;
  }
  if (Array.isArray(shown)) {
    if (!Array.isArray(actual) || actual.length < shown.length) return `${path}: expected an array of at least ${shown.length} entries`;
    for (let i = 0; i < shown.length; i++) {
      const why = contained(shown[i], actual[i], `${path}[${i}]`);
      if (why) return why;
    }
    return null;
  }
  if (shown !== null && typeof shown === 'object') {
    if (actual === null || typeof actual !== 'object') return `${path}: expected an object`;
    for (const key of Object.keys(shown)) {
      if (!(key in actual)) return `${path}.${key}: missing from the output`;
      const why = contained(shown[key], actual[key], `${path}.${key}`);
      if (why) return why;
    }
    return null;
  }
  return Object.is(shown, actual) ? null : `${path}: README shows ${JSON.stringify(shown)}, the output has ${JSON.stringify(actual)}`;
}

/** `contained` at the top, or else anywhere inside `actual` (an excerpt of a larger output): null, or why not. */
function containedSomewhere(shown, actual) {
  const reasons = [];
  const stack = [actual];
  while (stack.length > 0) {
    const v = stack.pop();
    const why = contained(shown, v);
    if (why === null) return null;
    reasons.push(why);
    if (v !== null && typeof v === 'object') stack.push(...Object.values(v));
  }
  // The candidate that matched furthest (the longest path before the mismatch) says most.
  return reasons.sort((a, b) => b.split(':')[0].length - a.split(':')[0].length)[0];
}

const skipped = [];
blocks.forEach((b, index) => {
  const where = `README.md:${b.line}`;
  const d = b.directive ?? (b.text.startsWith('$ ') ? 'session' : null);
  if (d === null || d === 'output') return;
  const [kind, ...rest] = d.split(':');
  const arg = rest.join(':').trim();
  if (kind === 'skip') {
    skipped.push(`${where}: ${arg}`);
    return;
  }
  test(`${where}: ${b.text.split('\n')[0].slice(0, 70)}`, () => {
    if (!haveNative) return;
    if (kind === 'session' || kind === 'setup') {
      if (kind === 'setup') {
        const r = sh(arg);
        assert.is(r.status, 0, `setup of ${where} failed: ${r.stdout}${r.stderr}`);
      }
      for (const step of sessionSteps(b.text)) {
        const r = sh(`${step.cmd} 2>&1`);
        assert.is(normalize(r.stdout), normalize(step.expected.join('\n')), `${where}: $ ${step.cmd}`);
      }
    } else if (kind === 'run') {
      const dir = join(work, `run-${b.line}`);
      mkdirSync(dir);
      const script = (arg ? `${arg}\n` : '') + b.text;
      const r = sh(`set -e\n${script}`, dir);
      assert.is(r.status, 0, `${where} exited ${r.status}: ${r.stdout}${r.stderr}`);
    } else if (kind === 'js') {
      const file = join(work, `example-${b.line}.mjs`);
      writeFileSync(file, `${arg}\n${b.text}\n`);
      const r = spawnSync(process.execPath, [file], { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
      assert.is(r.status, 0, `${where} exited ${r.status}: ${r.stderr}`);
      const next = blocks[index + 1];
      if (next?.directive === 'output') assert.is(normalize(r.stdout), normalize(next.text), `${where}: stdout`);
    } else if (kind === 'json') {
      const r = sh(arg);
      assert.is(r.status, 0, `${where}: ${arg}: ${r.stderr}`);
      const actual = jsonValues(r.stdout, false);
      const shown = jsonValues(b.text, true);
      assert.ok(shown.length > 0 && shown.length === actual.length, `${where}: ${shown.length} JSON values shown, ${actual.length} printed`);
      shown.forEach((s, i) => {
        // In place (value i of the output), else anywhere inside it (an excerpt).
        const why = contained(s, actual[i]) === null ? null : containedSomewhere(s, actual[i]);
        assert.is(why, null, `${where}: JSON value ${i + 1}: ${why}`);
      });
    } else if (kind === 'synopsis') {
      for (const line of b.text.split('\n')) {
        const m = /^jcpba (\w+)/.exec(line);
        if (!m) continue;
        const cmd = m[1];
        const help = sh(`jcpba ${cmd} --help`);
        assert.is(help.status, 0, `jcpba ${cmd} --help`);
        // The flags of this line and of its continuation lines (indented, no `jcpba`).
        const own = [line];
        for (let j = b.text.split('\n').indexOf(line) + 1; j < b.text.split('\n').length && !/^jcpba /.test(b.text.split('\n')[j]); j++) own.push(b.text.split('\n')[j]);
        for (const flag of own.join(' ').match(/--[a-z][a-z0-9-]*/g) ?? []) {
          assert.ok(help.stdout.includes(flag), `${where}: jcpba ${cmd} --help does not list ${flag}`);
        }
      }
    }
  });
});

test('the examples the README keeps out of this test are listed, each with its reason', () => {
  if (skipped.length > 0) console.log(`\nREADME examples not run here (by their skip directive):\n  ${skipped.join('\n  ')}`);
  assert.ok(skipped.every((s) => /: \S/.test(s)));
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
