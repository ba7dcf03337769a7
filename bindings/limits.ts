/**
 * The most clients (rows) one call of the WASM module may bring into its 4 GiB linear
 * memory: deadline mode with every optional column, the heaviest call, peaks at 2.47 GiB
 * there at this limit (about 660 bytes per client). One number for the facade
 * (ts/solvers.ts CLIENT_LIMITS.wasm, checked first) and the binding (bindings/wasm.ts,
 * checked again before its block is allocated, for callers of the binding itself). Its
 * own module, free of imports, so that neither side loads the other to read it.
 */
export const WASM_CLIENT_LIMIT = 4_000_000;
