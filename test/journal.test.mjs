import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JcpbaError } from '../dist/ts/index.js';
import { journalUnits, mergeOrdered, readJournal } from '../dist/ts/sweep/journal.js';
import { aggregate } from '../dist/ts/sweep/results.js';

const unit = (grid, drop, block) => ({ grid, drop, block, methods: [] });
const header = { kind: 'jcpba-sweep-journal', identity: 'x', config: {} };

test('a torn last line is cut from the journal, and the units before it survive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-journal-'));
  const path = join(dir, 'units.jsonl');
  writeFileSync(path, `${JSON.stringify(header)}\n${JSON.stringify(unit(0, 0, 0))}\n${JSON.stringify(unit(0, 1, 0))}\n`);
  const intact = readFileSync(path, 'utf8');
  appendFileSync(path, JSON.stringify(unit(0, 2, 0)).slice(0, 17));
  const j = readJournal(dir);
  assert.equal([...j.keys], ['0/0/0', '0/1/0']);
  assert.is(readFileSync(path, 'utf8'), intact);
  assert.equal([...journalUnits(dir)].map((u) => u.drop), [0, 1]);
});

test('shard streams merge back into canonical order', () => {
  const a = [unit(0, 0, 0), unit(0, 2, 0), unit(1, 1, 0)];
  const b = [unit(0, 1, 0), unit(1, 0, 0), unit(1, 2, 0)];
  const merged = [...mergeOrdered([a[Symbol.iterator](), b[Symbol.iterator]()])].map((u) => `${u.grid}/${u.drop}`);
  assert.equal(merged, ['0/0', '0/1', '0/2', '1/0', '1/1', '1/2']);
});

test('aggregation refuses units out of order or repeated', () => {
  const config = { grid: [{ key: 'clients', values: [5] }], base: {}, seed: 1, drops: 2, realizations: 16, rounds: 1, methods: [], tolerance: 1e-10, maxIterations: 5 };
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
