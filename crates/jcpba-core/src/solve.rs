//! The entry points every binding calls: validate, then dispatch.

use crate::error::Error;
use crate::method::Method;
use crate::methods::solve_method;
use crate::options::SolveOptions;
use crate::problem::{validate, BatchView, ProblemView};
use crate::solution::Solution;

/// Solves one problem. Options are checked before the problem, so a bad option is
/// reported even when the problem is also bad.
pub fn solve(p: &ProblemView, method: Method, opts: &SolveOptions) -> Result<Solution, Error> {
    opts.validate()?;
    validate(p)?;
    solve_method(p, method, opts)
}

/// Solves every problem of a batch with the same method and options. The whole batch
/// is validated before any solve, so a bad problem late in a batch fails fast; the
/// first error (in problem order) is returned, prefixed with `problems[<i>]: `.
pub fn solve_many(
    batch: &BatchView,
    method: Method,
    opts: &SolveOptions,
) -> Result<Vec<Solution>, Error> {
    opts.validate()?;
    let n = batch.check_layout()?;
    for i in 0..n {
        validate(&batch.problem(i)).map_err(|e| e.in_problem(i))?;
    }
    (0..n)
        .map(|i| solve_method(&batch.problem(i), method, opts).map_err(|e| e.in_problem(i)))
        .collect()
}
