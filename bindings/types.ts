// The raw interface shared by the native addon and the WASM module: both take the
// columnar layout of docs/CORE_API.md and return the same result objects, so the
// facade can swap one for the other without knowing which it holds.

/** The result of one solve with a point, exactly as both backends build it. */
export interface CoreFeasibleSolution {
  method: string;
  /** T = max_k tau_k, seconds. */
  latency: number;
  pruning: Float64Array;
  /** Hz. */
  bandwidth: Float64Array;
  /** Seconds. */
  clientLatency: Float64Array;
  /** J per client (MODEL.md section 11.1). */
  energy: Float64Array;
  energyTotal: number;
  energyMax: number;
  /** Bits. */
  uploadBits: number;
  /** Device-seconds. */
  computeSeconds: number;
  iterations: number;
  status: 'converged' | 'iteration-limit';
  /** Present only when the method certifies a bracket (`optimal`). */
  lowerBound?: number;
  upperBound?: number;
}

/** The result of one solve without a point (status code 2), exactly as both backends build it. */
export interface CoreInfeasibleSolution {
  method: string;
  latency: null;
  pruning: null;
  bandwidth: null;
  clientLatency: null;
  energy: null;
  energyTotal: null;
  energyMax: null;
  uploadBits: null;
  computeSeconds: null;
  iterations: number;
  status: 'infeasible';
  /** `optimal` only: its last T proven infeasible, or null. */
  lowerBound?: number | null;
  /** `optimal` only: null. */
  upperBound?: null;
  /** 0-based, ascending; [] when only the clients together fail. */
  infeasibleClients: number[];
}

export type CoreSolution = CoreFeasibleSolution | CoreInfeasibleSolution;

/** Deadline mode's result, exactly as both backends build it (null: no point, infeasible). */
export interface CoreMinPruning {
  method: 'min-pruning';
  /** Seconds. */
  deadline: number;
  weightedPruning: number | null;
  lowerBound: number | null;
  upperBound: number | null;
  latency: number | null;
  pruning: Float64Array | null;
  bandwidth: Float64Array | null;
  clientLatency: Float64Array | null;
  iterations: number;
  status: 'converged' | 'iteration-limit' | 'infeasible';
  /**
   * Present only when infeasible: the least feasible deadline, seconds; null when the
   * energy caps alone rule out every deadline (MODEL.md 11.2).
   */
  minDeadline?: number | null;
  /** Only with `minDeadline: null`: the clients (0-based, ascending) failing their cap condition, or []. */
  infeasibleClients?: number[];
}

/**
 * What a backend throws: a plain `Error` whose message is the core's message, with
 * the core's `code`; `field` only when an input is at fault (not for `internal`), and
 * `client` only when one client is at fault. Same shape as ts/core/error.ts JcpbaError.
 */
export interface CoreError extends Error {
  code: string;
  field?: string;
  client?: number;
}

export interface CoreBackend {
  /**
   * @param scalars `[bandwidthHz, noisePsdWPerHz, payloadBits, pruningBudget,
   *   prunableComputeFraction, prunablePayloadFraction]`
   * @param fixedSeconds one t0 per client, or empty for none (MODEL.md section 8); the
   *   same for minPruning (rmin_k), computePowerW (e_k, W), fixedJoules (E0_k, J) and
   *   energyCapJ (Ebar_k, J, Infinity for no cap) (MODEL.md sections 11 and 12)
   * @param method a method id (`equal`, `bcd`, ...)
   */
  solve(
    scalars: Float64Array,
    computeSeconds: Float64Array,
    txPowerW: Float64Array,
    channelGain: Float64Array,
    dataWeight: Float64Array,
    maxPruning: Float64Array,
    fixedSeconds: Float64Array,
    minPruning: Float64Array,
    computePowerW: Float64Array,
    fixedJoules: Float64Array,
    energyCapJ: Float64Array,
    method: string,
    tolerance: number,
    maxIterations: number,
  ): CoreSolution;

  /**
   * Many problems at once: `scalars` holds 6 numbers per problem, problem i owns
   * rows `offsets[i]..offsets[i + 1]` of every (concatenated) column; each optional
   * column (`fixedSeconds` ... `energyCapJ`) is empty when no problem gives it.
   */
  solveMany(
    scalars: Float64Array,
    offsets: Uint32Array,
    computeSeconds: Float64Array,
    txPowerW: Float64Array,
    channelGain: Float64Array,
    dataWeight: Float64Array,
    maxPruning: Float64Array,
    fixedSeconds: Float64Array,
    minPruning: Float64Array,
    computePowerW: Float64Array,
    fixedJoules: Float64Array,
    energyCapJ: Float64Array,
    method: string,
    tolerance: number,
    maxIterations: number,
  ): CoreSolution[];

  /**
   * Deadline mode (docs/MODEL.md section 9): the least weighted pruning meeting
   * `deadline` seconds. Problem arguments as for `solve`; the deadline is checked first,
   * then tolerance and maxIterations, then the problem.
   */
  minPruning(
    scalars: Float64Array,
    computeSeconds: Float64Array,
    txPowerW: Float64Array,
    channelGain: Float64Array,
    dataWeight: Float64Array,
    maxPruning: Float64Array,
    fixedSeconds: Float64Array,
    minPruning: Float64Array,
    computePowerW: Float64Array,
    fixedJoules: Float64Array,
    energyCapJ: Float64Array,
    deadline: number,
    tolerance: number,
    maxIterations: number,
  ): CoreMinPruning;

  /**
   * Runs a batch of Monte Carlo units (ts/core/montecarlo.ts `runUnit`) in one call.
   * @param params 34 numbers per grid point, the fields of `ScenarioParams` in this
   *   order: clients, seed, drop, realization, cellRadiusM, minDistanceM, shadowingDb,
   *   txPowerW, noisePsdWPerHz, bandwidthHz, payloadBits, flopsPerSample, samplesMin,
   *   samplesMax, throughputMin, throughputMax, maxPruning, budget, fixedSeconds,
   *   prunableComputeFraction, prunablePayloadFraction, computePowerMin,
   *   computePowerMax, energyCapJ (Infinity: no cap), utilization, modelMemoryBytes,
   *   memoryPrunableFraction, then one fleet share per catalog device (docs/CORE_API.md,
   *   "Monte Carlo units"; drop and realization are ignored: each unit names its drop)
   * @param specs 3 numbers per unit: grid index into `params`, drop, block
   * @param methods comma-separated method ids, e.g. `bcd,optimal`
   * @param threads OS threads of the native addon (ignored by the WASM module, which
   *   runs the units in order; still checked to be a positive integer)
   * @returns the JSON array of the units' `UnitSummary`, in spec order
   */
  runUnits(
    params: Float64Array,
    specs: Uint32Array,
    methods: string,
    trials: number,
    rounds: number,
    tolerance: number,
    maxIterations: number,
    threads: number,
  ): string;

  /**
   * Plans the fine-tuning of one drop (ts/core/plan.ts `plan`): the realizations in the
   * batch layout of `solveMany` (fixedSeconds empty, or one entry per row).
   * @param method a method id
   * @param policy `static`, `adaptive` or `both`
   * @param pruningLimit Pmax, Infinity when pruning does not slow learning
   * @param convergenceExponent m, progress per round (1 - P / Pmax)^m (1: MODEL.md section 10)
   * @returns the JSON array of the plans (budgets as a plain array)
   */
  plan(
    scalars: Float64Array,
    offsets: Uint32Array,
    computeSeconds: Float64Array,
    txPowerW: Float64Array,
    channelGain: Float64Array,
    dataWeight: Float64Array,
    maxPruning: Float64Array,
    fixedSeconds: Float64Array,
    minPruning: Float64Array,
    computePowerW: Float64Array,
    fixedJoules: Float64Array,
    energyCapJ: Float64Array,
    method: string,
    policy: string,
    rounds0: number,
    pruningLimit: number,
    tolerance: number,
    maxIterations: number,
    convergenceExponent: number,
  ): string;

  /** The Rust core's crate version. */
  version(): string;

  /**
   * The instruction set the core's vector kernels run on: `avx512f`, `avx2+fma` (native,
   * chosen by CPU detection), `simd128` (the WASM module with SIMD) or `scalar` (a CPU
   * without AVX2, the WASM module without SIMD, or `JCPBA_SIMD=off`).
   */
  kernels(): string;

  /**
   * The native addon only, for bench/: `[{ cpuSeconds, units }]` of each thread of the
   * last `runUnits` this JS thread made, as JSON (cpuSeconds null where not measured).
   */
  lastRunThreads?(): string;
}
