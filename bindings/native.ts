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

/**
 * Loads the native addon. By default it is looked up in `bindings/native/` of the
 * package root; this file compiles to `dist/bindings/native.js`, hence `../../`.
 * Throws a `backend-unavailable` error naming the file when it is missing.
 */
export function loadNative(file?: string | URL): NativeAddon {
  let path: string;
  if (typeof file === 'string') {
    path = resolve(file);
  } else if (file !== undefined) {
    path = fileURLToPath(file);
  } else {
    const name = nativeFileName();
    if (name === undefined) {
      throw coreError(
        'backend-unavailable',
        'backend',
        `no native build of jcpba for ${process.platform}-${process.arch}; use the wasm backend`,
      );
    }
    path = fileURLToPath(new URL(`../../bindings/native/${name}`, import.meta.url));
  }
  if (!existsSync(path)) {
    throw coreError(
      'backend-unavailable',
      'backend',
      `native addon not found at ${path}; build it with scripts/build-native.sh`,
    );
  }
  const require = createRequire(import.meta.url);
  return require(path) as NativeAddon;
}
