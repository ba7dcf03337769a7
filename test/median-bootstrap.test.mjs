// The median's 95% interval (MODEL.md 7.1): the percentile bootstrap computed exactly from
// the binomial tail, checked against brute-force enumeration of every resample on tiny
// samples, a direct binomial sum, factorials, and the asymptotic width on a large sample.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BINS_PER_LN, binomialAtLeast, incompleteBeta, lnGamma, medianInterval } from '../dist/ts/core/montecarlo.js';

/** A summary holding `values` the way a unit folds them (only what the quantiles read). */
function summaryOf(values) {
  const hist = new Map();
  for (const x of values) {
    const bin = Math.floor(Math.log(x) * BINS_PER_LN);
    hist.set(bin, (hist.get(bin) ?? 0) + 1);
  }
  return { n: values.length, min: Math.min(...values), max: Math.max(...values), hist: [...hist.entries()].sort((a, b) => a[0] - b[0]) };
}

test('lnGamma: ln of factorials to 1e-14 relative, and Gamma(1/2) = sqrt(pi)', () => {
  let lnFact = 0;
  for (let n = 1; n <= 2000; n++) {
    // lnGamma(n + 1) = ln n!
    lnFact += Math.log(n);
    const got = lnGamma(n + 1);
    assert.ok(Math.abs(got - lnFact) <= 1e-14 * Math.max(1, lnFact) + 1e-15, `n = ${n}: ${got} vs ${lnFact}`);
  }
  assert.ok(Math.abs(lnGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-15);
  assert.ok(Math.abs(lnGamma(1)) < 1e-15 && Math.abs(lnGamma(2)) < 1e-15);
});

test('binomial tails: the incomplete beta against a direct sum of binomial terms (1e-12)', () => {
  const choose = (n, k) => {
    let c = 1;
    for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
    return c;
  };
  for (const n of [1, 2, 5, 16, 40]) {
    for (const p of [1e-6, 0.01, 0.3, 0.5, 0.77, 0.999]) {
      for (let m = 1; m <= n; m++) {
        let direct = 0;
        for (let k = m; k <= n; k++) direct += choose(n, k) * p ** k * (1 - p) ** (n - k);
        const got = binomialAtLeast(n, p, m);
        assert.ok(Math.abs(got - direct) <= 1e-12 * Math.max(direct, 1e-300) + 1e-15, `n ${n} p ${p} m ${m}: ${got} vs ${direct}`);
      }
    }
  }
  assert.is(incompleteBeta(3, 4, 0), 0);
  assert.is(incompleteBeta(3, 4, 1), 1);
});

/** Every one of the n^n resamples, enumerated: the 2.5% and 97.5% quantiles of their medians. */
function bruteForce(values) {
  const n = values.length;
  const m = Math.ceil(n / 2);
  const medians = [];
  const idx = new Array(n).fill(0);
  for (;;) {
    const r = idx.map((i) => values[i]).sort((a, b) => a - b);
    medians.push(r[m - 1]);
    let j = 0;
    while (j < n && ++idx[j] === n) idx[j++] = 0;
    if (j === n) break;
  }
  medians.sort((a, b) => a - b);
  const q = (level) => medians.find((_, i) => (i + 1) / medians.length >= level - 1e-12);
  return { low: q(0.025), high: q(0.975) };
}

test('tiny samples: the interval is the enumerated bootstrap\'s, every resample counted (n = 1 to 7, with ties)', () => {
  const samples = [[42], [3, 9], [1, 2, 3], [5, 1, 4, 2], [1, 10, 100, 1000, 10000], [1, 1, 2, 3, 5, 8], [2.5, 7, 7, 7, 1, 90, 30]];
  for (const values of samples) {
    const s = summaryOf(values);
    const got = medianInterval(s);
    const want = bruteForce(values);
    // Both read through the histogram, as every quantile is: the bin of the enumerated value.
    const read = (x) => Math.min(s.max, Math.max(s.min, Math.exp((Math.floor(Math.log(x) * BINS_PER_LN) + 0.5) / BINS_PER_LN)));
    assert.equal(got, { low: read(want.low), high: read(want.high) }, JSON.stringify(values));
  }
});

test('a large sample: the interval holds the true median and its width is the asymptotic one within 10%', () => {
  // Lognormal(0, 1): median 1, density at the median 1 / sqrt(2 pi); the median's standard
  // error is 1 / (2 f sqrt(n)).
  let seed = 12345;
  const u = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) + 0.5) / 4294967296;
  const n = 40000;
  const values = [];
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u()));
    const t = 2 * Math.PI * u();
    values.push(Math.exp(r * Math.cos(t)), Math.exp(r * Math.sin(t)));
  }
  const { low, high } = medianInterval(summaryOf(values));
  const se = Math.sqrt(2 * Math.PI) / (2 * Math.sqrt(n));
  assert.ok(low < 1 && 1 < high, `[${low}, ${high}]`);
  const width = high - low;
  assert.ok(Math.abs(width / (2 * 1.959964 * se) - 1) < 0.1, `width ${width} vs ${2 * 1.959964 * se}`);
});

test.run();
