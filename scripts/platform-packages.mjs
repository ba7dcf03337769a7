#!/usr/bin/env node
// The per-platform packages of the native addon, laid out as napi-rs projects ship them:
// npm/<platform>/ holds one package, `jcpba-<platform>`, with the addon for that platform
// only (`os`, `cpu` and, on Linux, `libc` let npm install just the matching one); the
// main package names them as exact-version optionalDependencies and holds no addon.
//
//   node scripts/platform-packages.mjs sync    write npm/*/package.json and README.md from
//                                              package.json (name, version, license, ...),
//                                              and the version into ts/version.ts (npm version
//                                              runs this)
//   node scripts/platform-packages.mjs check   exit 1, naming each difference, when they
//                                              are out of sync (test/package/platforms.test.mjs)
//
// The released set is crates/jcpba-napi/napi.json's `targets` (only linux-x64-gnu today):
// scripts/pack.mjs packs those and lists them in the main package's optionalDependencies.
// The other directories are ready for more targets: add the Rust triple to napi.json,
// build on (or for) that platform, and pack.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Every platform bindings/native.ts `nativeFileName` names: the suffix of the addon's
 * file name (`jcpba.<platform>.node`, as @napi-rs/cli names it) and of the package
 * (`jcpba-<platform>`), with its Rust target triple and what npm matches on.
 */
export const PLATFORMS = [
  { platform: 'linux-x64-gnu', triple: 'x86_64-unknown-linux-gnu', os: 'linux', cpu: 'x64', libc: 'glibc' },
  { platform: 'linux-x64-musl', triple: 'x86_64-unknown-linux-musl', os: 'linux', cpu: 'x64', libc: 'musl' },
  { platform: 'linux-arm64-gnu', triple: 'aarch64-unknown-linux-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc' },
  { platform: 'linux-arm64-musl', triple: 'aarch64-unknown-linux-musl', os: 'linux', cpu: 'arm64', libc: 'musl' },
  { platform: 'darwin-x64', triple: 'x86_64-apple-darwin', os: 'darwin', cpu: 'x64' },
  { platform: 'darwin-arm64', triple: 'aarch64-apple-darwin', os: 'darwin', cpu: 'arm64' },
  { platform: 'win32-x64-msvc', triple: 'x86_64-pc-windows-msvc', os: 'win32', cpu: 'x64' },
  { platform: 'win32-arm64-msvc', triple: 'aarch64-pc-windows-msvc', os: 'win32', cpu: 'arm64' },
];

export const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
export const mainPackage = (root = ROOT) => readJson(join(root, 'package.json'));
export const addonFile = (platform) => `jcpba.${platform}.node`;
export const packageDir = (platform, root = ROOT) => join(root, 'npm', platform);

/** The platforms released: those whose triple napi.json lists as a target. */
export function releasedPlatforms(root = ROOT) {
  const { targets } = readJson(join(root, 'crates/jcpba-napi/napi.json'));
  return targets.map((triple) => {
    const p = PLATFORMS.find((q) => q.triple === triple);
    if (p === undefined) throw new Error(`napi.json target ${triple} has no platform package in scripts/platform-packages.mjs`);
    return p;
  });
}

/** The package.json of `jcpba-<platform>`, derived from the main package's. */
export function platformManifest(p, main = mainPackage()) {
  return {
    name: `${main.name}-${p.platform}`,
    version: main.version,
    description: `The native addon of ${main.name} for ${p.platform}; installed by ${main.name} as an optional dependency, not meant to be used alone.`,
    license: main.license,
    repository: main.repository,
    os: [p.os],
    cpu: [p.cpu],
    ...(p.libc !== undefined ? { libc: [p.libc] } : {}),
    main: addonFile(p.platform),
    files: [addonFile(p.platform)],
    engines: main.engines,
  };
}

/** The exact-version optionalDependencies of the packed main package. */
export function optionalDependencies(root = ROOT) {
  const main = mainPackage(root);
  return Object.fromEntries(releasedPlatforms(root).map((p) => [`${main.name}-${p.platform}`, main.version]));
}

function platformReadme(p, main) {
  return `# ${main.name}-${p.platform}\n\nThe native (N-API) addon of \`${main.name}\` for ${p.platform} (Rust target \`${p.triple}\`).\n\n` +
    `Install \`${main.name}\`, not this package: \`${main.name}\` lists it as an optional dependency, npm installs it\n` +
    `only on a matching platform, and \`${main.name}\` loads it from there. Its version always equals \`${main.name}\`'s.\n`;
}

/** What each file under npm/ (and ts/version.ts, where it exists) should hold: [path, text]. */
function expectedFiles(root) {
  const main = mainPackage(root);
  const versionTs = join(root, 'ts/version.ts');
  const version = existsSync(versionTs)
    ? [[versionTs, readFileSync(versionTs, 'utf8').replace(/export const VERSION = '[^']*';/, `export const VERSION = '${main.version}';`)]]
    : [];
  return [...version, ...PLATFORMS.flatMap((p) => [
    [join(packageDir(p.platform, root), 'package.json'), `${JSON.stringify(platformManifest(p, main), null, 2)}\n`],
    [join(packageDir(p.platform, root), 'README.md'), platformReadme(p, main)],
  ])];
}

/** The differences between npm/ and the main package, one line each (empty: in sync). */
export function check(root = ROOT) {
  const problems = [];
  for (const [file, text] of expectedFiles(root)) {
    const rel = relative(root, file);
    if (!existsSync(file)) {
      problems.push(`${rel} is missing`);
      continue;
    }
    const actual = readFileSync(file, 'utf8');
    if (actual === text) continue;
    if (file.endsWith('.json')) {
      const before = problems.length;
      const have = JSON.parse(actual);
      const want = JSON.parse(text);
      for (const key of new Set([...Object.keys(have), ...Object.keys(want)])) {
        if (JSON.stringify(have[key]) !== JSON.stringify(want[key])) {
          problems.push(`${rel}: ${key} is ${JSON.stringify(have[key])}, expected ${JSON.stringify(want[key])}`);
        }
      }
      if (problems.length === before) problems.push(`${rel} is not formatted as sync writes it`);
    } else {
      problems.push(`${rel} differs from what sync writes`);
    }
  }
  return problems;
}

export function sync(root = ROOT) {
  for (const [file, text] of expectedFiles(root)) {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  if (command === 'sync') {
    sync();
  } else if (command === 'check') {
    const problems = check();
    for (const p of problems) console.error(`platform-packages: ${p}`);
    if (problems.length > 0) {
      console.error('platform-packages: run node scripts/platform-packages.mjs sync');
      process.exit(1);
    }
  } else {
    console.error('usage: node scripts/platform-packages.mjs sync|check');
    process.exit(2);
  }
}
