import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LN2, lambertT, lnGap, rate, rateInverse } from '../dist/ts/index.js';

test('rateInverse(rate(b)) = b to 1e-12 wherever the problem is well conditioned', () => {
  // Relative condition number of b given q is about 2 / (a / b) for b >> a, so the
  // sweep stops at b = 1e3 a; below that the contract is 1e-12.
  for (const a of [1e-3, 1, 1e6, 1e9, 1e15]) {
    for (let e = -12; e <= 3; e += 0.25) {
      const b = a * 10 ** e;
      const back = rateInverse(a, rate(a, b));
      assert.ok(Math.abs(back / b - 1) <= 1e-12, `a=${a} b=${b}: got ${back}`);
    }
  }
});

test('rateInverse near the capacity limit a / ln 2 is accurate to its conditioning', () => {
  const a = 1e8;
  for (let e = 3; e <= 8; e++) {
    const b = a * 10 ** e;
    const x = a / b;
    const back = rateInverse(a, rate(a, b));
    // 2 ulp of q, amplified by the condition number 2 / x.
    assert.ok(Math.abs(back / b - 1) <= (8 * 2.2e-16) / x, `b/a=1e${e}: relative error ${back / b - 1}`);
  }
});

test('rateInverse: no bandwidth carries a / ln 2 or more; zero rate needs none', () => {
  assert.is(rateInverse(1e6, 1e6 / LN2), Infinity);
  assert.is(rateInverse(1e6, 2e6), Infinity);
  assert.is(rateInverse(1e6, 0), 0);
});

test('lambertT solves c (e^t - 1) = t across the range of c', () => {
  for (const c of [1e-300, 1e-30, 1e-8, 0.01, 0.3, 0.5, 0.5000001, 0.9, 0.999, 1 - 1e-6, 1 - 1e-9]) {
    const t = lambertT(c);
    assert.ok(t > 0, `c=${c}`);
    // Residual relative to t, with the residual formed in the well-conditioned way.
    const residual = Math.abs(c * Math.expm1(t) - t) / t;
    assert.ok(residual < 1e-13, `c=${c}: t=${t}, residual ${residual}`);
  }
  // Against the textbook Lambert W identity at a point with a known value:
  // c = ln(2): the root of ln(2)(e^t - 1) = t is t = ln 2? check: ln2 * (2 - 1) = ln2. Yes.
  assert.ok(Math.abs(lambertT(Math.LN2) - Math.LN2) < 1e-15);
});

test('lnGap matches log1p(x) - x/(1+x) in long double-free form', () => {
  // Against a high-precision series sum computed here directly, for small x.
  for (const x of [1e-8, 1e-4, 0.01, 0.049]) {
    let s = 0;
    for (let n = 60; n >= 2; n--) s += ((n % 2 === 0 ? 1 : -1) * (n - 1) * x ** n) / n;
    assert.ok(Math.abs(lnGap(x) / s - 1) < 1e-14, `x=${x}`);
  }
  for (const x of [0.06, 1, 10, 1e6]) {
    const direct = Math.log1p(x) - x / (1 + x);
    assert.ok(Math.abs(lnGap(x) / direct - 1) < 1e-13, `x=${x}`);
  }
});

test('rate is increasing and tends to a / ln 2', () => {
  const a = 3e7;
  let prev = 0;
  for (let e = -3; e <= 6; e++) {
    const r = rate(a, a * 10 ** e);
    assert.ok(r > prev);
    prev = r;
  }
  assert.ok(Math.abs(rate(a, a * 1e9) / (a / LN2) - 1) < 1e-8);
});

test.run();
