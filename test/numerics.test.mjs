// Extreme but valid inputs (issue 14, "Silently wrong numbers"): every result is correct
// to the accuracy contract of MODEL.md section 6 or an explicit error naming the field;
// never NaN, 0 or Infinity with status `converged`. The problems in test/data are the
// reproducers of a hostile audit. Runs once per backend (JCPBA_BACKEND).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JcpbaError, METHODS, toProblem } from '../dist/ts/index.js';
import { extremeProblem, infeasibility, rate, rngFor, solve, solver } from './helpers.mjs';

const data = (name) => JSON.parse(readFileSync(new URL(`./data/${name}.json`, import.meta.url), 'utf8'));
const rel = (x, y) => Math.abs(x - y) / Math.abs(y);

function errorOf(fn) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, JcpbaError, `not a JcpbaError: ${e}`);
    return e;
  }
  return null;
}

/** Every method, each checked against section 6: feasible, finite, recomputing to its latency. */
function solveAll(p, label, options = {}) {
  const T = {};
  for (const method of METHODS) {
    const r = solve(p, { method, ...options });
    const bad = infeasibility(toProblem(p), r);
    assert.is(bad, null, `${label} ${method}: ${bad}`);
    T[method] = r;
  }
  return T;
}

test('one client with an SNR bandwidth 1e-16 of the band, or an upload time 1e-19 of its compute time: the closed forms', () => {
  for (const name of ['lat0_tiny_a_k1', 'lat0_tiny_payload_k1']) {
    const json = data(name);
    const c = json.clients[0];
    // K = 1: the whole band; rho = min(rmax, budget) (w normalizes to 1).
    const a = (c.txPowerW * c.channelGain) / json.noisePsdWPerHz;
    const U = c.computeSeconds + json.payloadBits / rate(a, json.bandwidthHz);
    const pruned = (1 - Math.min(c.maxPruning, json.pruningBudget)) * U;
    const r = solveAll(json, name);
    for (const m of METHODS) assert.is(r[m].status, 'converged', `${name} ${m}`);
    for (const m of ['equal', 'bandwidth-only']) assert.ok(rel(r[m].latency, U) <= 1e-12, `${name} ${m}: ${r[m].latency} vs ${U}`);
    for (const m of ['uniform-prune', 'uniform-prune-bandwidth', 'prune-only', 'bcd', 'optimal']) {
      assert.ok(rel(r[m].latency, pruned) <= 1e-12, `${name} ${m}: ${r[m].latency} vs ${pruned}`);
    }
    assert.ok(r.optimal.lowerBound <= r.optimal.latency, `${name}: lowerBound ${r.optimal.lowerBound} > latency ${r.optimal.latency}`);
  }
});

test('scales double precision cannot carry are invalid-input errors naming the field', () => {
  const cases = [
    // a_k = p g / N0 = 3.6e-309 Hz: subnormal, and S ln 2 / a_k overflows.
    [data('huge_noise_subnormal_a'), 'clients[0].channelGain', 'clients[0]: txPowerW x channelGain / noisePsdWPerHz / bandwidthHz must be in [1e-50, 1e50] (the representable range, MODEL.md 2.1)'],
    // S = 2.2e-83 bits over B = 6.3e16 Hz: an upload time of 1e-100 s.
    [data('tiny_payload_huge_B'), 'payloadBits', 'payloadBits / bandwidthHz must be in [1e-50, 1e50] (the representable range, MODEL.md 2.1)'],
    // a_k / B = 1e105 (N0 = 5.6e-124 W/Hz).
    [data('parity_optimal_iteration_limit'), 'clients[0].channelGain', 'clients[0]: txPowerW x channelGain / noisePsdWPerHz / bandwidthHz must be in [1e-50, 1e50] (the representable range, MODEL.md 2.1)'],
    [{ ...data('lat0_tiny_a_k1'), bandwidthHz: 5e-324 }, 'bandwidthHz', 'bandwidthHz must be in [1e-50, 1e50] (the representable range, MODEL.md 2.1)'],
    [{ ...data('lat0_tiny_a_k1'), clients: [{ ...data('lat0_tiny_a_k1').clients[0], computeSeconds: 1e-300 }] }, 'clients[0].computeSeconds', 'clients[0]: computeSeconds x bandwidthHz / payloadBits must be in [1e-50, 1e50] (the representable range, MODEL.md 2.1)'],
    [{ ...data('lat0_tiny_a_k1'), clients: [...data('lat0_tiny_a_k1').clients, { ...data('lat0_tiny_a_k1').clients[0], dataWeight: 1e-60 }] }, 'clients[1].dataWeight', 'clients[1]: dataWeight / sum of dataWeight must be in [1e-50, 1e50] (the representable range, MODEL.md 2.1)'],
    [{ ...data('lat0_tiny_a_k1'), clients: [{ ...data('lat0_tiny_a_k1').clients[0], maxPruning: 1 - 1e-7 }] }, 'clients[0].maxPruning', 'clients[0]: 1 - maxPruning must be at least 1e-6 (the representable range, MODEL.md 2.1)'],
  ];
  for (const [problem, field, message] of cases) {
    for (const method of METHODS) {
      const e = errorOf(() => solve(problem, { method }));
      assert.ok(e, `${field} ${method}: solved instead of an error`);
      assert.is(e.code, 'invalid-input');
      assert.is(e.field, field);
      assert.is(e.message, message);
    }
  }
});

test('optimal: the certificate holds against its own point and every method on the audit problems', () => {
  for (const name of ['optimal_lb_above_ub', 'parity_bcd_13pct', 'parity_bcd_gen_regime', 'tiny_budget_tiny_weight']) {
    const r = solveAll(data(name), name);
    assert.is(r.optimal.status, 'converged', name);
    for (const m of METHODS) {
      assert.ok(r.optimal.lowerBound <= r[m].latency * (1 + 1e-12), `${name}: lowerBound ${r.optimal.lowerBound} above ${m} ${r[m].latency}`);
      assert.ok(r.optimal.latency <= r[m].latency * (1 + 1e-9), `${name}: optimal ${r.optimal.latency} above ${m} ${r[m].latency}`);
    }
  }
});

test('a budget of 1e-121 buys no latency (it used to buy 1.7e-4 by overrunning the budget)', () => {
  // The prunable weight is at most budget / min w = 1e-110: optimal is bandwidth-only.
  const p = data('tiny_budget_tiny_weight');
  const r = solveAll(p, 'tiny budget');
  assert.ok(rel(r.optimal.latency, r['bandwidth-only'].latency) <= 1e-12, `${r.optimal.latency} vs ${r['bandwidth-only'].latency}`);
  assert.is(r.optimal.status, 'converged');
});

test('a tiny payload: bandwidth-only is no worse than equal (it was 3% worse), bcd no worse than prune-only', () => {
  const r = solveAll(data('parity_bcd_13pct'), '13pct');
  assert.ok(r['bandwidth-only'].latency <= r.equal.latency, `${r['bandwidth-only'].latency} > ${r.equal.latency}`);
  assert.ok(r.bcd.latency <= r['prune-only'].latency, `${r.bcd.latency} > ${r['prune-only'].latency}`);
  // Uploads take 5e-14 s here: the round is the slowest compute time, max c_k.
  const c = Math.max(...data('parity_bcd_13pct').clients.map((x) => x.computeSeconds));
  assert.ok(rel(r['bandwidth-only'].latency, c) <= 1e-14, `${r['bandwidth-only'].latency} vs max c ${c}`);
});

const leq = (x, y, tol) => x <= y * (1 + tol);

test('fuzz: 1500 extreme-but-valid problems, every method feasible and finite, certificate and orderings as MODEL.md 6 states', () => {
  const rng = rngFor(2024);
  let errors = 0;
  for (let i = 0; i < 1500; i++) {
    const p = extremeProblem(rng);
    let T;
    try {
      T = solveAll(p, `#${i}`);
    } catch (e) {
      if (!(e instanceof JcpbaError)) throw e;
      // Only the representable range may refuse a draw (rounding at its edge).
      assert.is(e.code, 'invalid-input', `#${i}: ${e.message}`);
      assert.match(e.message, /representable range/, `#${i}`);
      errors++;
      continue;
    }
    const t = Object.fromEntries(METHODS.map((m) => [m, T[m].latency]));
    for (const m of METHODS) {
      assert.is(T[m].status, 'converged', `#${i} ${m}`);
      assert.ok(T.optimal.lowerBound <= t[m] * (1 + 1e-12), `#${i}: lowerBound ${T.optimal.lowerBound} above ${m} ${t[m]}`);
      assert.ok(leq(t.optimal, t[m], 1e-10 + 1e-12), `#${i}: optimal ${t.optimal} above ${m} ${t[m]}`);
    }
    assert.ok(T.optimal.latency - T.optimal.lowerBound <= 1e-10 * T.optimal.latency, `#${i}: bracket`);
    // Exact by construction (each starts from the other's point).
    assert.ok(t.bcd <= t['prune-only'], `#${i}: bcd ${t.bcd} > prune-only ${t['prune-only']}`);
    assert.ok(t['bandwidth-only'] <= t.equal, `#${i}: bandwidth-only > equal`);
    // Pruning only shortens rounds; in round model v2 the latency's rounding is not
    // monotone in rho, by a few ulps.
    assert.ok(t['uniform-prune'] <= t.equal * (1 + 1e-15), `#${i}: uniform-prune > equal`);
    assert.ok(t['uniform-prune-bandwidth'] <= t['uniform-prune'], `#${i}: uniform-prune-bandwidth > uniform-prune`);
    // Block optima compared with rounding: MODEL.md 6 states 1e-9.
    assert.ok(leq(t['prune-only'], t['uniform-prune'], 1e-9), `#${i}: prune-only ${t['prune-only']} > uniform-prune ${t['uniform-prune']}`);
    assert.ok(leq(t['uniform-prune-bandwidth'], t['bandwidth-only'], 1e-9), `#${i}: uniform-prune-bandwidth > bandwidth-only`);
  }
  assert.ok(errors < 30, `${errors} draws refused`);
});

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));

test('an invalid --tolerance is refused by solve and sweep alike, before a sweep writes anything', () => {
  const backend = solver.backend;
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-tol-'));
  try {
    for (const tolerance of ['2', '0', '-1e-3', '1']) {
      const out = join(dir, `out-${tolerance}`);
      const sweep = spawnSync(process.execPath, [BIN, 'sweep', '--clients', '4', '--drops', '1', '--realizations', '2', '--methods', 'bcd,optimal', '--quiet', '--threads', '1', '--backend', backend, '--tolerance', tolerance, '--out', out], { encoding: 'utf8' });
      const solved = spawnSync(process.execPath, [BIN, 'solve', '-', '--backend', backend, '--tolerance', tolerance], { input: JSON.stringify(data('lat0_tiny_a_k1')), encoding: 'utf8' });
      for (const r of [sweep, solved]) {
        assert.is(r.status, 2, `${tolerance}: ${r.stderr}`);
        assert.is(r.stderr, 'jcpba: tolerance must be a finite number in (0, 1)\n');
      }
      assert.not.ok(existsSync(out), `sweep --tolerance ${tolerance} created ${out}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a band of 5e-324 Hz is refused up front by sweep (a sweep mean latency of 0 is impossible)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-band-'));
  try {
    const out = join(dir, 'out');
    const r = spawnSync(process.execPath, [BIN, 'sweep', '--clients', '5', '--drops', '2', '--realizations', '4', '--methods', 'equal,bcd', '--bandwidth', '5e-324', '--quiet', '--threads', '1', '--backend', solver.backend, '--out', out], { encoding: 'utf8' });
    assert.is(r.status, 2, r.stderr);
    assert.is(r.stderr, 'jcpba: bandwidthHz must be in [1e-50, 1e50] (the representable range, MODEL.md 2.1)\n');
    assert.not.ok(existsSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
