// The demo page's energy columns, energy caps and infeasible results, its statement of the
// problem, and its accessibility (issues 17 and 21), in Debian's Chromium driven by
// playwright-core. Every number shown is checked against the Node API for the same settings;
// axe-core (injected into the page) must report no violation at 1280 px and at 390 px.
// Needs /usr/bin/chromium and a built tree (npm run build).
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { METHODS, generate, solve } from '../../dist/ts/index.js';
import { ARTIFACTS, startDemo, stopDemo } from './demo-page.mjs';

const SOLVE_TIMEOUT_MS = 60_000;
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** 30 clients drawing their compute power in 150..250 W. */
const BASE = { clients: 30, bandwidthHz: 20e6, budget: 0.3, maxPruning: 0.5, model: 'llama2-7b-lora', dataset: 'gsm8k', seed: 3, drop: 0, realization: 0, computePowerW: '150:250' };
const BASE_QUERY = 'clients=30&bandwidth=20&budget=0.3&rmax=0.5&model=llama2-7b-lora&dataset=gsm8k&seed=3&drop=0&realization=0&power=150:250';
/** A cap of 6500 J: optimal meets it, bcd and prune-only meet it with some clients at the cap, equal cannot. */
const CAP_FEASIBLE = 6500;
/** A cap of 5000 J: three clients cannot meet it even at full pruning with unlimited band. */
const CAP_INFEASIBLE = 5000;

const rel = (x, y) => Math.abs(x - y) / Math.abs(y);

const energy = suite('demo page: energy, caps, the problem statement, accessibility');
const ctx = { server: undefined, url: '', browser: undefined, page: undefined, profile: '', problems: [] };

async function open(page, query) {
  await page.goto(`${ctx.url}?${query}`);
  await page.waitForSelector('#status[data-state="done"], #status[data-state="error"], #status[data-state="invalid"]', { timeout: SOLVE_TIMEOUT_MS });
  assert.is(await page.getAttribute('#status', 'data-state'), 'done', await page.textContent('#status'));
}

/** The per-client table's numbers: one object per row, field -> data-value (NaN when blank). */
function clientRows(page) {
  return page.$$eval('#clients-table tbody tr', (trs) =>
    trs.map((tr) => ({
      client: Number(tr.dataset.client),
      infeasible: tr.classList.contains('infeasible'),
      cap: tr.querySelector('[data-cap]')?.dataset.cap ?? null,
      capText: tr.querySelector('.cap-state')?.textContent ?? null,
      ...Object.fromEntries([...tr.querySelectorAll('[data-field]')].map((td) => [td.dataset.field, td.dataset.value === '' ? NaN : Number(td.dataset.value)])),
    })),
  );
}

/** Text on screen that must never be there: a number gone wrong. */
async function badText(page) {
  const text = await page.evaluate(() => document.body.innerText);
  return text.match(/.{0,40}\b(NaN|undefined|null|Infinity)\b.{0,40}/g) ?? [];
}

/** axe-core's violations on the page as it stands (every details element opened). */
async function axeViolations(page) {
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
}

energy.before(() => startDemo(ctx, ['dist/ts/browser.js', 'bindings/wasm/jcpba.wasm']));

energy.after(() => stopDemo(ctx));

energy('the page states problem P, one sentence per method, and links the model and the paper', async () => {
  const { page } = ctx;
  await open(page, BASE_QUERY);
  const statement = await page.textContent('#problem-p');
  for (const words of ['minimize the round latency', 'pruning ratios', 'bandwidth shares', 'Σk bk ≤ B', 'pruning budget']) {
    assert.ok(statement.replace(/\s+/g, ' ').includes(words), `the statement of P says "${words}": ${statement}`);
  }
  const methods = await page.$$eval('#methods-list dt', (dts) => dts.map((dt) => dt.textContent));
  assert.equal(methods, [...METHODS]);
  const sentences = await page.$$eval('#methods-list dd', (dds) => dds.map((dd) => dd.textContent.trim()));
  for (const s of sentences) assert.ok(s.length > 30 && s.endsWith('.'), `a sentence per method: ${s}`);
  assert.is(await page.getAttribute('#paper-link', 'href'), 'https://arxiv.org/abs/2602.01024');
  assert.match(await page.getAttribute('#model-link', 'href'), /\/docs\/MODEL\.md$/);
});

energy('the energy columns equal the library\'s accounting for the same problem, with caps, and recompute from the point shown', async () => {
  const { page } = ctx;
  await open(page, `${BASE_QUERY}&cap=${CAP_FEASIBLE}&method=bcd`);
  assert.is(await page.inputValue('#power'), '150:250');
  assert.is(await page.inputValue('#cap'), String(CAP_FEASIBLE));
  const problem = generate({ ...BASE, energyCapJ: CAP_FEASIBLE });
  let feasible = 0;
  for (const method of METHODS) {
    const r = solve(problem, { method }); // the TypeScript reference; the page runs WASM
    const total = await page.getAttribute(`#energy-total-${method}`, 'data-value');
    const max = await page.getAttribute(`#energy-max-${method}`, 'data-value');
    const T = await page.textContent(`#latency-${method}`);
    if (r.latency === null) {
      assert.is(total, '', `${method}: infeasible, no energy`);
      assert.is(T, 'infeasible');
      continue;
    }
    feasible++;
    assert.ok(rel(Number(total), r.energyTotal) <= 1e-9, `${method}: energy total page ${total} vs node ${r.energyTotal}`);
    assert.ok(rel(Number(max), r.energyMax) <= 1e-9, `${method}: energy max page ${max} vs node ${r.energyMax}`);
  }
  assert.ok(feasible >= 3 && feasible < METHODS.length, `a mix of feasible (${feasible}) and infeasible methods`);

  // Per client, for bcd (some clients at the cap): the library's energy, and E_k
  // recomputed here from the pruning and bandwidth the page shows (MODEL.md 11.1).
  await page.waitForSelector('#clients-section[data-method="bcd"]');
  const rows = await clientRows(page);
  const r = solve(problem, { method: 'bcd' });
  const N0 = problem.noisePsdWPerHz;
  const S = problem.payloadBits;
  let binds = 0;
  rows.forEach((row, k) => {
    assert.ok(rel(row.energy, r.energy[k]) <= 1e-9, `bcd energy[${k}]: page ${row.energy} vs node ${r.energy[k]}`);
    const a = (problem.txPowerW[k] * problem.channelGain[k]) / N0;
    const rate = row.bandwidth * Math.log2(1 + a / row.bandwidth);
    const E = problem.computePowerW[k] * problem.computeSeconds[k] * (1 - row.pruning) + (problem.txPowerW[k] * S * (1 - row.pruning)) / rate;
    assert.ok(rel(row.energy, E) <= 1e-9, `bcd energy[${k}]: page ${row.energy} vs recomputed ${E}`);
    assert.ok(row.energy <= CAP_FEASIBLE * (1 + 1e-12), `bcd client ${k} meets the cap`);
    // The least energy possible: full pruning, the rate's limit a / ln 2 (MODEL.md 11.2).
    const least = problem.computePowerW[k] * problem.computeSeconds[k] * (1 - 0.5) + (problem.txPowerW[k] * S * (1 - 0.5) * Math.LN2) / a;
    assert.ok(rel(row.leastEnergy, least) <= 1e-9, `least energy[${k}]: page ${row.leastEnergy} vs ${least}`);
    if (row.cap === 'binds') binds++;
    assert.ok(!row.infeasible);
  });
  assert.is(binds, Array.from(r.energy).filter((e) => e >= CAP_FEASIBLE * (1 - 1e-9)).length);
  assert.ok(binds > 0, 'the cap binds for some clients of bcd');
  // The energy chart: every client, sorted by energy, and the cap line.
  const chart = await page.evaluate(async () => {
    const { Chart } = await import('chart.js');
    const c = Chart.getChart(document.getElementById('energy-chart'));
    return c.data.datasets.map((d) => ({ label: d.label, y: d.data.map((p) => p.y) }));
  });
  assert.is(chart[0].y.length, BASE.clients);
  assert.equal(chart[0].y, [...chart[0].y].sort((x, y) => x - y), 'sorted by energy');
  assert.equal(chart[1].y, [CAP_FEASIBLE, CAP_FEASIBLE]);
  assert.match(chart[1].label, 'Cap');
  assert.equal(await badText(page), []);
});

energy('an infeasible cap: no number, a clear message, and the infeasible clients highlighted', async () => {
  const { page } = ctx;
  await open(page, `${BASE_QUERY}&cap=${CAP_INFEASIBLE}&method=optimal`);
  const problem = generate({ ...BASE, energyCapJ: CAP_INFEASIBLE });
  const r = solve(problem, { method: 'optimal' });
  assert.is(r.status, 'infeasible');
  assert.ok(r.infeasibleClients.length > 0);
  assert.is(await page.textContent('#latency-optimal'), 'infeasible');
  assert.is(await page.getAttribute('#latency-table tr[data-method="optimal"]', 'class'), 'infeasible');
  // The message, for every infeasible method, names the clients (numbered from 1 as in the table).
  assert.is(await page.isVisible('#infeasible-box'), true);
  const box = await page.textContent('#infeasible-box');
  const names = r.infeasibleClients.map((k) => k + 1).join(', ');
  assert.match(box, `optimal: clients ${names} cannot meet the cap of 5,000 J at all, even at full pruning`);
  assert.is(await page.isVisible('#clients-infeasible'), true);
  assert.match(await page.textContent('#clients-infeasible'), `optimal is infeasible: clients ${names} cannot meet`);
  // The per-client table marks exactly those clients, in words and not by colour alone.
  const rows = await clientRows(page);
  assert.is(rows.length, BASE.clients);
  for (const row of rows) {
    const expected = r.infeasibleClients.includes(row.client);
    assert.is(row.infeasible, expected, `client ${row.client} highlighted: ${row.infeasible}`);
    assert.is(row.cap === 'cannot-meet', expected);
    if (expected) assert.match(row.capText, 'cannot meet');
    assert.ok(Number.isNaN(row.energy) && Number.isNaN(row.pruning), 'no point: blank energy and pruning');
    // The cap condition, both sides: a highlighted client's least energy is above the cap.
    assert.is(row.leastEnergy >= CAP_INFEASIBLE, expected, `client ${row.client}: least energy ${row.leastEnergy}`);
  }
  // In the energy chart they are a dataset of their own (red crosses).
  const crosses = await page.evaluate(async () => {
    const { Chart } = await import('chart.js');
    const c = Chart.getChart(document.getElementById('energy-chart'));
    const d = c.data.datasets.find((x) => x.label.startsWith('Cannot meet'));
    return d ? { k: d.data.map((p) => p.k).sort((a, b) => a - b), style: d.pointStyle } : null;
  });
  assert.equal(crosses, { k: r.infeasibleClients, style: 'crossRot' });
  assert.is(await page.isVisible('#clients-chart'), false, 'no empty pruning chart');
  // Every method's row agrees with the library's status.
  for (const method of METHODS) {
    const status = await page.getAttribute(`#latency-table tr[data-method="${method}"]`, 'data-status');
    assert.is(status, solve(problem, { method }).status, method);
  }
  assert.equal(await badText(page), []);
  assert.equal(ctx.problems, []);
});

energy('a device fleet: the minimum pruning of each client is shown, as the generator draws it', async () => {
  const { page } = ctx;
  await open(page, `${BASE_QUERY}&devices=edge-mix`);
  const problem = generate({ ...BASE, devices: 'edge-mix' });
  const rows = await clientRows(page);
  assert.is(rows.length, problem.dataWeight.length);
  rows.forEach((row, k) => assert.ok(Math.abs(row.minPruning - problem.minPruning[k]) <= 1e-12, `minPruning[${k}]`));
  const r = solve(problem, { method: 'optimal' });
  rows.forEach((row, k) => assert.ok(row.pruning >= problem.minPruning[k] - 1e-12 && Math.abs(row.pruning - r.pruning[k]) <= 1e-9, `pruning[${k}]`));
  assert.match(await page.textContent('#problem-notes'), /Devices: \d+ of 30 clients must prune to fit the model/);
  // The chart marks each client's minimum pruning beside its pruning (same client, same rank).
  const chart = await page.evaluate(async () => {
    const { Chart } = await import('chart.js');
    const c = Chart.getChart(document.getElementById('clients-chart'));
    const of = (prefix) => c.data.datasets.find((d) => d.label.startsWith(prefix)).data;
    return { rmin: of('Minimum pruning'), rho: of('Pruning rate') };
  });
  assert.is(chart.rmin.length, 30);
  chart.rmin.forEach((pt, i) => {
    assert.is(pt.k, chart.rho[i].k);
    assert.ok(Math.abs(pt.y - 100 * problem.minPruning[pt.k]) <= 1e-9 && chart.rho[i].y >= pt.y - 1e-9, `rank ${i + 1}`);
  });
});

energy('a bad compute power or cap is reported next to its field', async () => {
  const { page } = ctx;
  await open(page, BASE_QUERY);
  assert.is(await page.inputValue('#power'), '150:250');
  await page.fill('#power', '300:100');
  await page.fill('#cap', '-5');
  await page.click('#solve');
  await page.waitForSelector('#status[data-state="invalid"]');
  assert.match(await page.textContent('#power-error'), 'Compute power must be a number of W >= 0, or a range lo:hi');
  assert.match(await page.textContent('#cap-error'), 'The energy cap must be a positive number of J, or empty for no cap.');
  await page.fill('#power', '');
  await page.fill('#cap', '');
  await page.click('#solve');
  await page.waitForSelector('#status[data-state="invalid"]');
  await page.fill('#power', '200');
  await page.click('#solve');
  await page.waitForSelector('#status[data-state="done"]', { timeout: SOLVE_TIMEOUT_MS });
  // The generator's default: 200 W for every client, no cap.
  const r = solve(generate({ ...BASE, computePowerW: 200 }), { method: 'optimal' });
  assert.ok(rel(Number(await page.getAttribute('#energy-total-optimal', 'data-value')), r.energyTotal) <= 1e-9);
  assert.match(page.url(), 'power=200');
});

energy('K = 1,000: the per-client chart draws every client sorted, with bandwidth ticks in their own units', async () => {
  const { page } = ctx;
  await open(page, 'clients=1000&method=optimal');
  const chart = await page.evaluate(async () => {
    const { Chart } = await import('chart.js');
    const c = Chart.getChart(document.getElementById('clients-chart'));
    return {
      datasets: c.data.datasets.map((d) => ({ label: d.label, y: d.data.map((p) => p.y), k: d.data.map((p) => p.k) })),
      ticks: c.scales.y1.ticks.map((t) => t.label),
      title: c.options.scales.y1.title.text,
    };
  });
  const [pruning, bandwidth] = chart.datasets;
  assert.is(pruning.y.length, 1000);
  assert.is(bandwidth.y.length, 1000);
  assert.equal([...pruning.k].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, k) => k), 'every client once');
  assert.equal(pruning.y, [...pruning.y].sort((a, b) => a - b), 'sorted by pruning');
  // No unit in the legend that the axis could contradict; each tick carries its own.
  assert.not.match(bandwidth.label, /Hz/);
  assert.not.match(chart.title, /MHz|kHz/);
  for (const t of chart.ticks) assert.match(t, /^\d+(\.\d+)? (Hz|kHz|MHz|GHz)$/);
  assert.match(await page.textContent('#clients-caption'), 'sorted by pruning rate, then bandwidth (every client drawn, none sampled or aggregated');
  assert.match(await page.textContent('#energy-caption'), 'sorted by energy');
});

energy('with caps, the Monte Carlo, the plan and the learning panel count the realizations without a point and show no number for them', async () => {
  const { page } = ctx;
  const N = 12;
  await open(page, `${BASE_QUERY}&cap=${CAP_FEASIBLE}&mc=${N}&planN=2&rounds0=50&pmax=0.6`);
  await page.click('#mc-run');
  await page.waitForSelector('#mc-section[data-state="done"]', { timeout: SOLVE_TIMEOUT_MS });
  const shown = await page.$$eval('#mc-table tbody tr', (rows) =>
    rows.map((tr) => ({
      method: tr.dataset.method,
      mean: tr.querySelector(`#mc-mean-${tr.dataset.method}`).dataset.value,
      text: tr.querySelector(`#mc-mean-${tr.dataset.method}`).textContent,
      energy: tr.querySelector(`#mc-energy-${tr.dataset.method}`).dataset.value,
      infeasible: Number(tr.querySelector(`#mc-infeasible-${tr.dataset.method}`).dataset.value),
    })),
  );
  let both = [0, 0];
  for (const [j, method] of METHODS.entries()) {
    const feasible = [];
    let without = 0;
    for (let i = 0; i < N; i++) {
      const r = solve(generate({ ...BASE, energyCapJ: CAP_FEASIBLE, realization: i }), { method });
      if (r.latency === null) without++;
      else feasible.push(r);
    }
    const s = shown[j];
    assert.is(s.method, method);
    assert.is(s.infeasible, without, `${method}: realizations without a point`);
    if (feasible.length === 0) {
      assert.is(s.mean, '');
      assert.is(s.text, 'no point');
      both[0]++;
    } else {
      const mean = feasible.reduce((a, r) => a + r.latency, 0) / feasible.length;
      const energyMean = feasible.reduce((a, r) => a + r.energyTotal, 0) / feasible.length;
      assert.ok(rel(Number(s.mean), mean) <= 1e-9, `${method}: mean over the realizations with a point, page ${s.mean} vs node ${mean}`);
      assert.ok(rel(Number(s.energy), energyMean) <= 1e-9, `${method}: mean energy page ${s.energy} vs node ${energyMean}`);
      both[1]++;
    }
  }
  assert.ok(both[0] > 0 && both[1] > 0, `methods with (${both[1]}) and without (${both[0]}) a point`);
  assert.match(await page.textContent('#mc-caption'), 'cover the realizations where it returned one');

  await page.click('#plan-run');
  await page.waitForSelector('#plan-section[data-state="done"]', { timeout: SOLVE_TIMEOUT_MS });
  const equalPlan = await page.textContent('#plan-equal-static');
  assert.is(equalPlan, 'infeasible', 'equal meets no cap in any realization: no plan');
  assert.match(await page.getAttribute('#plan-table tr[data-method="equal"]', 'class'), 'infeasible');
  assert.ok(Number(await page.getAttribute('#plan-optimal-static', 'data-value')) > 0);

  // Seed 1: a cap no realization meets for any method. No plan shows a number (the
  // library's adaptive plan comes back with 0 s there; the page shows no plan).
  await open(page, `clients=30&power=150:250&cap=${CAP_FEASIBLE}&planN=2`);
  await page.click('#plan-run');
  await page.waitForSelector('#plan-section[data-state="done"]', { timeout: SOLVE_TIMEOUT_MS });
  for (const id of ['#plan-optimal-static', '#plan-optimal-adaptive', '#plan-bcd-static']) assert.is(await page.textContent(id), 'infeasible', id);
  assert.match(await page.textContent('#plan-at-budget'), 'infeasible');
  assert.equal(await badText(page), []);
  await open(page, `${BASE_QUERY}&cap=${CAP_FEASIBLE}&pmax=0.6`);

  await page.fill('#learning-rounds', '5');
  const csv = ['round,loss', ...Array.from({ length: 11 }, (_, x) => `${x},${1 + 2 * Math.exp(-x / 3)}`)].join('\n');
  await page.setInputFiles('#curve-file', { name: 'curve.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForSelector('#learning-section[data-state="done"]', { timeout: SOLVE_TIMEOUT_MS });
  assert.match(await page.textContent('#learning-table tr[data-method="equal"]'), '0: no point in round 1 (energy caps)');
  assert.is(await page.textContent('#learning-table tr[data-method="optimal"] td:last-child'), '5');
  assert.equal(await badText(page), []);
});

for (const width of [1280, 390]) {
  energy(`axe-core: 0 violations at ${width} px, feasible and infeasible, and nothing wider than the screen`, async () => {
    const page = await ctx.browser.newPage();
    page.on('pageerror', (e) => ctx.problems.push(`page error: ${e.message}`));
    try {
      await page.setViewportSize({ width, height: 900 });
      for (const query of [`${BASE_QUERY}&cap=${CAP_FEASIBLE}&method=bcd&devices=edge-mix`, `${BASE_QUERY}&cap=${CAP_INFEASIBLE}`, 'clients=200']) {
        await open(page, query);
        assert.equal(await axeViolations(page), [], `${query} at ${width} px`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.is(overflow, 0, `${query}: the page is wider than ${width} px`);
      }
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `demo-infeasible-${width}px.png`), fullPage: false });
    } finally {
      await page.close();
    }
  });
}

energy('every table sits in a named scroll region that the keyboard reaches and scrolls', async () => {
  const page = await ctx.browser.newPage();
  try {
    await page.setViewportSize({ width: 390, height: 844 });
    await open(page, `${BASE_QUERY}&cap=${CAP_FEASIBLE}`);
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
    const regions = await page.$$eval('table', (tables) =>
      tables.map((t) => {
        const box = t.parentElement;
        return { table: t.id, tabindex: box.getAttribute('tabindex'), role: box.getAttribute('role'), label: box.getAttribute('aria-label') };
      }),
    );
    assert.is(regions.length, 5);
    for (const r of regions) {
      assert.is(r.tabindex, '0', r.table);
      assert.is(r.role, 'region', r.table);
      assert.ok(r.label && r.label.length > 5, r.table);
    }
    // Tab through the page: the visible regions receive the focus, in order.
    const reached = new Set();
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => (document.activeElement?.classList.contains('table-scroll') ? document.activeElement.querySelector('table').id : null));
      if (id) reached.add(id);
    }
    assert.ok(reached.has('latency-table') && reached.has('clients-table'), `reached ${[...reached]}`);
    // At 390 px the latency table is wider than its box: the arrow keys scroll it.
    await page.focus('#latency-section .table-scroll');
    const before = await page.$eval('#latency-section .table-scroll', (d) => [d.scrollLeft, d.scrollWidth - d.clientWidth]);
    assert.ok(before[1] > 0, 'the table is wider than the screen at 390 px');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    // Keyboard scrolling may be animated: wait for it to move.
    await page.waitForFunction(() => document.querySelector('#latency-section .table-scroll').scrollLeft > 0, null, { timeout: 5000 });
  } finally {
    await page.close();
  }
});

energy.run();
