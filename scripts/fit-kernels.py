#!/usr/bin/env python3
"""Derives the polynomial coefficients of the core's vector kernels
(crates/jcpba-core/src/simd/math.rs) by the Remez exchange algorithm in 60-digit
arithmetic (mpmath), minimizing the relative error of each approximation on its
reduced range. Not part of the build: run it to check or regenerate the constants.

    python3 scripts/fit-kernels.py
"""
import mpmath as mp

mp.mp.dps = 60


def remez(f, lo, hi, degree, iterations=30):
    """Minimax polynomial p of `degree` for f on [lo, hi], relative error p/f - 1."""
    n = degree + 2
    # Chebyshev extrema as the first reference.
    xs = [(lo + hi) / 2 - (hi - lo) / 2 * mp.cos(mp.pi * i / (n - 1)) for i in range(n)]
    err = None
    for _ in range(iterations):
        # Solve p(x_i) + (-1)^i E f(x_i) = f(x_i) for the coefficients and E.
        rows = []
        rhs = []
        for i, x in enumerate(xs):
            fx = f(x)
            rows.append([x ** j for j in range(degree + 1)] + [(-1) ** i * fx])
            rhs.append(fx)
        sol = mp.lu_solve(mp.matrix(rows), mp.matrix(rhs))
        coef = [sol[j] for j in range(degree + 1)]
        p = lambda x: mp.polyval(coef[::-1], x)
        e = lambda x: p(x) / f(x) - 1
        # New reference: the extrema of e between sign changes, on a fine grid.
        grid = [lo + (hi - lo) * mp.mpf(i) / 4000 for i in range(4001)]
        vals = [e(x) for x in grid]
        # Split the grid into runs of one sign and take each run's extremum.
        runs = []
        cur = [0]
        for i in range(1, len(grid)):
            if (vals[i] >= 0) == (vals[cur[0]] >= 0):
                cur.append(i)
            else:
                runs.append(cur)
                cur = [i]
        runs.append(cur)
        ext = [max(r, key=lambda i: abs(vals[i])) for r in runs]
        # Keep n alternating extrema, the largest ones.
        while len(ext) > n:
            # Drop the smaller end.
            if abs(vals[ext[0]]) < abs(vals[ext[-1]]):
                ext = ext[1:]
            else:
                ext = ext[:-1]
        if len(ext) < n:
            break
        # Refine each extremum locally.
        new = []
        for i in ext:
            a = grid[max(i - 1, 0)]
            b = grid[min(i + 1, len(grid) - 1)]
            try:
                x = mp.findroot(lambda t: mp.diff(e, t), (a + b) / 2)
                if not (a <= x <= b):
                    x = grid[i]
            except Exception:
                x = grid[i]
            new.append(x)
        xs = new
        err = max(abs(e(x)) for x in grid)
    return coef, err


def show(name, coef, err):
    print(f"// {name}: max relative error {mp.nstr(err, 3)}")
    for c in coef:
        print(f"    {float(c)!r},")


# ln: with f = m - 1, m in [sqrt(2)/2, sqrt(2)), s = f / (2 + f), z = s^2,
# ln(1 + f) = 2 s + s z P(z), P(z) = (ln((1 + s)/(1 - s)) - 2 s) / (s z).
smax = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)
def p_ln(z):
    if z == 0:
        return mp.mpf(2) / 3
    s = mp.sqrt(z)
    return (mp.log((1 + s) / (1 - s)) - 2 * s) / (s * z)
for deg in (5, 6, 7):
    coef, err = remez(p_ln, mp.mpf(0), smax ** 2, deg)
    show(f"ln P(z), degree {deg}", coef, err)

# exp and expm1: with r in [-ln2/2, ln2/2], exp(r) = 1 + r + r^2 Q(r), Q(r) = (e^r - 1 - r)/r^2.
h = mp.log(2) / 2
def q_exp(r):
    if r == 0:
        return mp.mpf(1) / 2
    return (mp.expm1(r) - r) / r ** 2
for deg in (9, 10, 11):
    coef, err = remez(q_exp, -h, h, deg)
    show(f"exp Q(r), degree {deg}", coef, err)
