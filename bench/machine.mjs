// What ran the benchmark: machine, toolchain, source state, and the exact command.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../dist/ts/index.js';

const root = new URL('..', import.meta.url).pathname;

function run(file, args) {
  try {
    return execFileSync(file, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** rustup's rustc when there is one (scripts/build-native.sh builds with it), else PATH's. */
function rustcVersion() {
  const rustup = join(os.homedir(), '.cargo', 'bin', 'rustc');
  return (existsSync(rustup) ? run(rustup, ['--version']) : undefined) ?? run('rustc', ['--version']);
}

/** The command as typed: `npm run bench -- ...` when npm started us. */
export function commandLine(argv = process.argv.slice(2)) {
  const args = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args ? ` -- ${args}` : ''}`;
  return `node bench/run.mjs${args ? ` ${args}` : ''}`;
}

function newest(dir, ext) {
  let t = 0;
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
    }
  };
  walk(join(root, dir));
  return t;
}

function oldest(files) {
  const times = files.filter((f) => existsSync(join(root, f))).map((f) => statSync(join(root, f)).mtimeMs);
  return times.length ? Math.min(...times) : 0;
}

/** Builds older than their sources: the figures would then describe other code. */
export function staleBuilds() {
  const stale = [];
  if (newest('ts', '.ts') > oldest(['dist/ts/index.js', 'dist/ts/methods.js'])) stale.push('dist/ts (run npm run build:ts)');
  const rust = newest('crates', '.rs');
  const nativeDir = join(root, 'bindings/native');
  const addons = existsSync(nativeDir) ? readdirSync(nativeDir).filter((f) => f.endsWith('.node')).map((f) => `bindings/native/${f}`) : [];
  if (rust > oldest(addons)) stale.push('the native addon (run npm run build:native)');
  if (rust > oldest(['bindings/wasm/jcpba.wasm'])) stale.push('the WASM module (run npm run build:wasm)');
  return stale;
}

export function machine(coreVersion) {
  const cpus = os.cpus();
  const status = run('git', ['status', '--porcelain']);
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    rustc: rustcVersion() ?? null,
    jcpba: VERSION,
    core: coreVersion ?? null,
    commit: run('git', ['rev-parse', '--short', 'HEAD']) ?? null,
    uncommittedFiles: status === undefined ? null : status.split('\n').filter(Boolean).length,
    staleBuilds: staleBuilds(),
    /** 1-minute load average when the run started: other work on the machine skews every figure. */
    loadAverage: Number(os.loadavg()[0].toFixed(2)),
    date: new Date().toISOString(),
    command: commandLine(),
  };
}

/** CPU seconds used by the whole machine and by this process with its waited children (Linux). */
function cpuSeconds() {
  try {
    const tick = 100; // USER_HZ: /proc reports in 1/100 s on every Linux Node runs on
    const all = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = all[3] + (all[4] ?? 0); // idle + iowait
    const busy = all.slice(0, 8).reduce((a, b) => a + b, 0) - idle;
    // Fields after the parenthesised command name: utime, stime, cutime, cstime are 14-17 of the line.
    const self = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').slice(11, 15).map(Number);
    return { machine: busy / tick, self: self.reduce((a, b) => a + b, 0) / tick };
  } catch {
    return undefined;
  }
}

/**
 * Measures how much other work ran during the benchmark: call at the start; the
 * returned function gives the mean number of cores other processes kept busy.
 */
export function otherWork() {
  const start = cpuSeconds();
  const t0 = performance.now();
  return () => {
    const end = cpuSeconds();
    if (!start || !end) return null;
    const seconds = (performance.now() - t0) / 1000;
    return Number((Math.max(0, end.machine - start.machine - (end.self - start.self)) / seconds).toFixed(2));
  };
}
