// Loads the N-API addon built by scripts/build-native.sh: from its platform package
// (jcpba-<platform>, npm/<platform>/ in the repository) or from a clone's build. Node only.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { coreError } from './errors.js';
import type { CoreBackend } from './types.js';

export type NativeAddon = CoreBackend;

/** Whether this Linux uses glibc; @napi-rs/cli names musl builds differently. */
function isGlibc(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return typeof report?.header?.glibcVersionRuntime === 'string';
}

/**
 * The platform's name as @napi-rs/cli spells it (`linux-x64-gnu`, `darwin-arm64`,
 * `win32-x64-msvc`, ...), or undefined where no build target is named. It names both the
 * addon's file, `jcpba.<platform>.node`, and its package, `jcpba-<platform>`.
 */
export function nativePlatform(platform: string = process.platform, arch: string = process.arch): string | undefined {
  if (platform === 'linux' && (arch === 'x64' || arch === 'arm64')) return `linux-${arch}-${isGlibc() ? 'gnu' : 'musl'}`;
  if (platform === 'darwin' && (arch === 'x64' || arch === 'arm64')) return `darwin-${arch}`;
  if (platform === 'win32' && (arch === 'x64' || arch === 'arm64')) return `win32-${arch}-msvc`;
  return undefined;
}

/**
 * The file name @napi-rs/cli gives the addon for a platform (`--platform`), or
 * undefined where no build target is named. Only linux-x64-gnu is built and released today.
 */
export function nativeFileName(platform: string = process.platform, arch: string = process.arch): string | undefined {
  const name = nativePlatform(platform, arch);
  return name === undefined ? undefined : `jcpba.${name}.node`;
}

/** The package that holds the addon for a platform (an optional dependency of jcpba). */
export function nativePackageName(platform: string = process.platform, arch: string = process.arch): string | undefined {
  const name = nativePlatform(platform, arch);
  return name === undefined ? undefined : `jcpba-${name}`;
}

/** The package root: this file compiles to dist/bindings/native.js. */
const PACKAGE_ROOT = new URL('../../', import.meta.url);

/** Where the addon came from, for messages. */
function describeSource(file: string | URL | undefined): string {
  return file !== undefined ? 'the native option' : 'JCPBA_NATIVE_PATH';
}

/** This package's package.json: its version (the platform package must have the same) and the platform packages it names. */
function ownManifest(): { version?: string; optionalDependencies?: Record<string, string> } {
  try {
    return JSON.parse(readFileSync(fileURLToPath(new URL('package.json', PACKAGE_ROOT)), 'utf8')) as ReturnType<typeof ownManifest>;
  } catch {
    return {};
  }
}

/**
 * The addon in the installed platform package `pkg`: its path, or undefined when the
 * package is not installed. A package of another version than jcpba's is an error (its
 * addon may not match these bindings).
 */
function fromPlatformPackage(pkg: string): string | undefined {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    return undefined;
  }
  const { version, main } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string; main?: string };
  const own = ownManifest().version;
  if (own !== undefined && version !== own) {
    throw coreError('backend-unavailable', 'backend', `the installed ${pkg} is version ${version}, not jcpba's ${own}; install the same version of both (npm install jcpba@${own})`);
  }
  const path = resolve(dirname(manifest), main ?? '');
  if (main === undefined || !existsSync(path)) {
    throw coreError('backend-unavailable', 'backend', `the installed ${pkg} has no addon at ${path}; reinstall it`);
  }
  return path;
}

/**
 * Loads the native addon: `file` if given, else the file JCPBA_NATIVE_PATH names (an
 * explicit choice beats the automatic ones), else the addon of the platform package
 * `jcpba-<platform>` (installed by npm as an optional dependency on a matching platform),
 * else the one built in a clone of the repository (`bindings/native/`, npm run build:native).
 * Throws a `backend-unavailable` error that says what to do when there is none.
 */
export function loadNative(file?: string | URL): NativeAddon {
  const fromEnv = process.env.JCPBA_NATIVE_PATH === '' ? undefined : process.env.JCPBA_NATIVE_PATH;
  const given = file ?? fromEnv;
  let path: string;
  if (given !== undefined) {
    path = typeof given === 'string' ? resolve(given) : fileURLToPath(given);
    if (!existsSync(path)) {
      throw coreError('backend-unavailable', 'backend', `native addon not found at ${path} (from ${describeSource(file)})`);
    }
  } else {
    const platform = nativePlatform();
    if (platform === undefined) throw missingAddon(undefined);
    const built = fileURLToPath(new URL(`bindings/native/jcpba.${platform}.node`, PACKAGE_ROOT));
    const found = fromPlatformPackage(`jcpba-${platform}`) ?? (existsSync(built) ? built : undefined);
    if (found === undefined) throw missingAddon(platform);
    path = found;
  }
  const require = createRequire(import.meta.url);
  try {
    return require(path) as NativeAddon;
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw coreError('backend-unavailable', 'backend', `could not load the native addon ${path}: ${reason}`);
  }
}

/** The message for a platform without an addon: which package is missing, what runs instead, how to get one. */
function missingAddon(platform: string | undefined): ReturnType<typeof coreError> {
  const here = `${process.platform}-${process.arch}`;
  const pkg = `jcpba-${platform}`;
  const { version, optionalDependencies = {} } = ownManifest();
  const released = Object.keys(optionalDependencies);
  // In a clone of the repository the Rust sources sit beside the build output.
  const inRepository = existsSync(fileURLToPath(new URL('crates/jcpba-napi/Cargo.toml', PACKAGE_ROOT)));
  let what: string;
  let fix: string;
  if (platform === undefined) {
    what = `no native addon is made for ${here}`;
  } else if (inRepository) {
    what = `no native addon for ${platform}: the package ${pkg} is not installed and none is built in ${fileURLToPath(new URL('bindings/native/', PACKAGE_ROOT))}`;
  } else if (released.includes(pkg)) {
    what = `the package ${pkg} (the native addon for ${platform}, an optional dependency of jcpba) is not installed`;
  } else {
    what = `no package with the native addon for ${platform} (${pkg}) is released${released.length > 0 ? ` (released: ${released.join(', ')})` : ''}`;
  }
  if (inRepository) {
    fix = `build it with npm run build:native (needs Rust)`;
  } else if (platform !== undefined && released.includes(pkg)) {
    fix = `install it beside jcpba (npm install ${pkg}@${version}; npm leaves it out with --omit=optional)`;
  } else {
    fix = 'build it from a clone of the jcpba repository with npm run build:native (needs Rust) and set JCPBA_NATIVE_PATH to the .node file';
  }
  return coreError('backend-unavailable', 'backend', `${what}; the wasm backend gives the same results; for native speed, ${fix}`);
}
