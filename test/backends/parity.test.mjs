// Cross-backend tests: the native addon, the WASM module and the TypeScript reference
// give the same answers and the same errors. Run once (not per backend).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JcpbaError, METHODS, createSolver, generate } from '../../dist/ts/index.js';
import { readFileSync } from 'node:fs';
import { extremeProblem, randomProblem, randomV2Problem, rngFor } from '../helpers.mjs';

const backends = {
  ts: await createSolver({ backend: 'ts' }),
  native: await createSolver({ backend: 'native' }),
  wasm: await createSolver({ backend: 'wasm' }),
};
const rel = (x, y) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);

function compare(p, method, label) {
  const ref = backends.ts.solve(p, { method });
  for (const name of ['native', 'wasm']) {
    const r = backends[name].solve(p, { method });
    assert.is(r.method, method);
    assert.ok(rel(r.latency, ref.latency) <= 1e-9, `${label} ${method} ${name}: T ${r.latency} vs ts ${ref.latency}`);
    assert.is(r.pruning.length, ref.pruning.length);
    if (method === 'optimal') {
      assert.ok(rel(r.lowerBound, ref.lowerBound) <= 1e-9, `${label} ${name}: lowerBound`);
      assert.ok(rel(r.upperBound, ref.upperBound) <= 1e-9, `${label} ${name}: upperBound`);
    }
    // The point itself agrees as far as the problem determines it: bandwidth shares
    // relative to B, pruning absolutely (flat directions of P can move both a little).
    const B = p.bandwidthHz;
    for (let k = 0; k < ref.pruning.length; k++) {
      assert.ok(Math.abs(r.bandwidth[k] - ref.bandwidth[k]) <= 1e-6 * B, `${label} ${method} ${name}: bandwidth[${k}]`);
      assert.ok(Math.abs(r.pruning[k] - ref.pruning[k]) <= 1e-6, `${label} ${method} ${name}: pruning[${k}]`);
    }
  }
}

test('every method agrees across backends on T within 1e-9 (random problems, K from 1 to 300)', () => {
  const rng = rngFor(21);
  for (let i = 0; i < 80; i++) {
    const K = 1 + Math.floor(rng.uniform() ** 3 * 300);
    const p = randomProblem(rng, K);
    for (const method of METHODS) compare(p, method, `#${i} K=${K}`);
  }
});

test('every method agrees across backends on round model v2 (random t0, phi_c, phi_s; K from 1 to 300)', () => {
  const rng = rngFor(22);
  for (let i = 0; i < 80; i++) {
    const K = 1 + Math.floor(rng.uniform() ** 3 * 300);
    const p = randomV2Problem(rng, K);
    for (const method of METHODS) compare(p, method, `v2 #${i} K=${K}`);
  }
  for (const [fixedSeconds, prunableComputeFraction, prunablePayloadFraction] of [[30, 0.4, 0.8], [0, 0, 0], [5, 1, 0.05]]) {
    const p = generate({ clients: 500, seed: 9, fixedSeconds, prunableComputeFraction, prunablePayloadFraction });
    for (const method of METHODS) compare(p, method, `generated v2 t0=${fixedSeconds}`);
  }
});

test('solveMany with and without fixed times in one batch equals one solve per problem', () => {
  const rng = rngFor(23);
  const problems = Array.from({ length: 9 }, (_, i) => (i % 3 === 0 ? randomProblem(rng, 2 + i) : randomV2Problem(rng, 2 + i)));
  for (const [name, solver] of Object.entries(backends)) {
    for (const method of ['bcd', 'optimal']) {
      const many = solver.solveMany(problems, { method });
      many.forEach((r, i) => assert.is(r.latency, solver.solve(problems[i], { method }).latency, `${name} ${method} #${i}`));
    }
  }
});

test('deadline mode agrees across backends (1e-9), infeasible or not, on random and generated problems', () => {
  const rng = rngFor(24);
  const cases = [];
  for (let i = 0; i < 60; i++) {
    const K = 1 + Math.floor(rng.uniform() ** 2 * 100);
    cases.push([`#${i}`, i % 3 === 0 ? randomProblem(rng, K) : randomV2Problem(rng, K), rng.uniform()]);
  }
  for (const [clients, extra] of [[200, {}], [2000, { fixedSeconds: 5, prunableComputeFraction: 0.5, prunablePayloadFraction: 0.8 }]]) {
    cases.push([`generated K=${clients}`, generate({ clients, seed: 12, ...extra }), 0.5]);
  }
  for (const [label, p, u] of cases) {
    const opt = backends.ts.solve(p, { method: 'optimal' }).latency;
    // Deadlines around the optimal latency: some below the least feasible one.
    const deadline = opt * (0.6 + 0.8 * u);
    const ref = backends.ts.minPruning(p, { deadline });
    for (const name of ['native', 'wasm']) {
      const r = backends[name].minPruning(p, { deadline });
      assert.equal(Object.keys(r), Object.keys(ref), `${label} ${name}: keys`);
      assert.is(r.status, ref.status, `${label} ${name}: status`);
      assert.is(r.deadline, deadline);
      if (ref.status === 'infeasible') {
        assert.ok(rel(r.minDeadline, ref.minDeadline) <= 1e-9, `${label} ${name}: minDeadline`);
        for (const key of ['weightedPruning', 'lowerBound', 'upperBound', 'latency', 'pruning', 'bandwidth', 'clientLatency']) assert.is(r[key], null);
        continue;
      }
      for (const key of ['weightedPruning', 'lowerBound', 'upperBound']) {
        assert.ok(Math.abs(r[key] - ref[key]) <= 1e-9, `${label} ${name}: ${key} ${r[key]} vs ts ${ref[key]}`);
      }
      assert.ok(rel(r.latency, ref.latency) <= 1e-9, `${label} ${name}: latency`);
      assert.is(r.pruning.length, ref.pruning.length);
    }
  }
});

test('every method agrees across backends on generated scenarios up to K = 10,000', () => {
  for (const clients of [1000, 10000]) {
    const p = generate({ clients, seed: 4 });
    for (const method of METHODS) compare(p, method, `K=${clients}`);
  }
});

const audit = (name) => JSON.parse(readFileSync(new URL(`../data/${name}.json`, import.meta.url), 'utf8'));

test('the audit problems: every method agrees across backends (bcd once differed by 13%, optimal converged on native only)', () => {
  for (const name of ['parity_bcd_13pct', 'parity_bcd_gen_regime', 'tiny_budget_tiny_weight', 'optimal_lb_above_ub', 'lat0_tiny_a_k1', 'lat0_tiny_payload_k1']) {
    const p = audit(name);
    for (const method of METHODS) {
      compare(p, method, name);
      const statuses = Object.values(backends).map((s) => s.solve(p, { method }).status);
      assert.equal(statuses, ['converged', 'converged', 'converged'], `${name} ${method}`);
    }
  }
});

test('fuzz: 400 extreme-but-valid problems, every method agrees across backends (T, bounds, status) or all give the same error', () => {
  const rng = rngFor(77);
  for (let i = 0; i < 400; i++) {
    const p = extremeProblem(rng);
    for (const method of METHODS) {
      const outcomes = Object.entries(backends).map(([name, s]) => {
        try {
          return { name, r: s.solve(p, { method }) };
        } catch (e) {
          assert.instance(e, JcpbaError, `${name}: ${e}`);
          return { name, error: e.message };
        }
      });
      const [ref, ...others] = outcomes;
      for (const o of others) {
        assert.is(o.error, ref.error, `#${i} ${method} ${o.name}`);
        if (o.error) continue;
        assert.ok(rel(o.r.latency, ref.r.latency) <= 1e-9, `#${i} ${method} ${o.name}: T ${o.r.latency} vs ts ${ref.r.latency}`);
        assert.is(o.r.status, ref.r.status, `#${i} ${method} ${o.name}`);
        if (method === 'optimal') assert.ok(rel(o.r.lowerBound, ref.r.lowerBound) <= 1e-9, `#${i} ${o.name}: lowerBound`);
      }
    }
  }
});

test('solveMany equals one solve per problem, on every backend', () => {
  const rng = rngFor(8);
  const problems = Array.from({ length: 12 }, (_, i) => randomProblem(rng, 1 + i * 3));
  for (const [name, solver] of Object.entries(backends)) {
    const many = solver.solveMany(problems, { method: 'optimal' });
    assert.is(many.length, problems.length);
    many.forEach((r, i) => assert.is(r.latency, solver.solve(problems[i], { method: 'optimal' }).latency, `${name} #${i}`));
  }
});

function errorOf(fn) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, JcpbaError, `not a JcpbaError: ${e}`);
    return { message: e.message, code: e.code, field: e.field, client: e.client };
  }
  return null;
}

const base = () => ({
  bandwidthHz: 2e7,
  noisePsdWPerHz: 4e-21,
  payloadBits: 67108864,
  pruningBudget: 0.3,
  computeSeconds: new Float64Array([12.5, 20, 7]),
  txPowerW: new Float64Array([0.2, 0.2, 0.1]),
  channelGain: new Float64Array([2.8e-11, 1e-12, 5e-12]),
  dataWeight: new Float64Array([300, 100, 50]),
  maxPruning: new Float64Array([0.5, 0.5, 0.2]),
});
/** The row JSON form of a canonical problem, each row passed through `edit`. */
function rowsOf(p, edit = (row) => row) {
  const fields = ['computeSeconds', 'txPowerW', 'channelGain', 'dataWeight', 'maxPruning'];
  return {
    bandwidthHz: p.bandwidthHz,
    noisePsdWPerHz: p.noisePsdWPerHz,
    payloadBits: p.payloadBits,
    pruningBudget: p.pruningBudget,
    clients: Array.from(p.computeSeconds, (_, k) => edit(Object.fromEntries(fields.map((f) => [f, p[f][k]])), k)),
  };
}
const with_ = (f) => {
  const p = base();
  f(p);
  return p;
};

const BAD = [
  [with_((p) => (p.bandwidthHz = 0)), /^bandwidthHz must be a positive finite number$/],
  [with_((p) => (p.noisePsdWPerHz = NaN)), /^noisePsdWPerHz must be/],
  [with_((p) => (p.payloadBits = -Infinity)), /^payloadBits must be/],
  [with_((p) => (p.pruningBudget = 1)), /^pruningBudget must be a finite number in \[0, 1\)$/],
  [with_((p) => (p.pruningBudget = -0.1)), /^pruningBudget/],
  [with_((p) => { for (const f of ['computeSeconds', 'txPowerW', 'channelGain', 'dataWeight', 'maxPruning']) p[f] = new Float64Array(0); }), /K = 0/],
  [with_((p) => (p.txPowerW = new Float64Array([1, 2]))), /^clients\.txPowerW has 2 entries but clients\.computeSeconds has 3$/],
  [with_((p) => (p.computeSeconds[2] = 0)), /^clients\[2\]\.computeSeconds must be a positive finite number$/],
  [with_((p) => (p.txPowerW[1] = -1)), /^clients\[1\]\.txPowerW/],
  [with_((p) => (p.channelGain[0] = Infinity)), /^clients\[0\]\.channelGain/],
  [with_((p) => (p.dataWeight[2] = NaN)), /^clients\[2\]\.dataWeight/],
  [with_((p) => (p.maxPruning[1] = 1)), /^clients\[1\]\.maxPruning must be a finite number in \[0, 1\)$/],
  [with_((p) => (p.txPowerW[1] = 1e-320)), /^clients\[1\]: txPowerW x channelGain \/ noisePsdWPerHz must be a positive finite number of Hz$/],
  [with_((p) => (p.dataWeight[0] = p.dataWeight[1] = 1e308)), /^clients\.dataWeight must have a finite sum$/],
  // Round model v2 (MODEL.md section 8).
  [with_((p) => (p.prunableComputeFraction = 1.5)), /^prunableComputeFraction must be a finite number in \[0, 1\]$/],
  [with_((p) => (p.prunableComputeFraction = NaN)), /^prunableComputeFraction must be/],
  [with_((p) => (p.prunablePayloadFraction = -0.1)), /^prunablePayloadFraction must be a finite number in \[0, 1\]$/],
  [with_((p) => (p.prunablePayloadFraction = Infinity)), /^prunablePayloadFraction must be/],
  [with_((p) => ((p.pruningBudget = 2), (p.prunableComputeFraction = 2))), /^pruningBudget/],
  [with_((p) => (p.fixedSeconds = new Float64Array([1, 2]))), /^clients\.fixedSeconds has 2 entries but clients\.computeSeconds has 3$/],
  [with_((p) => (p.fixedSeconds = new Float64Array([1, -2, 0]))), /^clients\[1\]\.fixedSeconds must be a finite number >= 0$/],
  [with_((p) => (p.fixedSeconds = new Float64Array([NaN, 0, 0]))), /^clients\[0\]\.fixedSeconds must be/],
  [with_((p) => ((p.fixedSeconds = new Float64Array([0, 0, Infinity])), (p.maxPruning[2] = 1))), /^clients\[2\]\.maxPruning/],
  [with_((p) => ((p.fixedSeconds = new Float64Array([0, 0, -1])), (p.txPowerW = new Float64Array([1])))), /^clients\.txPowerW has 1 entries/],
  [with_((p) => (p.fixedSecond = new Float64Array(3))), /^problem has an unknown field "fixedSecond"; expected /],
  [{ ...rowsOf(base()), prunableFraction: 1 }, /^problem has an unknown field "prunableFraction"; expected /],
  [rowsOf(base(), (row, k) => (k === 2 ? { ...row, fixedSecond: 1 } : row)), /^clients\[2\] has an unknown field "fixedSecond"; expected /],
  [rowsOf(base(), (row, k) => (k === 1 ? { ...row, fixedSeconds: '1' } : row)), /^clients\[1\]\.fixedSeconds must be a number \(got the string "1"\)$/],
];

test('every bad input gives the same error, naming the field and client, from every backend', () => {
  for (const [problem, pattern] of BAD) {
    const seen = Object.entries(backends).map(([name, s]) => [name, errorOf(() => s.solve(problem, { method: 'optimal' }))]);
    for (const [name, e] of seen) {
      assert.ok(e, `${name} accepted a bad problem (${pattern})`);
      assert.match(e.message, pattern, name);
      assert.equal(e, seen[0][1], `${name} differs from ts (${pattern})`);
      assert.is(e.code, 'invalid-input');
    }
  }
  for (const options of [{ method: 'fastest' }, { method: 'bcd', tolerance: 0 }, { method: 'bcd', maxIterations: 2.5 }, { method: 'bcd', tolerance: NaN }]) {
    const seen = Object.values(backends).map((s) => errorOf(() => s.solve(base(), options)));
    for (const e of seen) assert.equal(e, seen[0], JSON.stringify(options));
    assert.ok(seen[0]);
  }
});

test('deadline mode: the same errors from every backend, deadline first, then options, then the problem', () => {
  const cases = [
    [base(), { deadline: 0 }],
    [base(), { deadline: -5 }],
    [base(), { deadline: NaN }],
    [base(), { deadline: Infinity }],
    [base(), { deadline: '10' }],
    [base(), {}],
    [base(), { deadline: 10, tolerance: 0 }],
    [base(), { deadline: 10, tolerance: 1 }],
    [base(), { deadline: 10, maxIterations: 0 }],
    [base(), { deadline: 10, maxIterations: 1.5 }],
    [with_((p) => (p.bandwidthHz = 0)), { deadline: -1 }],
    [with_((p) => (p.bandwidthHz = 0)), { deadline: 10, tolerance: 2 }],
    ...BAD.map(([p]) => [p, { deadline: 10 }]),
  ];
  for (const [problem, options] of cases) {
    const seen = Object.entries(backends).map(([name, s]) => [name, errorOf(() => s.minPruning(problem, options))]);
    assert.ok(seen[0][1], `ts accepted ${JSON.stringify(options)}`);
    for (const [name, e] of seen) assert.equal(e, seen[0][1], `${name} differs from ts (${JSON.stringify(options)}: ${seen[0][1].message})`);
  }
  // Without a budget, and with one budget error only deadline mode ignores.
  const noBudget = base();
  delete noBudget.pruningBudget;
  for (const s of Object.values(backends)) assert.is(s.minPruning(noBudget, { deadline: 1e4 }).status, backends.ts.minPruning(noBudget, { deadline: 1e4 }).status);
});

test('batch errors name the problem, the field and the client', () => {
  const problems = [base(), with_((p) => (p.channelGain[1] = 0)), base()];
  for (const s of Object.values(backends)) {
    const e = errorOf(() => s.solveMany(problems, { method: 'bcd' }));
    assert.is(e.message, 'problems[1]: clients[1].channelGain must be a positive finite number');
    assert.is(e.client, 1);
  }
});

test('fuzz: random garbage never crashes a backend, and all give the same verdict', () => {
  const rng = rngFor(1234);
  const pick = (xs) => xs[Math.floor(rng.uniform() * xs.length)];
  const weird = [NaN, Infinity, -Infinity, 0, -0, -1, 1e-320, 1e308, 0.5, 1, 0.999999, 12, 2.8e-11];
  for (let i = 0; i < 400; i++) {
    const K = pick([0, 1, 2, 5]);
    const p = base();
    for (const f of ['computeSeconds', 'txPowerW', 'channelGain', 'dataWeight', 'maxPruning']) {
      const n = rng.uniform() < 0.1 ? K + 1 : K;
      p[f] = Float64Array.from({ length: n }, () => (rng.uniform() < 0.3 ? pick(weird) : base()[f][0]));
    }
    for (const f of ['bandwidthHz', 'noisePsdWPerHz', 'payloadBits', 'pruningBudget']) if (rng.uniform() < 0.15) p[f] = pick(weird);
    // Round model v2's fields, sometimes absent, sometimes garbage.
    for (const f of ['prunableComputeFraction', 'prunablePayloadFraction']) if (rng.uniform() < 0.3) p[f] = rng.uniform() < 0.5 ? rng.uniform() : pick(weird);
    if (rng.uniform() < 0.3) {
      const n = rng.uniform() < 0.1 ? K + 1 : K;
      p.fixedSeconds = Float64Array.from({ length: n }, () => (rng.uniform() < 0.3 ? pick(weird) : 10 * rng.uniform()));
    }
    const method = pick(METHODS);
    const outcomes = Object.entries(backends).map(([name, s]) => {
      try {
        const r = s.solve(p, { method });
        return { ok: Number.isFinite(r.latency) ? 'finite' : `non-finite T ${r.latency}`, name };
      } catch (e) {
        assert.instance(e, JcpbaError, `${name}: ${e}`);
        return { error: e.message, name };
      }
    });
    for (const o of outcomes) {
      assert.is(o.error, outcomes[0].error, `#${i} ${o.name} vs ts`);
      if (o.ok) assert.is(o.ok, 'finite', `#${i} ${o.name}`);
    }
  }
});

test('a huge K crosses the boundary (1,000,000 clients, equal split)', () => {
  const K = 1_000_000;
  const p = {
    bandwidthHz: 1e9,
    noisePsdWPerHz: 4e-21,
    payloadBits: 1e6,
    pruningBudget: 0.1,
    computeSeconds: new Float64Array(K).fill(1),
    txPowerW: new Float64Array(K).fill(0.1),
    channelGain: new Float64Array(K).fill(1e-12),
    dataWeight: new Float64Array(K).fill(1),
    maxPruning: new Float64Array(K).fill(0.5),
  };
  const ts = backends.ts.solve(p, { method: 'uniform-prune' }).latency;
  for (const name of ['native', 'wasm']) assert.ok(rel(backends[name].solve(p, { method: 'uniform-prune' }).latency, ts) < 1e-12, name);
});

test('the facade: forced backends load or fail loudly; auto reports what it skipped', async () => {
  for (const name of ['native', 'wasm', 'ts']) assert.is((await createSolver({ backend: name })).backend, name);
  const auto = await createSolver({ backend: 'auto' });
  assert.is(auto.backend, 'native');
  assert.equal(auto.skipped, []);
  try {
    await createSolver({ backend: 'gpu' });
    assert.unreachable();
  } catch (e) {
    assert.is(e.code, 'unknown-backend');
  }
  try {
    await createSolver({ backend: 'wasm', wasm: new URL('file:///no/such/jcpba.wasm') });
    assert.unreachable();
  } catch (e) {
    assert.is(e.code, 'backend-unavailable');
    assert.match(e.message, /backend wasm is unavailable/);
  }
});

test.run();
