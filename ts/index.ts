/**
 * The package entry for Node (package.json `exports` "."). Every name is listed on
 * purpose and grouped; test/api.test.mjs pins the list, so a change to the public API is
 * a visible, deliberate diff. Helpers that only the CLI, the sweep or the tests use stay
 * in their modules (ts/core/, ts/sweep/, ts/cli/).
 */

// Solver: the facade over the native, WASM and TypeScript backends.
export { createSolver, BACKENDS } from './facade.js';
export type { BackendName, CreateSolverOptions, Solver } from './facade.js';
export { CLIENT_LIMITS } from './solvers.js';
export type { Kernels } from './solvers.js';
export { METHODS, DEFAULT_TOLERANCE, DEFAULT_MAX_ITERATIONS, hasPoint, solve } from './core/methods.js';
export type { FeasibleResult, InfeasibleResult, MethodId, PointStatus, SolveOptions, SolveResult, Status } from './core/methods.js';
export { minPruning } from './core/deadline.js';
export type { MinPruningFeasible, MinPruningInfeasible, MinPruningOptions, MinPruningResult, MinPruningStatus } from './core/deadline.js';
export { POLICIES, plan } from './core/plan.js';
export type { AdaptivePlan, PlanOptions, PlanResult, Policy, StaticPlan } from './core/plan.js';
export { calibrate } from './learning/calibrate.js';
export type { CalibrateOptions, CalibratedRun, Calibration, PilotRun } from './learning/calibrate.js';
export type { LossCurve, LossCurveInput } from './learning/curve.js';

// Problem and generator.
export { CLIENT_FIELDS, dbmToWatts, toProblem, toJson, validateProblem } from './core/problem.js';
export type { ClientField, ClientInput, ClientColumns, Problem, ProblemInput, ShapeOptions } from './core/problem.js';
export { rate, rateInverse } from './core/rate.js';
export { DATASET_PRESETS, MODEL_PRESETS, SCENARIO_DEFAULTS, SCENARIO_HELP, generate, modelMemoryBytes, resolveScenario } from './core/scenario.js';
export { DEFAULT_COMPUTE_POWER_W, DEFAULT_UTILIZATION, DEVICES, FLEET_PRESETS, fineTuningMemoryBytes, memoryMinPruning, parseFleet } from './core/devices.js';
export type { Device } from './core/devices.js';
export type { DatasetPreset, ModelPreset, ScenarioOptions, ScenarioParams } from './core/scenario.js';

// Sweep: Monte Carlo over a grid, with its journal, shards and result files.
export { runSweep, mergeShards } from './sweep/run.js';
export type { Progress, RunOptions, Shard, SweepInput, SweepOutcome } from './sweep/run.js';
export type { CustomMethod, CustomPoint, SweepMethod } from './sweep/custom.js';
export { GRID_PARAMS } from './sweep/config.js';
export type { SweepConfig } from './sweep/config.js';
export type { ResultRow } from './sweep/results.js';
export type { FleetStats } from './sweep/fleet.js';
export type { Statistic } from './sweep/figures.js';
export type { MethodStats } from './core/montecarlo.js';

// Errors.
export { JcpbaError } from './core/error.js';
export type { ErrorCode } from './core/error.js';

// Version.
export { VERSION } from './version.js';
