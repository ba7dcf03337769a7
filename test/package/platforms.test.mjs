// The platform packages (npm/<platform>/, scripts/platform-packages.mjs) stay in step with
// the main package: same version, the platforms bindings/native.ts looks for, and the
// exact-version optionalDependencies scripts/pack.mjs gives the packed main package.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nativeFileName, nativePackageName, nativePlatform } from '../../dist/bindings/native.js';
import { PLATFORMS, check, optionalDependencies, platformManifest, releasedPlatforms, sync } from '../../scripts/platform-packages.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const SCRIPT = join(ROOT, 'scripts/platform-packages.mjs');

test('npm/ is in sync with package.json: every platform package has the main version', () => {
  assert.equal(check(), []);
  for (const { platform } of PLATFORMS) {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'npm', platform, 'package.json'), 'utf8'));
    assert.is(manifest.name, `jcpba-${platform}`);
    assert.is(manifest.version, PKG.version, platform);
    assert.is(manifest.main, `jcpba.${platform}.node`);
    assert.equal(manifest.files, [manifest.main]);
  }
  const r = spawnSync(process.execPath, [SCRIPT, 'check'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
});

test('a version bump without sync fails the check, naming each package; sync repairs it', () => {
  const root = mkdtempSync(join(tmpdir(), 'jcpba-platforms-'));
  try {
    cpSync(join(ROOT, 'npm'), join(root, 'npm'), { recursive: true, filter: (f) => !f.endsWith('.node') });
    mkdirSync(join(root, 'crates/jcpba-napi'), { recursive: true });
    cpSync(join(ROOT, 'crates/jcpba-napi/napi.json'), join(root, 'crates/jcpba-napi/napi.json'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ ...PKG, version: '9.8.7' }));
    mkdirSync(join(root, 'ts'));
    cpSync(join(ROOT, 'ts/version.ts'), join(root, 'ts/version.ts'));
    const problems = check(root);
    assert.is(problems.length, PLATFORMS.length + 1);
    assert.ok(problems.includes('ts/version.ts differs from what sync writes'), problems.join('\n'));
    for (const { platform } of PLATFORMS) {
      assert.ok(problems.includes(`npm/${platform}/package.json: version is "${PKG.version}", expected "9.8.7"`), problems.join('\n'));
    }
    assert.equal(optionalDependencies(root), { 'jcpba-linux-x64-gnu': '9.8.7' });
    const r = spawnSync(process.execPath, [SCRIPT, 'check'], { encoding: 'utf8', cwd: root });
    assert.is(r.status, 0, 'the CLI checks the repository, wherever it runs from');
    sync(root);
    assert.equal(check(root), []);
    assert.is(JSON.parse(readFileSync(join(root, 'npm/darwin-arm64/package.json'), 'utf8')).version, '9.8.7');
    assert.match(readFileSync(join(root, 'ts/version.ts'), 'utf8'), /export const VERSION = '9\.8\.7';/);
    rmSync(join(root, 'npm/win32-x64-msvc/README.md'));
    assert.equal(check(root), ['npm/win32-x64-msvc/README.md is missing']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the platforms are those the loader looks for, each with what npm matches on', () => {
  // This host is glibc Linux: the loader names the -gnu packages; -musl ones are their twins.
  const named = new Set();
  for (const os of ['linux', 'darwin', 'win32']) {
    for (const cpu of ['x64', 'arm64']) {
      const platform = nativePlatform(os, cpu);
      named.add(platform);
      if (os === 'linux') named.add(platform.replace(/-gnu$/, '-musl'));
      assert.is(nativeFileName(os, cpu), `jcpba.${platform}.node`);
      assert.is(nativePackageName(os, cpu), `jcpba-${platform}`);
      const entry = PLATFORMS.find((p) => p.platform === platform);
      assert.ok(entry, `a package for ${platform}`);
      assert.equal([entry.os, entry.cpu], [os, cpu]);
    }
  }
  assert.equal([...named].sort(), PLATFORMS.map((p) => p.platform).sort());
  assert.is(nativePlatform('freebsd', 'x64'), undefined);
  for (const p of PLATFORMS) {
    const m = platformManifest(p, PKG);
    assert.equal(m.libc, p.os === 'linux' ? [p.platform.endsWith('-musl') ? 'musl' : 'glibc'] : undefined, p.platform);
    assert.ok(p.triple.startsWith(p.cpu === 'x64' ? 'x86_64-' : 'aarch64-'), p.triple);
  }
});

test('the released platforms are napi.json targets, and the packed main package names them at its exact version', () => {
  const { targets } = JSON.parse(readFileSync(join(ROOT, 'crates/jcpba-napi/napi.json'), 'utf8'));
  assert.equal(releasedPlatforms().map((p) => p.triple), targets);
  assert.equal(optionalDependencies(), Object.fromEntries(releasedPlatforms().map((p) => [`jcpba-${p.platform}`, PKG.version])));
  assert.ok('jcpba-linux-x64-gnu' in optionalDependencies());
  // The repository's package.json itself lists none: npm ci would refuse it (not in the lock).
  assert.is(PKG.optionalDependencies, undefined);
  assert.not.ok(PKG.files.some((f) => f.includes('.node')), 'the main package ships no addon');
});

test.run();
