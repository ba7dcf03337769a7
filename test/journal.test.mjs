import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JcpbaError } from '../dist/ts/index.js';
import { cutTornLine, journalUnits, mergeOrdered, scanJournal } from '../dist/ts/sweep/journal.js';
import { aggregate } from '../dist/ts/sweep/results.js';

const unit = (grid, drop, block) => ({ grid, drop, block, methods: [] });
const config = { grid: [{ key: 'clients', values: [5] }], base: {}, seed: 1, drops: 3, realizations: 16, rounds: 1, methods: [], tolerance: 1e-10, maxIterations: 5 };
const header = { kind: 'jcpba-sweep-journal', identity: 'x', config };

test('a torn last line is found without writing, cut on request, and the units before it survive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-journal-'));
  const path = join(dir, 'units.jsonl');
  writeFileSync(path, `${JSON.stringify(header)}\n${JSON.stringify(unit(0, 0, 0))}\n${JSON.stringify(unit(0, 1, 0))}\n`);
  const intact = readFileSync(path, 'utf8');
  appendFileSync(path, JSON.stringify(unit(0, 2, 0)).slice(0, 17));
  const torn = readFileSync(path, 'utf8');
  const scan = scanJournal(dir);
  assert.is(scan.units, 2);
  assert.is(scan.tornBytes, 17);
  assert.is(readFileSync(path, 'utf8'), torn, 'a scan writes nothing');
  assert.equal([...journalUnits(dir)].map((u) => u.drop), [0, 1]);
  cutTornLine(dir, scan);
  assert.is(readFileSync(path, 'utf8'), intact);
});

test('a unit out of its place is reported with its line; a complete bad last line is no torn write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-journal-'));
  const path = join(dir, 'units.jsonl');
  const write = (...units) => writeFileSync(path, [header, ...units].map((x) => `${JSON.stringify(x)}\n`).join(''));
  write(unit(0, 0, 0), unit(0, 2, 0));
  assert.throws(() => scanJournal(dir), /units\.jsonl line 3: unit 0\/2\/0 where 0\/1\/0 belongs/);
  write(unit(0, 0, 0), unit(0, 1, 0), unit(0, 2, 0), unit(0, 2, 0));
  assert.throws(() => scanJournal(dir), /line 5: unit 0\/2\/0 after the last unit of this sweep/);
  writeFileSync(path, `${JSON.stringify(header)}\n${JSON.stringify(unit(0, 0, 0))}\n{"grid":0,"dr\n`);
  assert.throws(() => scanJournal(dir), /line 3: not valid JSON/);
  // Shards hold every n-th unit.
  writeFileSync(path, [{ ...header, shard: { index: 1, count: 2 } }, unit(0, 1, 0)].map((x) => `${JSON.stringify(x)}\n`).join(''));
  assert.is(scanJournal(dir).units, 1);
});

test('a unit in two shard streams is an error naming both', () => {
  const a = [unit(0, 0, 0), unit(0, 1, 0)];
  const b = [unit(0, 1, 0)];
  assert.throws(() => [...mergeOrdered([a[Symbol.iterator](), b[Symbol.iterator]()], ['s0', 's1'])], /unit 0\/1\/0 appears twice \(in s0 and s1\)/);
});

test('shard streams merge back into canonical order', () => {
  const a = [unit(0, 0, 0), unit(0, 2, 0), unit(1, 1, 0)];
  const b = [unit(0, 1, 0), unit(1, 0, 0), unit(1, 2, 0)];
  const merged = [...mergeOrdered([a[Symbol.iterator](), b[Symbol.iterator]()])].map((u) => `${u.grid}/${u.drop}`);
  assert.equal(merged, ['0/0', '0/1', '0/2', '1/0', '1/1', '1/2']);
});

test('aggregation refuses units out of order or repeated', () => {
  for (const bad of [[unit(0, 1, 0), unit(0, 0, 0)], [unit(0, 0, 0), unit(0, 0, 0)]]) {
    try {
      aggregate(config, bad);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, JcpbaError);
      assert.match(e.message, /out of order/);
    }
  }
});

test.run();
