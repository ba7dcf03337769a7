// The JSON Schemas shipped in schemas/ against what jcpba really reads and writes:
// generated problems and jcpba's own validation (accept and reject the same inputs),
// `jcpba solve --format json` on every backend, and results.json of a sweep and a merge.
// README's data dictionary is checked against the CSV header.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_FIELDS, METHODS, SCENARIO_HELP, runSweep, toProblem } from '../../dist/ts/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/jcpba.js');
const schema = (name) => JSON.parse(readFileSync(join(ROOT, 'schemas', `${name}.schema.json`), 'utf8'));
const ajv = new Ajv2020({ allErrors: true });
const validate = {
  problem: ajv.compile(schema('problem')),
  solve: ajv.compile(schema('solve-results')),
  sweep: ajv.compile(schema('sweep-results')),
  plan: ajv.compile(schema('plan-results')),
};
const tmp = () => mkdtempSync(join(tmpdir(), 'jcpba-schema-'));

function cli(args, input) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input });
  assert.is(r.status, 0, `jcpba ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function valid(check, value, what) {
  const ok = check(value);
  assert.ok(ok, `${what}: ${JSON.stringify(check.errors?.slice(0, 3))}`);
}

/** Whether jcpba's own parser and validation accept a problem. */
function jcpbaAccepts(problem) {
  return jcpbaError(problem) === null;
}

/** jcpba's error for a problem, or null when it accepts it. */
function jcpbaError(problem) {
  try {
    toProblem(problem);
    return null;
  } catch (e) {
    if (e.code !== 'invalid-input') throw e;
    return e;
  }
}

test('generated problems are valid, as rows and as columns, for every preset', () => {
  for (const args of [
    [],
    ['--clients', '1'],
    ['--clients', '50', '--seed', '9', '--model', 'gpt2-full', '--dataset', 'yahoo-answers'],
    ['--columnar'],
    ['--fixed-seconds', '3', '--prunable-compute', '0.5', '--prunable-payload', '0'],
    ['--fixed-seconds', '3', '--columnar'],
  ]) {
    const p = JSON.parse(cli(['generate', ...args]));
    valid(validate.problem, p, `generate ${args.join(' ')}`);
    assert.ok(jcpbaAccepts(p));
  }
});

test('the problem schema accepts and rejects what jcpba accepts and rejects', () => {
  const base = JSON.parse(cli(['generate', '--clients', '3']));
  const columnar = JSON.parse(cli(['generate', '--clients', '3', '--columnar']));
  const values = [-1, 0, 1e-300, 0.5, 0.999, 1, 2, 1e12, 'x', null, true, [], {}];
  const cases = [];
  for (const field of ['prunableComputeFraction', 'prunablePayloadFraction']) {
    for (const v of values) cases.push([`${field} = ${JSON.stringify(v)}`, { ...base, [field]: v }]);
  }
  for (const v of values) {
    cases.push([`clients[1].fixedSeconds = ${JSON.stringify(v)}`, { ...base, clients: base.clients.map((c, k) => (k === 1 ? { ...c, fixedSeconds: v } : c)) }]);
    cases.push([`clients.fixedSeconds[2] = ${JSON.stringify(v)}`, { ...columnar, clients: { ...columnar.clients, fixedSeconds: [0, 0, v] } }]);
  }
  // The fields of MODEL.md sections 11 and 12, in rows and in columns (the client's
  // maxPruning raised to the most the schema allows, so minPruning's bound is the schema's).
  for (const field of ['minPruning', 'computePowerW', 'fixedJoules', 'energyCapJ']) {
    for (const v of [...values, 1e300]) {
      const rows = base.clients.map((c, k) => (k === 1 ? { ...c, maxPruning: 0.999999, [field]: v } : c));
      cases.push([`clients[1].${field} = ${JSON.stringify(v)}`, { ...base, clients: rows }]);
      const other = field === 'energyCapJ' ? null : 0;
      const maxPruning = columnar.clients.maxPruning.map((x, k) => (k === 2 ? 0.999999 : x));
      cases.push([`clients.${field}[2] = ${JSON.stringify(v)}`, { ...columnar, clients: { ...columnar.clients, maxPruning, [field]: [other, other, v] } }]);
    }
    cases.push([`clients.${field} empty`, { ...columnar, clients: { ...columnar.clients, [field]: [] } }]);
    cases.push([`clients.${field} = null`, { ...columnar, clients: { ...columnar.clients, [field]: null } }]);
  }
  for (const field of ['bandwidthHz', 'noisePsdWPerHz', 'payloadBits', 'pruningBudget']) {
    for (const v of values) cases.push([`${field} = ${JSON.stringify(v)}`, { ...base, [field]: v }]);
    const { [field]: _, ...without } = base;
    cases.push([`no ${field}`, without]);
  }
  for (const field of CLIENT_FIELDS) {
    for (const v of values) {
      const clients = base.clients.map((c, k) => (k === 1 ? { ...c, [field]: v } : c));
      cases.push([`clients[1].${field} = ${JSON.stringify(v)}`, { ...base, clients }]);
      const col = columnar.clients[field].map((x, k) => (k === 2 ? v : x));
      cases.push([`clients.${field}[2] = ${JSON.stringify(v)}`, { ...columnar, clients: { ...columnar.clients, [field]: col } }]);
    }
    const { [field]: _, ...row } = base.clients[0];
    cases.push([`clients[0] without ${field}`, { ...base, clients: [row, ...base.clients.slice(1)] }]);
    const { [field]: __, ...cols } = columnar.clients;
    cases.push([`clients without column ${field}`, { ...columnar, clients: cols }]);
  }
  const { noisePsdWPerHz, ...noNoise } = base;
  cases.push(
    ['noise in dBm/Hz', { ...noNoise, noisePsdDbmPerHz: -174 }],
    ['noise given twice', { ...base, noisePsdDbmPerHz: -174 }],
    ['noise dBm/Hz as a string', { ...noNoise, noisePsdDbmPerHz: '-174' }],
    ['no clients', { ...base, clients: [] }],
    ['clients not a list', { ...base, clients: 3 }],
    ['a client as an array', { ...base, clients: [[1, 2, 3, 4, 0.5]] }],
    ['empty columns', { ...base, clients: Object.fromEntries(CLIENT_FIELDS.map((f) => [f, []])) }],
    ['an extra property (an error: a misspelt key is never ignored)', { ...base, note: 'drop 0' }],
    ['a misspelt optional key in a row', { ...base, clients: base.clients.map((c, k) => (k === 1 ? { ...c, fixedSecond: 1 } : c)) }],
    ['a misspelt column', { ...columnar, clients: { ...columnar.clients, fixedSecond: [1, 1, 1] } }],
    ['fixed seconds in the rows', { ...base, clients: base.clients.map((c, k) => (k === 1 ? { ...c, fixedSeconds: 2.5 } : c)) }],
    ['fixed seconds as a column', { ...columnar, clients: { ...columnar.clients, fixedSeconds: [0, 1, 2] } }],
    ['no fixed seconds (an empty column)', { ...columnar, clients: { ...columnar.clients, fixedSeconds: [] } }],
    ['not an object', [base]],
    ['a $schema key (the editor hint the shipped schemas invite)', { $schema: 'https://example.org/problem.schema.json', ...base }],
    ['a $schema key in columnar form', { $schema: './node_modules/jcpba/schemas/problem.schema.json', ...columnar }],
    ['a $schema that is not a string', { $schema: 7, ...base }],
  );
  let rejected = 0;
  let rangeOnly = 0;
  for (const [what, problem] of cases) {
    const json = JSON.parse(JSON.stringify(problem));
    const bySchema = validate.problem(json);
    const error = jcpbaError(json);
    // Ratios of fields (the representable range, MODEL.md 2.1) are beyond a schema:
    // jcpba alone rejects those, as the schema's description says.
    if (bySchema && error && /\(the representable range, MODEL\.md 2\.1\)$/.test(error.message) && / x | \/ /.test(error.message.split(' must ')[0])) {
      rangeOnly++;
      continue;
    }
    assert.is(bySchema, error === null, `${what}: schema ${bySchema ? 'accepts' : 'rejects'} it, jcpba does not agree`);
    if (!bySchema) rejected++;
  }
  assert.ok(rejected > cases.length / 2, `most cases are invalid (${rejected} of ${cases.length})`);
  assert.ok(rangeOnly > 0 && rangeOnly < 30, `${rangeOnly} cases only outside the representable range`);
  // What the schema cannot say, jcpba checks (documented in the schema's description).
  const short = { ...columnar, clients: { ...columnar.clients, maxPruning: [0.5, 0.5] } };
  assert.ok(validate.problem(short));
  assert.not.ok(jcpbaAccepts(short));
});

test('solve --format json output is valid on every backend, for every method', () => {
  const problem = cli(['generate', '--clients', '12', '--seed', '4']);
  for (const backend of ['native', 'wasm', 'ts']) {
    const out = JSON.parse(cli(['solve', '-', '--method', 'all', '--backend', backend], problem));
    valid(validate.solve, out, backend);
    assert.equal(out.results.map((r) => r.method), [...METHODS]);
  }
  // Deadline mode, met and infeasible.
  const optimal = JSON.parse(cli(['solve', '-'], problem)).results[0].latency;
  for (const deadline of [1.1 * optimal, 1e-6]) {
    const dm = JSON.parse(cli(['solve', '-', '--deadline', String(deadline)], problem));
    valid(validate.solve, dm, `--deadline ${deadline}`);
    assert.not.ok(validate.solve({ ...dm, results: [{ ...dm.results[0], status: 'done' }] }));
  }
  valid(validate.solve, JSON.parse(cli(['solve', '-', '--method', 'all', '--rounds0', '50', '--pruning-limit', '0.5'], problem)), 'solve with rounds0');
  const out = JSON.parse(cli(['solve', '-', '--method', 'optimal'], problem));
  // Every result carries its accounting (MODEL.md 11.1); the schema requires it.
  const { energy, ...noEnergy } = out.results[0];
  assert.ok(energy.length === 12 && out.results[0].energyTotal > 0);
  assert.not.ok(validate.solve({ ...out, results: [noEnergy] }));
  // The infeasible shape of docs/CORE_API.md: nulls, the clients, optimal's bounds.
  const nulls = Object.fromEntries(['latency', 'pruning', 'bandwidth', 'clientLatency', 'energy', 'energyTotal', 'energyMax', 'uploadBits', 'computeSeconds'].map((k) => [k, null]));
  const infeasible = { method: 'optimal', ...nulls, iterations: 3, status: 'infeasible', lowerBound: null, upperBound: null, infeasibleClients: [0, 4] };
  valid(validate.solve, { ...out, results: [infeasible, { ...infeasible, method: 'equal', lowerBound: undefined, upperBound: undefined, infeasibleClients: [] }].map((r) => JSON.parse(JSON.stringify(r))) }, 'infeasible');
  assert.not.ok(validate.solve({ ...out, results: [{ ...infeasible, latency: 1 }] }));
  assert.not.ok(validate.solve({ ...out, results: [{ ...infeasible, infeasibleClients: undefined }].map((r) => JSON.parse(JSON.stringify(r))) }));
  assert.not.ok(validate.solve({ ...out, results: [{ ...out.results[0], status: 'infeasible' }] }));
  // The schema is not a rubber stamp.
  assert.not.ok(validate.solve({ ...out, results: [{ ...out.results[0], status: 'done' }] }));
  assert.not.ok(validate.solve({ ...out, results: [{ ...out.results[0], lowerBound: undefined }].map((r) => JSON.parse(JSON.stringify(r))) }));
  assert.not.ok(validate.solve({ ...out, extra: 1 }));
});

test('results.json of a sweep and of a merge is valid, and the schema names every scenario option', () => {
  const grid = ['--clients', '4,9', '--budget', '0.1,0.3', '--model', 'llama2-7b-lora,gpt2-full', '--tx-power', '20', '--drops', '1', '--realizations', '3', '--methods', 'all', '--quiet'];
  const whole = tmp();
  cli(['sweep', ...grid, '--out', whole]);
  const results = JSON.parse(readFileSync(join(whole, 'results.json'), 'utf8'));
  valid(validate.sweep, results, 'sweep results.json');
  assert.is(results.results.length, 2 * 2 * 2 * METHODS.length);
  assert.ok(results.results.some((r) => r.gapMean !== undefined) && results.results.some((r) => r.reductionVsEqual !== undefined));
  const shards = [0, 1].map((i) => {
    const d = tmp();
    cli(['sweep', ...grid, '--out', d, '--shard', `${i}/2`]);
    return d;
  });
  const merged = tmp();
  cli(['merge', '--out', merged, ...shards, '--quiet']);
  valid(validate.sweep, JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8')), 'merged results.json');
  // Every scenario option jcpba knows is described, and nothing else.
  const described = Object.keys(schema('sweep-results').$defs.scenario.properties).sort();
  assert.equal(described, Object.keys(SCENARIO_HELP).sort());
  // A misspelt statistic is caught.
  assert.not.ok(validate.sweep({ ...results, results: [{ ...results.results[0], meen: 1 }] }));
});

test('results.json of a sweep with energy caps (rounds without a point, a method with none) is valid, and a merge of its shards equals it', () => {
  // Upload energy only: a cap of 0.4 J leaves equal without a point in every round and the others in some.
  const grid = ['--clients', '5', '--compute-power', '0', '--energy-cap', '0.4,1,none', '--drops', '2', '--realizations', '8', '--methods', 'equal,prune-only,bcd,optimal', '--rounds0', '30', '--pruning-limit', '0.5', '--quiet'];
  const whole = tmp();
  cli(['sweep', ...grid, '--out', whole]);
  const results = JSON.parse(readFileSync(join(whole, 'results.json'), 'utf8'));
  valid(validate.sweep, results, 'sweep results.json with caps');
  assert.ok(results.results.some((r) => r.infeasibleShare === 1 && r.mean === null && r.energyMean === null && r.timeToTarget === null));
  assert.ok(results.results.some((r) => r.infeasibleShare > 0 && r.infeasibleShare < 1 && r.mean > 0 && r.energyMean > 0));
  const shards = [0, 1].map((i) => {
    const d = tmp();
    cli(['sweep', ...grid, '--out', d, '--shard', `${i}/2`]);
    return d;
  });
  const merged = tmp();
  cli(['merge', '--out', merged, ...shards, '--quiet']);
  const m = JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8'));
  valid(validate.sweep, m, 'merged results.json with caps');
  assert.equal(m.results, results.results);
  assert.is(readFileSync(join(merged, 'results.csv'), 'utf8'), readFileSync(join(whole, 'results.csv'), 'utf8'));
});

test('plan --format json output is valid on every backend; a sweep with --rounds0 writes a valid results.json', () => {
  for (const backend of ['native', 'wasm', 'ts']) {
    for (const limit of ['0.5', 'inf']) {
      const out = JSON.parse(
        cli(['plan', '--rounds0', '50', '--pruning-limit', limit, '--clients', '6', '--realizations', '3', '--policy', 'both', '--backend', backend]),
      );
      valid(validate.plan, out, `${backend} Pmax ${limit}`);
      assert.equal(out.plans.map((p) => p.method), [...METHODS, 'optimal']);
    }
  }
  const out = JSON.parse(cli(['plan', '--rounds0', '50', '--pruning-limit', '0.5', '--clients', '4', '--realizations', '2', '--methods', 'optimal']));
  assert.not.ok(validate.plan({ ...out, plans: [{ ...out.plans[0], policy: 'dynamic' }] }));
  assert.not.ok(validate.plan({ ...out, plans: [{ ...out.plans[0], upperBound: undefined }].map((p) => JSON.parse(JSON.stringify(p))) }));
  const dir = tmp();
  cli(['sweep', '--clients', '4', '--budget', '0.1,0.3', '--drops', '1', '--realizations', '2', '--methods', 'equal,optimal', '--rounds0', '30', '--pruning-limit', '0.4', '--quiet', '--out', dir]);
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  valid(validate.sweep, results, 'sweep results.json with rounds0');
  assert.ok(results.results.every((r) => Number.isInteger(r.roundsToTarget) && r.timeToTarget > 0));
});

test('results.json of a sweep with a custom method and drops from a file is valid', async () => {
  const dir = tmp();
  const drops = join(dir, 'drops.json');
  writeFileSync(drops, JSON.stringify([[{ distanceM: 40, samples: 100, throughput: 1e12 }, { distanceM: 90, shadowDb: -2, samples: 300, throughput: 2e12 }]]));
  const mine = { id: 'my-equal', version: '1', solve: (p) => ({ pruning: [0, 0], bandwidth: [p.bandwidthHz / 2, p.bandwidthHz / 2] }) };
  const out = join(dir, 'out');
  await runSweep(
    { grid: [{ key: 'budget', values: [0.1, 0.3] }], base: {}, seed: 1, drops: 1, realizations: 3, rounds: 1, methods: ['equal', mine], tolerance: 1e-10, maxIterations: 500, dropsFile: drops },
    { out, backend: 'ts', threads: 1 },
  );
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  valid(validate.sweep, results, 'sweep results.json with custom methods and a drops file');
  assert.equal(results.config.custom, [{ id: 'my-equal', version: '1' }]);
  assert.not.ok(validate.sweep({ ...results, config: { ...results.config, dropsFile: { path: drops } } }), 'the SHA-256 is required');
});

test("README's data dictionary lists every CSV column, with its unit", () => {
  const dir = tmp();
  cli(['sweep', '--clients', '3', '--drops', '1', '--realizations', '2', '--methods', 'equal,bcd,optimal', '--rounds0', '10', '--pruning-limit', '0.5', '--quiet', '--out', dir]);
  const header = readFileSync(join(dir, 'results.csv'), 'utf8').split('\n')[0].split(',');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Data dictionary'));
  assert.ok(section.length > 0 && readme.includes('### Data dictionary'), 'README has a data dictionary');
  const rows = new Map(
    [...section.matchAll(/^\| `([^`]+)` \| ([^|]*) \| ([^|]*) \|$/gm)].map((m) => [m[1], { unit: m[2].trim(), meaning: m[3].trim() }]),
  );
  for (const column of header.filter((c) => c !== 'clients')) {
    assert.ok(rows.has(column), `README describes the CSV column ${column}`);
    assert.ok(rows.get(column).unit.length > 0 && rows.get(column).meaning.length > 0, column);
  }
  assert.ok(rows.has('<axis>'), 'README describes the grid axis columns');
});

test.run();
