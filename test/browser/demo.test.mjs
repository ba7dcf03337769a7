// The demo page (web/) in a real browser: Debian's Chromium driven by playwright-core.
// Starts `node scripts/demo-server.mjs --port 0`, loads the page with fixed settings
// and checks that what it shows is what the Node API computes for the same settings.
// Needs /usr/bin/chromium (apt-get install -y chromium) and a built tree (npm run build).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { METHODS, createSolver, generate, solve } from '../../dist/ts/index.js';
import { ARTIFACTS, startDemo, stopDemo } from './demo-page.mjs';
import { t975 } from '../../dist/ts/core/montecarlo.js';

/** Longest wait for one solve or one Monte Carlo run in the page, ms. */
const SOLVE_TIMEOUT_MS = 30_000;
const MC_TIMEOUT_MS = 180_000;

/** The settings under test, as the page takes them and as generate() takes them. */
const QUERY = 'clients=20&bandwidth=20&budget=0.3&rmax=0.5&model=llama2-7b-lora&dataset=gsm8k&seed=3&drop=0&realization=0&method=optimal&mc=200';
const SCENARIO = { clients: 20, bandwidthHz: 20e6, budget: 0.3, maxPruning: 0.5, model: 'llama2-7b-lora', dataset: 'gsm8k', seed: 3, drop: 0, realization: 0 };
const REALIZATIONS = 200;

const rel = (x, y) => Math.abs(x - y) / Math.abs(y);

const demo = suite('demo page in Chromium');
const ctx = { server: undefined, url: '', browser: undefined, page: undefined, profile: '', problems: [] };

/** Latencies shown in the latency table: method -> { text, value } (value: data-value). */
async function shownLatencies(page) {
  return page.$$eval('#latency-table tbody tr', (rows) =>
    Object.fromEntries(
      rows.map((tr) => {
        const td = tr.querySelector(`#latency-${tr.dataset.method}`);
        return [tr.dataset.method, { text: td.textContent, value: Number(td.dataset.value) }];
      }),
    ),
  );
}

async function solveAndWait(page) {
  await page.click('#solve');
  await page.waitForSelector('#status[data-state="done"], #status[data-state="invalid"], #status[data-state="error"]', { timeout: SOLVE_TIMEOUT_MS });
}

demo.before(async () => {
  await startDemo(ctx, ['dist/ts/browser.js', 'bindings/wasm/jcpba.wasm', 'bindings/wasm/jcpba-nosimd.wasm']);
  ctx.page.on('requestfailed', (r) => ctx.problems.push(`request failed: ${r.url()}`));
});

demo.after(() => stopDemo(ctx));

demo('the page loads with the settings of its address and runs the WASM backend', async () => {
  const { page } = ctx;
  await page.goto(`${ctx.url}?${QUERY}`);
  await page.waitForSelector('#backend[data-backend]', { timeout: SOLVE_TIMEOUT_MS });
  assert.is(await page.getAttribute('#backend', 'data-backend'), 'wasm');
  // Chromium runs WebAssembly SIMD: the loader took the module built with it.
  assert.is(await page.getAttribute('#backend', 'data-kernels'), 'simd128');
  assert.is(await page.inputValue('#clients'), '20');
  assert.is(await page.inputValue('#seed'), '3');
  assert.is(await page.inputValue('#model'), 'llama2-7b-lora');
  // The page solves on load when the address holds valid settings; solve again by hand.
  await page.waitForSelector('#status[data-state="done"]', { timeout: SOLVE_TIMEOUT_MS });
  await solveAndWait(page);
  assert.is(await page.getAttribute('#status', 'data-state'), 'done');
});

demo('the latency of every method equals the Node API for the same settings', async () => {
  const shown = await shownLatencies(ctx.page);
  assert.equal(Object.keys(shown), [...METHODS]);
  const problem = generate(SCENARIO);
  for (const method of METHODS) {
    const expected = solve(problem, { method }).latency; // the TypeScript reference
    const { text, value } = shown[method];
    assert.ok(rel(value, expected) <= 1e-9, `${method}: page ${value} vs node ${expected}`);
    assert.is(text, value.toPrecision(6), `${method}: shown text`);
    assert.ok(rel(Number(text), expected) <= 5e-6, `${method}: shown ${text} vs node ${expected}`);
  }
  const canvasLabel = await ctx.page.getAttribute('#latency-chart', 'aria-label');
  assert.match(canvasLabel, `optimal ${shown.optimal.text} s`);
});

demo('the per-client pruning and bandwidth are those of the chosen method', async () => {
  const { page } = ctx;
  const wasm = await createSolver({ backend: 'wasm' });
  const problem = generate(SCENARIO);
  for (const method of ['optimal', 'bcd']) {
    await page.selectOption('#method', method);
    await page.waitForSelector(`#clients-section[data-method="${method}"]`);
    const rows = await page.$$eval('#clients-table tbody tr', (trs) =>
      trs.map((tr) => Object.fromEntries([...tr.querySelectorAll('[data-field]')].map((td) => [td.dataset.field, Number(td.dataset.value)]))),
    );
    // The same WASM module, run by Node. The generator runs in each engine's JavaScript,
    // whose Math functions may differ in the last bit, so allow rounding-level drift.
    const r = wasm.solve(problem, { method });
    assert.is(rows.length, SCENARIO.clients);
    rows.forEach((row, k) => {
      assert.ok(Math.abs(row.pruning - r.pruning[k]) <= 1e-9, `${method} pruning[${k}]: ${row.pruning} vs ${r.pruning[k]}`);
      assert.ok(Math.abs(row.bandwidth - r.bandwidth[k]) <= 1e-9 * SCENARIO.bandwidthHz, `${method} bandwidth[${k}]: ${row.bandwidth} vs ${r.bandwidth[k]}`);
      assert.ok(rel(row.clientLatency, r.clientLatency[k]) <= 1e-9, `${method} clientLatency[${k}]`);
    });
    assert.match(page.url(), `method=${method}`);
  }
  await page.selectOption('#method', 'optimal');
});

demo('the Monte Carlo runs to 100% and its means equal the Node API', async () => {
  const { page } = ctx;
  await page.click('#mc-run');
  // On a loaded machine the worker can finish before this process looks: running or done.
  await page.waitForSelector('#mc-section[data-state="running"], #mc-section[data-state="done"]');
  await page.waitForSelector('#mc-section[data-state="done"]', { timeout: MC_TIMEOUT_MS });
  const progress = await page.$eval('#mc-progress', (p) => [p.value, p.max]);
  assert.equal(progress, [REALIZATIONS, REALIZATIONS]);
  assert.match(await page.textContent('#mc-progress-text'), '(100%)');
  const shown = await page.$$eval('#mc-table tbody tr', (rows) =>
    rows.map((tr) => {
      const mean = tr.querySelector(`#mc-mean-${tr.dataset.method}`);
      const median = tr.querySelector(`#mc-median-${tr.dataset.method}`);
      const ci = tr.querySelector('[data-low]');
      return {
        method: tr.dataset.method,
        mean: Number(mean.dataset.value),
        text: mean.textContent,
        median: Number(median.dataset.value),
        low: Number(ci.dataset.low),
        high: Number(ci.dataset.high),
      };
    }),
  );
  assert.equal(shown.map((s) => s.method), [...METHODS]);
  const wasm = await createSolver({ backend: 'wasm' });
  const samples = METHODS.map(() => []);
  for (let i = 0; i < REALIZATIONS; i++) {
    const problem = generate({ ...SCENARIO, realization: i });
    METHODS.forEach((method, j) => samples[j].push(wasm.solve(problem, { method }).latency));
  }
  METHODS.forEach((method, j) => {
    const xs = samples[j];
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
    const half = (t975(xs.length - 1) * std) / Math.sqrt(xs.length);
    const sorted = [...xs].sort((a, b) => a - b);
    const median = (sorted[REALIZATIONS / 2 - 1] + sorted[REALIZATIONS / 2]) / 2;
    const s = shown[j];
    assert.ok(rel(s.median, median) <= 1e-9, `${method}: page median ${s.median} vs node ${median}`);
    assert.ok(rel(s.mean, mean) <= 1e-9, `${method}: page mean ${s.mean} vs node ${mean}`);
    assert.ok(rel(s.high - s.low, 2 * half) <= 1e-6, `${method}: CI width`);
    assert.is(s.text, s.mean.toPrecision(6));
  });
  assert.match(page.url(), `mc=${REALIZATIONS}`);
});

demo('a long Monte Carlo can be cancelled while the page stays responsive', async () => {
  const { page } = ctx;
  await page.fill('#mc', '5000');
  await page.click('#mc-run');
  await page.waitForFunction(() => document.querySelector('#mc-progress').value >= 10, null, { timeout: SOLVE_TIMEOUT_MS });
  // The main thread answers while the worker solves: switch the per-client method.
  await page.selectOption('#method', 'bcd');
  await page.waitForSelector('#clients-section[data-method="bcd"]', { timeout: 1000 });
  assert.is(await page.getAttribute('#mc-section', 'data-state'), 'running');
  await page.click('#mc-cancel');
  await page.waitForSelector('#mc-section[data-state="cancelled"]', { timeout: SOLVE_TIMEOUT_MS });
  assert.match(await page.textContent('#mc-progress-text'), /^cancelled after \d+ realizations$/);
  await page.selectOption('#method', 'optimal');
  await page.fill('#mc', String(REALIZATIONS));
});

demo('the fine-tuning panel plans every method, with the Node API\'s fine-tuning times', async () => {
  const { page } = ctx;
  await page.fill('#rounds0', '80');
  await page.fill('#pmax', '0.6');
  await page.fill('#plan-n', '6');
  await page.click('#plan-run');
  await page.waitForSelector('#plan-section[data-state="done"]', { timeout: MC_TIMEOUT_MS });
  const shown = await page.$$eval('#plan-table tbody tr', (rows) =>
    rows.map((tr) => {
      const td = tr.querySelector(`#plan-${tr.dataset.method}-${tr.dataset.policy}`);
      return { method: tr.dataset.method, policy: tr.dataset.policy, seconds: Number(td.dataset.value), hours: td.textContent };
    }),
  );
  assert.equal(
    shown.map((r) => `${r.method}/${r.policy}`),
    [...METHODS.map((m) => `${m}/static`), 'optimal/adaptive'],
  );
  // The same WASM module, run by Node, on realizations 0..5 of the drop.
  const wasm = await createSolver({ backend: 'wasm' });
  const problems = Array.from({ length: 6 }, (_, realization) => generate({ ...SCENARIO, realization }));
  const [stat, adaptive] = wasm.plan(problems, { rounds0: 80, pruningLimit: 0.6, policy: 'both' });
  const equal = wasm.plan(problems, { rounds0: 80, pruningLimit: 0.6, method: 'equal' })[0];
  const row = (m, p) => shown.find((r) => r.method === m && r.policy === p);
  assert.ok(rel(row('optimal', 'static').seconds, stat.fineTuningSeconds) <= 1e-9, `page ${row('optimal', 'static').seconds} vs node ${stat.fineTuningSeconds}`);
  assert.ok(rel(row('optimal', 'adaptive').seconds, adaptive.fineTuningSeconds) <= 1e-9);
  assert.ok(rel(row('equal', 'static').seconds, equal.fineTuningSeconds) <= 1e-9);
  assert.is(row('optimal', 'static').hours, (stat.fineTuningSeconds / 3600).toFixed(3));
  // optimal at the scenario's budget (0.3) against its best.
  let latency = 0;
  for (const p of problems) latency += wasm.solve({ ...p, pruningBudget: 0.3 }, { method: 'optimal' }).latency;
  const atBudget = Math.ceil(80 / (1 - 0.3 / 0.6)) * (latency / 6);
  assert.ok(rel(Number(await page.getAttribute('#plan-at-budget', 'data-value')), atBudget) <= 1e-9);
  assert.ok(atBudget >= stat.fineTuningSeconds);
  assert.match(await page.textContent('#plan-at-budget'), /optimal at the scenario's budget 0\.3: 160 rounds/);
  assert.match(await page.getAttribute('#plan-chart', 'aria-label'), `optimal ${(stat.fineTuningSeconds / 3600).toFixed(3)} h`);
  assert.match(page.url(), 'rounds0=80');
  assert.match(page.url(), 'pmax=0.6');
  // A bad limit is reported next to its field; inf is accepted.
  await page.fill('#pmax', '0');
  await page.click('#plan-run');
  await page.waitForSelector('#plan-section[data-state="invalid"]');
  assert.match(await page.textContent('#pmax-error'), 'positive number, or inf');
  await page.fill('#pmax', 'inf');
  await page.fill('#plan-n', '2');
  await page.click('#plan-run');
  await page.waitForSelector('#plan-section[data-state="done"]', { timeout: MC_TIMEOUT_MS });
  assert.is(await page.textContent('#pmax-error'), '');
  const rounds = await page.$eval('#plan-table tbody tr[data-method="optimal"][data-policy="static"] td:nth-child(4)', (td) => td.textContent);
  assert.is(rounds, '80');
});

demo('the learning panel: a dropped loss curve gives each method\'s loss against wall-clock time, as the Node API replays it', async () => {
  const { page } = ctx;
  await page.fill('#pmax', '0.6');
  await page.fill('#learning-rounds', '30');
  await page.fill('#learning-m', '1.5');
  const L0 = (x) => 1 + 2 * Math.exp(-x / 10);
  const csv = ['round,loss', ...Array.from({ length: 41 }, (_, x) => `${x},${L0(x)}`)].join('\n');
  await page.setInputFiles('#curve-file', { name: 'curve.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForSelector('#learning-section[data-state="done"]', { timeout: MC_TIMEOUT_MS });
  // One trial per method on realizations 0..29 of the drop, replayed with the same WASM module.
  const wasm = await createSolver({ backend: 'wasm' });
  for (const method of ['equal', 'optimal']) {
    let time = 0;
    let x = 0;
    for (let r = 0; r < 30; r++) {
      const p = generate({ ...SCENARIO, realization: r });
      const s = wasm.solve(p, { method });
      let wsum = 0;
      let P = 0;
      p.dataWeight.forEach((w) => (wsum += w));
      p.dataWeight.forEach((w, k) => (P += (w / wsum) * s.pruning[k]));
      x += (1 - Math.min(P, p.pruningBudget) / 0.6) ** 1.5;
      time += s.latency;
    }
    const j = Math.floor(x);
    const loss = j === x ? L0(j) : L0(j) + (x - j) * (L0(j + 1) - L0(j));
    const shownTime = Number(await page.getAttribute(`#learning-time-${method}`, 'data-value'));
    const shownLoss = Number(await page.getAttribute(`#learning-loss-${method}`, 'data-value'));
    assert.ok(rel(shownTime, time) <= 1e-9, `${method}: page time ${shownTime} vs node ${time}`);
    assert.ok(Math.abs(shownLoss - loss) <= 1e-9, `${method}: page loss ${shownLoss} vs node ${loss}`);
  }
  assert.match(await page.getAttribute('#learning-chart', 'aria-label'), /over 30 rounds: equal ends at loss/);
  // A bad curve: the message names its line, next to the file field.
  await page.setInputFiles('#curve-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('round,loss\n0,2\n1,x\n') });
  await page.waitForSelector('#learning-section[data-state="error"]', { timeout: SOLVE_TIMEOUT_MS });
  assert.match(await page.textContent('#curve-file-error'), /bad\.csv line 3, loss: expected a finite number, got "x"/);
});

demo('a bad input shows a message next to its field and the page keeps working', async () => {
  const { page } = ctx;
  const before = await shownLatencies(page);
  await page.fill('#clients', '-3');
  await page.fill('#budget', '1');
  await solveAndWait(page);
  assert.is(await page.getAttribute('#status', 'data-state'), 'invalid');
  assert.match(await page.textContent('#clients-error'), 'Clients must be a positive integer');
  assert.is(await page.getAttribute('#clients', 'aria-invalid'), 'true');
  assert.match(await page.textContent('#budget-error'), 'Budget must be a number in [0, 1)');
  assert.is(await page.textContent('#seed-error'), '');
  assert.equal(await shownLatencies(page), before, 'the last results stay on the page');
  assert.match(page.url(), 'clients=20', 'a bad value does not reach the address');

  await page.fill('#clients', '25');
  await page.fill('#budget', '0.3');
  await solveAndWait(page);
  assert.is(await page.getAttribute('#status', 'data-state'), 'done');
  assert.is(await page.textContent('#clients-error'), '');
  assert.is(await page.getAttribute('#clients', 'aria-invalid'), null);
  const shown = await shownLatencies(page);
  const expected = solve(generate({ ...SCENARIO, clients: 25 }), { method: 'optimal' }).latency;
  assert.ok(rel(shown.optimal.value, expected) <= 1e-9, `K = 25 optimal: page ${shown.optimal.value} vs node ${expected}`);
  assert.match(page.url(), 'clients=25');

  await page.fill('#mc', '0');
  await page.click('#mc-run');
  await page.waitForSelector('#mc-section[data-state="invalid"]');
  assert.match(await page.textContent('#mc-error'), 'Realizations must be an integer from 1 to');
  await page.fill('#mc', String(REALIZATIONS));

  // A bad value in a shared address is reported the same way, never a blank page.
  await page.goto(`${ctx.url}?clients=abc&seed=3`);
  await page.waitForSelector('#status[data-state="invalid"]', { timeout: SOLVE_TIMEOUT_MS });
  assert.match(await page.textContent('#clients-error'), 'Clients must be a positive integer');
});

demo('the round model v2 inputs (t0, phi_c, phi_s) reach the solver, and bad ones are reported', async () => {
  const { page } = ctx;
  await page.goto(`${ctx.url}?${QUERY}`);
  await page.waitForSelector('#status[data-state="done"]', { timeout: SOLVE_TIMEOUT_MS });
  assert.is(await page.inputValue('#t0'), '0');
  assert.is(await page.inputValue('#phic'), '1');
  assert.is(await page.inputValue('#phis'), '1');
  await page.fill('#t0', '5');
  await page.fill('#phic', '0.4');
  await page.fill('#phis', '0.8');
  await solveAndWait(page);
  assert.is(await page.getAttribute('#status', 'data-state'), 'done');
  const shown = await shownLatencies(page);
  const problem = generate({ ...SCENARIO, fixedSeconds: 5, prunableComputeFraction: 0.4, prunablePayloadFraction: 0.8 });
  for (const method of METHODS) {
    const expected = solve(problem, { method }).latency;
    assert.ok(rel(shown[method].value, expected) <= 1e-9, `${method}: page ${shown[method].value} vs node ${expected}`);
  }
  assert.match(page.url(), 't0=5');
  assert.match(page.url(), 'phic=0.4');
  await page.fill('#phic', '1.5');
  await page.fill('#t0', '-1');
  await solveAndWait(page);
  assert.is(await page.getAttribute('#status', 'data-state'), 'invalid');
  assert.match(await page.textContent('#phic-error'), 'Prunable share of compute must be a number in [0, 1].');
  assert.match(await page.textContent('#t0-error'), 'Fixed time must be a number of seconds >= 0.');
  assert.is(await page.textContent('#phis-error'), '');
});

demo('reloading restores the view from the address', async () => {
  const { page } = ctx;
  await page.goto(`${ctx.url}?${QUERY}`);
  await page.waitForSelector('#status[data-state="done"]', { timeout: SOLVE_TIMEOUT_MS });
  await page.fill('#seed', '7');
  await page.selectOption('#dataset', 'yahoo-answers');
  await solveAndWait(page);
  await page.reload();
  await page.waitForSelector('#status[data-state="done"]', { timeout: SOLVE_TIMEOUT_MS });
  assert.is(await page.inputValue('#seed'), '7');
  assert.is(await page.inputValue('#dataset'), 'yahoo-answers');
  const expected = solve(generate({ ...SCENARIO, seed: 7, dataset: 'yahoo-answers' }), { method: 'optimal' }).latency;
  assert.ok(rel((await shownLatencies(page)).optimal.value, expected) <= 1e-9);
});

demo('backend=ts in the address runs the TypeScript reference and says so', async () => {
  const { page } = ctx;
  await page.goto(`${ctx.url}?${QUERY}&backend=ts`);
  await page.waitForSelector('#status[data-state="done"]', { timeout: SOLVE_TIMEOUT_MS });
  assert.is(await page.getAttribute('#backend', 'data-backend'), 'ts');
  const shown = await shownLatencies(page);
  const problem = generate(SCENARIO);
  for (const method of METHODS) {
    const expected = solve(problem, { method }).latency;
    assert.ok(rel(shown[method].value, expected) <= 1e-9, `${method}: page ${shown[method].value} vs node ${expected}`);
  }
});

/** The bandwidth axis of the per-client chart, as Chart.js laid it out. */
function bandwidthAxis(page) {
  return page.evaluate(async () => {
    const { Chart } = await import('chart.js');
    const chart = Chart.getChart(document.getElementById('clients-chart'));
    const scale = chart.scales.y1;
    return {
      min: scale.min,
      max: scale.max,
      ticks: scale.ticks.map((t) => ({ value: t.value, label: t.label, y: scale.getPixelForValue(t.value) })),
      data: chart.data.datasets.find((d) => d.yAxisID === 'y1').data.map((p) => p.y).filter((x) => x > 0),
      fontSize: scale.options.ticks.font?.size ?? Chart.defaults.font.size,
    };
  });
}

const UNIT_MHZ = { Hz: 1e-6, kHz: 1e-3, MHz: 1, GHz: 1e3 };

demo('on a 390 px wide screen nothing overflows sideways, and the log axis has readable ticks below 1 MHz', async () => {
  const page = await ctx.browser.newPage();
  page.on('pageerror', (e) => ctx.problems.push(`page error: ${e.message}`));
  try {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    // 60 clients: most bands well below 1 MHz; equal: every band the same (a span of one value).
    for (const query of ['clients=60&seed=2&method=optimal', 'clients=50&method=equal', 'clients=300&method=bcd']) {
      await page.goto(`${ctx.url}?${query}`);
      await page.waitForSelector('#status[data-state="done"]', { timeout: SOLVE_TIMEOUT_MS });
      await page.waitForSelector('#clients-section[data-method]');
      assert.is(await overflow(), 0, `${query}: the page is wider than the screen`);
      await page.click('#clients-section summary'); // the per-client table, opened
      assert.is(await overflow(), 0, `${query}: with the per-client table open`);
      const axis = await bandwidthAxis(page);
      assert.ok(axis.ticks.length >= 2, `${query}: ${axis.ticks.length} ticks`);
      assert.ok(axis.min <= Math.min(...axis.data) && axis.max >= Math.max(...axis.data), `${query}: every bar inside the axis`);
      assert.ok(axis.ticks.some((t) => t.value < 1), `${query}: a tick below 1 MHz`);
      for (const t of axis.ticks) {
        const m = /^(\d+(?:\.\d+)?) (Hz|kHz|MHz|GHz)$/.exec(t.label);
        assert.ok(m, `${query}: tick ${t.value} MHz is labelled ${JSON.stringify(t.label)}`);
        const value = Number(m[1]) * UNIT_MHZ[m[2]];
        assert.ok(Math.abs(value - t.value) <= 1e-9 * t.value, `${query}: label ${t.label} for ${t.value} MHz`);
      }
      const gaps = axis.ticks.slice(1).map((t, i) => Math.abs(t.y - axis.ticks[i].y));
      assert.ok(Math.min(...gaps) >= 1.5 * axis.fontSize, `${query}: labels ${Math.min(...gaps)} px apart overlap`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'demo-390px.png'), fullPage: true });
  } finally {
    await page.close();
  }
  assert.equal(ctx.problems, []);
});

demo('a screenshot of the full page after a Monte Carlo run', async () => {
  const { page } = ctx;
  await page.goto(`${ctx.url}?${QUERY}`);
  await page.waitForSelector('#status[data-state="done"]', { timeout: SOLVE_TIMEOUT_MS });
  await page.click('#mc-run');
  await page.waitForSelector('#mc-section[data-state="done"]', { timeout: MC_TIMEOUT_MS });
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, 'demo.png');
  await page.screenshot({ path, fullPage: true });
  assert.ok(existsSync(path));
  assert.equal(ctx.problems, [], 'no page errors, console errors or failed requests');
});

demo.run();
