//! Solver options and their validation (docs/CORE_API.md, "Options" and "Defaults").

use crate::error::Error;

/// Relative tolerance used when the caller does not give one.
pub const DEFAULT_TOLERANCE: f64 = 1e-10;
/// Iteration cap used when the caller does not give one.
pub const DEFAULT_MAX_ITERATIONS: u32 = 500;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolveOptions {
    /// Relative stopping tolerance, in (0, 1).
    pub tolerance: f64,
    /// Cap on the iterations of iterative methods, at least 1.
    pub max_iterations: u32,
}

impl Default for SolveOptions {
    fn default() -> SolveOptions {
        SolveOptions {
            tolerance: DEFAULT_TOLERANCE,
            max_iterations: DEFAULT_MAX_ITERATIONS,
        }
    }
}

fn tolerance_error() -> Error {
    Error::invalid_option("tolerance", "tolerance must be a finite number in (0, 1)")
}

fn max_iterations_error() -> Error {
    Error::invalid_option("maxIterations", "maxIterations must be a positive integer")
}

impl SolveOptions {
    pub fn validate(&self) -> Result<(), Error> {
        if !(self.tolerance.is_finite() && self.tolerance > 0.0 && self.tolerance < 1.0) {
            return Err(tolerance_error());
        }
        if self.max_iterations == 0 {
            return Err(max_iterations_error());
        }
        Ok(())
    }

    /// Builds options from JavaScript numbers, so both bindings share one rule for
    /// turning a double into an iteration count: it must be a positive integer, and
    /// caps above `u32::MAX` saturate (no solve gets near that many iterations).
    pub fn from_numbers(tolerance: f64, max_iterations: f64) -> Result<SolveOptions, Error> {
        if !(max_iterations.is_finite() && max_iterations >= 1.0 && max_iterations.fract() == 0.0) {
            // Tolerance comes first in the contract's option order.
            let options = SolveOptions {
                tolerance,
                max_iterations: 1,
            };
            options.validate()?;
            return Err(max_iterations_error());
        }
        let max_iterations = if max_iterations >= u32::MAX as f64 {
            u32::MAX
        } else {
            max_iterations as u32
        };
        let options = SolveOptions {
            tolerance,
            max_iterations,
        };
        options.validate()?;
        Ok(options)
    }
}
