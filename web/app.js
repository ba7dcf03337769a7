// The demo page: reads the form (and the address, where the settings live), checks it,
// asks the worker to solve, and draws the answers. The solver runs only in the worker.
import { BarController, BarElement, CategoryScale, Chart, Legend, LineController, LineElement, LinearScale, LogarithmicScale, PointElement, ScatterController, Tooltip } from 'chart.js';
import { DATASET_PRESETS, FLEET_PRESETS, METHODS, MODEL_PRESETS, SCENARIO_DEFAULTS } from '../dist/ts/browser.js';

Chart.register(BarController, BarElement, CategoryScale, LineController, LineElement, LinearScale, LogarithmicScale, PointElement, ScatterController, Tooltip, Legend);

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
  power: { initial: SCENARIO_DEFAULTS.computePowerW, read: computePower },
  cap: { initial: '', read: energyCap },
  devices: { initial: SCENARIO_DEFAULTS.devices, read: (text) => (text === 'none' ? text : choice(FLEET_PRESETS, 'device fleet')(text)) },
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
  computePowerW: 'power',
  energyCapJ: 'cap',
  devices: 'devices',
  memoryPrunableFraction: 'phic',
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
const POWER_MESSAGE = 'Compute power must be a number of W >= 0, or a range lo:hi with 0 <= lo <= hi.';
/** e_k, W: one value (a number) or 'lo:hi' (the generator draws each client's power in it). */
function computePower(text) {
  const parts = text.split(':');
  if (parts.length > 2) throw new Error(POWER_MESSAGE);
  const values = parts.map(number);
  if (!values.every((v) => Number.isFinite(v) && v >= 0)) throw new Error(POWER_MESSAGE);
  if (values.length === 1) return values[0];
  if (!(values[0] <= values[1])) throw new Error(POWER_MESSAGE);
  return `${values[0]}:${values[1]}`;
}
/** Ebar, J per client per round; empty (or 'none'): no cap, null. */
function energyCap(text) {
  const t = text.trim();
  if (t === '' || /^none$/i.test(t)) return null;
  const v = Number(t);
  if (!(Number.isFinite(v) && v > 0)) throw new Error('The energy cap must be a positive number of J, or empty for no cap.');
  return v;
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
    computePowerW: values.power,
    energyCapJ: values.cap,
    devices: values.devices,
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
/** A bandwidth in Hz as kHz with 4 significant digits (the per-client table's unit). */
const fmtKHz = (hz) => String(Number((hz / 1e3).toPrecision(4)));
/** Joules: whole J from 100 J up, 3 significant digits below. */
const fmtJoules = (j) => (Math.abs(j) >= 100 ? Math.round(j).toLocaleString('en-US') : String(Number(j.toPrecision(3))));
/** What a cell shows when there is no number (an infeasible method has no point). */
const DASH = '–';

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
      if (lo === null || hi === null) return; // no point in any realization: no bar
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

/** Clients that cannot meet a cap (infeasible results): red, and a cross marker, not colour alone. */
const INFEASIBLE_COLOR = '#B3261E';
const PRUNING_COLOR = '#D55E00';
const BANDWIDTH_COLOR = '#0072B2';
const ENERGY_COLOR = '#009E73';

/** Point size of the per-client charts: every client is drawn, smaller when there are many. */
const pointRadius = (K) => (K <= 50 ? 4 : K <= 300 ? 2.5 : 1.6);

/**
 * The clients 0..K-1 sorted by the given keys, ascending, ties by index: at K = 1,000 a
 * sorted chart reads as a curve where client order would read as noise.
 */
function sortedClients(K, ...keys) {
  return Array.from({ length: K }, (_, k) => k).sort((i, j) => {
    for (const key of keys) if (key[i] !== key[j]) return key[i] - key[j];
    return i - j;
  });
}

/** The x axis of a sorted per-client chart: ranks 1..K, whole numbers only. */
const rankAxis = (K, title) =>
  axis(title, { type: 'linear', min: 0.5, max: K + 0.5, ticks: { precision: 0, callback: (v) => (Number.isInteger(v) && v >= 1 && v <= K ? String(v) : '') } });

const clientTooltip = (unit) => ({
  callbacks: {
    title: (items) => (items[0]?.raw?.k === undefined ? '' : `client ${items[0].raw.k + 1} (rank ${items[0].raw.x})`),
    label: (c) => `${c.dataset.label}: ${unit(c)}`,
  },
});

const clientsChart = new Chart(/** @type {HTMLCanvasElement} */ ($('clients-chart')), {
  type: 'scatter',
  data: { datasets: [] },
  options: {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: {
      legend: { position: 'top', labels: { usePointStyle: true } },
      tooltip: clientTooltip((c) => (c.dataset.yAxisID === 'y1' ? formatBandwidth(c.parsed.y) : `${c.parsed.y.toFixed(2)} %`)),
    },
    scales: {
      x: rankAxis(1),
      y: axis('Pruning rate ρ_k (%)', { beginAtZero: true, position: 'left' }),
      // Bandwidth shares span orders of magnitude (far clients get most of the band).
      // Ticks from logTicks (set with the data in renderClients), each labelled with its unit.
      y1: axis('Bandwidth b_k (log scale; unit on each tick)', {
        type: 'logarithmic',
        position: 'right',
        grid: { drawOnChartArea: false },
        afterBuildTicks: (scale) => {
          if (scale.chart.$logTicks) scale.ticks = scale.chart.$logTicks.map((value) => ({ value }));
        },
        ticks: { autoSkip: false, callback: (v) => formatBandwidth(v) },
      }),
    },
  },
});

const energyChart = new Chart(/** @type {HTMLCanvasElement} */ ($('energy-chart')), {
  type: 'scatter',
  data: { datasets: [] },
  options: {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: {
      legend: { position: 'top', labels: { usePointStyle: true } },
      tooltip: clientTooltip((c) => `${fmtJoules(c.parsed.y)} J`),
    },
    scales: { x: rankAxis(1), y: axis('Energy per round (J)', { beginAtZero: true }) },
  },
});

// ---------------------------------------------------------------- results

/** The last solve: { scenario, problem, results, leastEnergy }. */
let last;

const hasPointResult = (r) => r.latency !== null;

/** At most `max` client numbers (from 1), then how many more. */
function clientList(clients, max = 20) {
  const shown = clients.slice(0, max).map((k) => String(k + 1));
  return clients.length > max ? `${shown.join(', ')} and ${clients.length - max} more` : shown.join(', ');
}

/** What a method's infeasible result means, in words (MODEL.md section 11.2). */
function infeasibleReason(r, problem) {
  const clients = r.infeasibleClients ?? [];
  const cap = problem.energyCapJ ? `${fmtJoules(problem.energyCapJ[0])} J` : '';
  if (clients.length === 0) {
    const wsum = problem.dataWeight.reduce((a, b) => a + b, 0);
    const rmin = problem.minPruning ? problem.minPruning.reduce((s, x, k) => s + x * problem.dataWeight[k], 0) / wsum : 0;
    if (rmin > problem.pruningBudget) {
      return `the devices' minimum pruning needs a weighted mean of ${rmin.toFixed(4)}, above the pruning budget ${problem.pruningBudget}.`;
    }
    return `every client can meet its cap of ${cap} alone, but not all together within the band B and the pruning budget.`;
  }
  const who = `client${clients.length > 1 ? 's' : ''} ${clientList(clients)}`;
  switch (r.method) {
    case 'equal':
    case 'uniform-prune':
      return `its fixed point (its own pruning, B/K each) spends more than the cap of ${cap} on ${who}.`;
    case 'bandwidth-only':
    case 'uniform-prune-bandwidth':
      return `at its pruning no bandwidth brings ${who} under the cap of ${cap}.`;
    case 'prune-only':
      return `with B/K each, ${who} would need more pruning than ρ_max to meet the cap of ${cap}.`;
    default:
      return `${who} cannot meet the cap of ${cap} at all, even at full pruning ρ_max with unlimited bandwidth.`;
  }
}

function renderLatency() {
  const { results, problem } = last;
  const optimal = results.find((r) => r.method === 'optimal');
  const optimalT = optimal && hasPointResult(optimal) ? optimal.latency : NaN;
  const weightSum = problem.dataWeight.reduce((a, b) => a + b, 0);
  const tbody = /** @type {HTMLTableElement} */ ($('latency-table')).tBodies[0];
  tbody.replaceChildren(
    ...results.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.method = r.method;
      tr.dataset.status = r.status;
      if (!hasPointResult(r)) {
        tr.className = 'infeasible';
        tr.append(
          methodCell(r.method),
          cell('infeasible', 'num', { id: `latency-${r.method}`, 'data-value': '' }),
          cell(DASH),
          cell(DASH),
          cell(DASH, 'num', { id: `energy-total-${r.method}`, 'data-value': '' }),
          cell(DASH, 'num', { id: `energy-max-${r.method}`, 'data-value': '' }),
          cell(String(r.iterations)),
          // The clients are listed in the message below the table.
          cell(r.infeasibleClients.length ? `infeasible: ${r.infeasibleClients.length} client${r.infeasibleClients.length > 1 ? 's' : ''}` : 'infeasible', ''),
        );
        return tr;
      }
      const meanPruning = r.pruning.reduce((s, rho, k) => s + rho * problem.dataWeight[k], 0) / weightSum;
      const gap = r.latency / optimalT - 1;
      tr.append(
        methodCell(r.method),
        cell(fmtSeconds(r.latency), 'num', { id: `latency-${r.method}`, 'data-value': r.latency }),
        cell(Number.isFinite(gap) ? `+${fmtPercent(gap)}%` : DASH, 'num', Number.isFinite(gap) ? { 'data-value': gap } : {}),
        cell(fmtPercent(meanPruning), 'num', { 'data-value': meanPruning }),
        cell(fmtJoules(r.energyTotal), 'num', { id: `energy-total-${r.method}`, 'data-value': r.energyTotal }),
        cell(fmtJoules(r.energyMax), 'num', { id: `energy-max-${r.method}`, 'data-value': r.energyMax }),
        cell(String(r.iterations)),
        cell(r.status, ''),
      );
      return tr;
    }),
  );
  latencyChart.data.labels = results.map((r) => r.method);
  latencyChart.data.datasets = [
    // null: no bar for an infeasible method (its label stays on the axis, the table says why).
    { label: 'Round latency (s)', data: results.map((r) => r.latency), backgroundColor: results.map((r) => COLOR[r.method]) },
  ];
  latencyChart.update();
  $('latency-chart').closest('figure').hidden = !results.some(hasPointResult);
  const said = (r) => (hasPointResult(r) ? `${r.method} ${fmtSeconds(r.latency)} s` : `${r.method} infeasible`);
  $('latency-chart').setAttribute('aria-label', `Bar chart of the round latency of each method, in seconds: ${results.map(said).join('; ')}.`);
  const s = last.scenario;
  const K = problem.dataWeight.length;
  const cap = s.energyCapJ === null ? 'no energy cap' : `energy cap ${s.energyCapJ} J per client per round`;
  $('latency-caption').textContent =
    `Round latency T = max over clients of τ_k, in seconds, for K = ${K} clients, B = ${s.bandwidthHz / HZ_PER_MHZ} MHz, ` +
    `budget ${s.budget}, ρ_max ${s.maxPruning}, t0 ${s.fixedSeconds} s, φ_c ${s.prunableComputeFraction}, φ_s ${s.prunablePayloadFraction}, ` +
    (s.devices === 'none' ? `compute power ${s.computePowerW} W, ${cap}, no device fleet, ` : `device fleet ${s.devices} (each device its own compute power), ${cap}, `) +
    `${s.model} on ${s.dataset}, seed ${s.seed}, drop ${s.drop}, realization ${s.realization}. ` +
    (results.some((r) => !hasPointResult(r)) ? 'No bar: the method is infeasible. ' : '') +
    'The table below has the same numbers.';
  $('certificate').textContent =
    optimal && hasPointResult(optimal)
      ? `optimal is certified: T* lies in [${optimal.lowerBound}, ${optimal.upperBound}] s (relative width ${((optimal.upperBound - optimal.lowerBound) / optimal.upperBound).toExponential(1)}).`
      : '';
  const infeasible = results.filter((r) => !hasPointResult(r));
  const box = $('infeasible-box');
  box.hidden = infeasible.length === 0;
  if (infeasible.length) {
    const title = document.createElement('p');
    title.textContent =
      infeasible.length === results.length
        ? 'No method has a point: no choice of pruning and bandwidth meets every constraint. Why, method by method:'
        : `${infeasible.length} of ${results.length} methods have no point that meets every constraint (their rows above are marked infeasible):`;
    const list = document.createElement('ul');
    list.append(
      ...infeasible.map((r) => {
        const li = document.createElement('li');
        const code = document.createElement('code');
        code.textContent = r.method;
        li.append(code, `: ${infeasibleReason(r, problem)}`);
        return li;
      }),
    );
    box.replaceChildren(title, list);
  }
  $('problem-notes').textContent = problemNotes(problem, s);
}

/** What the generated problem holds beyond the form: excluded clients, minimum pruning, powers. */
function problemNotes(p, s) {
  const K = p.dataWeight.length;
  const notes = [];
  if (p.excludedClients) {
    notes.push(`${p.excludedClients} of the ${K + p.excludedClients} clients drawn were excluded: their device cannot hold the fine-tuning even at ρ_max.`);
  }
  if (p.minPruning) {
    const must = Array.from(p.minPruning).filter((x) => x > 0).length;
    const wsum = p.dataWeight.reduce((a, b) => a + b, 0);
    const mean = p.minPruning.reduce((a, x, k) => a + x * p.dataWeight[k], 0) / wsum;
    notes.push(
      `Devices: ${must} of ${K} clients must prune to fit the model (minimum pruning ρ_min,k up to ${fmtPercent(Math.max(...p.minPruning))}%; ` +
        `weighted mean ${fmtPercent(mean)}%, budget ${fmtPercent(p.pruningBudget)}%).`,
    );
  }
  if (p.computePowerW) {
    const lo = Math.min(...p.computePowerW);
    const hi = Math.max(...p.computePowerW);
    notes.push(`Compute power: ${lo === hi ? `${lo} W for every client` : `${Number(lo.toPrecision(4))} to ${Number(hi.toPrecision(4))} W`}${s.devices !== 'none' ? ' (each device its own)' : ''}.`);
  } else notes.push('Compute power: 0 W (only the upload spends energy).');
  return notes.join(' ');
}

/** The per-client table's columns for this problem: [header HTML, class, (k, r) => [text, attrs]]. */
function clientColumns(p, r, leastEnergy) {
  const feasible = hasPointResult(r);
  // A number of the point, or for an infeasible method a dash (its field blank).
  const point = (field, f) => (k) => (feasible ? f(k) : [DASH, { 'data-field': field, 'data-value': '' }]);
  const capped = Boolean(p.energyCapJ);
  const infeasibleSet = new Set(feasible ? [] : r.infeasibleClients);
  /** @type {[string, (k: number) => [string, Record<string, unknown>]][]} */
  const cols = [['Client', (k) => [String(k + 1), {}]]];
  if (p.device) cols.push(['Device', (k) => [p.device[k], { class: '' }]]);
  cols.push(
    ['Compute c<sub>k</sub> (s)', (k) => [p.computeSeconds[k].toPrecision(4), { 'data-value': p.computeSeconds[k] }]],
    ['Data weight w<sub>k</sub> (samples)', (k) => [String(p.dataWeight[k]), {}]],
    ['Channel gain (dB)', (k) => [(10 * Math.log10(p.channelGain[k])).toFixed(1), { 'data-value': p.channelGain[k] }]],
  );
  if (p.computePowerW) cols.push(['Compute power e<sub>k</sub> (W)', (k) => [String(Number(p.computePowerW[k].toPrecision(4))), { 'data-value': p.computePowerW[k] }]]);
  if (p.minPruning) cols.push(['Minimum pruning ρ<sub>min,k</sub> (%)', (k) => [fmtPercent(p.minPruning[k]), { 'data-field': 'minPruning', 'data-value': p.minPruning[k] }]]);
  cols.push(
    ['Pruning ρ<sub>k</sub> (%)', point('pruning', (k) => [fmtPercent(r.pruning[k]), { 'data-field': 'pruning', 'data-value': r.pruning[k] }])],
    ['Bandwidth b<sub>k</sub> (kHz)', point('bandwidth', (k) => [fmtKHz(r.bandwidth[k]), { 'data-field': 'bandwidth', 'data-value': r.bandwidth[k] }])],
    ['Latency τ<sub>k</sub> (s)', point('clientLatency', (k) => [fmtSeconds(r.clientLatency[k]), { 'data-field': 'clientLatency', 'data-value': r.clientLatency[k] }])],
    ['Energy E<sub>k</sub> (J)', point('energy', (k) => [fmtJoules(r.energy[k]), { 'data-field': 'energy', 'data-value': r.energy[k] }])],
  );
  if (capped) {
    cols.push(['Least energy possible (J)', (k) => [fmtJoules(leastEnergy[k]), { 'data-field': 'leastEnergy', 'data-value': leastEnergy[k] }]]);
    cols.push([
      'Cap Ē (J)',
      (k) => {
        const capJ = p.energyCapJ[k];
        if (infeasibleSet.has(k)) return [`${fmtJoules(capJ)}: cannot meet`, { class: 'cap-state', 'data-cap': 'cannot-meet' }];
        if (!feasible) return [fmtJoules(capJ), { class: 'cap-state' }];
        const binds = r.energy[k] >= capJ * (1 - 1e-9);
        return [`${fmtJoules(capJ)}${binds ? ': binds' : ''}`, { class: 'cap-state', 'data-cap': binds ? 'binds' : 'slack' }];
      },
    ]);
  }
  return cols;
}

function renderClients() {
  if (!last) return;
  const method = /** @type {HTMLSelectElement} */ ($('method')).value;
  const r = last.results.find((x) => x.method === method);
  const p = last.problem;
  const K = p.dataWeight.length;
  const feasible = hasPointResult(r);
  const order = feasible ? sortedClients(K, r.pruning, r.bandwidth) : [];
  const radius = pointRadius(K);
  const infeasibleSet = new Set(feasible ? [] : r.infeasibleClients);
  const cap = p.energyCapJ ? p.energyCapJ[0] : null;

  // Pruning and bandwidth: every client, sorted by pruning, then bandwidth.
  clientsChart.options.scales.x = rankAxis(K, 'Client rank by pruning, then bandwidth');
  if (feasible) {
    const mhz = Array.from(r.bandwidth, (x) => x / HZ_PER_MHZ);
    clientsChart.data.datasets = [
      {
        label: 'Pruning rate ρ_k (%, left axis)',
        data: order.map((k, i) => ({ x: i + 1, y: 100 * r.pruning[k], k })),
        backgroundColor: PRUNING_COLOR,
        borderColor: PRUNING_COLOR,
        pointStyle: 'circle',
        pointRadius: radius,
        yAxisID: 'y',
      },
      {
        label: 'Bandwidth b_k (right axis)',
        data: order.map((k, i) => ({ x: i + 1, y: mhz[k], k })),
        backgroundColor: BANDWIDTH_COLOR,
        borderColor: BANDWIDTH_COLOR,
        pointStyle: 'triangle',
        pointRadius: radius + 0.5,
        yAxisID: 'y1',
      },
    ];
    if (p.minPruning) {
      // A fleet: the least pruning each client's device forces (MODEL.md section 12).
      clientsChart.data.datasets.push({
        label: 'Minimum pruning ρ_min,k (%, left axis)',
        data: order.map((k, i) => ({ x: i + 1, y: 100 * p.minPruning[k], k })),
        backgroundColor: '#1b1f24',
        borderColor: '#1b1f24',
        pointStyle: 'dash',
        pointRadius: radius + 3,
        borderWidth: 2,
        yAxisID: 'y',
      });
    }
    const positive = mhz.filter((x) => x > 0);
    const ticks = logTicks(Math.min(...positive), Math.max(...positive));
    clientsChart.$logTicks = ticks;
    clientsChart.options.scales.y1.min = ticks[0];
    clientsChart.options.scales.y1.max = ticks[ticks.length - 1];
    clientsChart.options.scales.y1.display = true;
  } else {
    clientsChart.data.datasets = [];
    clientsChart.options.scales.y1.display = false;
  }
  clientsChart.update();
  // An infeasible method has no point: no empty axes, the message above says why.
  $('clients-chart').closest('figure').hidden = !feasible;
  const pruned = feasible ? Array.from(r.pruning).filter((x) => x > 0).length : 0;
  $('clients-chart').setAttribute(
    'aria-label',
    feasible
      ? `Chart for method ${method}: pruning rate in percent and bandwidth of each of ${K} clients, sorted by pruning, then bandwidth; ` +
          `${pruned} clients prune, up to ${fmtPercent(Math.max(...r.pruning))}%; bandwidth from ${formatBandwidth(Math.min(...r.bandwidth) / HZ_PER_MHZ)} ` +
          `to ${formatBandwidth(Math.max(...r.bandwidth) / HZ_PER_MHZ)}. The table below lists every client.`
      : `Empty chart: method ${method} is infeasible, it has no pruning or bandwidth to show.`,
  );
  $('clients-caption').textContent = feasible
    ? `Method ${method}: pruning rate ρ_k (%, left axis, circles) and bandwidth b_k (right axis, log scale, triangles; the unit on each tick) ` +
      `of all ${K} clients${p.minPruning ? ', with the minimum pruning each device forces (dashes)' : ''}, sorted by pruning rate, then bandwidth (every client drawn, none sampled or aggregated; ` +
      `the table below lists them by client number); round latency ${fmtSeconds(r.latency)} s.`
    : `Method ${method} is infeasible: no pruning or bandwidth to show.`;

  // Energy: the point's, or for an infeasible method the least each client could spend.
  energyChart.options.scales.x = rankAxis(K, 'Client rank by energy (1 = least)');
  const energyData = feasible ? r.energy : last.leastEnergy;
  const datasets = [];
  if (energyData) {
    const byEnergy = sortedClients(K, energyData);
    const ok = byEnergy.filter((k) => !infeasibleSet.has(k));
    const bad = byEnergy.filter((k) => infeasibleSet.has(k));
    const rank = new Map(byEnergy.map((k, i) => [k, i + 1]));
    datasets.push({
      label: feasible ? 'Energy E_k (J)' : 'Least energy possible (J): full pruning, unlimited band',
      data: ok.map((k) => ({ x: rank.get(k), y: energyData[k], k })),
      backgroundColor: ENERGY_COLOR,
      borderColor: ENERGY_COLOR,
      pointStyle: 'circle',
      pointRadius: radius,
    });
    if (bad.length) {
      datasets.push({
        label: 'Cannot meet the cap (J)',
        data: bad.map((k) => ({ x: rank.get(k), y: energyData[k], k })),
        backgroundColor: INFEASIBLE_COLOR,
        borderColor: INFEASIBLE_COLOR,
        pointStyle: 'crossRot',
        pointRadius: radius + 3,
        borderWidth: 2,
      });
    }
  }
  if (cap !== null) {
    datasets.push({
      type: 'line',
      label: `Cap Ē = ${fmtJoules(cap)} J`,
      data: [
        { x: 0.5, y: cap },
        { x: K + 0.5, y: cap },
      ],
      borderColor: '#1b1f24',
      backgroundColor: '#1b1f24',
      borderDash: [6, 4],
      borderWidth: 1.5,
      pointRadius: 0,
      pointStyle: 'line',
    });
  }
  energyChart.data.datasets = datasets;
  energyChart.update();
  const shownEnergy = energyData ? Array.from(energyData) : [];
  $('energy-chart').setAttribute(
    'aria-label',
    energyData
      ? `Chart of each client's ${feasible ? 'energy per round' : 'least possible energy per round'} for method ${method}, in J, sorted by energy: ` +
          `from ${fmtJoules(Math.min(...shownEnergy))} to ${fmtJoules(Math.max(...shownEnergy))} J` +
          (cap !== null ? `; cap ${fmtJoules(cap)} J` : '') +
          (infeasibleSet.size ? `; clients ${clientList([...infeasibleSet])} cannot meet it` : '') +
          '.'
      : `Empty chart: method ${method} is infeasible and the problem has no cap.`,
  );
  $('energy-caption').textContent =
    (feasible
      ? `Method ${method}: energy E_k of each client in one round, in J (compute and upload), all ${K} clients sorted by energy, least first; ` +
        `total ${fmtJoules(r.energyTotal)} J, most of one client ${fmtJoules(r.energyMax)} J.`
      : `Method ${method} is infeasible: the least energy each client could spend in one round (full pruning ρ_max, unlimited bandwidth), in J, sorted; ` +
        'the clients that cannot meet the cap are red crosses.') + (cap !== null ? ` Dashed line: the cap, ${fmtJoules(cap)} J.` : ' No cap.');

  const note = $('clients-infeasible');
  note.hidden = feasible;
  note.textContent = feasible
    ? ''
    : `${method} is infeasible: ${infeasibleReason(r, p)}` +
      (infeasibleSet.size ? ' These clients are highlighted in the table below and drawn as red crosses in the energy chart.' : '');

  const cols = clientColumns(p, r, last.leastEnergy);
  const table = /** @type {HTMLTableElement} */ ($('clients-table'));
  const head = document.createElement('tr');
  head.append(
    ...cols.map(([html]) => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.innerHTML = html;
      if (!['Device'].includes(html)) th.className = 'num';
      return th;
    }),
  );
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(
    ...Array.from({ length: K }, (_, k) => {
      const tr = document.createElement('tr');
      tr.dataset.client = String(k);
      if (infeasibleSet.has(k)) tr.className = 'infeasible';
      for (const [, value] of cols) {
        const [text, attrs] = value(k);
        const { class: className = 'num', ...rest } = attrs;
        tr.append(cell(text, className === 'cap-state' ? 'num cap-state' : className, rest));
      }
      return tr;
    }),
  );
  $('clients-section').dataset.method = method;
  $('clients-section').dataset.feasible = String(feasible);
}

function renderMonteCarlo(stats, scenario, realizations) {
  const tbody = /** @type {HTMLTableElement} */ ($('mc-table')).tBodies[0];
  tbody.replaceChildren(
    ...stats.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.method = s.method;
      const none = { 'data-value': '' };
      if (s.n === 0) tr.className = 'infeasible';
      tr.append(
        methodCell(s.method),
        s.n ? cell(fmtSeconds(s.mean), 'num', { id: `mc-mean-${s.method}`, 'data-value': s.mean }) : cell('no point', 'num', { id: `mc-mean-${s.method}`, ...none }),
        s.n ? cell(`[${fmtSeconds(s.ci95Low)}, ${fmtSeconds(s.ci95High)}]`, 'num', { 'data-low': s.ci95Low, 'data-high': s.ci95High }) : cell(DASH, 'num', { 'data-low': '', 'data-high': '' }),
        s.n ? cell(fmtSeconds(s.median), 'num', { id: `mc-median-${s.method}`, 'data-value': s.median }) : cell(DASH, 'num', { id: `mc-median-${s.method}`, ...none }),
        s.n ? cell(fmtSeconds(s.std), 'num', { 'data-value': s.std }) : cell(DASH),
        s.n ? cell(fmtJoules(s.energyTotal), 'num', { id: `mc-energy-${s.method}`, 'data-value': s.energyTotal }) : cell(DASH, 'num', { id: `mc-energy-${s.method}`, ...none }),
        cell(String(s.n)),
        cell(String(s.infeasible), 'num', { id: `mc-infeasible-${s.method}`, 'data-value': s.infeasible }),
      );
      return tr;
    }),
  );
  mcChart.data.labels = stats.map((s) => s.method);
  mcChart.data.datasets = [{ label: 'Mean round latency (s)', data: stats.map((s) => s.mean), backgroundColor: stats.map((s) => COLOR[s.method]) }];
  mcChart.$ci = stats.map((s) => [s.ci95Low, s.ci95High]);
  // The axis reaches the top of every interval, so no whisker is cut off at the top.
  mcChart.options.scales.y.suggestedMax = Math.max(0, ...stats.filter((s) => s.n > 0).map((s) => s.ci95High));
  $('mc-results').hidden = false;
  mcChart.update();
  $('mc-chart').setAttribute(
    'aria-label',
    `Bar chart of the mean round latency over ${realizations} realizations, in seconds, with 95% confidence intervals: ` +
      stats.map((s) => (s.n ? `${s.method} ${fmtSeconds(s.mean)} s [${fmtSeconds(s.ci95Low)}, ${fmtSeconds(s.ci95High)}]` : `${s.method} no point`)).join('; ') + '.',
  );
  $('mc-caption').textContent =
    `Mean round latency over realizations 0 to ${realizations - 1} of drop ${scenario.drop} (K = ${scenario.clients}, seed ${scenario.seed}), ` +
    'in seconds, with 95% confidence intervals (Student t). The table below has the same numbers.' +
    (stats.some((s) => s.infeasible > 0)
      ? ' With energy caps some realizations have no point for some methods: each method\'s statistics cover the realizations where it returned one (the table counts the others).'
      : '') +
    // Rayleigh fading: a deep fade of one client can make one round far slower than the rest.
    (stats.some((s) => s.n > 0 && s.std > s.mean) ? ' The latency is heavy-tailed here (deep fades), so the mean and its interval are wide: the median is steadier.' : '');
}

const planChart = barChart('plan-chart', {
  plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => `${c.parsed.y.toFixed(3)} h` } } },
  scales: { x: axis('Method (policy)'), y: axis('Fine-tuning time to the target (h)', { beginAtZero: true }) },
});

const fmtHours = (seconds) => (seconds / SECONDS_PER_HOUR).toFixed(3);

/**
 * A plan with a fine-tuning time to show. An infeasible plan has none, and neither has a
 * plan whose mean round latency is not positive: the adaptive plan of a problem whose caps
 * no realization meets comes back with 0 s and status iteration-limit (a defect of the
 * planner, reported), and a round never takes 0 s.
 */
const hasPlan = (p) => p.status !== 'infeasible' && p.meanRoundLatency > 0 && Number.isFinite(p.fineTuningSeconds) && p.fineTuningSeconds > 0;

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
      if (!hasPlan(p)) {
        // Energy caps no budget meets in some realization: no plan (MODEL.md 11.2).
        tr.className = 'infeasible';
        tr.append(
          methodCell(p.method),
          cell(p.policy, ''),
          cell(DASH),
          cell(DASH),
          cell('infeasible', 'num', { id: `plan-${p.method}-${p.policy}`, 'data-value': 'Infinity' }),
          cell(DASH),
        );
        return tr;
      }
      const saving = equal && hasPlan(equal) ? 1 - p.fineTuningSeconds / equal.fineTuningSeconds : NaN;
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
    {
      label: 'Fine-tuning time (h)',
      data: plans.map((p) => (hasPlan(p) ? p.fineTuningSeconds / SECONDS_PER_HOUR : null)),
      backgroundColor: plans.map((p) => COLOR[p.method]),
    },
  ];
  $('plan-results').hidden = false;
  planChart.update();
  $('plan-chart').setAttribute(
    'aria-label',
    `Bar chart of the fine-tuning time to the target of each method at its best budget, in hours: ${plans
      .map((p) => (hasPlan(p) ? `${label(p)} ${fmtHours(p.fineTuningSeconds)} h` : `${label(p)} infeasible`))
      .join('; ')}.`,
  );
  const limit = Number.isFinite(request.pruningLimit) ? request.pruningLimit : '∞';
  $('plan-caption').textContent =
    `Fine-tuning time to the target at each method's best budget, in hours: R0 = ${request.rounds0}, Pmax = ${limit}, ` +
    `realizations 0 to ${request.realizations - 1} of drop ${scenario.drop} (K = ${scenario.clients}, seed ${scenario.seed}). ` +
    'Adaptive: one budget per round, its rounds not rounded up. The table below has the same numbers.';
  const best = plans.find((p) => p.method === 'optimal' && p.policy === 'static');
  const at = $('plan-at-budget');
  if (atBudget.rounds < Infinity && !(atBudget.latency < Infinity)) {
    at.textContent = `optimal at the scenario's budget ${atBudget.budget}: infeasible (a realization has no point that meets every energy cap).`;
    at.dataset.value = 'Infinity';
  } else if (best && Number.isFinite(atBudget.seconds) && hasPlan(best)) {
    at.textContent =
      `optimal at the scenario's budget ${atBudget.budget}: ${atBudget.rounds} rounds, ${fmtHours(atBudget.seconds)} h, ` +
      `${(atBudget.seconds / best.fineTuningSeconds).toFixed(2)} times its best (${best.budget.toFixed(4)}).`;
    at.dataset.value = String(atBudget.seconds);
  } else if (atBudget.rounds === Infinity) {
    at.textContent = `optimal at the scenario's budget ${atBudget.budget}: the target is out of reach (budget >= Pmax).`;
    at.dataset.value = 'Infinity';
  } else {
    at.textContent = `optimal at the scenario's budget ${atBudget.budget}: ${atBudget.rounds} rounds, ${fmtHours(atBudget.seconds)} h (no plan of optimal to compare with).`;
    at.dataset.value = String(atBudget.seconds);
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
        cell(s.stoppedAt === null ? String(end) : `${end}: no point in round ${s.stoppedAt} (energy caps)`, 'num', { 'data-value': end }),
      );
      if (s.stoppedAt !== null) tr.className = 'infeasible';
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
      last = { scenario: job.scenario, problem: data.problem, results: data.results, leastEnergy: data.leastEnergy };
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
fillSelect($('devices'), [
  ['none', 'none: throughputs drawn in a range, no minimum pruning'],
  ...Object.entries(FLEET_PRESETS).map(([id, shares]) => [id, `${id}: ${Object.entries(shares).map(([d, x]) => `${d} ${Math.round(100 * x)}%`).join(', ')}`]),
]);
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
