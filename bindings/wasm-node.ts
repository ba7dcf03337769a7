// The WASM loader under Node: the same loader as in browsers (bindings/wasm.ts), with
// node:fs to read a local file. Node-only modules (the facade, the sweep's workers)
// use this one, so the shared loader never imports a Node built-in.

import { readFile } from 'node:fs/promises';
import { type WasmModule, type WasmSource, loadWasm } from './wasm.js';

/** loadWasm, reading a file path or file: URL (the default location is one) with node:fs. */
export function loadWasmNode(source?: WasmSource): Promise<WasmModule> {
  return loadWasm(source, readFile);
}
