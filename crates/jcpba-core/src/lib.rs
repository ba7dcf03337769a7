//! JCPBA core: joint client-specific pruning and bandwidth allocation for federated
//! fine-tuning over a shared wireless uplink. MODEL.md is the math contract and
//! docs/CORE_API.md the boundary contract; the bindings only convert to and from these
//! types and hold no numerics.

#![forbid(unsafe_code)]

pub mod bandwidth;
pub mod error;
pub mod instance;
pub mod method;
pub mod methods;
pub mod montecarlo;
pub mod optimal;
pub mod options;
pub mod problem;
pub mod pruning;
pub mod rate;
pub mod rng;
pub mod scenario;
pub mod solution;
pub mod solve;

pub use error::{Error, ErrorCode};
pub use instance::{instance, Instance};
pub use method::Method;
pub use montecarlo::{
    run_unit, run_units, run_units_flat, MethodSummary, MonteCarloOptions, UnitSpec, UnitSummary,
    BINS_PER_LN, BLOCK_TRIALS,
};
pub use options::{SolveOptions, DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE};
pub use problem::{validate, BatchView, Problem, ProblemView, SCALAR_COUNT};
pub use rng::Random;
pub use scenario::{generate_from_params, ScenarioParams};
pub use solution::{Solution, Status};
pub use solve::{solve, solve_many};

/// The crate version, reported by the bindings' `version()`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
mod tests;
