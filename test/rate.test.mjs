import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LN2, lambertT, lnGap, rate, rateInverse } from '../dist/ts/core/rate.js';

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

/** [c, t] with t = -W_{-1}(-c e^-c) - c to 17 digits, from 60-digit arithmetic (mpmath). */
const LAMBERT_TABLE = [
  [5e-324, 751.06155953987908],
  [1e-310, 720.38115928798791],
  [1e-300, 697.32277629546016],
  [1e-200, 466.66262516534691],
  [1e-100, 235.72115887568531],
  [1e-50, 119.91604653543682],
  [1e-20, 49.962984276674473],
  [1e-12, 31.067172842017264],
  [1e-08, 21.488183944497883],
  [1e-05, 14.163601575480432],
  [0.001, 9.1181296448337879],
  [0.01, 6.4746003795893581],
  [0.05, 4.5139125430161851],
  [0.1, 3.6149504270875306],
  [0.2, 2.6603990584636849],
  [0.3, 2.0645682525377886],
  [0.35, 1.8284236378162165],
  [0.39999999999999997, 1.6187881252646833],
  [0.4, 1.6187881252646831],
  [0.4000000000000001, 1.6187881252646829],
  [0.45, 1.4295288071518689],
  [0.5, 1.2564312086261697],
  [0.6, 0.94740488161515166],
  [0.7, 0.67547159293210786],
  [0.8, 0.43084220978425893],
  [0.9, 0.20714650294424991],
  [0.93, 0.14342739465616245],
  [0.94, 0.12250043408546069],
  [0.9499999999999998, 0.10172434295994368],
  [0.95, 0.10172434295994345],
  [0.9500000000000001, 0.10172434295994322],
  [0.97, 0.060612270398324347],
  [0.99, 0.020067114396262855],
  [0.999, 0.0020006671114372958],
  [0.999999, 2.0000006667246225e-6],
  [0.9999999999, 2.0000001655474087e-10],
  [0.9999999999999, 2.0006218903745988e-13],
  [0.9999999999999998, 4.4408920985006265e-16],
  [0.9999999999999999, 2.2204460492503132e-16],
];

test('lambertT matches 60-digit values to 4e-15 from the least double c to c one ulp below 1', () => {
  for (const [c, want] of LAMBERT_TABLE) {
    const t = lambertT(c);
    assert.ok(Math.abs(t / want - 1) <= 4e-15, `c=${c}: t=${t}, want ${want}, relative ${t / want - 1}`);
  }
});

test('lambertT is monotone and continuous across its branch switches', () => {
  // t decreases in c; the two starts meet at c = 0.4 and the series ends at c = 0.95.
  let prev = Infinity;
  for (let e = -320; e < 0; e += 0.01) {
    const t = lambertT(10 ** e);
    assert.ok(t < prev, `c=1e${e}`);
    prev = t;
  }
  for (const c0 of [0.4, 0.95]) {
    const below = lambertT(c0 * (1 - 1e-15));
    const above = lambertT(c0 * (1 + 1e-15));
    // t moves by about 4e-14 relative over these two ulps of c near 0.95.
    assert.ok(Math.abs(below / above - 1) < 1e-13, `c=${c0}`);
  }
  assert.is(lambertT(0), Infinity);
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
