// Nothing lost: merge only reads its shard folders and writes only where it may; one lock
// per output folder; a damaged journal is reported with its line, never silently cut;
// user files are never overwritten; failed writes leave no temporary file; a bad --out
// fails at once. Each test drives the CLI on the backend under test.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { solver } from './helpers.mjs';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const backend = solver.backend;
const tmp = () => mkdtempSync(join(tmpdir(), 'jcpba-safety-'));
const cli = (args, options = {}) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, ...options });
const SMALL = ['--clients', '5', '--drops', '6', '--realizations', '16', '--methods', 'equal,bcd', '--seed', '3', '--threads', '1', '--backend', backend, '--quiet'];
const sweep = (out, extra = []) => cli(['sweep', ...SMALL, ...extra, '--out', out]);
const journalOf = (dir) => join(dir, 'units.jsonl');
const bytes = (path) => readFileSync(path);
const csv = (dir) => readFileSync(join(dir, 'results.csv'), 'utf8');

function ok(r) {
  assert.is(r.status, 0, r.stderr);
  return r;
}

/** One line on stderr, `jcpba: ...`, no stack trace, the exit status given. */
function failsWith(r, status, pattern) {
  assert.is(r.status, status, `exit status (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], /^jcpba: /);
  assert.match(lines[0], pattern);
  assert.not.match(r.stderr, /internal error|at .*\.js:\d+/);
}

const whole = tmp();
ok(sweep(whole));
const shards = [0, 1].map((i) => {
  const d = tmp();
  ok(sweep(d, ['--shard', `${i}/2`]));
  return d;
});

/** A copy of a sweep folder's journal with its lines edited. */
function damagedCopy(source, edit) {
  const dir = tmp();
  const lines = readFileSync(journalOf(source), 'utf8').split('\n');
  lines.pop(); // the empty string after the last newline
  writeFileSync(journalOf(dir), `${edit(lines).join('\n')}\n`);
  return dir;
}

const DAMAGES = {
  'bad bytes': (L) => ((L[2] = `${L[2].slice(0, 40)}#GARBAGE#${L[2].slice(49)}`), L),
  'an empty object': (L) => ((L[2] = '{}'), L),
  'a duplicated unit': (L) => [...L.slice(0, 2), L[1], ...L.slice(2)],
  'swapped units': (L) => [...L.slice(0, 2), L[3], L[2], ...L.slice(4)],
  'a missing unit': (L) => [...L.slice(0, 2), ...L.slice(3)],
  'a unit with a wrong count': (L) => ((L[2] = L[2].replace('"n":16', '"n":15')), L),
};

test('a damaged journal line is reported with its line number; resume and merge leave the file as it is', () => {
  for (const [what, edit] of Object.entries(DAMAGES)) {
    const dir = damagedCopy(whole, edit);
    const before = bytes(journalOf(dir));
    failsWith(sweep(dir, ['--resume']), 1, /units\.jsonl line 3: .*finished units follow it/);
    assert.equal(bytes(journalOf(dir)), before, `${what}: the journal is unchanged`);
    const merged = tmp();
    failsWith(cli(['merge', '--quiet', '--out', merged, dir]), 1, /units\.jsonl line 3: /);
    assert.equal(bytes(journalOf(dir)), before, `${what}: merge left the journal unchanged`);
    assert.not.ok(existsSync(journalOf(merged)), `${what}: nothing merged`);
  }
});

test('a torn last line (a kill mid-write) is still cut by --resume, which then completes the sweep exactly', () => {
  const dir = damagedCopy(whole, (L) => L.slice(0, 4));
  appendFileSync(journalOf(dir), readFileSync(journalOf(whole), 'utf8').split('\n')[4].slice(0, 100));
  ok(sweep(dir, ['--resume']));
  assert.is(csv(dir), csv(whole));
  assert.equal(bytes(journalOf(dir)), bytes(journalOf(whole)));
});

test('merge only reads its shard folders: a torn or damaged shard is left byte for byte', () => {
  // A damaged middle line in one shard: an error naming it, and no shard file changes.
  const s1 = damagedCopy(shards[1], (L) => ((L[2] = `${L[2].slice(0, 50)}\u0000#${L[2].slice(52)}`), L));
  const before = bytes(journalOf(s1));
  const out = tmp();
  failsWith(cli(['merge', '--quiet', '--out', out, shards[0], s1]), 1, /units\.jsonl line 3: not valid JSON/);
  assert.equal(bytes(journalOf(s1)), before);
  // A torn last line in one shard: merged without it (the unit is reported missing), and not cut.
  const torn = damagedCopy(shards[1], (L) => L);
  appendFileSync(journalOf(torn), '{"grid":0,"drop":5,"blo');
  const tornBytes = bytes(journalOf(torn));
  const filesBefore = readdirSync(torn).sort();
  const r = cli(['merge', '--quiet', '--out', tmp(), shards[0], torn]);
  assert.is(r.status, 0, r.stderr); // every unit is there; the torn bytes are skipped
  assert.equal(bytes(journalOf(torn)), tornBytes);
  assert.equal(readdirSync(torn).sort(), filesBefore);
});

test('merge refuses an --out holding a different sweep, a sweep run, user files or one of its inputs; it replaces its own earlier merge', () => {
  const other = tmp();
  ok(cli(['sweep', ...SMALL, '--seed', '4', '--out', other]));
  const precious = bytes(journalOf(other));
  failsWith(cli(['merge', '--quiet', '--out', other, ...shards]), 2, /holds a sweep of its own/);
  assert.equal(bytes(journalOf(other)), precious);

  const user = tmp();
  writeFileSync(join(user, 'results.csv'), 'my data\n');
  failsWith(cli(['merge', '--quiet', '--out', user, ...shards]), 2, /not empty and holds no sweep.*results\.csv/);
  assert.is(readFileSync(join(user, 'results.csv'), 'utf8'), 'my data\n');

  const before = bytes(journalOf(shards[0]));
  failsWith(cli(['merge', '--quiet', '--out', shards[0], ...shards]), 2, /is one of the folders merged/);
  failsWith(cli(['merge', '--quiet', '--out', join(shards[0], 'merged'), ...shards]), 2, /inside one of the folders merged/);
  assert.equal(bytes(journalOf(shards[0])), before);
  assert.not.ok(existsSync(join(shards[0], 'merged')));

  const merged = tmp();
  ok(cli(['merge', '--quiet', '--out', merged, ...shards]));
  assert.is(csv(merged), csv(whole));
  ok(cli(['merge', '--quiet', '--out', merged, ...shards])); // again, over its own merge
  assert.is(csv(merged), csv(whole));
  // The merge of another sweep is not overwritten either.
  const otherShard = tmp();
  ok(cli(['sweep', ...SMALL, '--seed', '4', '--shard', '0/1', '--out', otherShard]));
  failsWith(cli(['merge', '--quiet', '--out', merged, otherShard]), 2, /holds the merge of a different sweep/);
  assert.is(csv(merged), csv(whole));
});

test('a sweep into an existing folder that is not a sweep folder refuses to touch its files', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'results.csv'), 'my data\n');
  writeFileSync(join(dir, 'latency-vs-budget.svg'), '<svg/>\n');
  failsWith(sweep(dir), 2, /not empty and holds no sweep/);
  assert.equal(readdirSync(dir).sort(), ['latency-vs-budget.svg', 'results.csv']);
  assert.is(readFileSync(join(dir, 'results.csv'), 'utf8'), 'my data\n');
  assert.is(readFileSync(join(dir, 'latency-vs-budget.svg'), 'utf8'), '<svg/>\n');
  // An empty existing folder is fine.
  const empty = tmp();
  ok(sweep(empty));
  assert.is(csv(empty), csv(whole));
});

// Issue 20 (audit 10): a kill -9 while a figure's Vega-Lite spec or a fine-tuning figure
// was written left NAME.tmp-PID, which --resume never removed (it knew only the journal,
// the results and latency-vs-*.svg).
test("--resume removes every temporary file of jcpba's own writes a killed process left, and only those", () => {
  const args = ['--budget', '0,0.2', '--rounds0', '100', '--pruning-limit', '0.5'];
  const full = tmp();
  ok(sweep(full, args));
  const dir = tmp();
  ok(sweep(dir, args));
  const lines = readFileSync(journalOf(dir), 'utf8').split('\n');
  writeFileSync(journalOf(dir), `${lines.slice(0, 2).join('\n')}\n`);
  const own = ['units.jsonl', 'results.csv', 'results.json', 'learning.csv', 'latency-vs-budget.svg', 'latency-vs-budget.vl.json', 'fine-tuning-vs-budget.svg', 'fine-tuning-vs-budget.vl.json', 'loss-vs-time_budget-0.2.vl.json'];
  for (const f of own) writeFileSync(join(dir, `${f}.tmp-999999`), 'partial');
  // Files that only look alike are the user's: kept.
  const theirs = ['notes.txt.tmp-999999', 'results.json.tmp-x', 'latency-vs-budget.svg.bak'];
  for (const f of theirs) writeFileSync(join(dir, f), 'mine');
  ok(sweep(dir, [...args, '--resume']));
  const left = readdirSync(dir).filter((f) => f.includes('.tmp-') || f.endsWith('.bak'));
  assert.equal(left.sort(), [...theirs].sort());
  assert.is(csv(dir), csv(full));
  // A folder holding nothing but such leftovers (a kill before the journal's first write) is an empty folder.
  const leftovers = tmp();
  for (const f of own) writeFileSync(join(leftovers, `${f}.tmp-999999`), 'partial');
  ok(sweep(leftovers, args));
  assert.is(readdirSync(leftovers).filter((f) => f.includes('.tmp-')).length, 0);
});

/** Starts a sweep and resolves once its journal holds `units` finished units. */
async function startSweep(args, units = 1) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const out = args[args.indexOf('--out') + 1];
  const count = () => (existsSync(journalOf(out)) ? readFileSync(journalOf(out), 'utf8').split('\n').length - 2 : 0);
  await new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (count() >= units) {
        clearInterval(t);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`the sweep ended early (${child.exitCode}): ${stderr}`));
      }
    }, 5);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exited, count };
}

const LONG = ['--clients', '5', '--drops', '4000', '--realizations', '16', '--methods', 'equal', '--threads', '1', '--backend', backend, '--quiet'];

test('one lock per folder: a second sweep or merge on a folder in use fails at once and changes nothing', async () => {
  const dir = tmp();
  const first = await startSweep(['sweep', ...LONG, '--out', dir]);
  first.child.kill('SIGSTOP'); // hold it mid-run, lock taken
  try {
    const lock = JSON.parse(readFileSync(join(dir, 'jcpba.lock'), 'utf8'));
    assert.is(lock.pid, first.child.pid);
    const journal = bytes(journalOf(dir));
    const t0 = Date.now();
    failsWith(cli(['sweep', ...LONG, '--out', dir, '--resume']), 1, new RegExp(`in use by jcpba sweep \\(pid ${first.child.pid} on `));
    failsWith(cli(['sweep', ...LONG, '--out', dir]), 1, /in use by jcpba sweep/);
    failsWith(cli(['merge', '--quiet', '--out', dir, ...shards]), 1, /in use by jcpba sweep/);
    failsWith(cli(['merge', '--quiet', '--out', tmp(), dir]), 1, /in use by jcpba sweep.*merge it once that has ended/);
    assert.ok(Date.now() - t0 < 30_000, 'the refusals come at once');
    assert.equal(bytes(journalOf(dir)), journal);
  } finally {
    first.child.kill('SIGCONT');
  }
  first.child.kill('SIGTERM');
  const { code } = await first.exited;
  assert.is(code, 143);
  assert.not.ok(existsSync(join(dir, 'jcpba.lock')), 'the lock is released');
});

test('a stale lock is detected: from a killed process on this host, or not refreshed from another host', async () => {
  const dir = tmp();
  const run = await startSweep(['sweep', ...SMALL, '--drops', '400', '--out', dir]);
  run.child.kill('SIGKILL');
  await run.exited;
  assert.ok(existsSync(join(dir, 'jcpba.lock')), 'a killed sweep leaves its lock');
  const r = ok(cli(['sweep', ...SMALL, '--drops', '400', '--out', dir, '--resume']));
  assert.match(r.stderr, new RegExp(`replaced a stale lock: .*jcpba\\.lock \\(process ${run.child.pid} is gone\\)`));
  assert.not.ok(existsSync(join(dir, 'jcpba.lock')));
  const fresh = tmp();
  ok(sweep(fresh, ['--drops', '400']));
  assert.is(csv(dir), csv(fresh));

  // A lock written on another host: refused while it is refreshed, replaced once it is not.
  const lock = join(dir, 'jcpba.lock');
  writeFileSync(lock, JSON.stringify({ pid: 1, host: `not-${hostname()}`, command: 'sweep', since: new Date().toISOString() }));
  failsWith(cli(['sweep', ...SMALL, '--drops', '400', '--out', dir, '--resume']), 1, /in use by jcpba sweep \(pid 1 on not-/);
  const old = new Date(Date.now() - 600_000);
  utimesSync(lock, old, old);
  const replaced = cli(['sweep', ...SMALL, '--drops', '400', '--out', dir, '--resume']);
  ok(replaced);
  assert.match(replaced.stderr, /replaced a stale lock.*not refreshed/);
  assert.not.ok(existsSync(lock));
});

test('a failed write (file too large, as on a full disk) leaves no temporary file, one clean line, and a journal that resumes', () => {
  const dir = tmp();
  // Files above 8 KiB fail with EFBIG (the signal SIGXFSZ ignored): the figure here, and
  // the journal after a few batches.
  const args = ['sweep', ...SMALL, '--drops', '40', '--out', dir];
  const r = spawnSync('bash', ['-c', 'trap "" XFSZ; ulimit -f 8; exec "$@"', 'bash', process.execPath, BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  failsWith(r, 1, /cannot write .*(units\.jsonl|\.svg|results\.json): file too large \(EFBIG\)/);
  assert.equal(readdirSync(dir).filter((f) => /\.tmp-\d+$/.test(f)), [], 'no temporary file left');
  assert.not.ok(existsSync(join(dir, 'jcpba.lock')), 'the lock is released');
  // The journal holds whole lines only: --resume (without the limit) completes it exactly.
  assert.ok(readFileSync(journalOf(dir), 'utf8').endsWith('\n'));
  ok(cli([...args, '--resume']));
  const fresh = tmp();
  ok(sweep(fresh, ['--drops', '40']));
  assert.is(csv(dir), csv(fresh));
});

test('a full disk (ENOSPC on a small tmpfs; needs root) leaves no temporary file', () => {
  const mnt = tmp();
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    console.log(`  (skipped the ENOSPC case: cannot mount a tmpfs here: ${(mounted.stderr || mounted.error?.message || '').trim()})`);
    return;
  }
  try {
    const dir = join(mnt, 'd');
    const r = cli(['sweep', ...SMALL, '--drops', '60', '--out', dir]);
    failsWith(r, 1, /cannot write .*: no space left on device \(ENOSPC\)/);
    assert.equal(readdirSync(dir).filter((f) => /\.tmp-\d+$/.test(f)), []);
    assert.ok(readFileSync(journalOf(dir), 'utf8').endsWith('\n'), 'whole lines only');
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('a bad --out fails at once with a clear error: under /proc, a file, a file as parent', () => {
  const t0 = Date.now();
  failsWith(sweep('/proc/jcpba-no-such-folder'), 2, /--out \/proc\/jcpba-no-such-folder: cannot create the folder: no such file or directory/);
  failsWith(cli(['merge', '--quiet', '--out', '/proc/jcpba-no-such-folder/x', ...shards]), 2, /cannot create the folder/);
  assert.ok(Date.now() - t0 < 30_000);
  const file = join(tmp(), 'a-file');
  writeFileSync(file, 'x');
  failsWith(sweep(file), 2, /--out .*a-file: cannot create the folder: a file of that name exists/);
  failsWith(sweep(join(file, 'sub')), 2, /a-file is a file, not a folder/);
  assert.is(readFileSync(file, 'utf8'), 'x');
});

test.run();
