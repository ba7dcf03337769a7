/**
 * The scenario generator's options as command-line flags (generate, sweep), with units and defaults in the help.
 */
import { JcpbaError } from '../core/error.js';
import { DATASET_PRESETS, MODEL_PRESETS, SCENARIO_DEFAULTS, SCENARIO_HELP, type ScenarioOptions, computePowerRange } from '../core/scenario.js';
import { parseFleet } from '../core/devices.js';
import { didYouMean } from './suggest.js';
import { type FlagSpec, parseNumber } from './args.js';

/** Scenario options as flags: flag name -> option key, with the unit in the help. */
export const SCENARIO_FLAGS: Record<string, keyof ScenarioOptions> = {
  clients: 'clients',
  seed: 'seed',
  drop: 'drop',
  realization: 'realization',
  'cell-radius': 'cellRadiusM',
  'min-distance': 'minDistanceM',
  shadowing: 'shadowingDb',
  'tx-power': 'txPowerDbm',
  'noise-psd': 'noisePsdDbmPerHz',
  bandwidth: 'bandwidthHz',
  model: 'model',
  dataset: 'dataset',
  'samples-min': 'samplesMin',
  'samples-max': 'samplesMax',
  epochs: 'epochs',
  'throughput-min': 'throughputMin',
  'throughput-max': 'throughputMax',
  'max-pruning': 'maxPruning',
  budget: 'budget',
  'fixed-seconds': 'fixedSeconds',
  'prunable-compute': 'prunableComputeFraction',
  'prunable-payload': 'prunablePayloadFraction',
  devices: 'devices',
  utilization: 'utilization',
  'prunable-memory': 'memoryPrunableFraction',
  'compute-power': 'computePowerW',
  'energy-cap': 'energyCapJ',
};

const STRING_OPTIONS = new Set<keyof ScenarioOptions>(['model', 'dataset']);
/** Options whose value is text the core parses itself (a fleet, a range), or a number or `none`. */
const TEXT_OPTIONS: Partial<Record<keyof ScenarioOptions, string>> = { devices: 'FLEET', computePowerW: 'W|lo:hi', energyCapJ: 'J|none' };

export function scenarioFlagSpecs(valueName = 'X'): Record<string, FlagSpec> {
  const specs: Record<string, FlagSpec> = {};
  for (const [flag, key] of Object.entries(SCENARIO_FLAGS)) {
    const def = SCENARIO_DEFAULTS[key];
    specs[flag] = {
      value: STRING_OPTIONS.has(key) ? 'PRESET' : (TEXT_OPTIONS[key] ?? valueName),
      help: SCENARIO_HELP[key],
      default: def === undefined ? undefined : def === null ? 'none' : String(def),
    };
  }
  return specs;
}

/** Reads one scenario flag's value: a number, a preset name, a fleet, a power range, or `none` (the energy cap: null). */
export function scenarioValue(flag: string, text: string): number | string | null {
  const key = SCENARIO_FLAGS[flag];
  if (key === 'devices') {
    parseFleet(text);
    return text.trim();
  }
  if (key === 'computePowerW') {
    const v = text.includes(':') ? text.trim() : parseNumber(text, `--${flag}`);
    computePowerRange(v);
    return v;
  }
  if (key === 'energyCapJ' && text.trim() === 'none') return null;
  if (!STRING_OPTIONS.has(key)) return parseNumber(text, `--${flag}`);
  const presets = Object.keys(key === 'model' ? MODEL_PRESETS : DATASET_PRESETS);
  if (!presets.includes(text)) {
    throw new JcpbaError('unknown-preset', `unknown ${key} preset ${JSON.stringify(text)}${didYouMean(text, presets)}; expected one of ${presets.join(', ')}`, key);
  }
  return text;
}

