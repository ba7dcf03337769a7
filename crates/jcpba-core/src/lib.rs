//! JCPBA core: joint client-specific pruning and bandwidth allocation for federated
//! fine-tuning over a shared wireless uplink. MODEL.md is the math contract and
//! docs/CORE_API.md the boundary contract; the bindings only convert to and from these
//! types and hold no numerics.
//!
//! The Monte Carlo sweep spans four modules, split by concern: `montecarlo` (the loop
//! over units of work and the accumulation of the statistics), `summary` (the unit
//! summaries and their JSON), `flat` (the flat boundary layout, `run_units_flat`, the one
//! entry point the bindings call) and `threads` (the thread pool, and what each of its
//! threads did in the last run, for the benchmark).

// No unsafe code, except in simd::x86, which wraps the std::arch intrinsics (see there
// why that is sound); `deny` rather than `forbid` so that one module can allow it.
#![deny(unsafe_code)]

pub mod accounting;
pub mod bandwidth;
pub mod deadline;
pub mod devices;
pub mod energy;
pub mod error;
pub mod flat;
pub mod instance;
pub mod method;
pub mod methods;
pub mod montecarlo;
pub mod optimal;
pub mod options;
pub mod plan;
pub mod problem;
pub mod pruning;
pub mod rate;
pub mod rng;
pub mod scenario;
pub mod simd;
pub mod solution;
pub mod solve;
pub mod summary;
#[doc(hidden)]
pub mod support;
pub mod threads;

pub use deadline::{min_pruning, min_pruning_options, MinPruning};
pub use error::{Error, ErrorCode};
pub use flat::run_units_flat;
pub use instance::{instance, Instance};
pub use method::Method;
pub use montecarlo::{run_unit, run_units, MonteCarloOptions, UnitSpec, BINS_PER_LN, BLOCK_TRIALS};
pub use options::{SolveOptions, DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE};
pub use plan::{plan, plan_flat, AdaptivePlan, Plan, PlanOptions, Policy, StaticPlan};
pub use problem::{validate, BatchView, Problem, ProblemView, COLUMN_COUNT, COLUMN_NAMES, SCALAR_COUNT};
pub use rng::Random;
pub use scenario::{generate_from_params, ScenarioParams, MAX_CLIENTS};
pub use solution::{Solution, Status};
pub use solve::{solve, solve_many};
pub use summary::{MethodSummary, UnitSummary};

/// The crate version, reported by the bindings' `version()`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
mod tests;
