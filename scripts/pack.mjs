#!/usr/bin/env node
// Packs the release: the main package (without the addon, its exact-version
// optionalDependencies on the platform packages added) and one tarball per released
// platform package (npm/<platform>/ with its addon). These tarballs are what gets
// published (`npm publish <tarball>`), never the repository directory itself.
//
//   node scripts/pack.mjs [--out DIR] [--json]     (npm run pack; default DIR: packages/)
//
// Why the optionalDependencies are added here and are not in the repository's
// package.json (as napi-rs's `napi prepublish` does): the platform packages are not
// installable while developing, and `npm ci` refuses a package.json whose dependencies
// are missing from package-lock.json.
//
// Needs a built tree (npm run build); a released platform without its addon
// (npm/<platform>/jcpba.<platform>.node, copied there by npm run build:native) is an error.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, addonFile, check, mainPackage, optionalDependencies, packageDir, releasedPlatforms } from './platform-packages.mjs';

function npmPack(dir, args = []) {
  const out = execFileSync('npm', ['pack', '--json', ...args], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return JSON.parse(out)[0];
}

/** Packs the release into `out`; returns { main, platforms: [{ platform, name, file }] } (tarball paths). */
export function pack(out) {
  const problems = check();
  if (problems.length > 0) throw new Error(`the platform packages are out of sync (node scripts/platform-packages.mjs sync):\n${problems.join('\n')}`);
  mkdirSync(out, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), 'jcpba-pack-'));
  try {
    // The main package: npm's own file list (package.json "files"), staged with the
    // optionalDependencies added.
    const main = mainPackage();
    const listed = npmPack(ROOT, ['--dry-run']);
    const mainStage = join(stage, 'main');
    for (const { path } of listed.files) {
      mkdirSync(dirname(join(mainStage, path)), { recursive: true });
      copyFileSync(join(ROOT, path), join(mainStage, path));
    }
    const { devDependencies, ...rest } = main;
    const staged = { ...rest, optionalDependencies: optionalDependencies(), devDependencies };
    writeFileSync(join(mainStage, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`);
    const packedMain = npmPack(mainStage, ['--pack-destination', out]);

    const platforms = releasedPlatforms().map((p) => {
      const dir = packageDir(p.platform);
      const addon = join(dir, addonFile(p.platform));
      if (!existsSync(addon)) throw new Error(`${addon} is missing: run npm run build:native (on or for ${p.platform})`);
      const pStage = join(stage, p.platform);
      mkdirSync(pStage);
      for (const f of ['package.json', 'README.md', addonFile(p.platform)]) copyFileSync(join(dir, f), join(pStage, f));
      copyFileSync(join(ROOT, 'LICENSE'), join(pStage, 'LICENSE'));
      const packed = npmPack(pStage, ['--pack-destination', out]);
      return { platform: p.platform, name: packed.name, file: join(out, packed.filename), files: packed.files.map((f) => f.path) };
    });
    return { main: { name: packedMain.name, file: join(out, packedMain.filename), files: packedMain.files.map((f) => f.path) }, platforms };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const out = resolve(at >= 0 ? args[at + 1] : join(ROOT, 'packages'));
  const packed = pack(out);
  if (args.includes('--json')) {
    console.log(JSON.stringify(packed, null, 2));
  } else {
    for (const t of [packed.main, ...packed.platforms]) console.log(t.file);
  }
}
