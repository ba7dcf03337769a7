// Loads the N-API addon built by scripts/build-native.sh. Node only.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
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
 * The file name @napi-rs/cli gives the addon for a platform (`--platform`), or
 * undefined where no build target is named. Only linux-x64-gnu is built today.
 */
export function nativeFileName(platform: string = process.platform, arch: string = process.arch): string | undefined {
  let suffix: string | undefined;
  if (platform === 'linux' && (arch === 'x64' || arch === 'arm64')) {
    suffix = `linux-${arch}-${isGlibc() ? 'gnu' : 'musl'}`;
  } else if (platform === 'darwin' && (arch === 'x64' || arch === 'arm64')) {
    suffix = `darwin-${arch}`;
  } else if (platform === 'win32' && (arch === 'x64' || arch === 'arm64')) {
    suffix = `win32-${arch}-msvc`;
  }
  return suffix === undefined ? undefined : `jcpba.${suffix}.node`;
}

/** The package root: this file compiles to dist/bindings/native.js. */
const PACKAGE_ROOT = new URL('../../', import.meta.url);

/** Where the addon came from, for messages. */
function describeSource(file: string | URL | undefined): string {
  return file !== undefined ? 'the native option' : 'JCPBA_NATIVE_PATH';
}

/**
 * Loads the native addon: `file` if given, else the file JCPBA_NATIVE_PATH names, else
 * the prebuilt addon for this platform in `bindings/native/` of the package. Throws a
 * `backend-unavailable` error that says what to do when there is none.
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
    const name = nativeFileName();
    path = name === undefined ? '' : fileURLToPath(new URL(`bindings/native/${name}`, PACKAGE_ROOT));
    if (name === undefined || !existsSync(path)) throw missingAddon(name, path);
  }
  const require = createRequire(import.meta.url);
  try {
    return require(path) as NativeAddon;
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw coreError('backend-unavailable', 'backend', `could not load the native addon ${path}: ${reason}`);
  }
}

/** The message for a platform without a prebuilt addon: what runs instead, and how to build one. */
function missingAddon(name: string | undefined, path: string): ReturnType<typeof coreError> {
  const platform = `${process.platform}-${process.arch}`;
  const what = name === undefined ? `no native addon is made for ${platform}` : `no native addon for ${platform} in this installation (${path})`;
  // In a clone of the repository the Rust sources sit beside the build output.
  const inRepository = existsSync(fileURLToPath(new URL('crates/jcpba-napi/Cargo.toml', PACKAGE_ROOT)));
  const build = inRepository
    ? 'build it with npm run build:native (needs Rust)'
    : 'build it from a clone of the jcpba repository with npm run build:native (needs Rust; prebuilt and tested: linux-x64-gnu) and set JCPBA_NATIVE_PATH to the .node file';
  return coreError('backend-unavailable', 'backend', `${what}; the wasm backend gives the same results; for native speed, ${build}`);
}
