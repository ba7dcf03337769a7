// A sweep whose realizations leave a method without a point (energy caps no client can
// meet) stops with a clear error naming the drop, realization, method and clients on every
// backend, never folding a NaN latency into its statistics (the sweep statistics over
// infeasible realizations, MODEL.md 11.2's infeasibleShare, are not there yet).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const backend = process.env.JCPBA_BACKEND ?? 'auto';

test(`a cap no client can meet stops the sweep with the realization and clients named (${backend})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-infeasible-'));
  try {
    const r = spawnSync(process.execPath, ['bin/jcpba.js', 'sweep', '--clients', '5', '--drops', '1', '--realizations', '16', '--energy-cap', '1', '--methods', 'equal,optimal', '--backend', backend, '--out', join(dir, 'out')], { encoding: 'utf8' });
    assert.is.not(r.status, 0, r.stderr);
    assert.match(r.stderr, /drop 0, realization 0: equal finds no feasible point \(clients 0, 1, 2, 3, 4 cannot meet their constraints\)/);
    assert.not.match(r.stderr, /NaN/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
