// The problem fields of MODEL.md sections 11 and 12 (minPruning, computePowerW,
// fixedJoules, energyCapJ) through the public API of the backend under test
// (JCPBA_BACKEND): the JSON forms, the validation messages of docs/CORE_API.md (checked
// by the compiled core itself on native and wasm, so an identical message proves the
// column crossed the boundary), every entry point (solve, solveMany, minPruning, plan),
// and the accounting of section 11.1 recomputed here from the returned point.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { solver } from './helpers.mjs';
import { toJson, toProblem } from '../dist/ts/index.js';

const METHODS = ['equal', 'bandwidth-only', 'uniform-prune', 'uniform-prune-bandwidth', 'prune-only', 'bcd', 'optimal'];

/** Three clients whose rates are whole Mbit/s at B/K = 1 MHz: upload times 6, 3, 2 s. */
const client = (c, p, extra = {}) => ({ computeSeconds: c, txPowerW: p, channelGain: 1e-13, dataWeight: 10, maxPruning: 0.5, ...extra });
const problem = (clients, extra = {}) => ({ bandwidthHz: 3e6, noisePsdWPerHz: 1e-20, payloadBits: 6e6, pruningBudget: 0.3, clients, ...extra });
const three = (extras = [{}, {}, {}]) => problem([client(1, 0.1, extras[0]), client(5, 0.3, extras[1]), client(2, 0.7, extras[2])]);

const rel = (x, y) => (x === y ? 0 : Math.abs(x / y - 1));

function rejects(run, field, message, client) {
  try {
    run();
  } catch (e) {
    assert.is(e.code, 'invalid-input', message);
    assert.is(e.message, message);
    assert.is(e.field, field, message);
    assert.is(e.client, client, message);
    return;
  }
  assert.unreachable(`accepted: expected ${message}`);
}

test(`the new fields are checked per client in order with one-line messages (${solver.backend})`, () => {
  const cases = [
    [{ minPruning: 0.6 }, 'clients[1].minPruning', 'clients[1].minPruning must be a finite number in [0, clients[1].maxPruning]'],
    [{ minPruning: -0.1 }, 'clients[1].minPruning', 'clients[1].minPruning must be a finite number in [0, clients[1].maxPruning]'],
    [{ computePowerW: -1 }, 'clients[1].computePowerW', 'clients[1].computePowerW must be a finite number >= 0'],
    [{ fixedJoules: -1e-9 }, 'clients[1].fixedJoules', 'clients[1].fixedJoules must be a finite number >= 0'],
    [{ energyCapJ: 0 }, 'clients[1].energyCapJ', 'clients[1].energyCapJ must be a positive number of J, or Infinity (null in JSON) for no cap'],
    [{ energyCapJ: -5 }, 'clients[1].energyCapJ', 'clients[1].energyCapJ must be a positive number of J, or Infinity (null in JSON) for no cap'],
    // Within a client: fixedSeconds, minPruning, computePowerW, fixedJoules, energyCapJ.
    [{ fixedSeconds: -1, minPruning: 0.9 }, 'clients[1].fixedSeconds', 'clients[1].fixedSeconds must be a finite number >= 0'],
    [{ minPruning: 0.9, computePowerW: -1 }, 'clients[1].minPruning', 'clients[1].minPruning must be a finite number in [0, clients[1].maxPruning]'],
    [{ computePowerW: -1, fixedJoules: -1 }, 'clients[1].computePowerW', 'clients[1].computePowerW must be a finite number >= 0'],
    [{ fixedJoules: -1, energyCapJ: 0 }, 'clients[1].fixedJoules', 'clients[1].fixedJoules must be a finite number >= 0'],
    [{ energyCapJ: 0, channelGain: 1e300 }, 'clients[1].energyCapJ', 'clients[1].energyCapJ must be a positive number of J, or Infinity (null in JSON) for no cap'],
  ];
  for (const [extra, field, message] of cases) {
    rejects(() => solver.solve(three([{}, extra, {}]), { method: 'equal' }), field, message, 1);
    // The same in the canonical form (typed arrays, defaults for the other clients).
    const canonical = toProblem(three());
    for (const [f, v] of Object.entries(extra)) {
      if (f === 'channelGain') canonical.channelGain = Float64Array.of(1e-13, v, 1e-13);
      else canonical[f] = Float64Array.of(f === 'energyCapJ' ? Infinity : 0, v, f === 'energyCapJ' ? Infinity : 0);
    }
    rejects(() => solver.solve(canonical, { method: 'equal' }), field, message, 1);
  }
  // rmin = rmax is a client whose pruning is fixed: valid.
  solver.solve(three([{}, { minPruning: 0.5 }, {}]), { method: 'equal' });
});

test(`an optional column of the wrong length is named (${solver.backend})`, () => {
  for (const f of ['minPruning', 'computePowerW', 'fixedJoules', 'energyCapJ']) {
    const p = toProblem(three());
    p[f] = new Float64Array(2).fill(1);
    rejects(() => solver.solve(p, { method: 'equal' }), `clients.${f}`, `clients.${f} has 2 entries but clients.computeSeconds has 3`, undefined);
  }
});

test(`the energy rows of the representable range, on both sides (${solver.backend})`, () => {
  const range = '(the representable range, MODEL.md 2.1)';
  const unit = '(txPowerW x payloadBits / bandwidthHz)';
  // Client 1's energy unit u = p S / B = 0.6 J; its compute time is 5 s.
  const ok = (extra) => solver.solve(three([{}, extra, {}]), { method: 'equal' });
  ok({ computePowerW: (0.6e50 / 5) * 0.999, fixedJoules: 0.6e50 * 0.999, energyCapJ: 0.6e50 * 0.999 });
  ok({ energyCapJ: 0.6e-50 * 1.001, computePowerW: 5e-324, fixedJoules: 5e-324 });
  const cases = [
    [{ computePowerW: (0.6e50 / 5) * 1.001 }, 'computePowerW', `computePowerW x computeSeconds / ${unit} must be at most 1e50 ${range}`],
    [{ fixedJoules: 0.6e50 * 1.001 }, 'fixedJoules', `fixedJoules / ${unit} must be at most 1e50 ${range}`],
    [{ energyCapJ: 0.6e50 * 1.001 }, 'energyCapJ', `energyCapJ / ${unit} must be in [1e-50, 1e50] ${range}`],
    [{ energyCapJ: 0.6e-50 * 0.999 }, 'energyCapJ', `energyCapJ / ${unit} must be in [1e-50, 1e50] ${range}`],
    // u itself (p and g move together so that a_k stays 3 MHz).
    [{ txPowerW: 1e50, channelGain: 0.3e-63 }, 'txPowerW', `txPowerW x payloadBits / bandwidthHz must be in [1e-50, 1e50] ${range}`],
    [{ txPowerW: 1e-51, channelGain: 0.3e38 }, 'txPowerW', `txPowerW x payloadBits / bandwidthHz must be in [1e-50, 1e50] ${range}`],
  ];
  for (const [extra, name, what] of cases) rejects(() => ok(extra), `clients[1].${name}`, `clients[1]: ${what}`, 1);
  ok({ txPowerW: 0.49e50, channelGain: 0.3e-13 / 0.49e50 });
  ok({ txPowerW: 0.51e-50, channelGain: 0.3e-13 / 0.51e-50 });
});

test(`rows, columns and the canonical form read the same; null and absent caps are no cap (${solver.backend})`, () => {
  const extras = [{ computePowerW: 30, energyCapJ: null }, { fixedJoules: 2, minPruning: 0.1 }, { energyCapJ: 500 }];
  const rows = three(extras);
  const canonical = toProblem(rows);
  // Absent entries of a column some client gives take the default: 0, or no cap.
  assert.equal(Array.from(canonical.computePowerW), [30, 0, 0]);
  assert.equal(Array.from(canonical.fixedJoules), [0, 2, 0]);
  assert.equal(Array.from(canonical.minPruning), [0, 0.1, 0]);
  assert.equal(Array.from(canonical.energyCapJ), [Infinity, Infinity, 500]);
  const columns = toJson(canonical, true);
  assert.equal(columns.clients.energyCapJ, [null, null, 500]);
  const printedRows = toJson(canonical);
  assert.is(printedRows.clients[0].energyCapJ, null);
  assert.is(printedRows.clients[1].minPruning, 0.1);
  for (const method of ['equal', 'bcd']) {
    const want = solver.solve(canonical, { method });
    for (const form of [rows, columns, printedRows, JSON.parse(JSON.stringify(columns))]) {
      const r = solver.solve(form, { method });
      assert.is(r.latency, want.latency);
      assert.equal(Array.from(r.energy), Array.from(want.energy));
    }
  }
  // energyCapJ: null as a whole column is no cap for anyone; any other non-number is an error.
  const noCaps = { ...columns, clients: { ...columns.clients, energyCapJ: null } };
  assert.is(toProblem(noCaps).energyCapJ, undefined);
  rejects(() => solver.solve(three([{}, { energyCapJ: '5' }, {}]), { method: 'equal' }), 'clients[1].energyCapJ', 'clients[1].energyCapJ must be a number or null (got the string "5")', 1);
  rejects(() => solver.solve(three([{}, { computePowerW: null }, {}]), { method: 'equal' }), 'clients[1].computePowerW', 'clients[1].computePowerW must be a number (got null)', 1);
  // A problem without the new fields prints as it always did.
  assert.equal(Object.keys(toJson(toProblem(three())).clients[0]), ['computeSeconds', 'txPowerW', 'channelGain', 'dataWeight', 'maxPruning']);
});

/** MODEL.md 11.1 recomputed from a returned point, independently of the solver. */
function expectedAccounting(p, r) {
  const K = p.computeSeconds.length;
  const phiC = p.prunableComputeFraction ?? 1;
  const phiS = p.prunablePayloadFraction ?? 1;
  const energy = [];
  let bits = 0;
  let seconds = 0;
  for (let k = 0; k < K; k++) {
    const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
    const b = r.bandwidth[k];
    const rate = (b * Math.log(1 + a / b)) / Math.LN2;
    const rho = r.pruning[k];
    energy.push((p.fixedJoules?.[k] ?? 0) + (p.computePowerW?.[k] ?? 0) * p.computeSeconds[k] * (1 - phiC * rho) + (p.txPowerW[k] * p.payloadBits * (1 - phiS * rho)) / rate);
    bits += p.payloadBits * (1 - phiS * rho);
    seconds += p.computeSeconds[k] * (1 - phiC * rho);
  }
  return { energy, energyTotal: energy.reduce((s, x) => s + x, 0), energyMax: Math.max(...energy), uploadBits: bits, computeSeconds: seconds };
}

test(`every method reports the energy and overheads of its own point (${solver.backend})`, () => {
  const p = toProblem(
    problem([client(1, 0.1, { computePowerW: 20, fixedJoules: 1, fixedSeconds: 0.5 }), client(5, 0.3, { computePowerW: 35 }), client(2, 0.7, { fixedJoules: 3 })], {
      prunableComputeFraction: 0.7,
      prunablePayloadFraction: 0.9,
    }),
  );
  for (const method of METHODS) {
    const r = solver.solve(p, { method });
    const want = expectedAccounting(p, r);
    assert.ok(r.energy instanceof Float64Array && r.energy.length === 3, method);
    for (let k = 0; k < 3; k++) assert.ok(rel(r.energy[k], want.energy[k]) < 1e-12, `${method} client ${k}: ${r.energy[k]} vs ${want.energy[k]}`);
    for (const key of ['energyTotal', 'energyMax', 'uploadBits', 'computeSeconds']) {
      assert.ok(rel(r[key], want[key]) < 1e-12, `${method} ${key}: ${r[key]} vs ${want[key]}`);
    }
    assert.not.ok('infeasibleClients' in r, method);
  }
  // By hand on equal without pruning: uploads of 6, 3, 2 s at 0.1, 0.3, 0.7 W.
  const eq = solver.solve(three([{ computePowerW: 2, fixedJoules: 0.5 }, { computePowerW: 1 }, {}]), { method: 'equal' });
  const hand = [0.5 + 2 + 0.6, 5 + 0.9, 1.4];
  hand.forEach((e, k) => assert.ok(rel(eq.energy[k], e) < 1e-14, `equal client ${k}`));
  assert.is(eq.uploadBits, 1.8e7);
  assert.is(eq.computeSeconds, 8);
});

test(`solveMany, minPruning and plan carry the new columns to the core (${solver.backend})`, () => {
  // solveMany: each problem's accounting uses its own columns, defaults where absent.
  const a = three([{ computePowerW: 10 }, {}, {}]);
  const b = three();
  const c = three([{}, { fixedJoules: 4 }, { energyCapJ: 1e9 }]);
  const many = solver.solveMany([a, b, c], { method: 'equal' });
  [a, b, c].forEach((p, i) => assert.equal(Array.from(many[i].energy), Array.from(solver.solve(p, { method: 'equal' }).energy), `problem ${i}`));
  assert.ok(rel(many[0].energy[0], 10 * 1 + 0.6) < 1e-14);
  assert.ok(rel(many[2].energy[1], 4 + 0.9) < 1e-14);
  // A bad entry in a later problem is reported by the core with the batch prefix.
  const bad = three([{}, {}, { minPruning: 0.7 }]);
  rejects(() => solver.solveMany([a, b, bad], { method: 'equal' }), 'clients[2].minPruning', 'problems[2]: clients[2].minPruning must be a finite number in [0, clients[2].maxPruning]', 2);
  // Deadline mode and the planner read the same columns and checks.
  rejects(
    () => solver.minPruning(three([{}, { energyCapJ: -1 }, {}]), { deadline: 10 }),
    'clients[1].energyCapJ',
    'clients[1].energyCapJ must be a positive number of J, or Infinity (null in JSON) for no cap',
    1,
  );
  rejects(
    () => solver.plan([three(), three([{ computePowerW: -2 }, {}, {}])], { method: 'optimal', rounds0: 10, pruningLimit: 0.8 }),
    'clients[0].computePowerW',
    'problems[1]: clients[0].computePowerW must be a finite number >= 0',
    0,
  );
});

test.run();
