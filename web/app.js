// The demo page: reads the form (and the address, where the settings live), checks it,
// asks the worker to solve, and draws the answers. The solver runs only in the worker.
import { BarController, BarElement, CategoryScale, Chart, Legend, LineController, LineElement, LinearScale, LogarithmicScale, PointElement, Tooltip } from 'chart.js';
import { DATASET_PRESETS, METHODS, MODEL_PRESETS, SCENARIO_DEFAULTS } from '../dist/ts/browser.js';

Chart.register(BarController, BarElement, CategoryScale, LineController, LineElement, LinearScale, LogarithmicScale, PointElement, Tooltip, Legend);

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const HZ_PER_MHZ = 1e6;
/** Largest K the page accepts: the solve is O(K log K) per method, the charts are not. */
const MAX_CLIENTS = 1000;
const MAX_REALIZATIONS = 10000;
const DEFAULT_REALIZATIONS = 200;
/** The fine-tuning panel's defaults: R0, Pmax and the realizations planned over. */
const DEFAULT_ROUNDS0 = 100;
const DEFAULT_PRUNING_LIMIT = '0.5';
const DEFAULT_PLAN_REALIZATIONS = 16;
const MAX_PLAN_REALIZATIONS = 1000;
const SECONDS_PER_HOUR = 3600;
const UINT32_MAX = 0xffffffff;
/** Significant digits of a latency shown in the page (data-value holds the full number). */
const LATENCY_DIGITS = 6;

/** Okabe-Ito, a palette that colour-blind readers can tell apart; one colour per method. */
const PALETTE = ['#999999', '#56B4E9', '#E69F00', '#009E73', '#CC79A7', '#0072B2', '#D55E00'];
const COLOR = Object.fromEntries(METHODS.map((m, i) => [m, PALETTE[i % PALETTE.length]]));

/**
 * The form's fields: URL parameter = element id, its default, and how to read it. A
 * reader returns the value or throws the message shown next to the field.
 */
const FIELDS = {
  clients: { initial: SCENARIO_DEFAULTS.clients, read: integer(1, MAX_CLIENTS, `Clients must be a positive integer (1 to ${MAX_CLIENTS}).`) },
  bandwidth: { initial: SCENARIO_DEFAULTS.bandwidthHz / HZ_PER_MHZ, read: positive('Bandwidth must be a positive number of MHz.') },
  budget: { initial: SCENARIO_DEFAULTS.budget, read: fraction('Budget must be a number in [0, 1).') },
  rmax: { initial: SCENARIO_DEFAULTS.maxPruning, read: fraction('Max pruning must be a number in [0, 1).') },
  t0: { initial: SCENARIO_DEFAULTS.fixedSeconds, read: nonNegative('Fixed time must be a number of seconds >= 0.') },
  phic: { initial: SCENARIO_DEFAULTS.prunableComputeFraction, read: closedFraction('Prunable share of compute must be a number in [0, 1].') },
  phis: { initial: SCENARIO_DEFAULTS.prunablePayloadFraction, read: closedFraction('Prunable share of payload must be a number in [0, 1].') },
  model: { initial: SCENARIO_DEFAULTS.model, read: choice(MODEL_PRESETS, 'model') },
  dataset: { initial: SCENARIO_DEFAULTS.dataset, read: choice(DATASET_PRESETS, 'dataset') },
  seed: { initial: SCENARIO_DEFAULTS.seed, read: integer(0, UINT32_MAX, 'Seed must be an integer in [0, 2^32).') },
  drop: { initial: SCENARIO_DEFAULTS.drop, read: integer(0, UINT32_MAX, 'Drop must be an integer in [0, 2^32).') },
  realization: { initial: SCENARIO_DEFAULTS.realization, read: integer(0, UINT32_MAX, 'Realization must be an integer in [0, 2^32).') },
};

/** Where a solver error about a field is shown: JcpbaError.field -> form field. */
const ERROR_FIELD = {
  clients: 'clients',
  bandwidthHz: 'bandwidth',
  budget: 'budget',
  pruningBudget: 'budget',
  maxPruning: 'rmax',
  fixedSeconds: 't0',
  prunableComputeFraction: 'phic',
  prunablePayloadFraction: 'phis',
  model: 'model',
  dataset: 'dataset',
  seed: 'seed',
  drop: 'drop',
  realization: 'realization',
};

function number(text) {
  const t = text.trim();
  return t === '' ? NaN : Number(t);
}
function integer(lo, hi, message) {
  return (text) => {
    const v = number(text);
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(message);
    return v;
  };
}
function positive(message) {
  return (text) => {
    const v = number(text);
    if (!(Number.isFinite(v) && v > 0)) throw new Error(message);
    return v;
  };
}
function fraction(message) {
  return (text) => {
    const v = number(text);
    if (!(Number.isFinite(v) && v >= 0 && v < 1)) throw new Error(message);
    return v;
  };
}
function nonNegative(message) {
  return (text) => {
    const v = number(text);
    if (!(Number.isFinite(v) && v >= 0)) throw new Error(message);
    return v;
  };
}
function closedFraction(message) {
  return (text) => {
    const v = number(text);
    if (!(Number.isFinite(v) && v >= 0 && v <= 1)) throw new Error(message);
    return v;
  };
}
function choice(table, what) {
  return (text) => {
    if (!Object.hasOwn(table, text)) throw new Error(`Unknown ${what} preset "${text}"; pick one of the list.`);
    return text;
  };
}

// ---------------------------------------------------------------- form and address

function fillSelect(select, entries) {
  for (const [value, label] of entries) select.append(new Option(label, value));
}

function setFieldError(id, message) {
  const input = $(id);
  const box = $(`${id}-error`);
  box.textContent = message ?? '';
  if (input instanceof HTMLInputElement || input instanceof HTMLSelectElement) {
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

function clearErrors() {
  for (const id of [...Object.keys(FIELDS), 'mc', 'mc-methods', ...PLAN_FIELD_IDS]) setFieldError(id, '');
  $('error-box').hidden = true;
  $('error-box').textContent = '';
}

/** Reads the scenario fields; shows a message next to each bad one. */
function readScenario() {
  const values = {};
  let ok = true;
  for (const [id, field] of Object.entries(FIELDS)) {
    try {
      values[id] = field.read(/** @type {HTMLInputElement} */ ($(id)).value);
      setFieldError(id, '');
    } catch (e) {
      setFieldError(id, e.message);
      ok = false;
    }
  }
  if (!ok) return undefined;
  return {
    clients: values.clients,
    bandwidthHz: values.bandwidth * HZ_PER_MHZ,
    budget: values.budget,
    maxPruning: values.rmax,
    fixedSeconds: values.t0,
    prunableComputeFraction: values.phic,
    prunablePayloadFraction: values.phis,
    model: values.model,
    dataset: values.dataset,
    seed: values.seed,
    drop: values.drop,
    realization: values.realization,
  };
}

function readMonteCarlo() {
  let ok = true;
  let realizations;
  try {
    realizations = integer(1, MAX_REALIZATIONS, `Realizations must be an integer from 1 to ${MAX_REALIZATIONS}.`)(
      /** @type {HTMLInputElement} */ ($('mc')).value,
    );
    setFieldError('mc', '');
  } catch (e) {
    setFieldError('mc', e.message);
    ok = false;
  }
  const methods = METHODS.filter((m) => /** @type {HTMLInputElement} */ ($(`mc-${m}`)).checked);
  if (methods.length === 0) {
    setFieldError('mc-methods', 'Pick at least one method.');
    ok = false;
  } else setFieldError('mc-methods', '');
  return ok ? { realizations, methods } : undefined;
}

const PLAN_FIELD_IDS = ['rounds0', 'pmax', 'plan-n'];

/** R0 in [1, 1e9]; Pmax > 0 or inf; N realizations. Shows a message next to each bad one. */
function readPlan() {
  const value = (id) => /** @type {HTMLInputElement} */ ($(id)).value.trim();
  const out = {};
  let ok = true;
  const check = (id, read) => {
    try {
      read();
      setFieldError(id, '');
    } catch (e) {
      setFieldError(id, e.message);
      ok = false;
    }
  };
  check('rounds0', () => {
    const v = number(value('rounds0'));
    if (!(Number.isFinite(v) && v >= 1 && v <= 1e9)) throw new Error('Rounds R0 must be a number from 1 to 1e9.');
    out.rounds0 = v;
  });
  check('pmax', () => {
    const text = value('pmax');
    const v = /^\+?(inf|infinity|∞)$/i.test(text) ? Infinity : number(text);
    if (!(v > 0)) throw new Error('The pruning limit must be a positive number, or inf when pruning does not slow learning.');
    out.pruningLimit = v;
  });
  check('plan-n', () => {
    out.realizations = integer(1, MAX_PLAN_REALIZATIONS, `Realizations must be an integer from 1 to ${MAX_PLAN_REALIZATIONS}.`)(value('plan-n'));
  });
  return ok ? out : undefined;
}

/** Puts the address's settings into the form (defaults for the missing ones). */
function restoreFromAddress() {
  const q = new URLSearchParams(location.search);
  for (const [id, field] of Object.entries(FIELDS)) {
    /** @type {HTMLInputElement} */ ($(id)).value = q.get(id) ?? String(field.initial);
  }
  const method = q.get('method');
  /** @type {HTMLSelectElement} */ ($('method')).value = method && METHODS.includes(method) ? method : 'optimal';
  /** @type {HTMLInputElement} */ ($('mc')).value = q.get('mc') ?? String(DEFAULT_REALIZATIONS);
  const chosen = q.get('mcMethods')?.split(',');
  for (const m of METHODS) /** @type {HTMLInputElement} */ ($(`mc-${m}`)).checked = !chosen || chosen.includes(m);
  /** @type {HTMLInputElement} */ ($('rounds0')).value = q.get('rounds0') ?? String(DEFAULT_ROUNDS0);
  /** @type {HTMLInputElement} */ ($('pmax')).value = q.get('pmax') ?? DEFAULT_PRUNING_LIMIT;
  /** @type {HTMLInputElement} */ ($('plan-n')).value = q.get('planN') ?? String(DEFAULT_PLAN_REALIZATIONS);
  return q.get('backend') ?? 'auto';
}

/** Writes the form into the address, so the view can be shared and survives a reload. */
function saveToAddress() {
  const q = new URLSearchParams(location.search);
  for (const id of Object.keys(FIELDS)) q.set(id, /** @type {HTMLInputElement} */ ($(id)).value.trim());
  q.set('method', /** @type {HTMLSelectElement} */ ($('method')).value);
  q.set('mc', /** @type {HTMLInputElement} */ ($('mc')).value.trim());
  const chosen = METHODS.filter((m) => /** @type {HTMLInputElement} */ ($(`mc-${m}`)).checked);
  if (chosen.length === METHODS.length) q.delete('mcMethods');
  else q.set('mcMethods', chosen.join(','));
  q.set('rounds0', /** @type {HTMLInputElement} */ ($('rounds0')).value.trim());
  q.set('pmax', /** @type {HTMLInputElement} */ ($('pmax')).value.trim());
  q.set('planN', /** @type {HTMLInputElement} */ ($('plan-n')).value.trim());
  const url = `${location.pathname}?${q}`;
  history.replaceState(null, '', url);
  /** @type {HTMLAnchorElement} */ ($('share')).href = url;
}

// ---------------------------------------------------------------- formatting

const fmtSeconds = (s) => s.toPrecision(LATENCY_DIGITS);
const fmtPercent = (x) => (100 * x).toFixed(2);
const fmtMHz = (hz) => (hz / HZ_PER_MHZ).toFixed(3);

function cell(text, className = 'num', attrs = {}) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  for (const [k, v] of Object.entries(attrs)) td.setAttribute(k, String(v));
  return td;
}

function methodCell(method) {
  const td = document.createElement('td');
  td.className = 'method';
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  swatch.style.background = COLOR[method];
  swatch.setAttribute('aria-hidden', 'true');
  td.append(swatch, method);
  return td;
}

// ---------------------------------------------------------------- charts

function axis(title, extra = {}) {
  return { title: { display: true, text: title }, ...extra };
}

/** Most labels a log axis shows: more would crowd a phone-sized chart. */
const MAX_LOG_TICKS = 8;

/**
 * Ticks of a log axis from lo to hi (> 0): 1, 2 and 5 times each power of ten; only the
 * powers of ten when that makes too many; every other decade beyond that. The axis ends
 * on the first and last tick, so both ends are labelled and every bar lies inside.
 */
export function logTicks(lo, hi) {
  const first = Math.floor(Math.log10(lo)) - 1;
  const last = Math.ceil(Math.log10(hi)) + 1;
  const candidates = (mantissas, step) => {
    const all = [];
    for (let e = first; e <= last + step; e += step) for (const m of mantissas) all.push(Number((m * 10 ** e).toPrecision(12)));
    return all;
  };
  // The candidates from the last one at or below lo to the first one above hi (at
  // least two, so the axis has a span even when every bar has the same height).
  const span = (all) => {
    const from = all.findLastIndex((v) => v <= lo);
    let to = all.findIndex((v) => v >= hi);
    if (to <= from) to = from + 1;
    return all.slice(Math.max(from, 0), to + 1);
  };
  let ticks = span(candidates([1, 2, 5], 1));
  for (let step = 1; ticks.length > MAX_LOG_TICKS; step++) ticks = span(candidates([1], step));
  return ticks;
}

/** A bandwidth in MHz as a short label with the unit that keeps it readable: 200 kHz, 2 MHz. */
export function formatBandwidth(mhz) {
  const hz = mhz * HZ_PER_MHZ;
  const [scale, unit] = hz >= 1e9 ? [1e9, 'GHz'] : hz >= 1e6 ? [1e6, 'MHz'] : hz >= 1e3 ? [1e3, 'kHz'] : [1, 'Hz'];
  return `${Number((hz / scale).toPrecision(3))} ${unit}`;
}

function barChart(canvasId, options) {
  return new Chart(/** @type {HTMLCanvasElement} */ ($(canvasId)), {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: { animation: false, responsive: true, maintainAspectRatio: false, ...options },
    plugins: options.extraPlugins ?? [],
  });
}

/** Draws the 95% CI whiskers stored in chart.$ci over the bars of dataset 0. */
const ciWhiskers = {
  id: 'ciWhiskers',
  afterDatasetsDraw(chart) {
    const intervals = chart.$ci;
    if (!intervals) return;
    const { ctx, chartArea } = chart;
    const y = chart.scales.y;
    ctx.save();
    // An interval can reach below 0 or past the axis: draw only what is inside.
    ctx.beginPath();
    ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
    ctx.clip();
    ctx.strokeStyle = '#1b1f24';
    ctx.lineWidth = 1.5;
    chart.getDatasetMeta(0).data.forEach((bar, i) => {
      const [lo, hi] = intervals[i];
      const top = y.getPixelForValue(hi);
      const bottom = y.getPixelForValue(lo);
      const half = Math.min(10, bar.width / 4);
      ctx.beginPath();
      ctx.moveTo(bar.x, top);
      ctx.lineTo(bar.x, bottom);
      ctx.moveTo(bar.x - half, top);
      ctx.lineTo(bar.x + half, top);
      ctx.moveTo(bar.x - half, bottom);
      ctx.lineTo(bar.x + half, bottom);
      ctx.stroke();
    });
    ctx.restore();
  },
};

const latencyChart = barChart('latency-chart', {
  plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => `${fmtSeconds(c.parsed.y)} s` } } },
  scales: { x: axis('Method'), y: axis('Round latency T (s)', { beginAtZero: true }) },
});
const clientsChart = barChart('clients-chart', {
  plugins: { legend: { position: 'top' } },
  scales: {
    x: axis('Client k'),
    y: axis('Pruning rate ρ_k (%)', { beginAtZero: true, position: 'left' }),
    // Bandwidth shares span orders of magnitude (far clients get most of the band).
    // Ticks from logTicks (set with the data in renderClients), labelled with units.
    y1: axis('Bandwidth b_k (log scale)', {
      type: 'logarithmic',
      position: 'right',
      grid: { drawOnChartArea: false },
      afterBuildTicks: (scale) => {
        if (scale.chart.$logTicks) scale.ticks = scale.chart.$logTicks.map((value) => ({ value }));
      },
      ticks: { autoSkip: false, callback: (v) => formatBandwidth(v) },
    }),
  },
});
const mcChart = barChart('mc-chart', {
  plugins: {
    legend: { display: false },
    tooltip: {
      callbacks: {
        label: (c) => {
          const [lo, hi] = c.chart.$ci[c.dataIndex];
          return `mean ${fmtSeconds(c.parsed.y)} s, 95% CI [${fmtSeconds(lo)}, ${fmtSeconds(hi)}] s`;
        },
      },
    },
  },
  scales: { x: axis('Method'), y: axis('Mean round latency (s)', { beginAtZero: true }) },
  extraPlugins: [ciWhiskers],
});

// ---------------------------------------------------------------- results

/** The last solve: { scenario, problem, results }. */
let last;

function renderLatency() {
  const { results, problem } = last;
  const optimal = results.find((r) => r.method === 'optimal');
  const weightSum = problem.dataWeight.reduce((a, b) => a + b, 0);
  const tbody = /** @type {HTMLTableElement} */ ($('latency-table')).tBodies[0];
  tbody.replaceChildren(
    ...results.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.method = r.method;
      const meanPruning = r.pruning.reduce((s, rho, k) => s + rho * problem.dataWeight[k], 0) / weightSum;
      const gap = optimal ? r.latency / optimal.latency - 1 : NaN;
      tr.append(
        methodCell(r.method),
        cell(fmtSeconds(r.latency), 'num', { id: `latency-${r.method}`, 'data-value': r.latency }),
        cell(Number.isFinite(gap) ? `+${fmtPercent(gap)}%` : '–', 'num', { 'data-value': gap }),
        cell(fmtPercent(meanPruning), 'num', { 'data-value': meanPruning }),
        cell(String(r.iterations)),
        cell(r.status, ''),
      );
      return tr;
    }),
  );
  latencyChart.data.labels = results.map((r) => r.method);
  latencyChart.data.datasets = [
    { label: 'Round latency (s)', data: results.map((r) => r.latency), backgroundColor: results.map((r) => COLOR[r.method]) },
  ];
  latencyChart.update();
  $('latency-chart').setAttribute(
    'aria-label',
    `Bar chart of the round latency of each method, in seconds: ${results.map((r) => `${r.method} ${fmtSeconds(r.latency)} s`).join('; ')}.`,
  );
  const s = last.scenario;
  $('latency-caption').textContent =
    `Round latency T = max over clients of τ_k, in seconds, for K = ${s.clients} clients, B = ${s.bandwidthHz / HZ_PER_MHZ} MHz, ` +
    `budget ${s.budget}, ρ_max ${s.maxPruning}, t0 ${s.fixedSeconds} s, φ_c ${s.prunableComputeFraction}, φ_s ${s.prunablePayloadFraction}, ` +
    `${s.model} on ${s.dataset}, seed ${s.seed}, drop ${s.drop}, realization ${s.realization}. ` +
    'The table below has the same numbers.';
  $('certificate').textContent = optimal
    ? `optimal is certified: T* lies in [${optimal.lowerBound}, ${optimal.upperBound}] s (relative width ${((optimal.upperBound - optimal.lowerBound) / optimal.upperBound).toExponential(1)}).`
    : '';
}

function renderClients() {
  if (!last) return;
  const method = /** @type {HTMLSelectElement} */ ($('method')).value;
  const r = last.results.find((x) => x.method === method);
  const p = last.problem;
  const K = r.pruning.length;
  const labels = Array.from({ length: K }, (_, k) => String(k + 1));
  clientsChart.data.labels = labels;
  clientsChart.data.datasets = [
    { label: 'Pruning rate ρ_k (%)', data: Array.from(r.pruning, (x) => 100 * x), backgroundColor: '#D55E00', yAxisID: 'y' },
    { label: 'Bandwidth b_k (MHz)', data: Array.from(r.bandwidth, (x) => x / HZ_PER_MHZ), backgroundColor: '#0072B2', yAxisID: 'y1' },
  ];
  const mhz = Array.from(r.bandwidth, (x) => x / HZ_PER_MHZ).filter((x) => x > 0);
  const ticks = logTicks(Math.min(...mhz), Math.max(...mhz));
  clientsChart.$logTicks = ticks;
  clientsChart.options.scales.y1.min = ticks[0];
  clientsChart.options.scales.y1.max = ticks[ticks.length - 1];
  clientsChart.update();
  const pruned = Array.from(r.pruning).filter((x) => x > 0).length;
  $('clients-chart').setAttribute(
    'aria-label',
    `Bar chart for method ${method}: pruning rate in percent and bandwidth in MHz of each of ${K} clients; ` +
      `${pruned} clients prune, up to ${fmtPercent(Math.max(...r.pruning))}%; bandwidth from ${fmtMHz(Math.min(...r.bandwidth))} ` +
      `to ${fmtMHz(Math.max(...r.bandwidth))} MHz. The table below lists every client.`,
  );
  $('clients-caption').textContent =
    `Method ${method}: pruning rate ρ_k (%, left axis) and bandwidth b_k (MHz, right axis, log scale) of each client; round latency ${fmtSeconds(r.latency)} s.`;
  const tbody = /** @type {HTMLTableElement} */ ($('clients-table')).tBodies[0];
  tbody.replaceChildren(
    ...labels.map((label, k) => {
      const tr = document.createElement('tr');
      tr.dataset.client = String(k);
      tr.append(
        cell(label),
        cell(p.computeSeconds[k].toPrecision(4), 'num', { 'data-value': p.computeSeconds[k] }),
        cell(String(p.dataWeight[k])),
        cell((10 * Math.log10(p.channelGain[k])).toFixed(1), 'num', { 'data-value': p.channelGain[k] }),
        cell(fmtPercent(r.pruning[k]), 'num', { 'data-field': 'pruning', 'data-value': r.pruning[k] }),
        cell(fmtMHz(r.bandwidth[k]), 'num', { 'data-field': 'bandwidth', 'data-value': r.bandwidth[k] }),
        cell(fmtSeconds(r.clientLatency[k]), 'num', { 'data-field': 'clientLatency', 'data-value': r.clientLatency[k] }),
      );
      return tr;
    }),
  );
  $('clients-section').dataset.method = method;
}

function renderMonteCarlo(stats, scenario, realizations) {
  const tbody = /** @type {HTMLTableElement} */ ($('mc-table')).tBodies[0];
  tbody.replaceChildren(
    ...stats.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.method = s.method;
      tr.append(
        methodCell(s.method),
        cell(fmtSeconds(s.mean), 'num', { id: `mc-mean-${s.method}`, 'data-value': s.mean }),
        cell(`[${fmtSeconds(s.ci95Low)}, ${fmtSeconds(s.ci95High)}]`, 'num', { 'data-low': s.ci95Low, 'data-high': s.ci95High }),
        cell(fmtSeconds(s.median), 'num', { id: `mc-median-${s.method}`, 'data-value': s.median }),
        cell(fmtSeconds(s.std), 'num', { 'data-value': s.std }),
        cell(String(s.n)),
      );
      return tr;
    }),
  );
  mcChart.data.labels = stats.map((s) => s.method);
  mcChart.data.datasets = [{ label: 'Mean round latency (s)', data: stats.map((s) => s.mean), backgroundColor: stats.map((s) => COLOR[s.method]) }];
  mcChart.$ci = stats.map((s) => [s.ci95Low, s.ci95High]);
  // The axis reaches the top of every interval, so no whisker is cut off at the top.
  mcChart.options.scales.y.suggestedMax = Math.max(...stats.map((s) => s.ci95High));
  $('mc-results').hidden = false;
  mcChart.update();
  $('mc-chart').setAttribute(
    'aria-label',
    `Bar chart of the mean round latency over ${realizations} realizations, in seconds, with 95% confidence intervals: ` +
      stats.map((s) => `${s.method} ${fmtSeconds(s.mean)} s [${fmtSeconds(s.ci95Low)}, ${fmtSeconds(s.ci95High)}]`).join('; ') + '.',
  );
  $('mc-caption').textContent =
    `Mean round latency over realizations 0 to ${realizations - 1} of drop ${scenario.drop} (K = ${scenario.clients}, seed ${scenario.seed}), ` +
    'in seconds, with 95% confidence intervals (Student t). The table below has the same numbers.' +
    // Rayleigh fading: a deep fade of one client can make one round far slower than the rest.
    (stats.some((s) => s.std > s.mean) ? ' The latency is heavy-tailed here (deep fades), so the mean and its interval are wide: the median is steadier.' : '');
}

const planChart = barChart('plan-chart', {
  plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => `${c.parsed.y.toFixed(3)} h` } } },
  scales: { x: axis('Method (policy)'), y: axis('Fine-tuning time to the target (h)', { beginAtZero: true }) },
});

const fmtHours = (seconds) => (seconds / SECONDS_PER_HOUR).toFixed(3);

/** The plans: each method's best budget, rounds, hours and saving against equal. */
function renderPlan(plans, atBudget, scenario, request) {
  const equal = plans.find((p) => p.method === 'equal');
  const label = (p) => (p.policy === 'adaptive' ? `${p.method} (adaptive)` : p.method);
  const tbody = /** @type {HTMLTableElement} */ ($('plan-table')).tBodies[0];
  tbody.replaceChildren(
    ...plans.map((p) => {
      const tr = document.createElement('tr');
      tr.dataset.method = p.method;
      tr.dataset.policy = p.policy;
      const saving = equal ? 1 - p.fineTuningSeconds / equal.fineTuningSeconds : NaN;
      const budget = p.policy === 'static' ? p.budget : p.meanPruning;
      const rounds = p.policy === 'static' ? p.rounds : p.fineTuningSeconds / p.meanRoundLatency;
      tr.append(
        methodCell(p.method),
        cell(p.policy, ''),
        cell(`${budget.toFixed(4)}${p.policy === 'adaptive' ? ' (mean)' : ''}`, 'num', { 'data-value': budget }),
        cell(p.policy === 'static' ? String(rounds) : rounds.toFixed(1), 'num', { 'data-value': rounds }),
        cell(fmtHours(p.fineTuningSeconds), 'num', { id: `plan-${p.method}-${p.policy}`, 'data-value': p.fineTuningSeconds }),
        cell(Number.isFinite(saving) ? `${fmtPercent(saving)}%` : '–', 'num', { 'data-value': saving }),
      );
      return tr;
    }),
  );
  planChart.data.labels = plans.map(label);
  planChart.data.datasets = [
    { label: 'Fine-tuning time (h)', data: plans.map((p) => p.fineTuningSeconds / SECONDS_PER_HOUR), backgroundColor: plans.map((p) => COLOR[p.method]) },
  ];
  $('plan-results').hidden = false;
  planChart.update();
  $('plan-chart').setAttribute(
    'aria-label',
    `Bar chart of the fine-tuning time to the target of each method at its best budget, in hours: ${plans
      .map((p) => `${label(p)} ${fmtHours(p.fineTuningSeconds)} h`)
      .join('; ')}.`,
  );
  const limit = Number.isFinite(request.pruningLimit) ? request.pruningLimit : '∞';
  $('plan-caption').textContent =
    `Fine-tuning time to the target at each method's best budget, in hours: R0 = ${request.rounds0}, Pmax = ${limit}, ` +
    `realizations 0 to ${request.realizations - 1} of drop ${scenario.drop} (K = ${scenario.clients}, seed ${scenario.seed}). ` +
    'Adaptive: one budget per round, its rounds not rounded up. The table below has the same numbers.';
  const best = plans.find((p) => p.method === 'optimal' && p.policy === 'static');
  const at = $('plan-at-budget');
  if (best && Number.isFinite(atBudget.seconds)) {
    at.textContent =
      `optimal at the scenario's budget ${atBudget.budget}: ${atBudget.rounds} rounds, ${fmtHours(atBudget.seconds)} h, ` +
      `${(atBudget.seconds / best.fineTuningSeconds).toFixed(2)} times its best (${best.budget.toFixed(4)}).`;
    at.dataset.value = String(atBudget.seconds);
  } else {
    at.textContent = `optimal at the scenario's budget ${atBudget.budget}: the target is out of reach (budget >= Pmax).`;
    at.dataset.value = 'Infinity';
  }
}

const learningChart = new Chart(/** @type {HTMLCanvasElement} */ ($('learning-chart')), {
  type: 'line',
  data: { datasets: [] },
  options: {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    elements: { point: { radius: 0 } },
    scales: { x: { type: 'linear', ...axis('Wall-clock fine-tuning time (h)') }, y: axis('Loss') },
  },
});

/** One trial per method: loss against wall-clock time, and each method's time and loss after R rounds. */
function renderLearning(series, rounds, scenario, name) {
  learningChart.data.datasets = series.map((s) => ({
    label: s.method,
    data: s.time.map((t, i) => ({ x: t / SECONDS_PER_HOUR, y: s.loss[i] })),
    borderColor: COLOR[s.method],
    backgroundColor: COLOR[s.method],
  }));
  const tbody = /** @type {HTMLTableElement} */ ($('learning-table')).tBodies[0];
  tbody.replaceChildren(
    ...series.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.method = s.method;
      const end = s.time.length - 1;
      tr.append(
        methodCell(s.method),
        cell(fmtHours(s.time[end]), 'num', { id: `learning-time-${s.method}`, 'data-value': s.time[end] }),
        cell(s.loss[end].toPrecision(LATENCY_DIGITS), 'num', { id: `learning-loss-${s.method}`, 'data-value': s.loss[end] }),
      );
      return tr;
    }),
  );
  $('learning-results').hidden = false;
  learningChart.update();
  $('learning-chart').setAttribute(
    'aria-label',
    `Line chart of the loss against wall-clock time over ${rounds} rounds: ` +
      series.map((s) => `${s.method} ends at loss ${s.loss[s.loss.length - 1].toPrecision(4)} after ${fmtHours(s.time[s.time.length - 1])} h`).join('; ') + '.',
  );
  $('learning-caption').textContent =
    `Loss against wall-clock fine-tuning time: one trial of ${rounds} rounds per method on realizations 0 to ${rounds - 1} ` +
    `of drop ${scenario.drop} (K = ${scenario.clients}, seed ${scenario.seed}), the loss read off ${name}. The table below has each method's end.`;
}

// ---------------------------------------------------------------- the worker

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let nextId = 1;
/** The solve whose answer the page shows when it arrives (older answers are dropped). */
let latestSolve;
let mcRun;
let planRun;
let learningRun;

function setStatus(state, text) {
  const status = $('status');
  status.dataset.state = state;
  status.textContent = text;
  $('latency-section').setAttribute('aria-busy', String(state === 'solving'));
}

/** Shows a solver error next to its field when it names one, else in the error box. */
function showError(error, fallbackTitle) {
  const target = error.field && ERROR_FIELD[error.field.replace(/^clients\[\d+\]\./, '')];
  if (target) setFieldError(target, error.message);
  else {
    $('error-box').hidden = false;
    $('error-box').textContent = `${fallbackTitle}: ${error.message}${error.code ? ` (${error.code})` : ''}`;
  }
}

function request(message) {
  const id = nextId++;
  worker.postMessage({ ...message, id });
  return id;
}

function solve() {
  clearErrors();
  const scenario = readScenario();
  if (!scenario) {
    setStatus('invalid', 'Fix the highlighted fields, then solve again.');
    return;
  }
  saveToAddress();
  setStatus('solving', 'Solving every method…');
  latestSolve = { id: request({ type: 'solve', scenario }), scenario, started: performance.now() };
}

function runMonteCarlo() {
  const scenario = readScenario();
  const mc = readMonteCarlo();
  if (!scenario || !mc) {
    $('mc-section').dataset.state = 'invalid';
    return;
  }
  saveToAddress();
  if (mcRun) worker.postMessage({ type: 'cancel', id: mcRun.id });
  const progress = /** @type {HTMLProgressElement} */ ($('mc-progress'));
  progress.max = mc.realizations;
  progress.value = 0;
  $('mc-progress-text').textContent = `0 / ${mc.realizations} (0%)`;
  $('mc-section').dataset.state = 'running';
  /** @type {HTMLButtonElement} */ ($('mc-cancel')).disabled = false;
  const id = request({ type: 'montecarlo', scenario, methods: mc.methods, realizations: mc.realizations });
  mcRun = { id, scenario, realizations: mc.realizations, started: performance.now() };
}

function runPlan() {
  const scenario = readScenario();
  const plan = readPlan();
  if (!scenario || !plan) {
    $('plan-section').dataset.state = 'invalid';
    return;
  }
  saveToAddress();
  if (planRun) worker.postMessage({ type: 'cancel', id: planRun.id });
  const progress = /** @type {HTMLProgressElement} */ ($('plan-progress'));
  progress.max = METHODS.length + 1;
  progress.value = 0;
  $('plan-progress-text').textContent = 'planning…';
  $('plan-section').dataset.state = 'running';
  /** @type {HTMLButtonElement} */ ($('plan-cancel')).disabled = false;
  const id = request({ type: 'plan', scenario, ...plan });
  planRun = { id, scenario, plan, started: performance.now() };
}

/** Reads the file chosen (or dropped) and asks the worker for every method's trial. */
async function runLearning() {
  const scenario = readScenario();
  const plan = readPlan();
  const file = /** @type {HTMLInputElement} */ ($('curve-file')).files?.[0];
  let ok = Boolean(scenario && plan);
  setFieldError('curve-file', file ? '' : 'Choose (or drop here) a loss curve: CSV round,loss or JSON.');
  if (!file) ok = false;
  let exponent = NaN;
  try {
    exponent = number(/** @type {HTMLInputElement} */ ($('learning-m')).value.trim());
    if (!(exponent >= 0.001 && exponent <= 1000)) throw new Error('The exponent m must be a number from 0.001 to 1000.');
    setFieldError('learning-m', '');
  } catch (e) {
    setFieldError('learning-m', e.message);
    ok = false;
  }
  let rounds = NaN;
  try {
    rounds = integer(1, 100000, 'Rounds must be an integer from 1 to 100000.')(/** @type {HTMLInputElement} */ ($('learning-rounds')).value.trim());
    setFieldError('learning-rounds', '');
  } catch (e) {
    setFieldError('learning-rounds', e.message);
    ok = false;
  }
  if (!ok || !file || !scenario || !plan) {
    $('learning-section').dataset.state = 'invalid';
    return;
  }
  if (learningRun) worker.postMessage({ type: 'cancel', id: learningRun.id });
  const text = await file.text();
  $('learning-section').dataset.state = 'running';
  $('learning-status').textContent = `running ${rounds} rounds per method…`;
  const id = request({ type: 'learning', scenario, text, name: file.name, pruningLimit: plan.pruningLimit, exponent, rounds });
  learningRun = { id, scenario, name: file.name, started: performance.now() };
}

function planFinished(state, text) {
  $('plan-section').dataset.state = state;
  $('plan-progress-text').textContent = text;
  /** @type {HTMLButtonElement} */ ($('plan-cancel')).disabled = true;
  planRun = undefined;
}

function mcFinished(state, text) {
  $('mc-section').dataset.state = state;
  $('mc-progress-text').textContent = text;
  /** @type {HTMLButtonElement} */ ($('mc-cancel')).disabled = true;
  mcRun = undefined;
}

worker.onmessage = ({ data }) => {
  switch (data.type) {
    case 'ready': {
      const backend = $('backend');
      backend.dataset.backend = data.backend;
      if (data.kernels) backend.dataset.kernels = data.kernels;
      backend.textContent = data.backend === 'wasm' ? `WASM (${data.kernels})` : 'TypeScript reference';
      $('backend-note').textContent =
        (data.skipped.length ? `(skipped: ${data.skipped.map((s) => s.reason).join('; ')}) ` : '') + `jcpba ${data.version}`;
      /** @type {HTMLButtonElement} */ ($('solve')).disabled = false;
      /** @type {HTMLButtonElement} */ ($('mc-run')).disabled = false;
      /** @type {HTMLButtonElement} */ ($('plan-run')).disabled = false;
      if (readScenario()) solve();
      else setStatus('invalid', 'Fix the highlighted fields, then solve.');
      break;
    }
    case 'solved': {
      const job = latestSolve;
      if (!job || data.id !== job.id) return;
      last = { scenario: job.scenario, problem: data.problem, results: data.results };
      renderLatency();
      renderClients();
      $('latency-section').dataset.state = 'done';
      setStatus('done', `Solved ${data.results.length} methods for ${job.scenario.clients} clients in ${Math.round(performance.now() - job.started)} ms.`);
      break;
    }
    case 'progress': {
      if (!mcRun || data.id !== mcRun.id) return;
      const progress = /** @type {HTMLProgressElement} */ ($('mc-progress'));
      progress.value = data.done;
      $('mc-progress-text').textContent = `${data.done} / ${data.total} (${Math.floor((100 * data.done) / data.total)}%)`;
      break;
    }
    case 'mc-done': {
      if (!mcRun || data.id !== mcRun.id) return;
      renderMonteCarlo(data.stats, mcRun.scenario, mcRun.realizations);
      const seconds = ((performance.now() - mcRun.started) / 1000).toFixed(1);
      mcFinished('done', `${mcRun.realizations} / ${mcRun.realizations} (100%) in ${seconds} s`);
      break;
    }
    case 'plan-progress': {
      if (!planRun || data.id !== planRun.id) return;
      const progress = /** @type {HTMLProgressElement} */ ($('plan-progress'));
      progress.value = data.done;
      $('plan-progress-text').textContent = `${data.done} / ${data.total} steps`;
      break;
    }
    case 'planned': {
      if (!planRun || data.id !== planRun.id) return;
      renderPlan(data.plans, data.atBudget, planRun.scenario, planRun.plan);
      const seconds = ((performance.now() - planRun.started) / 1000).toFixed(1);
      planFinished('done', `planned in ${seconds} s`);
      break;
    }
    case 'learned': {
      if (!learningRun || data.id !== learningRun.id) return;
      renderLearning(data.series, data.rounds, learningRun.scenario, learningRun.name);
      $('learning-section').dataset.state = 'done';
      $('learning-status').textContent = `${data.rounds} rounds per method in ${((performance.now() - learningRun.started) / 1000).toFixed(1)} s`;
      learningRun = undefined;
      break;
    }
    case 'plan-cancelled': {
      if (planRun && data.id === planRun.id) planFinished('cancelled', 'cancelled');
      break;
    }
    case 'mc-cancelled': {
      if (mcRun && data.id === mcRun.id) mcFinished('cancelled', `cancelled after ${data.done} realizations`);
      break;
    }
    case 'error': {
      if (data.request === 'init') {
        $('backend').textContent = 'unavailable';
        showError(data.error, 'The solver could not start');
        setStatus('error', 'The solver could not start.');
      } else if (data.request === 'montecarlo') {
        showError(data.error, 'Monte Carlo failed');
        if (mcRun && data.id === mcRun.id) mcFinished('error', 'failed');
      } else if (data.request === 'learning') {
        setFieldError('curve-file', data.error.message);
        $('learning-section').dataset.state = 'error';
        $('learning-status').textContent = 'failed';
        learningRun = undefined;
      } else if (data.request === 'plan') {
        const field = { rounds0: 'rounds0', pruningLimit: 'pmax' }[data.error.field];
        if (field) setFieldError(field, data.error.message);
        else showError(data.error, 'The plan failed');
        if (planRun && data.id === planRun.id) planFinished('error', 'failed');
      } else {
        if (!latestSolve || data.id !== latestSolve.id) return;
        showError(data.error, 'The solver failed');
        setStatus('error', 'The solver reported an error: see the message above.');
      }
      break;
    }
  }
};

worker.onerror = (event) => {
  event.preventDefault();
  $('error-box').hidden = false;
  $('error-box').textContent = `The solver worker failed: ${event.message || 'it could not be loaded'}`;
  setStatus('error', 'The solver is not running.');
};

// ---------------------------------------------------------------- start

fillSelect($('model'), Object.entries(MODEL_PRESETS).map(([id, m]) => [id, `${id}: ${m.description}`]));
fillSelect($('dataset'), Object.entries(DATASET_PRESETS).map(([id, d]) => [id, `${id}: ${d.description}`]));
fillSelect($('method'), METHODS.map((m) => [m, m]));
const mcMethods = $('mc-methods');
for (const m of METHODS) {
  const label = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.id = `mc-${m}`;
  box.value = m;
  label.append(box, ` ${m}`);
  mcMethods.insertBefore(label, $('mc-methods-error'));
}
/** @type {HTMLButtonElement} */ ($('solve')).disabled = true;
/** @type {HTMLButtonElement} */ ($('mc-run')).disabled = true;
/** @type {HTMLButtonElement} */ ($('plan-run')).disabled = true;

const backend = restoreFromAddress();
/** @type {HTMLAnchorElement} */ ($('share')).href = location.href;

$('scenario').addEventListener('submit', (e) => {
  e.preventDefault();
  solve();
});
$('method').addEventListener('change', () => {
  saveToAddress();
  renderClients();
});
$('mc-form').addEventListener('submit', (e) => {
  e.preventDefault();
  runMonteCarlo();
});
$('mc-cancel').addEventListener('click', () => {
  if (mcRun) worker.postMessage({ type: 'cancel', id: mcRun.id });
});
$('plan-form').addEventListener('submit', (e) => {
  e.preventDefault();
  runPlan();
});
$('learning-form').addEventListener('submit', (e) => {
  e.preventDefault();
  runLearning();
});
$('curve-file').addEventListener('change', () => runLearning());
$('plan-cancel').addEventListener('click', () => {
  if (planRun) worker.postMessage({ type: 'cancel', id: planRun.id });
});

setStatus('loading', 'Loading the solver…');
worker.postMessage({ type: 'init', backend });
