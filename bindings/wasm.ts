// Loads the WASM build of the core (scripts/build-wasm.sh) and gives it the same
// interface as the native addon. Runs in Node and in browsers, and bundles as it is:
// nothing here imports a Node built-in, statically or dynamically. A local file is read
// with the reader the caller passes (bindings/wasm-node.ts under Node), else with
// `process.getBuiltinModule` where the runtime has it; the default location is the
// `new URL('...', import.meta.url)` form that bundlers recognize and copy.
//
// The module exports plain C functions over linear memory (crates/jcpba-wasm): this
// file copies inputs in, calls, copies outputs out, and turns the module's last error
// into a thrown Error identical to the native addon's. Argument checks repeat the
// native binding's (crates/jcpba-napi/src/js.rs) word for word.

import { coreError } from './errors.js';
import { WASM_CLIENT_LIMIT } from './limits.js';
import type { CoreBackend, CoreError, CoreMinPruning, CoreSolution } from './types.js';

export interface WasmModule extends CoreBackend {
  /**
   * Set when the module built without SIMD runs because the engine lacks WebAssembly
   * SIMD (not when `JCPBA_SIMD=off` asked for it): the facades report it in
   * `solver.skipped`.
   */
  readonly simdSkipped?: string;
}

/**
 * Where the package's module is: bindings/wasm/jcpba.wasm (built with WebAssembly SIMD),
 * relative to this file once compiled (dist/bindings/wasm.js), or wherever a bundler that
 * understands this form (webpack, Vite, Rollup, Parcel) copied it. Undefined where
 * `import.meta.url` is not available (a bundle in a classic-script format, e.g.
 * esbuild's default iife).
 */
export function defaultWasmUrl(): URL | undefined {
  try {
    return new URL('../../bindings/wasm/jcpba.wasm', import.meta.url);
  } catch {
    return undefined;
  }
}

/** The same for bindings/wasm/jcpba-nosimd.wasm, the build for engines without SIMD. */
export function defaultWasmNoSimdUrl(): URL | undefined {
  try {
    return new URL('../../bindings/wasm/jcpba-nosimd.wasm', import.meta.url);
  } catch {
    return undefined;
  }
}

/**
 * The smallest module that uses a SIMD instruction: one function returning
 * i8x16.splat(i32.const 0). Engines without WebAssembly SIMD reject it.
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // code: i32.const 0, i8x16.splat, end
]);

/** Whether this engine runs WebAssembly SIMD (simd128). */
export function wasmSimdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** Whether `JCPBA_SIMD` (Node's environment) asks for the scalar kernels. */
function simdOff(): boolean {
  const env = typeof process !== 'undefined' ? process.env?.JCPBA_SIMD : undefined;
  return env !== undefined && ['off', '0', 'scalar', 'none'].includes(env.trim().toLowerCase());
}

/** Reads a local file (a path or a file: URL) into bytes. */
export type FileReader = (path: string | URL) => Promise<BufferSource>;

/**
 * f64 slots per solution header: latency, iterations, status, lowerBound, upperBound,
 * energyTotal, energyMax, uploadBits, computeSeconds, infeasible client count.
 */
const HEADER_LEN = 10;
/** Client columns of the boundary (docs/CORE_API.md): five required, five optional. */
const COLUMNS = 10;
const F64 = 8;
const U32 = 4;
const STATUSES = ['converged', 'iteration-limit', 'infeasible'] as const;
/** f64 slots of deadline mode's header: status, iterations, weightedPruning, lowerBound, upperBound, latency, minDeadline, infeasible client count (NaN: none named). */
const MIN_PRUNING_HEADER_LEN = 8;

const SOLVE_ARGS = [
  'scalars',
  'computeSeconds',
  'txPowerW',
  'channelGain',
  'dataWeight',
  'maxPruning',
  'fixedSeconds',
  'minPruning',
  'computePowerW',
  'fixedJoules',
  'energyCapJ',
  'method',
  'tolerance',
  'maxIterations',
] as const;
const SOLVE_MANY_ARGS = [
  'scalars',
  'offsets',
  'computeSeconds',
  'txPowerW',
  'channelGain',
  'dataWeight',
  'maxPruning',
  'fixedSeconds',
  'minPruning',
  'computePowerW',
  'fixedJoules',
  'energyCapJ',
  'method',
  'tolerance',
  'maxIterations',
] as const;
const MIN_PRUNING_ARGS = [
  'scalars',
  'computeSeconds',
  'txPowerW',
  'channelGain',
  'dataWeight',
  'maxPruning',
  'fixedSeconds',
  'minPruning',
  'computePowerW',
  'fixedJoules',
  'energyCapJ',
  'deadline',
  'tolerance',
  'maxIterations',
] as const;
const RUN_UNITS_ARGS = [
  'params',
  'specs',
  'methods',
  'trials',
  'rounds',
  'tolerance',
  'maxIterations',
  'threads',
] as const;

const PLAN_ARGS = [
  'scalars',
  'offsets',
  'computeSeconds',
  'txPowerW',
  'channelGain',
  'dataWeight',
  'maxPruning',
  'fixedSeconds',
  'minPruning',
  'computePowerW',
  'fixedJoules',
  'energyCapJ',
  'method',
  'policy',
  'rounds0',
  'pruningLimit',
  'tolerance',
  'maxIterations',
  'convergenceExponent',
] as const;

/** The exports of crates/jcpba-wasm. Pointers and lengths are wasm32 i32s. */
interface Exports {
  memory: WebAssembly.Memory;
  jcpba_alloc(bytes: number): number;
  jcpba_free(ptr: number, bytes: number): void;
  jcpba_method_code(ptr: number, len: number): number;
  jcpba_solve(...args: number[]): number;
  jcpba_solve_many(...args: number[]): number;
  jcpba_min_pruning(...args: number[]): number;
  jcpba_run_units(...args: number[]): number;
  jcpba_plan(...args: number[]): number;
  jcpba_result_ptr(): number;
  jcpba_result_len(): number;
  jcpba_error_ptr(): number;
  jcpba_error_len(): number;
  jcpba_error_field_ptr(): number;
  jcpba_error_field_len(): number;
  jcpba_error_code_ptr(): number;
  jcpba_error_code_len(): number;
  jcpba_error_client(): number;
  jcpba_version_ptr(): number;
  jcpba_version_len(): number;
  jcpba_kernels_ptr(): number;
  jcpba_kernels_len(): number;
}

/** Where a module can come from: a URL, a file path or URL string, its bytes, a fetch Response. */
export type WasmSource = URL | string | BufferSource | Response;
type Source = WasmSource;

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** A URL scheme of two letters or more (so `C:\...` stays a Windows path). */
const HAS_SCHEME = /^[a-zA-Z][a-zA-Z\d+.-]+:/;

function unavailable(where: string, cause: unknown): CoreError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return coreError('backend-unavailable', 'backend', `failed to load the WASM module from ${where}: ${reason}`);
}

async function compileResponse(response: Response): Promise<WebAssembly.Module> {
  if (!response.ok) {
    throw unavailable(response.url, new Error(`HTTP ${response.status}`));
  }
  if (typeof WebAssembly.compileStreaming === 'function') {
    try {
      return await WebAssembly.compileStreaming(response.clone());
    } catch {
      // Usually a server sending the wrong MIME type; compiling the bytes still works.
    }
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

function isResponse(source: Source): source is Response {
  // Response is missing from old Node versions; nothing else could be one then.
  return typeof Response !== 'undefined' && source instanceof Response;
}

/** Node's fs.promises.readFile through `process.getBuiltinModule` (Node 20.16+), never an import. */
function builtinReader(): FileReader | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return undefined;
  const fs = proc.getBuiltinModule('node:fs/promises') as { readFile?: FileReader } | undefined;
  return typeof fs?.readFile === 'function' ? fs.readFile : undefined;
}

async function compile(source: Source, readFile: FileReader | undefined): Promise<WebAssembly.Module> {
  if (isResponse(source)) {
    return compileResponse(source);
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    return WebAssembly.compile(source);
  }
  if (isNode()) {
    const url = typeof source === 'string' && HAS_SCHEME.test(source) ? new URL(source) : source;
    if (typeof url === 'string' || url.protocol === 'file:') {
      const read = readFile ?? builtinReader();
      if (!read) throw new Error('this Node.js cannot read a local file without an import (process.getBuiltinModule needs Node 20.16+); pass the bytes instead');
      return WebAssembly.compile(await read(url));
    }
  }
  return compileResponse(await fetch(source));
}

/**
/**
 * Compiles and instantiates the WASM core. `source` may be a URL, a file path or URL
 * string (Node), a URL string (browsers), the module's bytes, or a fetch Response. By
 * default it is the package's bindings/wasm/jcpba.wasm (defaultWasmUrl(), with SIMD)
 * where the engine runs WebAssembly SIMD, else bindings/wasm/jcpba-nosimd.wasm
 * (defaultWasmNoSimdUrl()); `JCPBA_SIMD=off` in Node's environment picks the latter too.
 * `readFile` reads a path or file: URL (Node); without it, `process.getBuiltinModule`.
 */
export async function loadWasm(source?: Source, readFile?: FileReader): Promise<WasmModule> {
  let simdSkipped: string | undefined;
  let from = source;
  if (from === undefined) {
    // JCPBA_SIMD=off is the caller's choice, not a skip: only a missing feature is reported.
    const simd = !simdOff() && wasmSimdSupported();
    if (!simdOff() && !simd) simdSkipped = 'this WebAssembly engine lacks SIMD: running the WASM module built without it';
    from = simd ? defaultWasmUrl() : defaultWasmNoSimdUrl();
  }
  if (from === undefined) {
    throw coreError(
      'backend-unavailable',
      'backend',
      'failed to locate the WASM module: import.meta.url is not available here (a bundle in a classic-script format such as iife?), so pass its location or bytes',
    );
  }
  try {
    const module = await compile(from, readFile);
    const instance = await WebAssembly.instantiate(module, {});
    return new WasmBackend(module, instance, simdSkipped);
  } catch (error) {
    if ((error as Partial<CoreError>).code === 'backend-unavailable') throw error;
    throw unavailable(describe(from), error);
  }
}

function describe(source: Source): string {
  if (typeof source === 'string' || source instanceof URL) return String(source);
  return isResponse(source) ? source.url || 'a Response' : `${source.byteLength} bytes`;
}

function tagOf(value: unknown): string {
  return Object.prototype.toString.call(value);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class WasmBackend implements WasmModule {
  readonly #module: WebAssembly.Module;
  #exports: Exports | undefined;
  /** Method id to code: ids are parsed by the core once, then remembered. */
  readonly #methodCodes = new Map<string, number>();
  readonly simdSkipped?: string;

  constructor(module: WebAssembly.Module, instance: WebAssembly.Instance, simdSkipped?: string) {
    this.#module = module;
    this.#exports = instance.exports as unknown as Exports;
    if (simdSkipped !== undefined) this.simdSkipped = simdSkipped;
  }

  solve(...args: unknown[]): CoreSolution {
    return this.#run((x) => {
      checkCount('solve', SOLVE_ARGS, args);
      const [scalars, ...columns] = SOLVE_ARGS.slice(0, 1 + COLUMNS).map((name, i) => f64Array('solve', name, args[i]));
      const [method, tolerance, maxIterations] = this.#methodAndOptions(x, 'solve', args.slice(1 + COLUMNS));
      const k = columns[0]!.length;
      checkRows('solve', columns as Float64Array[]);
      const inputs: Float64Array[] = [scalars!, ...columns];
      const outputs = [k, k, k, k, k, HEADER_LEN];
      const result = withBlock(x, inputs, undefined, outputs, (inPtrs, _offsetsPtr, outPtrs) => {
        const pointerArgs = inputs.flatMap((a, i) => [inPtrs[i]!, a.length]);
        const rc = x.jcpba_solve(...pointerArgs, method.code, tolerance, maxIterations, ...outPtrs);
        if (rc !== 0) return lastError(x);
        const [pruning, bandwidth, clientLatency, energy, infeasible, header] = outputs.map((n, i) => readF64(x, outPtrs[i]!, n));
        return solution(method.id, header!, 0, { pruning: pruning!, bandwidth: bandwidth!, clientLatency: clientLatency!, energy: energy!, infeasible: infeasible! });
      });
      if (result instanceof Error) throw result;
      return result;
    });
  }

  /** Same checks and result as the native addon's; the core checks the numbers' values. */
  minPruning(...args: unknown[]): CoreMinPruning {
    return this.#run((x) => {
      checkCount('minPruning', MIN_PRUNING_ARGS, args);
      const [scalars, ...columns] = MIN_PRUNING_ARGS.slice(0, 1 + COLUMNS).map((name, i) => f64Array('minPruning', name, args[i]));
      const numbers = MIN_PRUNING_ARGS.slice(1 + COLUMNS).map((name, i) => {
        const value = args[1 + COLUMNS + i];
        if (typeof value !== 'number') throw argumentError('minPruning', name, 'a number');
        return value;
      });
      const k = columns[0]!.length;
      checkRows('minPruning', columns as Float64Array[]);
      const inputs: Float64Array[] = [scalars!, ...columns];
      const outputs = [k, k, k, k, MIN_PRUNING_HEADER_LEN];
      const result = withBlock(x, inputs, undefined, outputs, (inPtrs, _offsetsPtr, outPtrs) => {
        const pointerArgs = inputs.flatMap((a, i) => [inPtrs[i]!, a.length]);
        const rc = x.jcpba_min_pruning(...pointerArgs, ...numbers, ...outPtrs);
        if (rc !== 0) return lastError(x);
        const [pruning, bandwidth, clientLatency, infeasible, header] = outputs.map((n, i) => readF64(x, outPtrs[i]!, n));
        return minPruningResult(numbers[0]!, header!, pruning!, bandwidth!, clientLatency!, infeasible!);
      });
      if (result instanceof Error) throw result;
      return result;
    });
  }

  solveMany(...args: unknown[]): CoreSolution[] {
    return this.#run((x) => {
      checkCount('solveMany', SOLVE_MANY_ARGS, args);
      const scalars = f64Array('solveMany', 'scalars', args[0]);
      const offsets = u32Array('solveMany', 'offsets', args[1]);
      const columns = SOLVE_MANY_ARGS.slice(2, 2 + COLUMNS).map((name, i) => f64Array('solveMany', name, args[2 + i]));
      const [method, tolerance, maxIterations] = this.#methodAndOptions(x, 'solveMany', args.slice(2 + COLUMNS));
      const rows = columns[0]!.length;
      checkRows('solveMany', columns);
      // On success the core has checked that offsets hold n + 1 entries.
      const problems = Math.max(offsets.length - 1, 0);
      const inputs = [scalars, ...columns];
      const outputs = [rows, rows, rows, rows, rows, HEADER_LEN * problems];
      const result = withBlock(x, inputs, offsets, outputs, (inPtrs, offsetsPtr, outPtrs) => {
        const pointerArgs = [inPtrs[0]!, scalars.length, offsetsPtr, offsets.length];
        columns.forEach((c, i) => pointerArgs.push(inPtrs[1 + i]!, c.length));
        const rc = x.jcpba_solve_many(...pointerArgs, method.code, tolerance, maxIterations, ...outPtrs);
        if (rc !== 0) return lastError(x);
        const [pruning, bandwidth, clientLatency, energy, infeasible, headers] = outputs.map((n, i) => readF64(x, outPtrs[i]!, n));
        const out: CoreSolution[] = [];
        for (let i = 0; i < problems; i++) {
          const from = offsets[i]!;
          const to = offsets[i + 1]!;
          out.push(
            solution(method.id, headers!, HEADER_LEN * i, {
              pruning: pruning!.slice(from, to),
              bandwidth: bandwidth!.slice(from, to),
              clientLatency: clientLatency!.slice(from, to),
              energy: energy!.slice(from, to),
              infeasible: infeasible!.subarray(from, to),
            }),
          );
        }
        return out;
      });
      if (result instanceof Error) throw result;
      return result;
    });
  }

  /** Same checks and result as the native addon's; `threads` is checked, then unused. */
  runUnits(...args: unknown[]): string {
    return this.#run((x) => {
      checkCount('runUnits', RUN_UNITS_ARGS, args);
      const params = f64Array('runUnits', 'params', args[0]);
      const specs = u32Array('runUnits', 'specs', args[1]);
      const methods = args[2];
      if (typeof methods !== 'string') throw argumentError('runUnits', 'methods', 'a string');
      const numbers = RUN_UNITS_ARGS.slice(3).map((name, i) => {
        const value = args[3 + i];
        if (typeof value !== 'number') throw argumentError('runUnits', name, 'a number');
        return value;
      });
      const text = encoder.encode(methods);
      // f64 params, then u32 specs, then the method bytes: each stays aligned.
      const bytes = F64 * params.length + U32 * specs.length + text.length;
      const base = alloc(x, bytes);
      const specsPtr = base + F64 * params.length;
      const textPtr = specsPtr + U32 * specs.length;
      let rc: number;
      try {
        new Float64Array(x.memory.buffer).set(params, base / F64);
        new Uint32Array(x.memory.buffer).set(specs, specsPtr / U32);
        new Uint8Array(x.memory.buffer).set(text, textPtr);
        rc = x.jcpba_run_units(base, params.length, specsPtr, specs.length, textPtr, text.length, ...numbers);
      } catch (error) {
        // Freed on every path but a trap (see withBlock).
        if (!(error instanceof WebAssembly.RuntimeError)) x.jcpba_free(base, bytes);
        throw error;
      }
      x.jcpba_free(base, bytes);
      if (rc !== 0) throw lastError(x);
      return readString(x, x.jcpba_result_ptr(), x.jcpba_result_len());
    });
  }

  /** Same checks and result as the native addon's. */
  plan(...args: unknown[]): string {
    return this.#run((x) => {
      checkCount('plan', PLAN_ARGS, args);
      const scalars = f64Array('plan', 'scalars', args[0]);
      const offsets = u32Array('plan', 'offsets', args[1]);
      const columns = PLAN_ARGS.slice(2, 2 + COLUMNS).map((name, i) => f64Array('plan', name, args[2 + i]));
      const method = args[2 + COLUMNS];
      if (typeof method !== 'string') throw argumentError('plan', 'method', 'a string');
      const code = this.#methodCode(x, method);
      const policy = args[3 + COLUMNS];
      if (typeof policy !== 'string') throw argumentError('plan', 'policy', 'a string');
      const numbers = PLAN_ARGS.slice(4 + COLUMNS).map((name, i) => {
        const value = args[4 + COLUMNS + i];
        if (typeof value !== 'number') throw argumentError('plan', name, 'a number');
        return value;
      });
      checkRows('plan', columns);
      const text = encoder.encode(policy);
      const inputs = [scalars, ...columns];
      // The policy bytes ride in an output slot of their own size, after every f64 array.
      const slots = Math.ceil(text.length / F64);
      const result = withBlock(x, inputs, offsets, [slots], (inPtrs, offsetsPtr, outPtrs) => {
        new Uint8Array(x.memory.buffer).set(text, outPtrs[0]!);
        const pointerArgs = [inPtrs[0]!, scalars.length, offsetsPtr, offsets.length];
        columns.forEach((c, i) => pointerArgs.push(inPtrs[1 + i]!, c.length));
        const rc = x.jcpba_plan(...pointerArgs, code, outPtrs[0]!, text.length, ...numbers);
        if (rc !== 0) return lastError(x);
        return readString(x, x.jcpba_result_ptr(), x.jcpba_result_len());
      });
      if (result instanceof Error) throw result;
      return result;
    });
  }

  version(...args: unknown[]): string {
    return this.#run((x) => {
      checkCount('version', [], args);
      return readString(x, x.jcpba_version_ptr(), x.jcpba_version_len());
    });
  }

  kernels(...args: unknown[]): string {
    return this.#run((x) => {
      checkCount('kernels', [], args);
      return readString(x, x.jcpba_kernels_ptr(), x.jcpba_kernels_len());
    });
  }

  /** Method, then options, in the native binding's order; values are checked by the core. */
  #methodAndOptions(x: Exports, fn: string, args: unknown[]): [{ id: string; code: number }, number, number] {
    const [method, tolerance, maxIterations] = args;
    if (typeof method !== 'string') throw argumentError(fn, 'method', 'a string');
    const code = this.#methodCode(x, method);
    if (typeof tolerance !== 'number') throw argumentError(fn, 'tolerance', 'a number');
    if (typeof maxIterations !== 'number') throw argumentError(fn, 'maxIterations', 'a number');
    return [{ id: method, code }, tolerance, maxIterations];
  }

  #methodCode(x: Exports, id: string): number {
    const known = this.#methodCodes.get(id);
    if (known !== undefined) return known;
    const bytes = encoder.encode(id);
    const ptr = alloc(x, bytes.length);
    new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
    const code = x.jcpba_method_code(ptr, bytes.length);
    x.jcpba_free(ptr, bytes.length);
    if (code < 0) throw lastError(x);
    this.#methodCodes.set(id, code);
    return code;
  }

  /**
   * Runs one call. A trap (a panic in Rust aborts, or memory ran out) leaves the
   * instance in an unknown state: it becomes an `internal` error, and the instance is
   * replaced so the next call starts clean.
   */
  #run<T>(body: (x: Exports) => T): T {
    const x = this.#exports;
    if (x === undefined) {
      throw coreError('backend-unavailable', 'backend', 'the WASM instance is being re-created after a trap; retry');
    }
    try {
      return body(x);
    } catch (error) {
      if (!(error instanceof WebAssembly.RuntimeError)) throw error;
      // The panic hook stores its message before the trap; the memory outlives the trap.
      let message = '';
      try {
        message = readString(x, x.jcpba_error_ptr(), x.jcpba_error_len());
      } catch {
        // The instance is too broken to read from; fall back to the trap's message.
      }
      this.#reinstantiate();
      throw coreError('internal', '', message || `internal error (WASM trap): ${error.message}`);
    }
  }

  #reinstantiate(): void {
    try {
      this.#exports = new WebAssembly.Instance(this.#module, {}).exports as unknown as Exports;
    } catch {
      // Some browsers refuse synchronous instantiation on the main thread.
      this.#exports = undefined;
      void WebAssembly.instantiate(this.#module, {}).then((instance) => {
        this.#exports = instance.exports as unknown as Exports;
      });
    }
  }
}

function argumentError(fn: string, name: string, kind: string): CoreError {
  return coreError('invalid-input', name, `${fn}: ${name} must be ${kind}`);
}

function checkCount(fn: string, names: readonly string[], args: unknown[]): void {
  if (args.length !== names.length) {
    throw coreError(
      'invalid-input',
      'arguments',
      `${fn} expects ${names.length} arguments (${names.join(', ')}), got ${args.length}`,
    );
  }
}

function f64Array(fn: string, name: string, value: unknown): Float64Array {
  // The tag check works across realms (iframes, vm contexts), like napi_is_typedarray.
  if (tagOf(value) !== '[object Float64Array]') throw argumentError(fn, name, 'a Float64Array');
  if (detached(value as Float64Array)) throw argumentError(fn, name, 'a Float64Array whose buffer is not detached');
  return value as Float64Array;
}

/**
 * At most WASM_CLIENT_LIMIT rows (bindings/limits.ts), checked before the block is
 * allocated. Every column counts: a longer one would be copied in before the core refused it.
 */
function checkRows(fn: string, columns: readonly Float64Array[]): void {
  const rows = columns.reduce((n, c) => Math.max(n, c.length), 0);
  if (rows > WASM_CLIENT_LIMIT) {
    throw coreError('invalid-input', 'clients', `${fn}: ${rows} clients, more than the wasm backend's limit of ${WASM_CLIENT_LIMIT} per call (its 4 GiB linear memory); use the native backend or split the problem`);
  }
}

function u32Array(fn: string, name: string, value: unknown): Uint32Array {
  if (tagOf(value) !== '[object Uint32Array]') throw argumentError(fn, name, 'a Uint32Array');
  if (detached(value as Uint32Array)) throw argumentError(fn, name, 'a Uint32Array whose buffer is not detached');
  return value as Uint32Array;
}

/**
 * Whether an array's buffer is detached (transferred): copying from it throws a raw
 * TypeError, so every input is checked before the call allocates (see withBlock). A
 * detached buffer has byteLength 0 and refuses a new view.
 */
function detached(a: Float64Array | Uint32Array): boolean {
  if (a.byteLength !== 0 || a.buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(a.buffer);
    return false;
  } catch {
    return true;
  }
}

function alloc(x: Exports, bytes: number): number {
  const ptr = x.jcpba_alloc(bytes) >>> 0;
  if (ptr === 0) throw coreError('internal', '', `internal error: the WASM module could not allocate ${bytes} bytes`);
  return ptr;
}

/**
 * Allocates one block for all inputs and outputs of a call, copies the inputs in,
 * runs `use` with the pointers, and frees the block on every path but a trap (after a
 * trap the instance is discarded anyway, and calling into it again could trap again):
 * a JavaScript error while copying (an input changed under us) or in `use` frees it.
 */
function withBlock<T>(
  x: Exports,
  inputs: Float64Array[],
  offsets: Uint32Array | undefined,
  outputLengths: number[],
  use: (inputPtrs: number[], offsetsPtr: number, outputPtrs: number[]) => T,
): T {
  const f64Lengths = [...inputs.map((a) => a.length), ...outputLengths];
  const f64Bytes = F64 * f64Lengths.reduce((sum, n) => sum + n, 0);
  // u32 offsets go last so every f64 array stays 8-byte aligned.
  const bytes = f64Bytes + U32 * (offsets?.length ?? 0);
  const base = alloc(x, bytes);
  let result: T;
  try {
    // Views are made after alloc: growing memory detaches older views.
    const heap = new Float64Array(x.memory.buffer);
    const pointers: number[] = [];
    let at = base;
    f64Lengths.forEach((n, i) => {
      pointers.push(at);
      if (i < inputs.length) heap.set(inputs[i]!, at / F64);
      at += F64 * n;
    });
    const offsetsPtr = at;
    if (offsets !== undefined) new Uint32Array(x.memory.buffer).set(offsets, offsetsPtr / U32);
    result = use(pointers.slice(0, inputs.length), offsetsPtr, pointers.slice(inputs.length));
  } catch (error) {
    if (!(error instanceof WebAssembly.RuntimeError)) x.jcpba_free(base, bytes);
    throw error;
  }
  x.jcpba_free(base, bytes);
  return result;
}

function readF64(x: Exports, ptr: number, length: number): Float64Array {
  return new Float64Array(x.memory.buffer, ptr, length).slice();
}

function readString(x: Exports, ptr: number, length: number): string {
  return decoder.decode(new Uint8Array(x.memory.buffer, ptr >>> 0, length >>> 0));
}

function lastError(x: Exports): CoreError {
  const client = x.jcpba_error_client();
  return coreError(
    readString(x, x.jcpba_error_code_ptr(), x.jcpba_error_code_len()),
    readString(x, x.jcpba_error_field_ptr(), x.jcpba_error_field_len()),
    readString(x, x.jcpba_error_ptr(), x.jcpba_error_len()),
    client >= 0 ? client : undefined,
  );
}

/** Deadline mode's result in the native addon's property order; NaN in the header is null. */
function minPruningResult(
  deadline: number,
  header: Float64Array,
  pruning: Float64Array,
  bandwidth: Float64Array,
  clientLatency: Float64Array,
  infeasible: Float64Array,
): CoreMinPruning {
  const orNull = (x: number) => (Number.isNaN(x) ? null : x);
  const point = !Number.isNaN(header[2]!);
  const out: CoreMinPruning = {
    method: 'min-pruning',
    deadline,
    weightedPruning: orNull(header[2]!),
    lowerBound: orNull(header[3]!),
    upperBound: orNull(header[4]!),
    latency: orNull(header[5]!),
    pruning: point ? pruning : null,
    bandwidth: point ? bandwidth : null,
    clientLatency: point ? clientLatency : null,
    iterations: header[1]!,
    status: STATUSES[header[0]!]!,
  };
  if (out.status === 'infeasible') out.minDeadline = orNull(header[6]!);
  if (!Number.isNaN(header[7]!)) out.infeasibleClients = Array.from(infeasible.subarray(0, header[7]!));
  return out;
}

/** One solution's per-client outputs (K slots each); `infeasible` holds the infeasible clients' indices at its front. */
interface ClientOutputs {
  pruning: Float64Array;
  bandwidth: Float64Array;
  clientLatency: Float64Array;
  energy: Float64Array;
  infeasible: Float64Array;
}

/**
 * Builds a result with the native addon's property order (crates/jcpba-napi/src/js.rs
 * `solution`): with a point, its accounting and the bounds when present; without one
 * (status code 2), nulls, optimal's bounds (lowerBound NaN is null) and the infeasible clients.
 */
function solution(method: string, headers: Float64Array, at: number, c: ClientOutputs): CoreSolution {
  const status = STATUSES[headers[at + 2]!]!;
  const lower = headers[at + 3]!;
  const upper = headers[at + 4]!;
  if (status === 'infeasible') {
    const count = headers[at + 9]!;
    const out = {
      method,
      latency: null,
      pruning: null,
      bandwidth: null,
      clientLatency: null,
      energy: null,
      energyTotal: null,
      energyMax: null,
      uploadBits: null,
      computeSeconds: null,
      iterations: headers[at + 1]!,
      status,
    } as CoreSolution & { status: 'infeasible' };
    if (method === 'optimal') {
      out.lowerBound = Number.isNaN(lower) ? null : lower;
      out.upperBound = null;
    }
    out.infeasibleClients = Array.from(c.infeasible.subarray(0, count));
    return out;
  }
  const out: CoreSolution = {
    method,
    latency: headers[at]!,
    pruning: c.pruning,
    bandwidth: c.bandwidth,
    clientLatency: c.clientLatency,
    energy: c.energy,
    energyTotal: headers[at + 5]!,
    energyMax: headers[at + 6]!,
    uploadBits: headers[at + 7]!,
    computeSeconds: headers[at + 8]!,
    iterations: headers[at + 1]!,
    status,
  };
  if (!Number.isNaN(lower)) out.lowerBound = lower;
  if (!Number.isNaN(upper)) out.upperBound = upper;
  return out;
}
